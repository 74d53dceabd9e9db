"""Traversal plans rendered (graph/traversal.py): one level, one statement."""
from __future__ import annotations

from graph.cypher.access import node_fields, visible_test
from graph.cypher.builder import CypherBuilder, quote
from graph.cypher.registry import renders
from graph.filters import MATCH_NONE
from graph.model import TYPES
from graph.plan import And, Compare, CompiledQuery, LabelAccess
from graph.traversal import Expand, NodesByUid, OutgoingLinks, StartNode

NODE_FIELDS = "labels({v})[0] AS label, {v}.uid AS uid, {v}.name AS name, {v}.nameEn AS nameEn, {v}.source AS source"


def _visible_of(b: CypherBuilder, var: str, label: str, uids: Compare, access: LabelAccess) -> list[str]:
    """MATCH the nodes of `label` that pass `uids` and the grant's filter for the label."""
    readable, where = access.filter_of(label)
    test = where if readable else MATCH_NONE
    return b.filtered_match(var, TYPES[label], uids if test is None else And((uids, test)))


@renders(StartNode)
def start_node(plan: StartNode, dialect=None) -> CompiledQuery:
    if plan.access is not None:
        b = CypherBuilder(dialect)
        uid = Compare(TYPES[plan.label].prop("uid"), "eq", plan.uid)
        calls: list[str] = []
        fields = node_fields(b, "n", plan.access, calls)
        lines = _visible_of(b, "n", plan.label, uid, plan.access) + calls + [f"RETURN id(n) AS id, {fields}"]
        return CompiledQuery("\n".join(lines), b.params)
    return CompiledQuery(
        f"MATCH (n:{quote(plan.label)}) WHERE n.uid = $uid RETURN id(n) AS id, " + NODE_FIELDS.format(v="n"),
        {"uid": plan.uid})


@renders(Expand)
def expand(plan: Expand, dialect=None) -> CompiledQuery:
    """Every relationship touching the frontier, with the node on the other end."""
    types = plan.relationship_types
    if plan.access is not None:  # only neighbours the grant sees, with their names as it sees them
        b = CypherBuilder(dialect)
        type_test = f"WHERE type(r) IN {b.param(list(types))} " if types else ""
        calls: list[str] = []
        test = visible_test(b, "m", plan.access, calls)
        field_calls: list[str] = []
        fields = node_fields(b, "m", plan.access, field_calls)
        lines = [f"UNWIND {b.param(list(plan.frontier))} AS fid MATCH (n) WHERE id(n) = fid "
                 f"MATCH (n)-[r]-(m) {type_test}WITH fid, r, m", *calls, f"WITH fid, r, m WHERE {test}",
                 *field_calls, "RETURN fid AS from, id(m) AS id, type(r) AS type, id(startNode(r)) = fid AS outgoing, "
                 f"{fields} LIMIT {b.param(plan.limit)}"]
        return CompiledQuery("\n".join(lines), b.params)
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
        label = projection.node_type.label
        if plan.access is not None:
            found = _visible_of(b, "this", label, Compare(projection.node_type.prop("uid"), "in", list(uids)),
                                plan.access)
        else:
            found = [f"MATCH (this:{quote(label)}) WHERE this.uid IN {b.param(list(uids))}"]
        parts.append(" ".join([*found, *calls, f"RETURN {b.param(index)} AS grp, {node} AS node"]))
    return CompiledQuery(" UNION ALL ".join(parts), b.params)
