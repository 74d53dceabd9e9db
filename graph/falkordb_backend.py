"""FalkorDB over RESP, through the `falkordb` asyncio client."""
from __future__ import annotations

from typing import Any

from falkordb.asyncio import FalkorDB
from redis.asyncio import BlockingConnectionPool, UnixDomainSocketConnection
from redis.exceptions import ResponseError

from graph import falkordb_reply as reply
from graph.dialects import falkordb as dialect
from graph.errors import DEFAULT_READ_TIMEOUT_MS, DatabaseError, QueryTimeout
from graph.plan import CompiledQuery


MAX_CONNECTIONS = 32


class FalkorBackend:
    name = "falkordb"

    def __init__(self, client: FalkorDB, graph_name: str, read_timeout_ms: int = DEFAULT_READ_TIMEOUT_MS) -> None:
        self.client = client
        self.graph = client.select_graph(graph_name)
        self.read_timeout_ms = read_timeout_ms
        self.server = None  # the EmbeddedFalkorDB this backend started, if any

    @classmethod
    async def connect(cls, graph_name: str, unix_socket_path: str | None = None, host: str = "localhost",
                      port: int = 6379, read_timeout_ms: int = DEFAULT_READ_TIMEOUT_MS) -> "FalkorBackend":
        # A bounded pool that makes callers wait for a connection instead of failing with
        # "Too many connections" when many statements are in flight at once.
        if unix_socket_path:
            pool = BlockingConnectionPool(connection_class=UnixDomainSocketConnection, path=unix_socket_path,
                                          max_connections=MAX_CONNECTIONS, timeout=None, decode_responses=True)
        else:
            pool = BlockingConnectionPool(host=host, port=port, max_connections=MAX_CONNECTIONS, timeout=None,
                                          decode_responses=True)
        client = FalkorDB(connection_pool=pool)
        backend = cls(client, graph_name, read_timeout_ms)
        await client.connection.ping()
        return backend

    async def read(self, query: CompiledQuery) -> list[dict[str, Any]]:
        return await self._run(query, read_only=True)

    async def write(self, query: CompiledQuery) -> list[dict[str, Any]]:
        # One statement is one atomic unit in FalkorDB: it holds the graph's write lock.
        return await self._run(query, read_only=False)

    async def _run(self, query: CompiledQuery, read_only: bool) -> list[dict[str, Any]]:
        # The client builds the command (its parameter header quotes values safely); the reply
        # is read by falkordb_reply, which is several times faster than the client's parser.
        text = self.graph._build_params_header(query.params) + query.text
        command = ["GRAPH.RO_QUERY" if read_only else "GRAPH.QUERY", self.graph.name, text, "--compact"]
        if read_only and self.read_timeout_ms:
            command += ["timeout", self.read_timeout_ms]
        try:
            return reply.rows(await self.client.connection.execute_command(*command))
        except ResponseError as error:
            if "empty key" in str(error):  # the graph has never been written to
                return []
            if read_only and "timed out" in str(error):
                raise QueryTimeout(self.read_timeout_ms) from error
            raise DatabaseError(str(error)) from error

    async def apply_schema(self) -> None:
        await dialect.apply_schema(self.graph)

    async def clear(self) -> None:
        try:
            await self.graph.delete()
        except ResponseError:
            pass  # nothing to delete

    async def close(self) -> None:
        await self.client.connection.aclose()
        if self.server is not None:
            self.server.stop()
