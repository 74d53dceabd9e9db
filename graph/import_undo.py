"""Plans that keep a committed import undoable, and undo it (seed/import_undo.py builds them;
graph/cypher/import_undo.py renders them).

An import keeps, in the graph itself (so every server can reach it), what undoing it needs: per
batch of rows, the rows it wrote (created nodes, and overwritten nodes with their previous
values) and the links it made. Each record is one `ImportUndo` node (not a model type: no API
reads or writes it), written before the import's audit entry commits it, and small enough for
one statement (seed/import_undo.py chunks them). A reset deletes them with the graph; the undo of
the batch deletes them when it commits.

The undo writes in guarded batches: each statement checks that every node and link it touches is
exactly as the import left it, and writes nothing otherwise (the count it returns says which).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

UNDO_LABEL = "ImportUndo"


@dataclass(frozen=True)
class SaveUndoRecord:
    """Keep one record of a batch's undo data: `record` is JSON (seed/import_undo.py). One row
    {written}."""

    batch_id: str
    seq: int
    total: int
    record: str


@dataclass(frozen=True)
class UndoRecords:
    """Rows {seq, total, record} of a batch's undo data, in order."""

    batch_id: str


@dataclass(frozen=True)
class ForgetUndoRecords:
    """Delete a batch's undo data (an import rolled back). One row {deleted}."""

    batch_id: str


@dataclass(frozen=True)
class NodeRelationships:
    """Rows {uid, relationships: [[direction, type, label, uid], ...]} for the nodes of `label`
    with these uids that exist (a loop is listed once, OUT)."""

    label: str
    uids: tuple[str, ...]


# What a guarded batch does with its rows.
GUARDED_NODE_ACTIONS = (
    "delete",    # rows are imported rows: each node must hold exactly that and have no links left;
                 # all deleted, or none → {deleted}
    "restore",   # rows are [imported row, previous properties]: each node must hold exactly the
                 # imported row; all put back, or none → {restored}
    "reapply",   # rows are [previous properties, imported row]: nodes that hold exactly the
                 # previous properties get the imported row again → {reapplied} (an undo's rollback)
    "recreate",  # rows are imported rows: those whose uid is free are created → {created} (an
                 # undo's rollback)
)


@dataclass(frozen=True)
class GuardedNodes:
    """One statement over nodes labelled `label`; `action` is one of GUARDED_NODE_ACTIONS. For
    delete and restore, a row whose count is len(rows) says the batch was written; no row, or a
    count of 0, that a guard failed and nothing was."""

    action: str
    label: str
    rows: tuple[Any, ...]


@dataclass(frozen=True)
class GuardedLinkDelete:
    """Delete these (from uid, to uid) links of `(source)-[rel_type]->(target)`, all of them or,
    when one is missing, none: one row {deleted} when written, no row otherwise."""

    source: str
    rel_type: str
    target: str
    pairs: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class CommitImportUndo:
    """The undo's last statement: unless an entry undoes `undoes` already, delete the batch's
    undo data and create the undo's audit entry with `properties`. One row {uid}; none when the
    import was undone already."""

    batch_id: str
    undoes: str
    properties: dict[str, Any]
