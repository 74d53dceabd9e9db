"""FalkorDB DDL: range indexes and unique constraints through GRAPH.CONSTRAINT."""
from __future__ import annotations

import asyncio

from redis.exceptions import ResponseError

from graph.model import NODE_TYPES

# Properties that filters and sorts hit often, indexed where a type has them.
INDEXED = ("name", "nameEn", "kind", "status", "category", "number")


async def apply_schema(graph) -> None:
    existing = await _existing_indexes(graph)
    for node_type in NODE_TYPES:
        wanted = ["uid"] + [p.name for p in node_type.stored_props if p.name in INDEXED]
        missing = [p for p in wanted if (node_type.label, p) not in existing]
        if missing:
            await graph.create_node_range_index(node_type.label, *missing)
    constrained = await _existing_unique(graph)
    for node_type in NODE_TYPES:
        if node_type.label not in constrained:
            try:
                await graph.create_node_unique_constraint(node_type.label, "uid")
            except ResponseError as error:
                if "already exists" not in str(error).lower():
                    raise
    await _wait_until_operational(graph)
    await _fulltext_indexes(graph)


async def _fulltext_indexes(graph) -> None:
    """Full-text indexes on name and nameEn, which search uses for English and pinyin."""
    result = await graph.ro_query("CALL db.indexes() YIELD label, types RETURN label, types")
    have = {label for label, types in result.result_set if any("FULLTEXT" in t for t in _flatten(types))}
    for node_type in NODE_TYPES:
        if node_type.writable and node_type.label not in have:
            await graph.query(f"CALL db.idx.fulltext.createNodeIndex('{node_type.label}', 'name', 'nameEn')")


def _flatten(types) -> list[str]:
    if isinstance(types, dict):
        return [str(t) for values in types.values() for t in values]
    return [str(t) for t in types]


async def _wait_until_operational(graph, timeout: float = 900.0) -> None:
    """Constraints are built in the background; writes must not start before they hold."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        rows = await graph.list_constraints()
        pending = [row["label"] for row in rows if row.get("status") != "OPERATIONAL"]
        if not pending:
            return
        if any(row.get("status") == "FAILED" for row in rows):
            raise RuntimeError(f"uid uniqueness constraints failed for {pending}: duplicate uids in the graph?")
        if asyncio.get_running_loop().time() > deadline:
            raise RuntimeError(f"uid uniqueness constraints still pending for {pending}")
        await asyncio.sleep(0.05)


async def _existing_indexes(graph) -> set[tuple[str, str]]:
    try:
        result = await graph.ro_query("CALL db.indexes() YIELD label, properties RETURN label, properties")
    except ResponseError:
        return set()  # no graph yet
    return {(label, prop) for label, props in result.result_set for prop in props}


async def _existing_unique(graph) -> set[str]:
    try:
        rows = await graph.list_constraints()
    except ResponseError:
        return set()
    return {row["label"] for row in rows if row.get("type") == "UNIQUE" and row.get("properties") == ["uid"]}
