"""Import-undo plans rendered (graph/import_undo.py): one statement each."""
from __future__ import annotations

from graph.cypher.builder import AUDIT_LABEL, quote
from graph.cypher.registry import renders
from graph.import_undo import (
    UNDO_LABEL, CommitImportUndo, ForgetUndoRecords, GuardedLinkDelete, GuardedNodes, NodeRelationships,
    SaveUndoRecord, UndoRecords,
)
from graph.plan import CompiledQuery

_RECORD = quote(UNDO_LABEL)
# Links counted in a WITH: FalkorDB 4.16 refuses a pattern comprehension in WHERE.
_NO_LINKS = "WITH n, row, size([(n)-->() | 1]) + size([(n)<--() | 1]) AS links WHERE links = 0 "
_GUARDED_NODES = {
    "delete": "UNWIND $rows AS row MATCH (n:{L} {{uid: row.uid}}) WHERE properties(n) = row " + _NO_LINKS
              + "WITH collect(n) AS ns WHERE size(ns) = $n FOREACH (n IN ns | DELETE n) RETURN size(ns) AS deleted",
    # Paired lists, not [node, map] pairs: the same on both engines.
    "restore": "UNWIND $rows AS p MATCH (n:{L} {{uid: p[0].uid}}) WHERE properties(n) = p[0] "
               "WITH collect(n) AS ns, collect(p[1]) AS previous WHERE size(ns) = $n "
               "UNWIND range(0, size(ns) - 1) AS i WITH ns[i] AS n, previous[i] AS row SET n = row "
               "RETURN count(n) AS restored",
    "reapply": "UNWIND $rows AS p MATCH (n:{L} {{uid: p[0].uid}}) WHERE properties(n) = p[0] SET n = p[1] "
               "RETURN count(n) AS reapplied",
    "recreate": "UNWIND $rows AS row MERGE (n:{L} {{uid: row.uid}}) ON CREATE SET n = row RETURN count(n) AS created",
}


@renders(SaveUndoRecord)
def save_undo_record(plan: SaveUndoRecord, dialect=None) -> CompiledQuery:
    return CompiledQuery(f"CREATE (c:{_RECORD}) SET c.batchId = $batch, c.seq = $seq, c.total = $total, "
                         "c.record = $record RETURN count(c) AS written",
                         {"batch": plan.batch_id, "seq": plan.seq, "total": plan.total, "record": plan.record})


@renders(UndoRecords)
def undo_records(plan: UndoRecords, dialect=None) -> CompiledQuery:
    return CompiledQuery(f"MATCH (c:{_RECORD}) WHERE c.batchId = $batch "
                         "RETURN c.seq AS seq, c.total AS total, c.record AS record ORDER BY seq",
                         {"batch": plan.batch_id})


@renders(ForgetUndoRecords)
def forget_undo_records(plan: ForgetUndoRecords, dialect=None) -> CompiledQuery:
    return CompiledQuery(f"MATCH (c:{_RECORD}) WHERE c.batchId = $batch DELETE c RETURN count(*) AS deleted",
                         {"batch": plan.batch_id})


@renders(NodeRelationships)
def node_relationships(plan: NodeRelationships, dialect=None) -> CompiledQuery:
    other = "type(r), labels(o)[0], o.uid"
    return CompiledQuery(
        f"UNWIND $uids AS u MATCH (n:{quote(plan.label)} {{uid: u}}) "
        f"RETURN n.uid AS uid, [(n)-[r]->(o) | ['OUT', {other}]] + [(n)<-[r]-(o) WHERE o <> n | ['IN', {other}]] "
        "AS relationships", {"uids": list(plan.uids)})


@renders(GuardedNodes)
def guarded_nodes(plan: GuardedNodes, dialect=None) -> CompiledQuery:
    return CompiledQuery(_GUARDED_NODES[plan.action].format(L=quote(plan.label)),
                         {"rows": [list(r) if isinstance(r, tuple) else r for r in plan.rows], "n": len(plan.rows)})


@renders(GuardedLinkDelete)
def guarded_link_delete(plan: GuardedLinkDelete, dialect=None) -> CompiledQuery:
    return CompiledQuery(
        f"UNWIND $rows AS p MATCH (a:{quote(plan.source)} {{uid: p[0]}})-[r:{quote(plan.rel_type)}]->"
        f"(b:{quote(plan.target)} {{uid: p[1]}}) WITH collect(r) AS rs WHERE size(rs) = $n "
        "FOREACH (r IN rs | DELETE r) RETURN size(rs) AS deleted",
        {"rows": [list(p) for p in plan.pairs], "n": len(plan.pairs)})


@renders(CommitImportUndo)
def commit_import_undo(plan: CommitImportUndo, dialect=None) -> CompiledQuery:
    # Grouped by `undone`: an aggregation over no rows would make a row again.
    return CompiledQuery(
        f"OPTIONAL MATCH (u:{AUDIT_LABEL}) WHERE u.undoes = $undoes WITH count(u) AS undone WHERE undone = 0 "
        f"OPTIONAL MATCH (c:{_RECORD}) WHERE c.batchId = $batch WITH undone, collect(c) AS records "
        f"FOREACH (c IN records | DELETE c) CREATE (audit:{AUDIT_LABEL}) SET audit += $audit RETURN audit.uid AS uid",
        {"undoes": plan.undoes, "batch": plan.batch_id, "audit": plan.properties})
