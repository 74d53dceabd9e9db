"""Bulk loading: MERGE nodes by uid and relationships by their endpoints, in batches.

MERGE makes loading idempotent: loading the same rows twice changes nothing.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from graph.backend import Backend
from graph.cypher import quote
from graph.plan import CompiledQuery

BATCH_SIZE = 1000


def merge_nodes_query(label: str, rows: list[dict[str, Any]]) -> CompiledQuery:
    return CompiledQuery(
        f"UNWIND $rows AS row MERGE (n:{quote(label)} {{uid: row.uid}}) SET n += row RETURN count(n) AS written",
        {"rows": rows},
    )


def merge_relationships_query(source: str, rel_type: str, target: str, pairs: list[list[str]]) -> CompiledQuery:
    return CompiledQuery(
        f"UNWIND $rows AS row MATCH (a:{quote(source)} {{uid: row[0]}}) MATCH (b:{quote(target)} {{uid: row[1]}}) "
        f"MERGE (a)-[r:{quote(rel_type)}]->(b) RETURN count(r) AS written",
        {"rows": pairs},
    )


def count_nodes_query() -> CompiledQuery:
    return CompiledQuery("MATCH (n) RETURN count(n) AS nodes")


def batches(rows: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


async def load_graph(backend: Backend, nodes: dict[str, list[dict[str, Any]]],
                     relationships: dict[tuple[str, str, str], list[tuple[str, str]]],
                     progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Write nodes, then relationships; `progress` is told how many rows each batch wrote."""
    totals = {"nodes": 0, "relationships": 0}
    async with backend.transaction():  # one transaction where the engine has them (Neo4j)
        for label, rows in nodes.items():
            for batch in batches(rows, BATCH_SIZE):
                await backend.write(merge_nodes_query(label, batch))
                totals["nodes"] += len(batch)
                if progress:
                    progress(len(batch))
        for (source, rel_type, target), pairs in relationships.items():
            for batch in batches([list(p) for p in pairs], BATCH_SIZE):
                await backend.write(merge_relationships_query(source, rel_type, target, batch))
                totals["relationships"] += len(batch)
                if progress:
                    progress(len(batch))
    return totals


async def count_nodes(backend: Backend) -> int:
    rows = await backend.read(count_nodes_query())
    return rows[0]["nodes"] if rows else 0


def create_nodes_query(label: str, rows: list[dict[str, Any]]) -> CompiledQuery:
    """For an empty graph: CREATE is several times faster than MERGE."""
    return CompiledQuery(f"UNWIND $rows AS row CREATE (n:{quote(label)}) SET n = row RETURN count(n) AS written",
                         {"rows": rows})


def create_relationships_query(source: str, rel_type: str, target: str, pairs: list[list[str]]) -> CompiledQuery:
    return CompiledQuery(
        f"UNWIND $rows AS row MATCH (a:{quote(source)} {{uid: row[0]}}) MATCH (b:{quote(target)} {{uid: row[1]}}) "
        f"CREATE (a)-[r:{quote(rel_type)}]->(b) RETURN count(r) AS written",
        {"rows": pairs})
