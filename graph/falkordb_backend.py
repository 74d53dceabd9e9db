"""FalkorDB over RESP, through the `falkordb` asyncio client.

Who gives up when:
- A read with a limit (`read_timeout_ms`, `dangjian serve`) carries `timeout N` to the engine,
  which stops it there and answers "Query timed out" (QueryTimeout). The engine checks its clock
  between records, so one long eager step (a sort, a huge list) can run past N; this client waits
  `client_deadline(N)` (N plus a margin) and then gives up too (QueryTimeout; the connection is
  dropped and the engine's late reply with it).
- Every other statement (writes; reads without a limit: seed, import, export, generate) has no
  client-side timeout: a write's outcome is known only when the engine answers, and the engine
  never runs a statement whose client has stopped waiting for it. (redis-py's default 5 s socket
  timeout gave up on reads the engine kept running, with "Timeout reading from …falkordb.sock".)
- A dead or restarting engine is noticed at once (connection refused or reset, missing socket,
  "LOADING"): DatabaseUnavailable. Pooled connections to a dead engine are dropped and reopened
  when next taken from the pool, so the backend reconnects by itself once the engine is back.
"""
from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from falkordb.asyncio import FalkorDB
from redis.asyncio import BlockingConnectionPool, UnixDomainSocketConnection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from graph import falkordb_reply as reply
from graph.dialects.falkordb import FalkorDialect
from graph.errors import DEFAULT_READ_TIMEOUT_MS, DatabaseError, DatabaseUnavailable, OutageLog, QueryTimeout
from graph.plan import CompiledQuery


MAX_CONNECTIONS = 32
# Connecting to a live engine over its unix socket takes microseconds; a refused or missing
# socket fails at once. This only bounds a connect to an engine that is frozen or swamped.
CONNECT_TIMEOUT_S = 5.0
# Errors that mean "the engine is not there", as opposed to "it refused this statement".
# BusyLoadingError ("LOADING", a restart replaying its files) is a ConnectionError.
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)


def client_deadline(timeout_ms: int) -> float:
    """Seconds this client waits for a read the engine should stop after `timeout_ms`: enough
    for the engine's own "timed out" answer to arrive first, not much more."""
    seconds = timeout_ms / 1000
    return seconds + 0.5 + seconds / 10


class FalkorBackend:
    name = "falkordb"
    dialect = FalkorDialect()
    fulltext_search = True  # the dialect creates the per-label indexes graph/search.py queries

    def __init__(self, client: FalkorDB, graph_name: str, read_timeout_ms: int = DEFAULT_READ_TIMEOUT_MS) -> None:
        self.client = client
        self.graph = client.select_graph(graph_name)
        self.read_timeout_ms = read_timeout_ms
        self.server = None  # the EmbeddedFalkorDB this backend started, if any
        self.outages = OutageLog()

    @classmethod
    async def connect(cls, graph_name: str, unix_socket_path: str | None = None, host: str = "localhost",
                      port: int = 6379, read_timeout_ms: int = DEFAULT_READ_TIMEOUT_MS) -> "FalkorBackend":
        """Raises DatabaseUnavailable when the engine does not answer a PING."""
        # A bounded pool that makes callers wait for a connection instead of failing with
        # "Too many connections" when many statements are in flight at once. socket_timeout=None:
        # no read is cut short by the socket (see the module docstring); redis-py's default is 5 s.
        # No retries (the pool's default): retrying a write whose reply was lost could apply it twice.
        options: dict[str, Any] = {"max_connections": MAX_CONNECTIONS, "timeout": None, "decode_responses": True,
                                   "socket_timeout": None, "socket_connect_timeout": CONNECT_TIMEOUT_S}
        if unix_socket_path:
            pool = BlockingConnectionPool(connection_class=UnixDomainSocketConnection, path=unix_socket_path,
                                          **options)
        else:
            pool = BlockingConnectionPool(host=host, port=port, **options)
        try:
            # The client's constructor asks the server (synchronously) whether it is a cluster.
            client = FalkorDB(connection_pool=pool)
            await client.connection.ping()
        except UNREACHABLE as error:
            await pool.disconnect()
            raise DatabaseUnavailable(str(error)) from error
        return cls(client, graph_name, read_timeout_ms)

    async def read(self, query: CompiledQuery, *, limited: bool = True) -> list[dict[str, Any]]:
        query = self.dialect.render(query)  # a plan (graph/plan.py and its kin) or a CompiledQuery
        return await self._run(query, read_only=True, limit=self.read_timeout_ms if limited else 0)

    async def write(self, query: CompiledQuery) -> list[dict[str, Any]]:
        query = self.dialect.render(query)  # a plan or a CompiledQuery
        # One statement is one atomic unit in FalkorDB: it holds the graph's write lock.
        return await self._run(query, read_only=False, limit=0)

    async def _run(self, query: CompiledQuery, read_only: bool, limit: int) -> list[dict[str, Any]]:
        # The dialect writes the parameter header (values quoted by the client's helper); the
        # reply is read by falkordb_reply, which is several times faster than the client's parser.
        text = self.dialect.encode(query)
        command = ["GRAPH.RO_QUERY" if read_only else "GRAPH.QUERY", self.graph.name, text, "--compact"]
        if limit:
            command += ["timeout", limit]
        started = time.monotonic()
        try:
            async with self._unreachable_is_unavailable():
                if not limit:
                    response = await self.client.connection.execute_command(*command)
                else:
                    try:
                        async with asyncio.timeout(client_deadline(limit)):
                            response = await self.client.connection.execute_command(*command)
                    except TimeoutError:  # ours; redis-py drops the connection it was reading from
                        raise QueryTimeout(limit) from None
            return reply.rows(response)
        except ResponseError as error:
            # FalkorDB's errors carry no code, only text: they are told apart by the state they
            # leave, never by their words. A read refused once its limit has passed timed out.
            if limit and time.monotonic() - started >= limit / 1000:
                raise QueryTimeout(limit) from error
            if not await self.client.connection.exists(self.graph.name):  # never written to
                return []
            raise DatabaseError(str(error)) from error

    @contextlib.asynccontextmanager
    async def _unreachable_is_unavailable(self):
        """Turn "the engine is not there" into DatabaseUnavailable (logged, throttled)."""
        try:
            yield
        except (QueryTimeout, ResponseError):
            self.outages.success()  # the engine answered
            raise
        except UNREACHABLE as error:
            self.outages.failure(str(error))
            raise DatabaseUnavailable(str(error)) from error
        else:
            self.outages.success()

    @contextlib.asynccontextmanager
    async def transaction(self):
        """FalkorDB has no transaction over several statements: each write inside the block is
        atomic on its own and stays even if the block raises (imports keep a journal to undo)."""
        yield

    async def apply_schema(self) -> None:
        async with self._unreachable_is_unavailable():
            await self.dialect.apply_schema(self.graph)

    async def clear(self) -> None:
        try:
            async with self._unreachable_is_unavailable():
                await self.graph.delete()
        except ResponseError:
            pass  # nothing to delete

    async def close(self) -> None:
        await self.client.connection.aclose()
        if self.server is not None:
            self.server.stop()
