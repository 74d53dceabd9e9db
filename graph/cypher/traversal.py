"""Traversal plans rendered (graph/traversal.py): one level, one statement."""
from __future__ import annotations

from graph.cypher.builder import CypherBuilder, quote
from graph.cypher.registry import renders
from graph.plan import CompiledQuery
from graph.traversal import Expand, NodesByUid, OutgoingLinks, StartNode

NODE_FIELDS = "labels({v})[0] AS label, {v}.uid AS uid, {v}.name AS name, {v}.nameEn AS nameEn, {v}.source AS source"


@renders(StartNode)
def start_node(plan: StartNode, dialect=None) -> CompiledQuery:
    return CompiledQuery(
        f"MATCH (n:{quote(plan.label)}) WHERE n.uid = $uid RETURN id(n) AS id, " + NODE_FIELDS.format(v="n"),
        {"uid": plan.uid})


@renders(Expand)
def expand(plan: Expand, dialect=None) -> CompiledQuery:
    """Every relationship touching the frontier, with the node on the other end."""
    types = plan.relationship_types
    type_test = "WHERE type(r) IN $types " if types else ""
    return CompiledQuery(
        "UNWIND $frontier AS fid MATCH (n) WHERE id(n) = fid "
        f"MATCH (n)-[r]-(m) {type_test}"
        "RETURN fid AS from, id(m) AS id, type(r) AS type, id(startNode(r)) = fid AS outgoing, "
        + NODE_FIELDS.format(v="m") + " LIMIT $limit",
        {"frontier": list(plan.frontier), "types": list(types or []), "limit": plan.limit})


@renders(OutgoingLinks)
def outgoing_links(plan: OutgoingLinks, dialect=None) -> CompiledQuery:
    """Every relationship leaving the given nodes; the caller keeps those that end inside
    the set (a Python set test: `id(b) IN $ids` would scan the list for every row)."""
    types = plan.relationship_types
    type_test = "WHERE type(r) IN $types " if types else ""
    return CompiledQuery(
        "UNWIND $ids AS aid MATCH (a) WHERE id(a) = aid MATCH (a)-[r]->(b) "
        f"{type_test}RETURN id(a) AS source, id(b) AS target, type(r) AS type",
        {"ids": list(plan.ids), "types": list(types or [])})


@renders(NodesByUid)
def nodes_by_uid(plan: NodesByUid, dialect=None) -> CompiledQuery:
    """The nodes behind research entries (GraphNode.node): for each group, the nodes of its
    projection's type with the given uids, as rows `{grp: index, node: [uid, …]}` with the
    node in its projection's column order (what resolvers/shaping.py shapes)."""
    b = CypherBuilder(dialect)
    parts = []
    for index, (projection, uids) in enumerate(plan.groups):
        calls: list[str] = []
        node = b.projection("this", projection, calls)
        parts.append(" ".join([f"MATCH (this:{quote(projection.node_type.label)}) WHERE this.uid IN {b.param(list(uids))}",
                               *calls, f"RETURN {b.param(index)} AS grp, {node} AS node"]))
    return CompiledQuery(" UNION ALL ".join(parts), b.params)
