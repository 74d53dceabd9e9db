"""Runaway reads and a database that goes away, over the real HTTP server and engine.

- A read past DANGJIAN_READ_TIMEOUT_MS is stopped *in the engine* (not only given up on by the
  client), its client gets TIMEOUT soon after the limit, and other clients are served meanwhile
  (both engines).
- While the engine is down (the embedded FalkorDB, or a Neo4j server), /graphql answers 503 with SERVICE_UNAVAILABLE, /export and
  /healthz 503, all at once and naming no socket or engine; `dangjian serve` restarts the engine
  it owns, and acknowledged writes are still there.
"""
from __future__ import annotations

import os
import re
import signal
import statistics
import threading
import time
from pathlib import Path

import httpx
import pytest
import neo4j
import redis

from graph.errors import DatabaseUnavailable, QueryTimeout
from graph.falkordb_backend import FalkorBackend, client_deadline
from graph.plan import CompiledQuery
from tests import latency
from tests.conftest import TEST_GRAPH, start_serve

LIMIT_MS = 1000
# Each level multiplies the rows: 4 departments x 122 grids, three times over (hours unstopped).
RUNAWAYS = [
    "{ departments { nodes { grids(first: 1000) { departments { grids(first: 1000) {"
    " departments { grids(first: 1000) { uid } } } } } } } }",
    "{ grids(first: 1000) { nodes { departments { grids(first: 1000) { departments {"
    " grids(first: 1000) { departments { name } } } } } } } }",
]
SIMPLE = "{ towns(first: 1) { totalCount } }"
LEAKS = (".sock", "redis", "falkordb", "Error ", "Connection", "Traceback", "/tmp", "errno")


DRIVERS: dict[str, neo4j.Driver] = {}  # one per Neo4j server asked, for the session


def running_queries(engine) -> list:
    """What the engine is running now: FalkorDB's GRAPH.INFO RunningQueries, Neo4j's SHOW
    TRANSACTIONS (less the asking one)."""
    if engine.name == "neo4j":
        url = engine.url(TEST_GRAPH)
        if url not in DRIVERS:
            DRIVERS[url] = neo4j.GraphDatabase.driver(url, auth=None)
        records, _, _ = DRIVERS[url].execute_query(
            "SHOW TRANSACTIONS YIELD currentQuery WHERE NOT currentQuery STARTS WITH 'SHOW TRANSACTIONS' "
            "RETURN currentQuery")
        return [record["currentQuery"] for record in records]
    client = redis.Redis(unix_socket_path=str(engine.server.socket_path), socket_timeout=5)
    try:
        return client.execute_command("GRAPH.INFO", "RunningQueries")[1]
    finally:
        client.close()


def wait_until_idle(engine, within: float) -> float:
    """Seconds until the engine runs no query; fails after `within`."""
    started = time.monotonic()
    while running_queries(engine):
        assert time.monotonic() - started < within, running_queries(engine)
        time.sleep(0.02)
    return time.monotonic() - started


def p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[98] if len(samples) > 1 else samples[0]


def assert_no_leak(text: str) -> None:
    for leak in LEAKS:
        assert leak.lower() not in text.lower(), text


# --------------------------------------------------------------------------- runaway reads


@pytest.fixture(scope="module")
def limited_server(backend, engine, data_dir):
    """`dangjian serve` (attached to the session's engine and seeded graph) whose reads may take 1 s.
    Its cost budget is lifted: the runaways below are far over it, and what is tested here is the
    engine's stop for whatever a budget lets through."""
    process, url = start_serve(data_dir, "--no-seed", graph=TEST_GRAPH, engine=engine,
                               env={"DANGJIAN_READ_TIMEOUT_MS": str(LIMIT_MS), "DANGJIAN_MAX_COST": str(10 ** 15)})
    yield url
    process.terminate()
    process.wait(30)


