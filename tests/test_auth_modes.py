"""Which mode `dangjian serve` runs in, that `--workers` keep it, that bad settings stop start-up
by name, that --dev still answers without a token (and verifies one when sent), and that resets
keep the API keys."""
from __future__ import annotations

import json
import subprocess
import sys
import uuid

import httpx
import pytest

from tests.auth_support import AUDIT, CREATE_ZONE, TOWNS, bearer, dangjian, make_key, post
from tests.conftest import REPO, TEST_GRAPH, cli_env, embedded_env, free_port, scratch_graph, start_serve
from web.security import DEV, OPEN, PRODUCTION, resolve_mode


@pytest.mark.parametrize("dev, production, url, env, mode", [
    (False, False, None, {}, OPEN),
    (True, False, None, {}, DEV),
    (False, True, None, {}, PRODUCTION),
    (False, False, "bolt://db:7687", {}, PRODUCTION),
    (False, False, None, {"DANGJIAN_DATABASE_URL": "neo4j://db:7687"}, PRODUCTION),
    (True, False, None, {"DANGJIAN_DATABASE_URL": "neo4j://db:7687"}, DEV),
    (False, False, None, {"DANGJIAN_DATABASE_URL": "neo4j://db:7687", "DANGJIAN_MODE": "open"}, OPEN),
    (False, False, None, {"DANGJIAN_DEV": "1"}, DEV),
    (False, True, None, {"DANGJIAN_MODE": "open"}, PRODUCTION),  # the flag wins
])
def test_the_mode_follows_the_flags_then_the_environment(dev, production, url, env, mode):
    assert resolve_mode(dev, production, url, env) == mode


