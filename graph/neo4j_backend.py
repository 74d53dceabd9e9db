"""Neo4j through the official async driver. Reads run as auto-commit queries in read sessions,
so a cluster routes them to followers; writes run in managed write transactions.

Read-your-writes: every session of a backend shares one bookmark manager, so a read that follows
a write (in this process) waits until the server it is routed to has applied that write; on a
cluster, a follower that lags answers only once it has caught up.

Errors, by the driver's class or code, never by message: unreachable → DatabaseUnavailable;
a read past its timeout → QueryTimeout; a uniqueness constraint → ConstraintViolation.
A server that cannot be reached (ServiceUnavailable, SessionExpired) raises DatabaseUnavailable.
The driver retries a transaction on those while less than `max_transaction_retry_time` (30 s by
default) has passed since the first failure, sleeping 1 s, 2 s, 4 s … (±20%) between tries, and
it sleeps the whole next delay even past that time: with 3 s, a third failure at 2.9 s slept 4 s
more (7.4 s measured). With 2 s the tries are at 0, ~1 and ~3 s and then it stops: a client learns
of an outage in 2.4-3.6 s, and a cluster's leader switch of a second or two is still ridden out.
"""
from __future__ import annotations

import asyncio
import contextlib
import contextvars
import random
import time
from typing import Any

import neo4j

from graph.dialects.neo4j import Neo4jDialect
from graph.errors import (
    DEFAULT_READ_TIMEOUT_MS, ConstraintViolation, DatabaseError, DatabaseUnavailable, OutageLog, QueryTimeout,
)
from graph.plan import CompiledQuery

# Seconds. The driver's defaults are 30 for both.
CONNECTION_TIMEOUT_S = 5.0
MAX_TRANSACTION_RETRY_S = 2.0
UNREACHABLE = (neo4j.exceptions.ServiceUnavailable, neo4j.exceptions.SessionExpired)
READ_RETRY_DELAYS_S = (1.0, 2.0)  # as the driver's for writes: 1 s, 2 s (±20%)


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
        self._read_timeout_s = read_timeout_ms / 1000 if read_timeout_ms else None
        self.outages = OutageLog()
        self.bookmarks = neo4j.AsyncGraphDatabase.bookmark_manager()
        # The transaction a `transaction()` block opened, for the writes of the task inside it.
        self._open: contextvars.ContextVar[neo4j.AsyncTransaction | None] = contextvars.ContextVar(
            f"neo4j-transaction-{id(self)}", default=None)

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
        except neo4j.exceptions.ConstraintError as error:
            self.outages.success()
            raise ConstraintViolation(str(error)) from error
        except neo4j.exceptions.Neo4jError as error:  # the server answered: the statement's fault
            self.outages.success()
            raise DatabaseError(f"{error.code}: {error.message}") from error
        self.outages.success()

    def _session(self, access_mode: str = neo4j.WRITE_ACCESS) -> neo4j.AsyncSession:
        return self.driver.session(database=self.database, bookmark_manager=self.bookmarks,
                                   default_access_mode=access_mode)

    async def read(self, query: CompiledQuery, *, limited: bool = True) -> list[dict[str, Any]]:
        """One auto-commit read: a managed transaction's BEGIN and COMMIT cost two more round
        trips (0.6-1.3 ms a read, measured). The driver retries only managed transactions, so
        an unreachable server is retried here, at the same times (0, ~1 and ~3 s)."""
        query = self.dialect.render(query)  # a plan (graph/plan.py and its kin) or a CompiledQuery
        async with self._unreachable_is_unavailable():
            for delay in READ_RETRY_DELAYS_S:
                try:
                    return await self._read_once(query, limited)
                except UNREACHABLE:
                    await asyncio.sleep(delay * random.uniform(0.8, 1.2))
            return await self._read_once(query, limited)

    async def _read_once(self, query: CompiledQuery, limited: bool) -> list[dict[str, Any]]:
        async with self._session(neo4j.READ_ACCESS) as session:
            try:
                started = time.monotonic()
                limit = self._read_timeout_s if limited else None
                result = await session.run(neo4j.Query(query.text, timeout=limit), query.params)
                records = [dict(record) async for record in result]
            except neo4j.exceptions.ClientError as error:
                if "TransactionTimedOut" in (error.code or ""):
                    raise QueryTimeout(self.read_timeout_ms) from error
                raise
            # Neo4j's monitor looks for overdue transactions every 100 ms (neo4j/Launcher.java), so a
            # read may finish past its limit unseen; the limit is the same whichever catches it.
            if limit is not None and time.monotonic() - started > limit:
                raise QueryTimeout(self.read_timeout_ms)
            return records

    async def write(self, query: CompiledQuery) -> list[dict[str, Any]]:
        query = self.dialect.render(query)  # a plan or a CompiledQuery
        transaction = self._open.get()
        async with self._unreachable_is_unavailable():
            if transaction is not None:
                return await _collect(transaction, query.text, query.params)
            async with self._session() as session:
                return await session.execute_write(_collect, query.text, query.params)

    @contextlib.asynccontextmanager
    async def transaction(self):
        """The writes this task makes inside the block run in one transaction: committed when
        the block ends, rolled back (by the server, also when this process dies) if it raises.
        Not retried: a failure is the caller's to handle (imports keep a journal). Reads inside
        the block run on their own and do not see its writes until it commits."""
        async with self._unreachable_is_unavailable(), self._session() as session:
            transaction = await session.begin_transaction()
            token = self._open.set(transaction)
            try:
                yield
                await transaction.commit()
            except BaseException:
                with contextlib.suppress(Exception):  # a connection already gone rolled it back
                    await transaction.rollback()
                raise
            finally:
                self._open.reset(token)

    async def apply_schema(self) -> None:
        async with self._unreachable_is_unavailable(), self._session() as session:
            for statement in self.dialect.schema_statements():
                await session.run(statement)

    async def clear(self) -> None:
        await self.write(CompiledQuery("MATCH (n) DETACH DELETE n"))

    async def close(self) -> None:
        await self.driver.close()


async def _collect(tx: neo4j.AsyncManagedTransaction, text: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    result = await tx.run(text, params)
    # dict(record), not record.data(): the rows hold maps and lists only, and data() walks every
    # nested value again (1.5-3.6 ms on a 100-grid page, measured).
    return [dict(record) async for record in result]
