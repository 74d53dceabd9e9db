"""Emptying the graph for `dangjian seed --reset` and `generate --reset`, keeping the audit trail
and the API keys.

The audit trail records who changed what; a reset that reloads the seed should not erase it
unless asked to. API keys (graph/api_keys.py) are not data at all: a reset never deletes them,
or every service account would be locked out. Deleting every other node is done in batches:
one statement deleting a million members and their links would hold the graph's write lock,
and memory, for long.
"""
from __future__ import annotations

from graph.api_keys import ListApiKeys
from graph.backend import Backend
from graph.bulk import AuditEntries, DeleteAllButAudit

BATCH = 10_000


def count_audit_entries_query() -> AuditEntries:
    return AuditEntries()


def delete_all_but_audit_query(limit: int, keep_audit: bool = True) -> DeleteAllButAudit:
    """Up to `limit` nodes that are neither API keys nor (when `keep_audit`) audit entries, with
    their relationships."""
    return DeleteAllButAudit(limit, keep_audit)


async def reset_graph(backend: Backend, keep_audit: bool = True, batch: int = BATCH) -> None:
    """Delete every node and relationship, except ApiKey nodes, and AuditEntry nodes when
    `keep_audit`."""
    audit = keep_audit and (await backend.read(count_audit_entries_query()) or [{"entries": 0}])[0]["entries"]
    if not audit and not await backend.read(ListApiKeys()):
        await backend.clear()  # nothing to keep: dropping the whole graph is fastest
        return
    while True:
        rows = await backend.write(delete_all_but_audit_query(batch, keep_audit))
        if not rows or rows[0]["deleted"] < batch:
            return