@pytest.mark.parametrize("runaway", RUNAWAYS)
def test_a_runaway_read_is_stopped_in_the_engine_while_others_are_served(limited_server, engine, runaway):
    wait_until_idle(engine, 30)
    with httpx.Client(base_url=limited_server, timeout=10) as warm:  # the server's first connections
        for _ in range(3):
            warm.post("/graphql", json={"query": SIMPLE}).raise_for_status()
        before = latency.baseline(lambda: warm.post("/graphql", json={"query": SIMPLE}), 40)
    outcome: dict = {}

    def run_away() -> None:
        started = time.perf_counter()
        outcome["response"] = httpx.post(limited_server + "/graphql", json={"query": runaway}, timeout=60)
        outcome["seconds"] = time.perf_counter() - started

    thread = threading.Thread(target=run_away)
    began = time.perf_counter()
    thread.start()
    deadline = time.monotonic() + 5
    while not running_queries(engine):  # the engine is busy with it
        assert time.monotonic() < deadline and thread.is_alive(), outcome
        time.sleep(0.01)

    latencies = []
    with httpx.Client(base_url=limited_server, timeout=10) as other:
        # A second client, while the runaway holds one of the engine's threads: 40 requests, or
        # as many as fit in 85% of the limit (a Neo4j round trip is slower than FalkorDB's).
        while len(latencies) < 40 and time.perf_counter() - began < 0.85 * LIMIT_MS / 1000:
            started = time.perf_counter()
            body = other.post("/graphql", json={"query": SIMPLE}).json()
            latencies.append(time.perf_counter() - started)
            assert body["data"]["towns"]["totalCount"] > 0, body
    running_meanwhile = bool(running_queries(engine))
    thread.join(60)

    print(f"TIMEOUT after {outcome['seconds']:.2f} s (limit {LIMIT_MS / 1000:g} s); second client's p99 "
          f"{p99(latencies) * 1000:.1f} ms, max {max(latencies) * 1000:.1f} ms over {len(latencies)} requests")
    response = outcome["response"]
    assert response.status_code == 200, response.text
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "TIMEOUT", error
    assert LIMIT_MS / 1000 <= outcome["seconds"] < LIMIT_MS / 1000 + 1.5, outcome["seconds"]
    assert running_meanwhile, "the runaway ended before the second client was done: the test proves nothing"
    assert len(latencies) >= 5, latencies
    assert p99(latencies) < latency.bound(before), (sorted(latencies)[-5:], before)
    # Stopped in the engine, not just abandoned by the client: nothing keeps running, and the
    # next read is as fast as before.
    assert wait_until_idle(engine, 1.0) < 1.0
    started = time.perf_counter()
    httpx.post(limited_server + "/graphql", json={"query": SIMPLE}, timeout=10).raise_for_status()
    assert time.perf_counter() - started < 0.5


async def test_the_engine_stops_a_cartesian_read_at_the_limit(engine, backend):
    limited = await engine.connect(TEST_GRAPH, read_timeout_ms=500)
    try:
        started = time.perf_counter()
        with pytest.raises(QueryTimeout):
            # The filter keeps Neo4j from answering count(*) of a product from its count store.
            await limited.read(CompiledQuery("MATCH (a), (b), (c) WHERE a.uid < b.uid AND b.uid < c.uid "
                                             "RETURN count(*) AS n"))
        seconds = time.perf_counter() - started
        assert 0.5 <= seconds < client_deadline(500), seconds  # the engine's answer, not our deadline
        assert wait_until_idle(engine, 0.5) < 0.5
        assert await limited.read(CompiledQuery("RETURN 1 AS one")) == [{"one": 1}]  # the connection is fine
    finally:
        await limited.close()


# FalkorDB's client only: it keeps a deadline of its own, because FalkorDB checks its clock only
# between records (Neo4j stops a transaction at its timeout anywhere: the tests above), and
# redis-py cuts a socket read short by default (the Neo4j driver has no read timeout of its own).
FALKORDB_GRAPH = "outages_falkordb"


@pytest.fixture(scope="module")
async def falkordb(falkordb_server, data_dir):
    """A seeded graph of its own on the session's FalkorDB."""
    from tests.conftest import scratch_graph
    from tests.engines import FalkorTestEngine

    engine = FalkorTestEngine(falkordb_server, data_dir)
    async with scratch_graph(engine, FALKORDB_GRAPH):
        yield engine


