"""Emptying the graph for `dangjian seed --reset` and `generate --reset`, keeping the audit trail.

The audit trail records who changed what; a reset that reloads the seed should not erase it
unless asked to. Deleting every other node is done in batches: one statement deleting a
million members and their links would hold the graph's write lock, and memory, for long.
"""
from __future__ import annotations

from graph.backend import Backend
from graph.cypher import quote
from graph.model import AUDIT_ENTRY
from graph.plan import CompiledQuery

BATCH = 10_000


def count_audit_entries_query() -> CompiledQuery:
    return CompiledQuery(f"MATCH (a:{quote(AUDIT_ENTRY.label)}) RETURN count(a) AS entries")


def delete_all_but_audit_query(limit: int) -> CompiledQuery:
    """Up to `limit` nodes that are not audit entries, with their relationships."""
    return CompiledQuery(f"MATCH (n) WHERE NOT n:{quote(AUDIT_ENTRY.label)} WITH n LIMIT $limit "
                         "DETACH DELETE n RETURN count(*) AS deleted", {"limit": limit})


async def reset_graph(backend: Backend, keep_audit: bool = True, batch: int = BATCH) -> None:
    """Delete every node and relationship, except AuditEntry nodes when `keep_audit`."""
    if not keep_audit or not (await backend.read(count_audit_entries_query()) or [{"entries": 0}])[0]["entries"]:
        await backend.clear()  # nothing to keep: dropping the whole graph is fastest
        return
    while True:
        rows = await backend.write(delete_all_but_audit_query(batch))
        if not rows or rows[0]["deleted"] < batch:
            return
