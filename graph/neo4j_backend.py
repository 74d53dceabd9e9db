"""Neo4j through the official async driver. Reads run in read transactions, so a
cluster routes them to followers; writes run in write transactions.

A server that cannot be reached (ServiceUnavailable, SessionExpired) raises DatabaseUnavailable.
The driver retries a transaction on those for `max_transaction_retry_time` (30 s by default):
shortened here to 3 s (two retries; a client learns of an outage in ~3.5 s), which still rides
out a cluster's leader switch of a second or two.
"""
from __future__ import annotations

import contextlib
from typing import Any

import neo4j

from graph.dialects.neo4j import Neo4jDialect
from graph.errors import DEFAULT_READ_TIMEOUT_MS, DatabaseUnavailable, OutageLog, QueryTimeout
from graph.plan import CompiledQuery

# Seconds. The driver's defaults are 30 for both.
CONNECTION_TIMEOUT_S = 5.0
MAX_TRANSACTION_RETRY_S = 3.0
UNREACHABLE = (neo4j.exceptions.ServiceUnavailable, neo4j.exceptions.SessionExpired)


class Neo4jBackend:
    name = "neo4j"
    dialect = Neo4jDialect()
    fulltext_search = True  # the dialect creates the per-label indexes search queries

    def __init__(self, driver: neo4j.AsyncDriver, database: str | None,
                 read_timeout_ms: int = DEFAULT_READ_TIMEOUT_MS) -> None:
        self.driver = driver
        self.database = database
        self.read_timeout_ms = read_timeout_ms
        # The server stops a read transaction that runs longer than this.
        self._read_work = neo4j.unit_of_work(timeout=read_timeout_ms / 1000)(_collect) if read_timeout_ms else _collect
        self.outages = OutageLog()

    @staticmethod
    def driver(url: str, auth: tuple[str, str] | None) -> neo4j.AsyncDriver:
        # The portable dialect writes `CALL { WITH x … }` (FalkorDB has no `CALL (x) { … }`), which
        # Neo4j 5.26 flags as deprecated on every statement: the driver would log each one.
        return neo4j.AsyncGraphDatabase.driver(
            url, auth=auth, connection_timeout=CONNECTION_TIMEOUT_S, max_transaction_retry_time=MAX_TRANSACTION_RETRY_S,
            notifications_disabled_classifications=[neo4j.NotificationDisabledClassification.DEPRECATION])

    @classmethod
    async def connect(cls, url: str, auth: tuple[str, str] | None, database: str | None,
                      read_timeout_ms: int = DEFAULT_READ_TIMEOUT_MS) -> "Neo4jBackend":
        """Raises DatabaseUnavailable when the server cannot be reached."""
        driver = cls.driver(url, auth)
        backend = cls(driver, database, read_timeout_ms)
        try:
            async with backend._unreachable_is_unavailable():
                await driver.verify_connectivity()
        except BaseException:
            await driver.close()
            raise
        return backend

    @contextlib.asynccontextmanager
    async def _unreachable_is_unavailable(self):
        try:
            yield
        except UNREACHABLE as error:
            self.outages.failure(str(error))
            raise DatabaseUnavailable(str(error)) from error
        self.outages.success()

    async def read(self, query: CompiledQuery) -> list[dict[str, Any]]:
        query = self.dialect.render(query)  # a plan (graph/plan.py and its kin) or a CompiledQuery
        async with self._unreachable_is_unavailable(), self.driver.session(database=self.database) as session:
            try:
                return await session.execute_read(self._read_work, query.text, query.params)
            except neo4j.exceptions.ClientError as error:
                if "TransactionTimedOut" in (error.code or ""):
                    raise QueryTimeout(self.read_timeout_ms) from error
                raise

    async def write(self, query: CompiledQuery) -> list[dict[str, Any]]:
        query = self.dialect.render(query)  # a plan or a CompiledQuery
        async with self._unreachable_is_unavailable(), self.driver.session(database=self.database) as session:
            return await session.execute_write(_collect, query.text, query.params)

    async def apply_schema(self) -> None:
        async with self._unreachable_is_unavailable(), self.driver.session(database=self.database) as session:
            for statement in self.dialect.schema_statements():
                await session.run(statement)

    async def clear(self) -> None:
        await self.write(CompiledQuery("MATCH (n) DETACH DELETE n"))

    async def close(self) -> None:
        await self.driver.close()


async def _collect(tx: neo4j.AsyncManagedTransaction, text: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    result = await tx.run(text, params)
    return [record.data() async for record in result]
