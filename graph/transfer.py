"""Cypher for bulk import and export: what exists already, batched writes, their undo,
and paged reads of every node and relationship."""
from __future__ import annotations

from typing import Any

from graph.cypher import quote
from graph.model import AUDIT_ENTRY
from graph.plan import CompiledQuery


def existing_nodes(label: str, uids: list[str]) -> CompiledQuery:
    return CompiledQuery(f"UNWIND $uids AS u MATCH (n:{quote(label)} {{uid: u}}) RETURN n {{.*}} AS node",
                         {"uids": uids})


def existing_uids(label: str, uids: list[str]) -> CompiledQuery:
    return CompiledQuery(f"UNWIND $uids AS u MATCH (n:{quote(label)} {{uid: u}}) RETURN n.uid AS uid",
                         {"uids": uids})


def _pattern(source: str, rel_type: str, target: str, edge: str = "r") -> str:
    return f"(a:{quote(source)} {{uid: p[0]}})-[{edge}:{quote(rel_type)}]->(b:{quote(target)} {{uid: p[1]}})"


def existing_pairs(source: str, rel_type: str, target: str, pairs: list[list[str]]) -> CompiledQuery:
    return CompiledQuery(f"UNWIND $pairs AS p MATCH {_pattern(source, rel_type, target)} RETURN p AS pair",
                         {"pairs": pairs})


def other_links_from(source: str, rel_type: str, target: str, pairs: list[list[str]]) -> CompiledQuery:
    """For a relationship single-valued at its start: existing links to some other node."""
    return CompiledQuery(
        f"UNWIND $pairs AS p MATCH (a:{quote(source)} {{uid: p[0]}})-[:{quote(rel_type)}]->(b:{quote(target)}) "
        "WHERE b.uid <> p[1] RETURN p AS pair, b.uid AS other", {"pairs": pairs})


def other_links_to(source: str, rel_type: str, target: str, pairs: list[list[str]]) -> CompiledQuery:
    """For a relationship single-valued at its end: existing links from some other node."""
    return CompiledQuery(
        f"UNWIND $pairs AS p MATCH (a:{quote(source)})-[:{quote(rel_type)}]->(b:{quote(target)} {{uid: p[1]}}) "
        "WHERE a.uid <> p[0] RETURN p AS pair, a.uid AS other", {"pairs": pairs})


def set_nodes(label: str, rows: list[dict[str, Any]]) -> CompiledQuery:
    """Create or overwrite nodes: every property is replaced by the row's."""
    return CompiledQuery(f"UNWIND $rows AS row MERGE (n:{quote(label)} {{uid: row.uid}}) SET n = row "
                         "RETURN count(n) AS written", {"rows": rows})


def restore_nodes(label: str, rows: list[dict[str, Any]]) -> CompiledQuery:
    """Put back nodes' previous properties (an import's undo). MATCH, not MERGE: a node deleted
    since is not brought back, and restoring twice, or before the overwrite ran, changes nothing."""
    return CompiledQuery(f"UNWIND $rows AS row MATCH (n:{quote(label)} {{uid: row.uid}}) SET n = row "
                         "RETURN count(n) AS restored", {"rows": rows})


def delete_nodes(label: str, uids: list[str]) -> CompiledQuery:
    return CompiledQuery(f"UNWIND $uids AS u MATCH (n:{quote(label)} {{uid: u}}) DETACH DELETE n "
                         "RETURN count(*) AS deleted", {"uids": uids})


def delete_links(source: str, rel_type: str, target: str, pairs: list[list[str]]) -> CompiledQuery:
    return CompiledQuery(f"UNWIND $pairs AS p MATCH {_pattern(source, rel_type, target)} DELETE r "
                         "RETURN count(*) AS deleted", {"pairs": pairs})


def record_audit(properties: dict[str, Any]) -> CompiledQuery:
    return CompiledQuery(f"CREATE (audit:{quote(AUDIT_ENTRY.label)}) SET audit += $audit RETURN audit.uid AS uid",
                         {"audit": properties})


def audit_entries(uid: str) -> CompiledQuery:
    """How many audit entries have this uid: an import's entry is its commit record."""
    return CompiledQuery(f"MATCH (audit:{quote(AUDIT_ENTRY.label)} {{uid: $uid}}) RETURN count(audit) AS entries",
                         {"uid": uid})


def export_nodes(label: str, after: str | None, limit: int) -> CompiledQuery:
    """A page of nodes in uid order (keyset, so every node comes exactly once)."""
    # toString(): FalkorDB's string range index answers > wrongly (see graph.cypher.range_ref).
    where = "WHERE toString(n.uid) > $after " if after is not None else ""
    return CompiledQuery(f"MATCH (n:{quote(label)}) {where}RETURN n {{.*}} AS node ORDER BY n.uid LIMIT $limit",
                         {"after": after, "limit": limit})


def export_links(source: str, rel_type: str, target: str, after: list[str] | None, limit: int) -> CompiledQuery:
    where = "WHERE toString(a.uid) > $a OR (a.uid = $a AND toString(b.uid) > $b) " if after else ""
    return CompiledQuery(
        f"MATCH (a:{quote(source)})-[:{quote(rel_type)}]->(b:{quote(target)}) {where}"
        "RETURN a.uid AS source, b.uid AS target ORDER BY source, target LIMIT $limit",
        {"a": after[0] if after else None, "b": after[1] if after else None, "limit": limit})
