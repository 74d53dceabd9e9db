"""Undoing a committed import, by its batch id: `undo_import`.

What an import keeps for this (seed/importer.py writes it before its audit entry, so it exists
exactly when the import committed): per batch, the nodes it created (the rows as written), the
nodes it overwrote (previous properties and the row written) and the links it made, as
`ImportUndo` records in the graph (graph/import_undo.py), each at most MAX_RECORD_BYTES of JSON.

The undo refuses (UndoRefused, CONFLICT) when later writes conflict, judged by state: a node the
import created or overwrote no longer holds exactly what it wrote, or was deleted; a node it
created has links it did not make; a link it made is gone. Otherwise it writes, like an import,
in batches: the links it made are deleted, overwritten nodes put back, created nodes deleted,
each batch in a statement that checks its nodes and links are still as the import left them;
then one statement deletes the records and creates the undo's audit entry (action "undo",
`undoes` the import's entry, `changes` {as: import, batchId, counts}). Neo4j runs it all in one
transaction. On FalkorDB, before each batch the steps that reverse it are journalled
(seed/journal.py), so a batch refused midway, a failure, or a dead process leaves the import as
it was (the undo's audit entry is its commit record, as an import's is).
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from graph import transfer
from graph.backend import Backend
from graph.errors import ConstraintViolation
from graph.import_undo import (
    CommitImportUndo, GuardedLinkDelete, GuardedNodes, NodeRelationships, SaveUndoRecord,
    UndoRecords,
)
from graph.loading import batches
from graph.model import TYPES, relationship_endpoints
from graph.undo_plan import UNDO, AuditEntryLookup, undo_audit_uid
from graph.write_plan import Audit, utc_now
from seed.journal import Journal, Step, Target, committed, undo

BATCH_SIZE = 1000
MAX_RECORD_BYTES = 1 << 20  # a record travels as one parameter: kept far below any engine's limit
NOT_FOUND, CONFLICT = "NOT_FOUND", "CONFLICT"


class UndoRefused(Exception):
    """The batch cannot be undone now: `code` NOT_FOUND or CONFLICT, `reason` for the client.
    Nothing was written."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code, self.reason = code, reason


class UndoFailed(RuntimeError):
    """The database failed midway; what the undo wrote was put back, or will be by recovery."""


@dataclass
class ImportUndone:
    batch_id: str
    audit_uid: str  # the undo's own entry
    undoes: str     # the import's entry
    nodes_deleted: int = 0
    nodes_restored: int = 0
    relationships_deleted: int = 0


def audit_uid_of(batch_id: str) -> str:
    """The uid of an import's audit entry (seed/importer.py)."""
    return f"audit-{batch_id}"


def forget_step(batch_id: str) -> Step:
    """The journal step that removes an import's undo records when the import is rolled back."""
    return {"op": "forget_undo", "batchId": batch_id}


# --------------------------------------------------------------------------- what an import keeps

def undo_records(node_plans, rel_plans, batch_size: int, max_bytes: int = MAX_RECORD_BYTES) -> list[str]:
    """The import's undo data as JSON records, batched as its statements are and split further
    to stay under `max_bytes`: {"nodes": label, "created": [row], "overwritten": [[previous, row]]}
    and {"links": [from label, type, to label], "pairs": [[from uid, to uid]]}."""
    records: list[str] = []
    for f, to_write, previous, created in node_plans:
        created_set, previous_by_uid = set(created), {p["uid"]: p for p in previous}
        for batch in batches(to_write, batch_size):
            items = [("created", r) if r["uid"] in created_set else ("overwritten", [previous_by_uid[r["uid"]], r])
                     for r in batch]
            records += _packed({"nodes": f.node_type.label}, items, max_bytes)
    for f, new in rel_plans:
        for batch in batches(new, batch_size):
            records += _packed({"links": list(f.triple)}, [("pairs", pair) for pair in batch], max_bytes)
    return records


def _packed(head: dict[str, Any], items: list[tuple[str, Any]], max_bytes: int) -> list[str]:
    records, current, size = [], defaultdict(list), 0
    for key, item in items:
        item_size = len(json.dumps(item, ensure_ascii=False)) + 1
        if current and size + item_size > max_bytes:
            records.append(json.dumps({**head, **current}, ensure_ascii=False))
            current, size = defaultdict(list), 0
        current[key].append(item)
        size += item_size
    if current:
        records.append(json.dumps({**head, **current}, ensure_ascii=False))
    return records


def save_plans(batch_id: str, records: list[str]) -> Iterator[SaveUndoRecord]:
    for seq, record in enumerate(records):
        yield SaveUndoRecord(batch_id, seq, len(records), record)


