"""Bulk import and export as plans (graph/bulk.py): what exists already, batched writes, their
undo, and paged reads of every node and relationship. Each function returns a plan that
Backend.read or Backend.write renders in its dialect."""
from __future__ import annotations

from typing import Any

from graph.bulk import AuditEntries, ExportLinks, ExportNodes, LinkBatch, NodeBatch, RecordAudit


def existing_nodes(label: str, uids: list[str]) -> NodeBatch:
    """Rows {node: properties} of the nodes that exist."""
    return NodeBatch("existing", label, tuple(uids))


def existing_uids(label: str, uids: list[str]) -> NodeBatch:
    return NodeBatch("existing_uids", label, tuple(uids))


def _pairs(pairs: list[list[str]]) -> tuple[tuple[str, str], ...]:
    return tuple((p[0], p[1]) for p in pairs)


def existing_pairs(source: str, rel_type: str, target: str, pairs: list[list[str]]) -> LinkBatch:
    return LinkBatch("existing", source, rel_type, target, _pairs(pairs))


def other_links_from(source: str, rel_type: str, target: str, pairs: list[list[str]]) -> LinkBatch:
    """For a relationship single-valued at its start: existing links to some other node."""
    return LinkBatch("others_from", source, rel_type, target, _pairs(pairs))


def other_links_to(source: str, rel_type: str, target: str, pairs: list[list[str]]) -> LinkBatch:
    """For a relationship single-valued at its end: existing links from some other node."""
    return LinkBatch("others_to", source, rel_type, target, _pairs(pairs))


def set_nodes(label: str, rows: list[dict[str, Any]]) -> NodeBatch:
    """Create or overwrite nodes: every property is replaced by the row's."""
    return NodeBatch("set", label, tuple(rows))


def restore_nodes(label: str, rows: list[dict[str, Any]]) -> NodeBatch:
    """Put back nodes' previous properties (an import's undo); deleted nodes stay deleted."""
    return NodeBatch("restore", label, tuple(rows))


def delete_nodes(label: str, uids: list[str]) -> NodeBatch:
    return NodeBatch("delete", label, tuple(uids))


def delete_links(source: str, rel_type: str, target: str, pairs: list[list[str]]) -> LinkBatch:
    return LinkBatch("delete", source, rel_type, target, _pairs(pairs))


def record_audit(properties: dict[str, Any]) -> RecordAudit:
    return RecordAudit(properties)


def audit_entries(uid: str) -> AuditEntries:
    """How many audit entries have this uid: an import's entry is its commit record."""
    return AuditEntries(uid)


def export_nodes(label: str, after: str | None, limit: int) -> ExportNodes:
    """A page of nodes in uid order (keyset, so every node comes exactly once)."""
    return ExportNodes(label, after, limit)


def export_links(source: str, rel_type: str, target: str, after: list[str] | None, limit: int) -> ExportLinks:
    return ExportLinks(source, rel_type, target, (after[0], after[1]) if after else None, limit)
