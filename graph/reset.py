"""Emptying the graph for `dangjian seed --reset` and `generate --reset`, keeping the audit trail.

The audit trail records who changed what; a reset that reloads the seed should not erase it
unless asked to. Deleting every other node is done in batches: one statement deleting a
million members and their links would hold the graph's write lock, and memory, for long.
"""
from __future__ import annotations

from graph.backend import Backend
from graph.bulk import AuditEntries, DeleteAllButAudit

BATCH = 10_000


def count_audit_entries_query() -> AuditEntries:
    return AuditEntries()


def delete_all_but_audit_query(limit: int) -> DeleteAllButAudit:
    """Up to `limit` nodes that are not audit entries, with their relationships."""
    return DeleteAllButAudit(limit)


async def reset_graph(backend: Backend, keep_audit: bool = True, batch: int = BATCH) -> None:
    """Delete every node and relationship, except AuditEntry nodes when `keep_audit`."""
    if not keep_audit or not (await backend.read(count_audit_entries_query()) or [{"entries": 0}])[0]["entries"]:
        await backend.clear()  # nothing to keep: dropping the whole graph is fastest
        return
    while True:
        rows = await backend.write(delete_all_but_audit_query(batch))
        if not rows or rows[0]["deleted"] < batch:
            return
