"""Bulk plans: batches of nodes and links for seeding, imports and their undo, paged export, and
the housekeeping of resets (graph/cypher/bulk.py renders them). Rows are plain values; labels and
relationship types are the model's, checked by the callers (seed/)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

# What a batch does with its rows.
NODE_ACTIONS = (
    "existing",       # rows are uids → {node: the stored properties} per node that exists
    "existing_uids",  # rows are uids → {uid} per node that exists
    "merge",          # rows are property maps → MERGE by uid, SET += (loading twice changes nothing)
    "create",         # property maps → CREATE (an empty graph: several times faster than MERGE)
    "set",            # property maps → MERGE by uid, every property replaced by the row's (imports)
    "restore",        # property maps → MATCH by uid, every property put back (an import's undo)
    "delete",         # uids → DETACH DELETE
)
LINK_ACTIONS = (
    "existing",     # [from uid, to uid] pairs → {pair} per existing link
    "others_from",  # pairs → {pair, other}: links from the pair's start to another node
    "others_to",    # pairs → {pair, other}: links to the pair's end from another node
    "merge", "create", "delete",
)


@dataclass(frozen=True)
class NodeBatch:
    """One statement over `rows` of nodes labelled `label`; `action` is one of NODE_ACTIONS.
    Writes return one row {written | restored | deleted: count}."""

    action: str
    label: str
    rows: tuple[Any, ...]


@dataclass(frozen=True)
class LinkBatch:
    """One statement over (from uid, to uid) pairs of `(source)-[rel_type]->(target)` links;
    `action` is one of LINK_ACTIONS. Writes return one row {written | deleted: count}."""

    action: str
    source: str
    rel_type: str
    target: str
    pairs: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ExportNodes:
    """Rows {node: properties}: up to `limit` nodes of `label` in uid order after the uid `after`."""

    label: str
    after: str | None
    limit: int


@dataclass(frozen=True)
class ExportLinks:
    """Rows {source, target}: up to `limit` links in (source, target) uid order after `after`."""

    source: str
    rel_type: str
    target: str
    after: tuple[str, str] | None
    limit: int


@dataclass(frozen=True)
class RecordAudit:
    """Create one audit entry with `properties`; one row {uid}."""

    properties: dict[str, Any]


@dataclass(frozen=True)
class AuditEntries:
    """One row {entries}: how many audit entries have `uid` (`None`: any uid)."""

    uid: str | None = None


@dataclass(frozen=True)
class CountNodes:
    """One row {nodes}: every node of the graph but API keys (graph/api_keys.py) and audit entries."""


@dataclass(frozen=True)
class DeleteAllButAudit:
    """Delete up to `limit` nodes that are not audit entries (when `keep_audit`) nor API keys
    (always: a reset reloads data, it does not lock out service accounts), with their links;
    one row {deleted}."""

    limit: int
    keep_audit: bool = True


BulkPlan = Union[NodeBatch, LinkBatch, ExportNodes, ExportLinks, RecordAudit, AuditEntries, CountNodes,
                 DeleteAllButAudit]
