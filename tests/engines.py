"""The engines the suite runs on, behind one small interface the fixtures use.

Every test that takes the `engine` fixture (directly, or through `backend`, `server`, `gql`,
`data`) runs once per engine chosen with `--backend falkordb|neo4j|all` (default all; also the
DANGJIAN_TEST_BACKEND variable). A test id shows the engine: `test_x[neo4j]`.

A *graph* is a name. On FalkorDB each name is its own graph on the session's embedded server.
Neo4j Community holds one database per server, so each graph name in use gets a local Neo4j of
its own from a pool (graph.neo4j_local, authentication off, started beside the tests and stopped
with them); a released name's server is cleared and handed to the next name.
"""
from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from graph.embedded import EmbeddedFalkorDB
from graph.falkordb_backend import FalkorBackend
from graph.neo4j_backend import Neo4jBackend
from graph.neo4j_local import LocalNeo4j

ENGINES = ("falkordb", "neo4j")


# A plugin (pyproject's addopts: -p tests.engines), so that the option exists before any conftest.
def pytest_addoption(parser):
    parser.addoption("--backend", choices=(*ENGINES, "all"), default=os.environ.get("DANGJIAN_TEST_BACKEND", "all"),
                     help="the engines that tests taking the `engine` fixture run on (default: all)")


def chosen_engines(config) -> tuple[str, ...]:
    choice = config.getoption("--backend")
    return ENGINES if choice == "all" else (choice,)


class FalkorTestEngine:
    """Graphs on the session's embedded FalkorDB; `dangjian` processes attach to it through the
    data directory's pid file and socket."""

    name = "falkordb"

    def __init__(self, server: EmbeddedFalkorDB, data_dir: Path) -> None:
        self.server = server
        self.data_dir = data_dir

    async def connect(self, graph: str, **options: Any) -> FalkorBackend:
        return await FalkorBackend.connect(graph, unix_socket_path=str(self.server.socket_path), **options)

    def env(self, graph: str) -> dict[str, str]:
        """The environment under which `dangjian` (serve, seed, import, export) uses `graph`."""
        return {"DANGJIAN_DATA_DIR": str(self.data_dir), "DANGJIAN_GRAPH": graph}

    def acquire(self, graph: str) -> None:
        pass

    def release(self, graph: str) -> None:
        pass

    def close(self) -> None:
        pass


class Neo4jTestEngine:
    """One local Neo4j per graph name in use, from a pool that grows when every server is taken."""

    name = "neo4j"

    def __init__(self, root: Path, data_dir: Path) -> None:
        self.root = root
        self.data_dir = data_dir
        self.free: list[LocalNeo4j] = []
        self.taken: dict[str, LocalNeo4j] = {}
        self.urls: dict[LocalNeo4j, str] = {}

    def start(self, count: int) -> None:
        """Start `count` servers, one after the other (5-10 s each). Not in threads: a server
        started with die_with_parent dies with the *thread* that started it (PR_SET_PDEATHSIG)."""
        for _ in range(count):
            self._add()

    def _add(self) -> None:
        server = LocalNeo4j(self.root / f"n{len(self.urls)}", None, heap_mb=768, page_cache_mb=128)
        self.urls[server] = server.start(die_with_parent=True).url
        self.free.append(server)

    def url(self, graph: str) -> str:
        """The Bolt URL of the server that holds `graph` (taken from the pool on first use)."""
        self.acquire(graph)
        return self.urls[self.taken[graph]]

    def acquire(self, graph: str) -> None:
        if graph in self.taken:
            return
        if not self.free:
            self._add()
        self.taken[graph] = self.free.pop(0)

    def release(self, graph: str) -> None:
        """Hand the server back (the caller cleared it)."""
        server = self.taken.pop(graph, None)
        if server is not None:
            self.free.append(server)

    async def connect(self, graph: str, **options: Any) -> Neo4jBackend:
        return await Neo4jBackend.connect(self.url(graph), None, None, **options)

    def env(self, graph: str) -> dict[str, str]:
        return {"DANGJIAN_DATA_DIR": str(self.data_dir), "DANGJIAN_GRAPH": graph,
                "DANGJIAN_DATABASE_URL": self.url(graph)}

    def close(self) -> None:
        for server in list(self.urls):
            with contextlib.suppress(Exception):
                server.stop(30)