async def test_a_read_the_engine_overruns_is_given_up_soon_after_the_limit(falkordb):
    """The engine checks its clock between records: a long sort runs on past the limit. The client
    gives up at client_deadline() all the same, and its connection is replaced."""
    engine = falkordb
    limited = await engine.connect(FALKORDB_GRAPH, read_timeout_ms=300)
    sort = CompiledQuery("MATCH (a), (b) WITH a, b ORDER BY a.name + b.name DESC, b.uid RETURN count(*) AS n")
    try:
        started = time.perf_counter()
        with pytest.raises(QueryTimeout):
            await limited.read(sort)
        assert time.perf_counter() - started < client_deadline(300) + 0.3
        assert await limited.read(CompiledQuery("RETURN 1 AS one")) == [{"one": 1}]
    finally:
        await limited.close()
        wait_until_idle(engine, 60)  # leave the engine as we found it


async def test_statements_without_a_limit_are_never_cut_short_by_the_client(falkordb):
    """redis-py gives up on a socket after 5 s by default, while the engine goes on: a batch
    command's long read (or any write) must wait for the engine's answer instead."""
    unlimited = await falkordb.connect(FALKORDB_GRAPH, read_timeout_ms=0)
    try:
        started = time.perf_counter()
        rows = await unlimited.read(CompiledQuery(
            "MATCH (a), (b) WITH a, b ORDER BY a.name + b.name DESC, b.uid RETURN count(*) AS n"))
        seconds = time.perf_counter() - started
        assert rows[0]["n"] > 1_000_000
        if seconds < 5.5:
            pytest.skip(f"the read took {seconds:.1f} s: too fast here to pass redis-py's old 5 s timeout")
    finally:
        await unlimited.close()


# --------------------------------------------------------------------------- the engine going away


def engine_pid(data_dir: Path) -> int:
    return int((data_dir / "falkordb.pid").read_text())


def wait_for_recovery(url: str, within: float = 30) -> float:
    started = time.monotonic()
    while time.monotonic() - started < within:
        try:
            if httpx.post(url + "/graphql", json={"query": SIMPLE}, timeout=5).status_code == 200:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"no answer {within} s after the engine was killed")


def assert_unavailable_now(url: str, within: float = 1.0) -> None:
    """Right after the engine died (its restart waits a second): every endpoint says 503 within
    `within` seconds (at once on FalkorDB; the Neo4j driver retries for 3 s first)."""
    for query in ("{ towns { totalCount } }",
                  'mutation { createTown(input: {uid: "town-during-outage", name: "示例", kind: TOWN}) { uid } }'):
        started = time.perf_counter()
        response = httpx.post(url + "/graphql", json={"query": query}, timeout=10)
        assert time.perf_counter() - started < within
        assert response.status_code == 503, response.text
        errors = response.json()["errors"]
        assert {e["extensions"]["code"] for e in errors} == {"SERVICE_UNAVAILABLE"}, errors
        assert response.headers["retry-after"]
        assert_no_leak(response.text)
    export = httpx.get(url + "/export/town/town-zumiao.json", timeout=10)
    assert export.status_code == 503 and export.json()["code"] == "SERVICE_UNAVAILABLE", export.text
    assert_no_leak(export.text)
    health = httpx.get(url + "/healthz", timeout=10)
    assert health.status_code == 503 and health.json()["code"] == "SERVICE_UNAVAILABLE", health.text
    assert_no_leak(health.json()["error"])  # ("backend": "falkordb" is no secret)


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_restarts_the_engine_it_owns_and_keeps_acknowledged_writes(tmp_path, workers):
    process, url = start_serve(tmp_path, "--workers", str(workers))
    try:
        created = httpx.post(url + "/graphql", timeout=30, json={
            "query": 'mutation { createTown(input: {uid: "town-before-kill", name: "示例耐久镇", kind: TOWN}) { uid } }'})
        assert created.json()["data"]["createTown"]["uid"] == "town-before-kill", created.text
        recoveries = []
        for _ in range(2):  # and again: the supervisor keeps watching after a restart
            pid = engine_pid(tmp_path)
            os.kill(pid, signal.SIGKILL)
            assert_unavailable_now(url)
            recoveries.append(wait_for_recovery(url))
            assert not Path(f"/proc/{pid}").exists(), "the dead engine was not reaped (a zombie)"
            new_pid = engine_pid(tmp_path)
            assert new_pid != pid
            # Only the owner (the serve process itself, also with workers) restarted it.
            assert int(Path(f"/proc/{new_pid}/stat").read_text().rsplit(")", 1)[1].split()[1]) == process.pid
        print(f"recovered after kill -9 in {', '.join(f'{s:.2f}' for s in recoveries)} s")
        found = httpx.post(url + "/graphql", timeout=30, json={
            "query": '{ towns(where: {uid: {eq: "town-before-kill"}}) { nodes { name } } }'}).json()
        assert found["data"]["towns"]["nodes"] == [{"name": "示例耐久镇"}], found
        log = (tmp_path / "serve.log").read_text(errors="replace")
        assert len(re.findall(r"embedded FalkorDB \(pid \d+\) exited with signal 9; restarting", log)) == 2, log
    finally:
        process.terminate()
        process.wait(60)
    assert not (tmp_path / "falkordb.pid").exists(), "serve stopped without stopping its engine"


