"""The backend interface and how a database URL picks an implementation.

    (none)               the embedded FalkorDB, started by this process
    falkordb://host:port an external FalkorDB, over RESP
    bolt://… neo4j://…   Neo4j, through the official async driver
"""
from __future__ import annotations

import contextlib
import os
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from graph.errors import DEFAULT_READ_TIMEOUT_MS
from graph.plan import CompiledQuery

if TYPE_CHECKING:
    from graph.dialects.base import Dialect


class Backend(Protocol):
    name: str  # for people (logs, /healthz); code asks the dialect, never the name
    # Renders plans into this engine's Cypher (graph/dialects/): read and write take a plan
    # (graph/plan.py, write_plan.py, statistics.py, traversal.py, search.py, bulk.py) or an
    # already compiled statement.
    dialect: "Dialect"
    # Per-label full-text indexes on name and nameEn (the dialect creates them in apply_schema);
    # without them, search scans with CONTAINS.
    fulltext_search: bool

    async def read(self, query: Any, *, limited: bool = True) -> list[dict[str, Any]]:
        """Run a read-only plan or statement; rows come back as dicts keyed by column. A read
        past `read_timeout_ms` raises QueryTimeout; `limited=False` is for the service's own
        fixed probes (GET /healthz), which are no client's read."""

    async def write(self, query: Any) -> list[dict[str, Any]]:
        """Run a plan or statement that may write, as one transaction."""

    def transaction(self) -> contextlib.AbstractAsyncContextManager[None]:
        """A block whose writes are one transaction where the engine has them (Neo4j: committed
        at the end, rolled back if the block raises); on FalkorDB each write stays atomic alone."""

    async def apply_schema(self) -> None:
        """Create the uid constraints and indexes the queries need (idempotent)."""

    async def clear(self) -> None:
        """Delete every node and relationship."""

    async def close(self) -> None: ...


@dataclass
class QueryLog:
    """Statements a request ran, with their times; the dev-mode `extensions` show it."""

    entries: list[dict[str, Any]] = field(default_factory=list)

    def record(self, query: CompiledQuery, started: float) -> None:
        """`query` as it ran (Backend.dialect.render of the plan), `started` a perf_counter()."""
        self.entries.append({
            "cypher": query.text,
            "params": query.params,
            "ms": round((time.perf_counter() - started) * 1000, 3),
        })


@dataclass
class Settings:
    """Where the data lives, from the environment unless given."""

    database_url: str | None = None
    data_dir: Path = Path("data")
    graph_name: str = "dangjian"
    neo4j_user: str | None = None
    neo4j_password: str | None = None
    neo4j_database: str | None = None
    read_timeout_ms: int = DEFAULT_READ_TIMEOUT_MS  # 0: no limit

    @classmethod
    def from_env(cls, **overrides: Any) -> "Settings":
        env = os.environ
        settings = cls(
            database_url=env.get("DANGJIAN_DATABASE_URL") or None,
            data_dir=Path(env.get("DANGJIAN_DATA_DIR", "data")),
            graph_name=env.get("DANGJIAN_GRAPH", "dangjian"),
            neo4j_user=env.get("NEO4J_USERNAME") or env.get("NEO4J_USER"),
            neo4j_password=env.get("NEO4J_PASSWORD"),
            neo4j_database=env.get("NEO4J_DATABASE") or None,
            read_timeout_ms=int(env.get("DANGJIAN_READ_TIMEOUT_MS", DEFAULT_READ_TIMEOUT_MS)),
        )
        for key, value in overrides.items():
            if value is not None:
                setattr(settings, key, value)
        return settings


@contextlib.asynccontextmanager
async def connected(settings: Settings) -> AsyncIterator[Backend]:
    """A backend for the length of a block, closed (and its embedded server stopped) after."""
    backend = await open_backend(settings)
    try:
        yield backend
    finally:
        await backend.close()


def start_engine(settings: Settings):
    """Start the database this process should own and keep alive: the embedded FalkorDB, when
    no DANGJIAN_DATABASE_URL names another, supervised (restarted if it dies), for several worker
    processes to attach to. None when the database lives elsewhere. The caller calls `.stop()`."""
    if settings.database_url:
        return None
    from graph.embedded import EmbeddedFalkorDB

    server = EmbeddedFalkorDB(settings.data_dir)
    server.start()
    server.supervise()
    return server


async def open_backend(settings: Settings) -> Backend:
    """Connect to the configured database, starting the embedded one if none is named."""
    url = settings.database_url
    if url and url.split("://", 1)[0] in ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc"):
        from graph.neo4j_backend import Neo4jBackend

        auth = (settings.neo4j_user, settings.neo4j_password or "") if settings.neo4j_user else None
        return await Neo4jBackend.connect(url, auth, settings.neo4j_database, settings.read_timeout_ms)
    from graph.falkordb_backend import FalkorBackend

    if url and url.startswith("falkordb://"):
        host, _, port = url.removeprefix("falkordb://").rstrip("/").partition(":")
        return await FalkorBackend.connect(settings.graph_name, host=host or "localhost", port=int(port or 6379),
                                           read_timeout_ms=settings.read_timeout_ms)
    if url:
        raise ValueError(f"DANGJIAN_DATABASE_URL: unsupported scheme in {url!r} (use bolt://, neo4j:// or falkordb://)")
    from graph.embedded import EmbeddedFalkorDB

    server = EmbeddedFalkorDB(settings.data_dir)
    server.start()
    try:
        backend = await FalkorBackend.connect(settings.graph_name, unix_socket_path=str(server.socket_path),
                                              read_timeout_ms=settings.read_timeout_ms)
    except BaseException:
        server.stop()
        raise
    backend.server = server
    return backend
