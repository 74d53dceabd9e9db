"""The import journal: how to undo each batch, on disk before the batch is written.

FalkorDB has no multi-statement transactions, so an import is a series of batch statements
(each atomic) and then the statement that creates its audit entry. Before each batch statement
the importer appends to its journal the steps that undo that batch (delete the nodes it creates,
put back the properties of the nodes it overwrites, delete the links it creates) and fsyncs it.
If the process dies, the journal stays, and the next start rolls the import back.

The audit entry is the commit record: it is in the database exactly when the import committed,
so no crash window separates "committed" from "audited". A journal whose import's audit entry
exists is merely removed; any other is undone, newest batch first.

Every undo step is idempotent (deleting what is gone, restoring what was never overwritten,
changes nothing), so the batch that was in flight when the process died, a rollback that was
itself interrupted, and a second recovery are all safe.

A journal is locked (flock) by the process writing it for as long as it runs: the kernel drops
the lock when the process dies, however it dies, so recovery takes over only dead imports.
Journals live in DANGJIAN_DATA_DIR/imports, local to the process whatever the database.
"""
from __future__ import annotations

import fcntl
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from graph import transfer
from graph.backend import Backend, Settings
from graph.model import TYPES, relationship_endpoints
from graph.bulk import BulkPlan
from graph.import_undo import ForgetUndoRecords, GuardedNodes
from graph.loading import merge_relationships_query

VERSION = 1
DIRECTORY = "imports"
SUFFIX = ".journal"
TEMPORARY = ".tmp"  # a journal being started; recovery never reads one

# One undo step, as JSON: {"op": "delete_nodes", "label": L, "uids": [...]},
# {"op": "restore_nodes", "label": L, "rows": [{previous properties}, ...]} or
# {"op": "delete_links", "rel": [from label, type, to label], "pairs": [[from uid, to uid], ...]};
# {"op": "forget_undo", "batchId": B} (the undo records an import keeps: seed/import_undo.py).
# The undo of an import journals the steps that reverse its batches the same way (its audit entry
# is its commit record): {"op": "merge_links", "rel": [...], "pairs": [...]},
# {"op": "reapply_nodes", "label": L, "rows": [[previous properties, imported row], ...]} and
# {"op": "recreate_nodes", "label": L, "rows": [imported row, ...]}.
Step = dict[str, Any]


class JournalError(ValueError):
    """A journal that cannot be read or holds a step outside the model; it is left in place."""


def journal_directory(settings: Settings) -> Path:
    return settings.data_dir / DIRECTORY


@dataclass(frozen=True)
class Target:
    """The graph an import writes to; recovery undoes only journals of the graph it is given."""

    database: str  # the database URL, or "embedded" (the FalkorDB in the data directory)
    graph: str
    neo4j_database: str = ""

    @classmethod
    def of(cls, settings: Settings) -> "Target":
        return cls(settings.database_url or "embedded", settings.graph_name, settings.neo4j_database or "")

    def describe(self) -> str:
        return f"graph {self.graph!r} in {self.database}" + (
            f" (Neo4j database {self.neo4j_database!r})" if self.neo4j_database else "")


def undo_query(step: Step) -> BulkPlan | GuardedNodes | ForgetUndoRecords:
    """The plan for one undo step. JournalError for a step naming a label or relationship
    the model lacks: a journal is data read back from disk, never trusted as Cypher."""
    op = step.get("op")
    if op in ("delete_nodes", "restore_nodes", "reapply_nodes", "recreate_nodes"):
        label = step.get("label")
        if label not in TYPES:
            raise JournalError(f"unknown label {label!r}")
        if op == "delete_nodes":
            return transfer.delete_nodes(label, list(step["uids"]))
        if op == "restore_nodes":
            return transfer.restore_nodes(label, list(step["rows"]))
        return GuardedNodes(op.removesuffix("_nodes"), label, tuple(step["rows"]))
    if op in ("delete_links", "merge_links"):
        triple = tuple(step.get("rel") or ())
        if triple not in relationship_endpoints():
            raise JournalError(f"unknown relationship {triple!r}")
        pairs = [list(p) for p in step["pairs"]]
        return transfer.delete_links(*triple, pairs) if op == "delete_links" else merge_relationships_query(*triple, pairs)
    if op == "forget_undo" and isinstance(step.get("batchId"), str):
        return ForgetUndoRecords(step["batchId"])
    raise JournalError(f"unknown undo step {op!r}")


async def undo(backend: Backend, batches: list[list[Step]]) -> None:
    """Undo batches, newest first (links go before the nodes they join). Raises what the database
    raises; running it again finishes the job."""
    for steps in reversed(batches):
        for step in steps:
            # Rendered here, as the importer's writes are: what the backend is handed is the statement.
            await backend.write(backend.dialect.render(undo_query(step)))


async def committed(backend: Backend, audit_uid: str) -> bool:
    rows = await backend.read(transfer.audit_entries(audit_uid))
    return bool(rows and rows[0]["entries"])


def fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Journal:
    """An import's undo steps, kept in memory and, given a directory, in a locked file there.

    `begin` writes the header (and fsyncs file and directory) before any batch; `record` must
    return before the batch it describes is written; `finish` removes the file once the import has
    committed or been undone, `abandon` only closes it (the next start will roll it back).
    OSError when the directory cannot be written: the import then writes nothing."""

    def __init__(self, batch_id: str, audit_uid: str, path: Path | None = None, fd: int | None = None) -> None:
        self.batch_id, self.audit_uid, self.path, self.fd = batch_id, audit_uid, path, fd
        self.batches: list[list[Step]] = []

    @classmethod
    def begin(cls, directory: Path | None, batch_id: str, audit_uid: str, target: Target | None,
              actor: str) -> "Journal":
        if directory is None:
            return cls(batch_id, audit_uid)
        # 0700/0600: the journal holds the previous values of overwritten nodes (names, phone numbers).
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = directory / f"{batch_id}{SUFFIX}"
        # Written under a temporary name, locked, then renamed: recovery never sees a journal
        # that is not yet locked or has no header.
        temporary = path.with_name(path.name + TEMPORARY)
        fd = os.open(temporary, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
        journal = cls(batch_id, audit_uid, path, fd)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            journal._append({"journal": VERSION, "batchId": batch_id, "auditUid": audit_uid, "actor": actor,
                             "pid": os.getpid(), "target": asdict(target) if target else None})
            os.rename(temporary, path)
            fsync_directory(directory)  # the name is durable too, not only the contents
        except BaseException:
            journal.abandon()
            temporary.unlink(missing_ok=True)
            raise
        return journal

    def record(self, steps: list[Step]) -> None:
        """Durably note how to undo the next batch, before it is written."""
        if self.fd is not None:
            self._append({"undo": steps})
        self.batches.append(steps)

    def _append(self, entry: dict[str, Any]) -> None:
        data = (json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
        view = memoryview(data)
        while view:
            view = view[os.write(self.fd, view):]
        os.fsync(self.fd)

    def finish(self) -> None:
        """The import committed or was undone: nothing is left to recover."""
        if self.path is not None and self.fd is not None:
            self.path.unlink(missing_ok=True)
            fsync_directory(self.path.parent)
        self.abandon()

    def abandon(self) -> None:
        """Close without removing: the file (if any) waits for recovery."""
        if self.fd is not None:
            os.close(self.fd)  # releases the lock
            self.fd = None