# --------------------------------------------------------------------------- undo

@dataclass
class _Kept:
    created: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))
    overwritten: dict[str, list[list[dict]]] = field(default_factory=lambda: defaultdict(list))
    links: dict[tuple[str, str, str], list[list[str]]] = field(default_factory=lambda: defaultdict(list))


async def undo_import(backend: Backend, batch_id: str, actor: str, *, journal_dir: Path | None = None,
                      target: Target | None = None, batch_size: int = BATCH_SIZE) -> ImportUndone:
    """Undo the committed import `batch_id` as `actor`. UndoRefused when it cannot be (nothing
    written); UndoFailed when the database failed midway (rolled back, now or by recovery)."""
    import_uid = audit_uid_of(batch_id)
    rows = await backend.read(AuditEntryLookup(import_uid))
    if not rows or rows[0]["entry"].get("action") != "import":
        raise UndoRefused(NOT_FOUND, f"no committed import batch {batch_id!r}")
    if rows[0]["undoneBy"]:
        raise UndoRefused(CONFLICT, f"import {batch_id!r} is undone already, by {rows[0]['undoneBy'][0]!r}")
    kept = await _read_kept(backend, batch_id)
    await _check(backend, kept, batch_size)
    done = ImportUndone(batch_id, undo_audit_uid(import_uid), import_uid)
    try:
        journal = Journal.begin(journal_dir, f"undo-{batch_id}", done.audit_uid, target, actor)
    except OSError as error:
        raise UndoFailed(f"cannot write the undo's journal, so nothing was undone: {error}") from error
    try:
        async with backend.transaction():
            for plan, steps in _statements(kept, batch_size):
                journal.record(steps)
                rows = await backend.write(backend.dialect.render(plan))
                count = next(iter(rows[0].values())) if rows else 0
                if count != len(plan.rows if isinstance(plan, GuardedNodes) else plan.pairs):
                    journal.batches.pop()  # this batch wrote nothing: its steps must not run
                    raise _Changed(f"import {batch_id!r} changed while it was being undone; nothing was undone, "
                                   "try again")
                _count(done, plan, count)
            at, _ = utc_now()
            changes = {"as": "import", "batchId": batch_id, "nodesDeleted": done.nodes_deleted,
                       "nodesRestored": done.nodes_restored, "relationshipsDeleted": done.relationships_deleted}
            audit = Audit(actor, at, UNDO, "Import", None, json.dumps(changes, sort_keys=True), batch_id=batch_id,
                          undoes=import_uid)
            commit = CommitImportUndo(batch_id, import_uid, audit.properties(done.audit_uid))
            try:
                committed_rows = await backend.write(backend.dialect.render(commit))
            except ConstraintViolation:
                committed_rows = []
            if not committed_rows:
                raise _Changed(f"import {batch_id!r} was undone meanwhile by another request")
    except _Changed as changed:
        await _roll_back(backend, journal, None, changed)
        raise UndoRefused(CONFLICT, str(changed)) from None
    except Exception as error:
        if await _roll_back(backend, journal, done.audit_uid, error):
            return done
        raise UndoFailed(f"the undo failed midway and was rolled back: {error}") from error
    except BaseException:
        journal.abandon()  # interrupted: the next start rolls it back
        raise
    journal.finish()
    return done


class _Changed(Exception):
    pass


async def _roll_back(backend: Backend, journal: Journal, audit_uid: str | None, error: Exception) -> bool:
    """Put back what the undo wrote; True when it had committed after all (its reply lost: asked
    only with `audit_uid`, after a failure, not after a refusal)."""
    try:
        if audit_uid is not None and await committed(backend, audit_uid):
            journal.finish()
            return True
        await undo(backend, journal.batches)
    except Exception as undo_error:
        journal.abandon()
        raise UndoFailed(f"the undo failed midway ({error}) and could not be rolled back now ({undo_error}); "
                         "the server's recovery will") from error
    journal.finish()
    return False


def _count(done: ImportUndone, plan: Any, count: int) -> None:
    if isinstance(plan, GuardedLinkDelete):
        done.relationships_deleted += count
    elif plan.action == "delete":
        done.nodes_deleted += count
    else:
        done.nodes_restored += count


