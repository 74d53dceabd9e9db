"""FalkorDB DDL: range indexes and unique constraints through GRAPH.CONSTRAINT."""
from __future__ import annotations

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