async def test_every_backend_raises_database_unavailable(tmp_path):
    """FalkorDB over RESP with no engine behind the socket, and the Neo4j driver (against
    FalkorDB's Bolt endpoint) once the engine is killed: DatabaseUnavailable, quickly."""
    from graph.embedded import EmbeddedFalkorDB
    from graph.neo4j_backend import Neo4jBackend
    from tests.conftest import free_port

    with pytest.raises(DatabaseUnavailable):
        await FalkorBackend.connect("g", unix_socket_path=str(tmp_path / "nothing.sock"))
    server = EmbeddedFalkorDB(tmp_path / "engine", bolt_port=free_port(below=32768))
    server.start()
    try:
        resp = await FalkorBackend.connect("g", unix_socket_path=str(server.socket_path))
        bolt = await Neo4jBackend.connect(f"bolt://127.0.0.1:{server.bolt_port}", None, None)
        assert await bolt.read(CompiledQuery("RETURN 1 AS one")) == [{"one": 1}]
        server.kill()
        for backend in (resp, bolt):
            started = time.perf_counter()
            with pytest.raises(DatabaseUnavailable) as raised:
                await backend.read(CompiledQuery("RETURN 1 AS one"))
            assert time.perf_counter() - started < 10  # the Neo4j driver retries for 3 s
            assert str(raised.value) == DatabaseUnavailable.MESSAGE and raised.value.detail
        with pytest.raises(DatabaseUnavailable):
            await resp.write(CompiledQuery("CREATE (:Town {uid: 'x'})"))
        await resp.client.connection.aclose()
        await bolt.close()
    finally:
        server.stop()


def test_serve_on_neo4j_says_503_while_neo4j_is_down_and_recovers_with_it(request, tmp_path):
    """A Neo4j server killed under `dangjian serve`: 503 SERVICE_UNAVAILABLE on every endpoint
    (after the driver's 3 s of retries), then answers again, with the acknowledged write, once
    the server is back on the same port."""
    from graph.neo4j_local import LocalNeo4j
    from tests.conftest import chosen_engines, free_port

    if "neo4j" not in chosen_engines(request.config):
        pytest.skip("Neo4j is not among the engines chosen with --backend")
    neo = LocalNeo4j(tmp_path, None, port=free_port(), heap_mb=512, page_cache_mb=64)
    status = neo.start(die_with_parent=True)
    process = None
    try:
        process, url = start_serve(tmp_path, env={"DANGJIAN_DATABASE_URL": status.url}, timeout=300)
        created = httpx.post(url + "/graphql", timeout=30, json={
            "query": 'mutation { createTown(input: {uid: "town-before-kill", name: "示例耐久镇", kind: TOWN}) { uid } }'})
        assert created.json()["data"]["createTown"]["uid"] == "town-before-kill", created.text
        neo.kill()
        assert_unavailable_now(url, within=5.0)
        neo.start(die_with_parent=True)
        print(f"answered again {wait_for_recovery(url, 60):.2f} s after Neo4j was back")
        found = httpx.post(url + "/graphql", timeout=30, json={
            "query": '{ towns(where: {uid: {eq: "town-before-kill"}}) { nodes { name } } }'}).json()
        assert found["data"]["towns"]["nodes"] == [{"name": "示例耐久镇"}], found
    finally:
        if process is not None:
            process.terminate()
            process.wait(60)
        neo.stop(30)