@pytest.mark.parametrize("env, setting", [
    ({"DANGJIAN_RATE_VIEWER": "lots"}, "DANGJIAN_RATE_VIEWER"),
    ({"DANGJIAN_JWT_SECRET": "short"}, "DANGJIAN_JWT_SECRET"),
    ({"DANGJIAN_JWT_JWKS_FILE": "/nonexistent/jwks.json", "DANGJIAN_JWT_AUDIENCE": "x"}, "DANGJIAN_JWT_JWKS_FILE"),
    ({"DANGJIAN_JWT_JWKS_URL": "https://id.example.org/jwks"}, "DANGJIAN_JWT_AUDIENCE"),
    ({"DANGJIAN_JWT_SECRET": "s" * 40, "DANGJIAN_JWT_JWKS_URL": "https://id.example.org/jwks"}, "set one of"),
    ({"DANGJIAN_CORS_ORIGINS": "app.example.org"}, "DANGJIAN_CORS_ORIGINS"),
    ({"DANGJIAN_PUBLIC_READ": "maybe"}, "DANGJIAN_PUBLIC_READ"),
    ({"DANGJIAN_PERSISTED_QUERIES": "/nonexistent.json"}, "DANGJIAN_PERSISTED_QUERIES"),
    ({"DANGJIAN_MODE": "paranoid"}, "DANGJIAN_MODE"),
])
def test_a_bad_setting_stops_start_up_naming_it(tmp_path, env, setting):
    done = subprocess.run([sys.executable, "-m", "web.cli", "serve", "--production", "--port", str(free_port())],
                          cwd=REPO, env=embedded_env(tmp_path, **env), capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and setting in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert not any(tmp_path.iterdir()), "nothing was started"


def test_dev_and_production_contradict(tmp_path):
    done = subprocess.run([sys.executable, "-m", "web.cli", "serve", "--dev", "--production"], cwd=REPO,
                          env=embedded_env(tmp_path), capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "choose one mode" in done.stderr


def test_a_database_url_means_production(engine, backend, data_dir):
    """On Neo4j (which has a URL) the real server refuses anonymous reads; FalkorDB's embedded
    engine has none, so there serve is pointed at a FalkorDB URL that does not answer: it says it
    starts in production mode before it fails to connect."""
    if engine.name == "neo4j":
        process, url = start_serve(data_dir, "--no-seed", graph=TEST_GRAPH, engine=engine, env={"DANGJIAN_MODE": ""})
        try:
            assert post(url, TOWNS).status_code == 401
        finally:
            process.terminate()
            process.wait(30)
        return
    done = subprocess.run([sys.executable, "-m", "web.cli", "serve", "--no-seed", "--port", str(free_port())], cwd=REPO,
                          env=embedded_env(data_dir, DANGJIAN_MODE="",
                                           DANGJIAN_DATABASE_URL=f"falkordb://127.0.0.1:{free_port()}"),
                          capture_output=True, text=True, timeout=120)
    assert "dangjian-graph: production mode" in done.stderr, done.stderr


async def test_dev_mode_needs_no_token_but_checks_one_sent(engine, data_dir):
    graph = f"{TEST_GRAPH}_devauth"
    async with scratch_graph(engine, graph):
        process, url = start_serve(data_dir, "--dev", "--no-seed", graph=graph, engine=engine)
        try:
            key = make_key(engine, graph, "李研究员", "viewer")
            plain = post(url, TOWNS).json()
            assert plain["data"] == {"towns": {"totalCount": 4}} and plain["extensions"]["cost"]["budget"] == 500_000
            assert post(url, TOWNS, headers=bearer(key)).json()["extensions"]["cost"]["budget"] == 50_000
            assert post(url, TOWNS, headers=bearer(key[:-2] + "xx")).status_code == 401
            uid = f"zone-dev-{uuid.uuid4().hex[:8]}"
            written = post(url, CREATE_ZONE, {"u": uid}, headers={"x-actor": "alice"}).json()
            assert written["data"] == {"createZone": {"uid": uid}}, written
            assert post(url, AUDIT, {"u": uid}).json()["data"]["auditEntries"]["nodes"][0]["actor"] == "alice"
            introspected = post(url, "{ __schema { queryType { name } } }").json()
            assert introspected["data"] == {"__schema": {"queryType": {"name": "Query"}}}
        finally:
            process.terminate()
            process.wait(30)


def test_workers_keep_production_mode_and_a_graph_of_keys_only_is_seeded(tmp_path):
    """The embedded FalkorDB only (the engine --workers starts for its workers)."""
    made = subprocess.run([sys.executable, "-m", "web.cli", "token", "create", "--name", "运维", "--role", "viewer"],
                          cwd=REPO, env=embedded_env(tmp_path), capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    process, url = start_serve(tmp_path, "--production", "--workers", "2", timeout=180)
    try:
        for _ in range(6):  # several connections: both workers answer
            assert httpx.post(url + "/graphql", json={"query": TOWNS}).status_code == 401
            answer = httpx.post(url + "/graphql", json={"query": TOWNS}, headers=bearer(made.stdout.strip()))
            assert answer.json()["data"] == {"towns": {"totalCount": 4}}, answer.text
    finally:
        process.terminate()
        process.wait(60)


async def test_resets_keep_the_api_keys(engine):
    graph = f"{TEST_GRAPH}_keys_reset"
    async with scratch_graph(engine, graph) as backend:
        from graph.reset import reset_graph

        key_ids = {make_key(engine, graph, "保留", "viewer").split("_")[1]}
        for flags in (("--reset", "--yes"), ("--reset", "--yes", "--include-audit")):
            done = subprocess.run([sys.executable, "-m", "web.cli", "seed", *flags], cwd=REPO,
                                  env=cli_env(engine, graph), capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, done.stderr
            listed = json.loads(dangjian(engine, graph, "token", "list", "--json").stdout)
            assert {row["id"] for row in listed} == key_ids, flags
        await reset_graph(backend, keep_audit=False)  # no audit entries: the graph is not dropped whole
        listed = json.loads(dangjian(engine, graph, "token", "list", "--json").stdout)
        assert {row["id"] for row in listed} == key_ids


def test_every_setting_of_the_front_door_is_documented():
    """Each setting web/security.py, web/jwt_auth.py and web/persisted.py read, and the per-role
    ones of graph/limits.py, is in the README's table and in docs/security.md."""
    import re

    from graph.grants import ROLES

    names = {f"DANGJIAN_{kind}_{role.upper()}" for kind in ("MAX_COST", "MAX_PAGE", "RATE") for role in ROLES}
    names |= {f"DANGJIAN_JWT_{part}_CLAIM" for part in ("ROLE", "TOWNS", "READS")}
    for module in ("security", "jwt_auth", "persisted"):
        names |= set(re.findall(r'"(DANGJIAN_[A-Z_]+[A-Z])"', (REPO / "web" / f"{module}.py").read_text()))
    assert {"DANGJIAN_PUBLIC_READ", "DANGJIAN_JWT_SECRET", "DANGJIAN_CORS_ORIGINS"} <= names
    readme, security = (REPO / "README.md").read_text(), (REPO / "docs" / "security.md").read_text()
    for name in sorted(names):
        assert f"`{name}`" in readme, name
        assert name in security or name in ("DANGJIAN_DEV", "DANGJIAN_DATABASE_URL"), name
