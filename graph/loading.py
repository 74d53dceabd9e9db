"""Bulk loading: MERGE nodes by uid and relationships by their endpoints, in batches.

MERGE makes loading idempotent: loading the same rows twice changes nothing.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from graph.backend import Backend
from graph.bulk import CountNodes, LinkBatch, NodeBatch

BATCH_SIZE = 1000


def merge_nodes_query(label: str, rows: list[dict[str, Any]]) -> NodeBatch:
    return NodeBatch("merge", label, tuple(rows))


def merge_relationships_query(source: str, rel_type: str, target: str, pairs: list[list[str]]) -> LinkBatch:
    return LinkBatch("merge", source, rel_type, target, tuple((p[0], p[1]) for p in pairs))


def count_nodes_query() -> CountNodes:
    return CountNodes()


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


async def count_nodes(backend: Backend, limited: bool = True) -> int:
    """The graph's data nodes (API keys and audit entries left out). `limited=False`: the
    health probe's count, not held to the read limit (Backend.read)."""
    rows = await backend.read(count_nodes_query(), limited=limited)
    return rows[0]["nodes"] if rows else 0


def create_nodes_query(label: str, rows: list[dict[str, Any]]) -> NodeBatch:
    """For an empty graph: CREATE is several times faster than MERGE."""
    return NodeBatch("create", label, tuple(rows))


def create_relationships_query(source: str, rel_type: str, target: str, pairs: list[list[str]]) -> LinkBatch:
    return LinkBatch("create", source, rel_type, target, tuple((p[0], p[1]) for p in pairs))
