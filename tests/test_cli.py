"""The `dangjian` command and the HTTP surface around /graphql."""
from __future__ import annotations

import os
import subprocess
import sys

import httpx

from graph.embedded import EmbeddedFalkorDB
from graph.falkordb_backend import FalkorBackend
from graph.plan import CompiledQuery
from seed.loader import read_seed
from tests.conftest import REPO, start_serve

COUNTS = CompiledQuery(
    "MATCH (n) WITH count(n) AS nodes MATCH ()-[r]->() RETURN nodes, count(r) AS relationships"
)


def _dangjian(data_dir, *args):
    env = {**os.environ, "DANGJIAN_DATA_DIR": str(data_dir)}
    env.pop("DANGJIAN_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "web.cli", *args], cwd=REPO, env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=300)


async def _counts(data_dir):
    server = EmbeddedFalkorDB(data_dir)
    server.start()
    try:
        backend = await FalkorBackend.connect("dangjian", unix_socket_path=str(server.socket_path))
        rows = await backend.read(COUNTS)
        await backend.client.connection.aclose()
        return rows[0]
    finally:
        server.stop()


async def test_seed_is_idempotent_and_reset_reloads(tmp_path):
    seed = read_seed()
    expected_nodes = sum(len(rows) for rows in seed.nodes.values())
    expected_rels = sum(len(pairs) for pairs in seed.relationships.values())

    first = _dangjian(tmp_path, "seed")
    assert first.returncode == 0, first.stderr
    assert await _counts(tmp_path) == {"nodes": expected_nodes, "relationships": expected_rels}

    second = _dangjian(tmp_path, "seed")
    assert second.returncode == 0, second.stderr
    assert await _counts(tmp_path) == {"nodes": expected_nodes, "relationships": expected_rels}

    reset = _dangjian(tmp_path, "seed", "--reset", "--yes")
    assert reset.returncode == 0, reset.stderr
    assert await _counts(tmp_path) == {"nodes": expected_nodes, "relationships": expected_rels}


def test_only_the_server_has_a_read_timeout(tmp_path, monkeypatch):
    """The timeout guards `dangjian serve` from runaway client queries; seed, import, export and
    generate run known long reads (an export page over a million members) to the end."""
    from argparse import Namespace

    from web.cli import _settings

    monkeypatch.setenv("DANGJIAN_READ_TIMEOUT_MS", "1500")
    args = Namespace(database_url=None, data_dir=tmp_path)
    assert _settings(args, serving=True).read_timeout_ms == 1500
    assert _settings(args).read_timeout_ms == 0


def test_healthz_reports_the_backend_and_node_count(server, engine):
    body = httpx.get(server + "/healthz").json()
    assert body["status"] == "ok" and body["backend"] == engine.name
    assert body["nodes"] == sum(len(rows) for rows in read_seed().nodes.values())


def test_graphiql_is_served_with_the_contract_queries_as_examples(server):
    page = httpx.get(server + "/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "GraphiQL" in page.text
    for example in sorted((REPO / "web" / "examples").glob("*.graphql")):
        name_line = next(line for line in example.read_text().splitlines() if line.startswith("query"))
        assert name_line.split("(")[0].split("{")[0].strip() in page.text


def test_graphiql_assets_are_served_locally(server):
    for name in ("graphiql.js", "graphiql.css", "react.js", "react-dom.js"):
        response = httpx.get(f"{server}/vendor/{name}")
        assert response.status_code == 200, f"{name}: run npm ci --prefix web"
        assert len(response.content) > 1000


def test_serve_on_an_empty_data_dir_seeds_then_stops_its_database(tmp_path):
    process, url = start_serve(tmp_path)
    try:
        body = httpx.get(f"{url}/healthz", timeout=2).json()
        assert body and body["nodes"] == sum(len(rows) for rows in read_seed().nodes.values())
        outside_dev = httpx.post(f"{url}/graphql", json={"query": "{ towns { totalCount } }"}).json()
        assert outside_dev["data"]["towns"]["totalCount"] == 4
        assert "cypher" not in (outside_dev.get("extensions") or {}), "Cypher is shown in dev mode only"
    finally:
        process.terminate()
        process.wait(60)
    assert not EmbeddedFalkorDB(tmp_path).ping(), "serve stops the database it started"


def test_ci_runs_the_readme_test_command_verbatim():
    import re

    readme = (REPO / "README.md").read_text()
    command = re.search(r"\*\*Test\*\*.*?```sh\n(.*?)\n```", readme, re.S).group(1).strip()
    assert command in (REPO / ".ci" / "run").read_text().splitlines()


def test_served_connections_disable_nagle(tmp_path):
    """With --workers, uvicorn's own listening socket would leave Nagle on (~40 ms per reply)."""
    import socket

    from web.protocol import NoDelayH11Protocol

    listener = socket.create_server(("127.0.0.1", 0), family=socket.AF_INET)
    listener = socket.fromfd(listener.detach(), socket.AF_INET, socket.SOCK_STREAM, 0)  # proto 0, as uvicorn's
    client = socket.create_connection(listener.getsockname())
    server_side, _ = listener.accept()
    try:
        assert server_side.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0

        class Transport:
            def get_extra_info(self, name, default=None):
                return server_side if name == "socket" else default

        protocol = NoDelayH11Protocol.__new__(NoDelayH11Protocol)
        try:
            protocol.connection_made(Transport())
        except Exception:
            pass  # the rest of uvicorn's set-up needs a real server; the option is set first
        assert server_side.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
    finally:
        for s in (client, server_side, listener):
            s.close()


def test_serve_with_two_workers_answers_and_stops_its_database(tmp_path):
    process, url = start_serve(tmp_path, "--workers", "2")
    try:
        body = httpx.post(f"{url}/graphql", json={"query": "{ towns { totalCount } }"}, timeout=5).json()
        assert body["data"]["towns"]["totalCount"] == 4
    finally:
        process.terminate()
        process.wait(60)
    assert not EmbeddedFalkorDB(tmp_path).ping(), "the parent stops the database it started"


RESET_GRAPH = "reset_cli_test"
EXTRA_AND_AUDIT = CompiledQuery(
    "CREATE (:Town {uid: 'town-extra', name: '示例多余镇', kind: 'TOWN', source: 'IMPORTED'}) "
    "MERGE (a:AuditEntry {uid: 'audit-kept'}) SET a += {name: 'create Town town-extra', source: 'IMPORTED', "
    "at: '2024-01-01T00:00:00Z', actor: 'alice', action: 'create', targetType: 'Town', changes: '{}'} "
    "RETURN 1 AS done")
STATE = CompiledQuery("OPTIONAL MATCH (t:Town {uid: 'town-extra'}) WITH count(t) AS extra "
                      "OPTIONAL MATCH (a:AuditEntry) RETURN extra, count(a) AS audit")


async def test_seed_reset_asks_and_keeps_the_audit_trail(engine):
    """Without a terminal only --yes confirms; the audit trail stays unless --include-audit."""
    from tests.conftest import cli_env, scratch_graph

    def seed(*flags):
        return subprocess.run([sys.executable, "-m", "web.cli", "seed", *flags], cwd=REPO, env=env,
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)

    async with scratch_graph(engine, RESET_GRAPH) as backend:
        env = cli_env(engine, RESET_GRAPH)
        await backend.write(EXTRA_AND_AUDIT)
        refused = seed("--reset")
        assert refused.returncode == 1
        assert "add --yes to confirm" in refused.stderr and "except the audit trail" in refused.stderr
        assert await backend.read(STATE) == [{"extra": 1, "audit": 1}]

        kept = seed("--reset", "--yes")
        assert kept.returncode == 0, kept.stderr
        assert await backend.read(STATE) == [{"extra": 0, "audit": 1}]
        assert (await backend.read(COUNTS))[0]["nodes"] == sum(len(r) for r in read_seed().nodes.values()) + 1

        await backend.write(EXTRA_AND_AUDIT)
        everything = seed("--reset", "--yes", "--include-audit")
        assert everything.returncode == 0, everything.stderr
        assert await backend.read(STATE) == [{"extra": 0, "audit": 0}]  # the seed is loaded again


async def test_seed_reset_on_a_terminal_asks_for_yes(engine):
    import pty

    from tests.conftest import cli_env, scratch_graph

    async with scratch_graph(engine, RESET_GRAPH) as backend:
        await backend.write(EXTRA_AND_AUDIT)
        for answer, code, state in (("no", 1, {"extra": 1, "audit": 1}), ("yes", 0, {"extra": 0, "audit": 1})):
            controller, terminal = pty.openpty()
            try:
                os.write(controller, f"{answer}\n".encode())
                done = subprocess.run([sys.executable, "-m", "web.cli", "seed", "--reset"], cwd=REPO,
                                      env=cli_env(engine, RESET_GRAPH), stdin=terminal, capture_output=True, text=True,
                                      timeout=300)
            finally:
                os.close(terminal)
                os.close(controller)
            assert done.returncode == code, done.stderr
            assert "Type yes to continue" in done.stdout + done.stderr
            assert await backend.read(STATE) == [state]
        assert "nothing was deleted" not in done.stderr


async def test_reset_graph_deletes_in_batches_around_the_audit_trail(engine):
    from graph.reset import reset_graph
    from tests.conftest import scratch_graph

    async with scratch_graph(engine, "reset_batches_test") as backend:
        await backend.write(EXTRA_AND_AUDIT)
        await reset_graph(backend, keep_audit=True, batch=100)
        left = CompiledQuery("MATCH (n) RETURN count(n) AS nodes, collect(DISTINCT labels(n)[0]) AS labels")
        assert await backend.read(left) == [{"nodes": 1, "labels": ["AuditEntry"]}]
        await reset_graph(backend, keep_audit=False)
        assert await backend.read(STATE) in ([], [{"extra": 0, "audit": 0}])  # [] once the graph key is gone


def test_generate_reset_needs_confirmation_too(tmp_path):
    done = _dangjian(tmp_path, "generate", "--scale", "0.01", "--reset")
    assert done.returncode == 1 and "add --yes to confirm" in done.stderr
    assert not any(tmp_path.iterdir()), "nothing was started"
