"""Bulk plans rendered (graph/bulk.py): UNWIND a batch of rows, one statement each."""
from __future__ import annotations

from graph.bulk import (
    AuditEntries, CountNodes, DeleteAllButAudit, ExportLinks, ExportNodes, LinkBatch, NodeBatch, RecordAudit,
)
from graph.api_keys import LABEL as API_KEY
from graph.cypher.builder import AUDIT_LABEL, CypherBuilder, quote
from graph.cypher.registry import renders
from graph.model import TYPES
from graph.plan import CompiledQuery

_UID = TYPES["Zone"].prop("uid")  # common to every type
_API_KEY = quote(API_KEY)

_NODE_ACTIONS = {
    "existing": "UNWIND $rows AS u MATCH (n:{L} {{uid: u}}) RETURN n {{.*}} AS node",
    "existing_uids": "UNWIND $rows AS u MATCH (n:{L} {{uid: u}}) RETURN n.uid AS uid",
    "merge": "UNWIND $rows AS row MERGE (n:{L} {{uid: row.uid}}) SET n += row RETURN count(n) AS written",
    "create": "UNWIND $rows AS row CREATE (n:{L}) SET n = row RETURN count(n) AS written",
    "set": "UNWIND $rows AS row MERGE (n:{L} {{uid: row.uid}}) SET n = row RETURN count(n) AS written",
    # MATCH, not MERGE: a node deleted since is not brought back, and restoring twice, or before
    # the overwrite ran, changes nothing.
    "restore": "UNWIND $rows AS row MATCH (n:{L} {{uid: row.uid}}) SET n = row RETURN count(n) AS restored",
    "delete": "UNWIND $rows AS u MATCH (n:{L} {{uid: u}}) DETACH DELETE n RETURN count(*) AS deleted",
}
_BOTH = "(a:{A} {{uid: p[0]}})-[r:{T}]->(b:{B} {{uid: p[1]}})"
_LINK_ACTIONS = {
    "existing": "UNWIND $rows AS p MATCH " + _BOTH + " RETURN p AS pair",
    # A relationship single-valued at its start (end): existing links to (from) some other node.
    "others_from": "UNWIND $rows AS p MATCH (a:{A} {{uid: p[0]}})-[:{T}]->(b:{B}) WHERE b.uid <> p[1] "
                   "RETURN p AS pair, b.uid AS other",
    "others_to": "UNWIND $rows AS p MATCH (a:{A})-[:{T}]->(b:{B} {{uid: p[1]}}) WHERE a.uid <> p[0] "
                 "RETURN p AS pair, a.uid AS other",
    "merge": "UNWIND $rows AS row MATCH (a:{A} {{uid: row[0]}}) MATCH (b:{B} {{uid: row[1]}}) "
             "MERGE (a)-[r:{T}]->(b) RETURN count(r) AS written",
    "create": "UNWIND $rows AS row MATCH (a:{A} {{uid: row[0]}}) MATCH (b:{B} {{uid: row[1]}}) "
              "CREATE (a)-[r:{T}]->(b) RETURN count(r) AS written",
    "delete": "UNWIND $rows AS p MATCH " + _BOTH + " DELETE r RETURN count(*) AS deleted",
}


@renders(NodeBatch)
def node_batch(plan: NodeBatch, dialect=None) -> CompiledQuery:
    return CompiledQuery(_NODE_ACTIONS[plan.action].format(L=quote(plan.label)), {"rows": list(plan.rows)})


@renders(LinkBatch)
def link_batch(plan: LinkBatch, dialect=None) -> CompiledQuery:
    text = _LINK_ACTIONS[plan.action].format(A=quote(plan.source), T=quote(plan.rel_type), B=quote(plan.target))
    return CompiledQuery(text, {"rows": [list(p) for p in plan.pairs]})


@renders(ExportNodes)
def export_nodes(plan: ExportNodes, dialect=None) -> CompiledQuery:
    """A page of nodes in uid order (keyset, so every node comes exactly once)."""
    b = CypherBuilder(dialect)
    where = f"WHERE {b.range_ref('n', _UID)} > $after " if plan.after is not None else ""
    return CompiledQuery(f"MATCH (n:{quote(plan.label)}) {where}RETURN n {{.*}} AS node ORDER BY n.uid LIMIT $limit",
                         {"after": plan.after, "limit": plan.limit})


@renders(ExportLinks)
def export_links(plan: ExportLinks, dialect=None) -> CompiledQuery:
    b = CypherBuilder(dialect)
    after = plan.after
    where = (f"WHERE {b.range_ref('a', _UID)} > $a OR (a.uid = $a AND {b.range_ref('b', _UID)} > $b) "
             if after else "")
    return CompiledQuery(
        f"MATCH (a:{quote(plan.source)})-[:{quote(plan.rel_type)}]->(b:{quote(plan.target)}) {where}"
        "RETURN a.uid AS source, b.uid AS target ORDER BY source, target LIMIT $limit",
        {"a": after[0] if after else None, "b": after[1] if after else None, "limit": plan.limit})


@renders(RecordAudit)
def record_audit(plan: RecordAudit, dialect=None) -> CompiledQuery:
    return CompiledQuery(f"CREATE (audit:{AUDIT_LABEL}) SET audit += $audit RETURN audit.uid AS uid",
                         {"audit": plan.properties})


@renders(AuditEntries)
def audit_entries(plan: AuditEntries, dialect=None) -> CompiledQuery:
    if plan.uid is None:
        return CompiledQuery(f"MATCH (a:{AUDIT_LABEL}) RETURN count(a) AS entries")
    return CompiledQuery(f"MATCH (audit:{AUDIT_LABEL} {{uid: $uid}}) RETURN count(audit) AS entries",
                         {"uid": plan.uid})


@renders(CountNodes)
def count_nodes(plan: CountNodes, dialect=None) -> CompiledQuery:
    # API keys and the audit trail are not the graph's data: a graph holding only those (keys
    # made, and their creation audited, before the first `serve`; a reset that kept the trail)
    # is empty, and serve seeds it. Counts per label, not a WHERE over every node: both engines
    # answer a label's count from a store. The subtraction after a WITH: FalkorDB 4.16 answers
    # null for `total - count(k)` in a RETURN.
    return CompiledQuery(f"MATCH (n) WITH count(n) AS total OPTIONAL MATCH (k:{_API_KEY}) "
                         f"WITH total, count(k) AS keys OPTIONAL MATCH (a:{AUDIT_LABEL}) "
                         "WITH total, keys, count(a) AS audits RETURN total - keys - audits AS nodes")


@renders(DeleteAllButAudit)
def delete_all_but_audit(plan: DeleteAllButAudit, dialect=None) -> CompiledQuery:
    kept = f"n:{_API_KEY} OR n:{AUDIT_LABEL}" if plan.keep_audit else f"n:{_API_KEY}"
    return CompiledQuery(f"MATCH (n) WHERE NOT ({kept}) WITH n LIMIT $limit "
                         "DETACH DELETE n RETURN count(*) AS deleted", {"limit": plan.limit})