def _statements(kept: _Kept, batch_size: int) -> Iterator[tuple[Any, list[Step]]]:
    """Links first, then overwritten nodes, then created nodes (which have no links left); each
    with the journal steps that reverse it, compare-and-set so that they change only what the
    undo changed."""
    for triple, pairs in kept.links.items():
        for batch in batches(pairs, batch_size):
            yield (GuardedLinkDelete(*triple, tuple((a, b) for a, b in batch)),
                   [{"op": "merge_links", "rel": list(triple), "pairs": batch}])
    for label, pairs in kept.overwritten.items():
        for batch in batches(pairs, batch_size):
            yield (GuardedNodes("restore", label, tuple([row, previous] for previous, row in batch)),
                   [{"op": "reapply_nodes", "label": label, "rows": batch}])
    for label, rows in kept.created.items():
        for batch in batches(rows, batch_size):
            yield GuardedNodes("delete", label, tuple(batch)), [{"op": "recreate_nodes", "label": label, "rows": batch}]


async def _read_kept(backend: Backend, batch_id: str) -> _Kept:
    rows = await backend.read(UndoRecords(batch_id))
    if not rows:
        raise UndoRefused(CONFLICT, f"import {batch_id!r} kept no undo data: it ran before imports kept it, or the "
                                    "graph was reset since")
    if [r["seq"] for r in rows] != list(range(rows[0]["total"])):
        raise UndoRefused(CONFLICT, f"the undo data of import {batch_id!r} is incomplete")
    kept = _Kept()
    try:
        for row in rows:
            record = json.loads(row["record"])
            if "nodes" in record:
                label = record["nodes"]
                if label not in TYPES or not TYPES[label].is_data:
                    raise ValueError(f"unknown label {label!r}")
                kept.created[label] += [dict(r) for r in record.get("created", [])]
                kept.overwritten[label] += [[dict(p), dict(r)] for p, r in record.get("overwritten", [])]
            else:
                triple = tuple(record["links"])
                if triple not in relationship_endpoints():
                    raise ValueError(f"unknown relationship {triple!r}")
                kept.links[triple] += [[str(a), str(b)] for a, b in record["pairs"]]
    except (ValueError, KeyError, TypeError) as error:
        raise UndoRefused(CONFLICT, f"the undo data of import {batch_id!r} cannot be read ({error})") from None
    return kept


async def _check(backend: Backend, kept: _Kept, batch_size: int) -> None:
    """UndoRefused naming the first nodes and links that later writes changed."""
    problems: list[str] = []
    made: dict[tuple[str, str], set[tuple]] = defaultdict(set)  # (label, uid) → links the import made there
    for (source, rel_type, target), pairs in kept.links.items():
        for a, b in pairs:
            made[(source, a)].add(("OUT", rel_type, target, b))
            made[(target, b)].add(("IN", rel_type, source, a))
        for batch in batches(pairs, batch_size):
            found = {tuple(r["pair"]) for r in await backend.read(transfer.existing_pairs(source, rel_type, target, batch))}
            problems += [f"the {rel_type} link from {source} {a!r} to {target} {b!r} is gone"
                         for a, b in batch if (a, b) not in found]
    expected = {label: [(r, "created") for r in rows] for label, rows in kept.created.items()}
    for label, pairs in kept.overwritten.items():
        expected.setdefault(label, []).extend((row, "overwrote") for _, row in pairs)
    for label, wanted in expected.items():
        for batch in batches(wanted, batch_size):
            uids = [row["uid"] for row, _ in batch]
            stored = {r["node"]["uid"]: dict(r["node"]) for r in await backend.read(transfer.existing_nodes(label, uids))}
            for row, verb in batch:
                now = stored.get(row["uid"])
                if now is None:
                    problems.append(f"{label} {row['uid']!r}, which it {verb}, was deleted since")
                elif now != row:
                    changed = sorted(k for k in {*now, *row} if now.get(k) != row.get(k))
                    problems.append(f"{label} {row['uid']!r}, which it {verb}, changed since ({', '.join(changed)})")
        created_uids = [row["uid"] for row in kept.created.get(label, [])]
        for batch in batches(created_uids, batch_size):
            for r in await backend.read(NodeRelationships(label, tuple(batch))):
                extra = {tuple(x) for x in r["relationships"]} - made[(label, r["uid"])]
                if extra:
                    direction, rel_type, other, uid = sorted(extra)[0]
                    problems.append(f"{label} {r['uid']!r}, which it created, has links it did not make "
                                    f"({rel_type} {'to' if direction == 'OUT' else 'from'} {other} {uid!r})")
    if problems:
        more = f" and {len(problems) - 3} more" if len(problems) > 3 else ""
        raise UndoRefused(CONFLICT, "later writes changed what the import wrote: " + "; ".join(problems[:3]) + more
                          + "; undo them first")

