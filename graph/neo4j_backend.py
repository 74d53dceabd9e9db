"""Neo4j through the official async driver. Reads run in read transactions, so a
cluster routes them to followers; writes run in write transactions."""
from __future__ import annotations

from typing import Any

import neo4j

from graph.dialects.neo4j import schema_statements
from graph.errors import DEFAULT_READ_TIMEOUT_MS, QueryTimeout
from graph.plan import CompiledQuery


class Neo4jBackend:
    name = "neo4j"

    def __init__(self, driver: neo4j.AsyncDriver, database: str | None,
                 read_timeout_ms: int = DEFAULT_READ_TIMEOUT_MS) -> None:
        self.driver = driver
        self.database = database
        self.read_timeout_ms = read_timeout_ms
        # The server stops a read transaction that runs longer than this.
        self._read_work = neo4j.unit_of_work(timeout=read_timeout_ms / 1000)(_collect) if read_timeout_ms else _collect

    @classmethod
    async def connect(cls, url: str, auth: tuple[str, str] | None, database: str | None,
                      read_timeout_ms: int = DEFAULT_READ_TIMEOUT_MS) -> "Neo4jBackend":
        driver = neo4j.AsyncGraphDatabase.driver(url, auth=auth)
        await driver.verify_connectivity()
        return cls(driver, database, read_timeout_ms)

    async def read(self, query: CompiledQuery) -> list[dict[str, Any]]:
        async with self.driver.session(database=self.database) as session:
            try:
                return await session.execute_read(self._read_work, query.text, query.params)
            except neo4j.exceptions.ClientError as error:
                if "TransactionTimedOut" in (error.code or ""):
                    raise QueryTimeout(self.read_timeout_ms) from error
                raise

    async def write(self, query: CompiledQuery) -> list[dict[str, Any]]:
        async with self.driver.session(database=self.database) as session:
            return await session.execute_write(_collect, query.text, query.params)

    async def apply_schema(self) -> None:
        async with self.driver.session(database=self.database) as session:
            for statement in schema_statements():
                await session.run(statement)

    async def clear(self) -> None:
        await self.write(CompiledQuery("MATCH (n) DETACH DELETE n"))

    async def close(self) -> None:
        await self.driver.close()


async def _collect(tx: neo4j.AsyncManagedTransaction, text: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    result = await tx.run(text, params)
    return [record.data() async for record in result]
