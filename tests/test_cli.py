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
    return subprocess.run([sys.executable, "-m", "web.cli", *args], cwd=REPO, env=env,
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

    reset = _dangjian(tmp_path, "seed", "--reset")
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


def test_healthz_reports_the_backend_and_node_count(server):
    body = httpx.get(server + "/healthz").json()
    assert body["status"] == "ok" and body["backend"] == "falkordb"
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
