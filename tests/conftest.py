"""Shared fixtures: the engines (a real embedded FalkorDB and real local Neo4j servers, see
tests/engines.py), the seed graph in each, and a real `dangjian serve` process answering HTTP on a
free loopback port. `--backend falkordb|neo4j|all` picks the engines (default all)."""
from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pytest

from graph.embedded import EmbeddedFalkorDB
from graph.plan import CompiledQuery
from seed.load import seed_database
from tests.engines import FalkorTestEngine, Neo4jTestEngine, chosen_engines

# Every server the tests start checks each shaped response against the schema's output types
# (schema/execution.py): a wrong value fails the test instead of reaching a client.
os.environ.setdefault("DANGJIAN_CHECK_OUTPUT", "1")
# Servers the tests start take no tokens unless a test asks (--production, or DANGJIAN_MODE): on
# Neo4j every server has a database URL, which otherwise means production mode (web/security.py).
os.environ.setdefault("DANGJIAN_MODE", "open")
# `dangjian import` reports in the locale's language, Chinese without one (web/import_language.py);
# the tests that read its English run it in the untranslated C locale unless the machine has one.
if not any(os.environ.get(name) for name in ("LC_ALL", "LC_MESSAGES", "LANG")):
    os.environ["LC_MESSAGES"] = "C"

REPO = Path(__file__).resolve().parents[1]
CONTRACT_DIR = REPO.parent / "shared" / "contract"
TEST_GRAPH = "dangjian_test"


GRAPH_COUNTS = CompiledQuery(
    "MATCH (n) WITH count(n) AS nodes OPTIONAL MATCH ()-[r]->() RETURN nodes, count(r) AS rels")


def pytest_generate_tests(metafunc):
    if "engine" in metafunc.fixturenames:
        metafunc.parametrize("engine", chosen_engines(metafunc.config), indirect=True, scope="session")


@contextlib.asynccontextmanager
async def scratch_graph(engine, name: str, seeded: bool = True):
    """A graph of its own on the engine, for tests that write; cleared afterwards."""
    engine.acquire(name)
    backend = await engine.connect(name)
    try:
        await backend.clear()
        await backend.apply_schema()
        if seeded:
            await seed_database(backend)
        yield backend
    finally:
        try:
            await backend.clear()
            await backend.close()
        finally:
            engine.release(name)


def free_port(below: int = 65536) -> int:
    """A free loopback port; FalkorDB's BOLT_PORT must stay below 32768 (it is read as int16)."""
    if below == 65536:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]
    for port in range(20000 + os.getpid() % 5000, below):
        with socket.socket() as s:
            try:
                s.bind(("0.0.0.0", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port")


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("falkordb-data")


@pytest.fixture(scope="session")
def falkordb_server(data_dir):
    server = EmbeddedFalkorDB(data_dir)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def neo4j_engine(tmp_path_factory, data_dir):
    """Local Neo4j servers (tests/engines.py): two started at once, more on demand. Their stores
    live in /dev/shm when there is one: a commit's fsync there is free, and the suite commits
    thousands of times (a seed load takes 2.5 s instead of 8)."""
    shm = Path("/dev/shm")
    root = Path(tempfile.mkdtemp(prefix="dangjian-neo4j-", dir=shm)) if shm.is_dir() else tmp_path_factory.mktemp("neo4j")
    engine = Neo4jTestEngine(root, data_dir)
    try:
        engine.start(2)
        yield engine
    finally:
        engine.close()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def engine(request, data_dir):
    """The engine this test runs on (parametrised: see pytest_generate_tests)."""
    if request.param == "neo4j":
        return request.getfixturevalue("neo4j_engine")
    return FalkorTestEngine(request.getfixturevalue("falkordb_server"), data_dir)


@pytest.fixture(scope="session")
async def backend(engine):
    """The seeded test graph. Tests that write use their own graph names."""
    backend = await engine.connect(TEST_GRAPH)
    await backend.clear()
    await backend.apply_schema()
    await seed_database(backend)
    yield backend
    await backend.close()


def cli_env(engine, graph: str, **extra: str) -> dict[str, str]:
    """The environment of a `dangjian` subprocess (serve, seed, import, export) that works on
    `graph` on `engine`."""
    env = {**os.environ}
    env.pop("DANGJIAN_DATABASE_URL", None)
    return {**env, **engine.env(graph), **extra}


def embedded_env(data_dir: Path, graph: str | None = None, **extra: str) -> dict[str, str]:
    """The environment of a `dangjian` subprocess on the embedded FalkorDB of `data_dir` (which
    it starts, or attaches to when one runs there)."""
    env = {**os.environ, "DANGJIAN_DATA_DIR": str(data_dir)}
    env.pop("DANGJIAN_DATABASE_URL", None)
    if graph:
        env["DANGJIAN_GRAPH"] = graph
    return {**env, **extra}


def start_serve(data_dir: Path, *args: str, graph: str | None = None, timeout: float = 120,
                env: dict[str, str] | None = None, engine=None) -> tuple[subprocess.Popen, str]:
    """`dangjian serve` in a subprocess on a free port, once /healthz answers; its output
    goes to data_dir/serve.log, which a start-up failure quotes. With an `engine`, it serves
    `graph` there; without, it starts (or attaches to) the embedded FalkorDB of data_dir."""
    port = free_port()
    extra = env or {}
    env = cli_env(engine, graph, **extra) if engine is not None else embedded_env(data_dir, graph, **extra)
    log_path = data_dir / "serve.log"
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        process = subprocess.Popen([sys.executable, "-m", "web.cli", "serve", "--port", str(port), *args],
                                   cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("dangjian serve exited:\n" + log_path.read_text(errors="replace"))
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("dangjian serve did not start:\n" + log_path.read_text(errors="replace"))


@contextlib.asynccontextmanager
async def served_scratch_graph(engine, data_dir: Path, name: str, *serve_args: str):
    """`dangjian serve` on a seeded scratch graph of its own (its writes vanish with it); yields
    the base URL."""
    async with scratch_graph(engine, name):
        process, url = start_serve(data_dir, "--no-seed", *serve_args, graph=name, engine=engine)
        try:
            yield url
        finally:
            process.terminate()
            process.wait(30)


@pytest.fixture(scope="session")
def server(backend, engine, data_dir):
    """`dangjian serve --dev` in a subprocess, serving the session's seeded graph."""
    process, url = start_serve(data_dir, "--dev", "--no-seed", graph=TEST_GRAPH, engine=engine)
    yield url
    process.terminate()
    process.wait(30)


@pytest.fixture(scope="session")
def gql(server):
    """POST a GraphQL document to the real endpoint; returns the whole JSON response."""
    client = httpx.Client(base_url=server, timeout=30)

    def run(query: str, variables: dict | None = None, headers: dict | None = None) -> dict:
        response = client.post("/graphql", json={"query": query, "variables": variables or {}},
                               headers=headers or {})
        assert response.headers["content-type"].startswith("application/json"), response.text
        return response.json()

    yield run
    client.close()


@pytest.fixture(scope="session")
def data(gql):
    """Like gql, but fails on any GraphQL error and returns `data`."""

    def run(query: str, variables: dict | None = None) -> dict:
        body = gql(query, variables)
        assert not body.get("errors"), body.get("errors")
        return body["data"]

    return run
