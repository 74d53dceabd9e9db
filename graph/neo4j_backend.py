"""Neo4j through the official async driver. Reads run in read transactions, so a
cluster routes them to followers; writes run in write transactions."""
from __future__ import annotations

from typing import Any

import neo4j

from graph.dialects.neo4j import schema_statements
from graph.plan import CompiledQuery


class Neo4jBackend:
    name = "neo4j"

    def __init__(self, driver: neo4j.AsyncDriver, database: str | None) -> None:
        self.driver = driver
        self.database = database

    @classmethod
    async def connect(cls, url: str, auth: tuple[str, str] | None, database: str | None) -> "Neo4jBackend":
        driver = neo4j.AsyncGraphDatabase.driver(url, auth=auth)
        await driver.verify_connectivity()
        return cls(driver, database)

    async def read(self, query: CompiledQuery) -> list[dict[str, Any]]:
        async with self.driver.session(database=self.database) as session:
            return await session.execute_read(_collect, query.text, query.params)

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
