"""Cypher for walking the graph a level at a time: neighbourhoods and shortest paths.

Variable-length patterns explode on hub nodes and `shortestPath` inside MATCH is not
portable, so resolvers expand one level per statement, with caps, and internal node
ids stand for nodes between levels of one request (never shown to clients).
"""
from __future__ import annotations

from graph.cypher import CypherBuilder, quote
from graph.plan import CompiledQuery, Projection

NODE_FIELDS = "labels({v})[0] AS label, {v}.uid AS uid, {v}.name AS name, {v}.nameEn AS nameEn, {v}.source AS source"


def start_node(label: str, uid: str) -> CompiledQuery:
    return CompiledQuery(
        f"MATCH (n:{quote(label)}) WHERE n.uid = $uid RETURN id(n) AS id, " + NODE_FIELDS.format(v="n"),
        {"uid": uid})


def expand(frontier: list[int], relationship_types: list[str] | None, limit: int) -> CompiledQuery:
    """Every relationship touching the frontier, with the node on the other end."""
    type_test = "WHERE type(r) IN $types " if relationship_types else ""
    return CompiledQuery(
        "UNWIND $frontier AS fid MATCH (n) WHERE id(n) = fid "
        f"MATCH (n)-[r]-(m) {type_test}"
        "RETURN fid AS from, id(m) AS id, type(r) AS type, id(startNode(r)) = fid AS outgoing, "
        + NODE_FIELDS.format(v="m") + " LIMIT $limit",
        {"frontier": frontier, "types": relationship_types or [], "limit": limit})


def outgoing_links(ids: list[int], relationship_types: list[str] | None) -> CompiledQuery:
    """Every relationship leaving the given nodes; the caller keeps those that end inside
    the set (a Python set test: `id(b) IN $ids` would scan the list for every row)."""
    type_test = "WHERE type(r) IN $types " if relationship_types else ""
    return CompiledQuery(
        "UNWIND $ids AS aid MATCH (a) WHERE id(a) = aid MATCH (a)-[r]->(b) "
        f"{type_test}RETURN id(a) AS source, id(b) AS target, type(r) AS type",
        {"ids": ids, "types": relationship_types or []})


def nodes_by_uid(groups: list[tuple[Projection, list[str]]]) -> CompiledQuery:
    """The nodes behind research entries (GraphNode.node): for each group, the nodes of its
    projection's type with the given uids, as rows `{grp: index, node: [uid, …]}` with the
    node in its projection's column order (what resolvers/shaping.py shapes)."""
    b = CypherBuilder()
    parts = []
    for index, (projection, uids) in enumerate(groups):
        calls: list[str] = []
        node = b.projection("this", projection, calls)
        parts.append(" ".join([f"MATCH (this:{quote(projection.node_type.label)}) WHERE this.uid IN {b.param(uids)}",
                               *calls, f"RETURN {b.param(index)} AS grp, {node} AS node"]))
    return CompiledQuery(" UNION ALL ".join(parts), b.params)
