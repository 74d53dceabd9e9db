"""`dangjian import`: validate every row first, then write in batches, all or nothing.

FalkorDB has no multi-statement transactions, so each batch is one atomic statement, and the
import commits with a last statement that creates its audit entry. Before each batch, the steps
that undo it are journalled (seed/journal.py): if a later batch fails they run at once, newest
first; if the process dies, the next start runs them (seed/recovery.py). Before the audit entry,
the import writes what undoing it once committed takes (seed/import_undo.py: undoImport).
"""
from __future__ import annotations

import json
import os
import signal
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from i18n import Message
from graph import transfer
from graph.backend import Backend
from graph.loading import batches, merge_relationships_query
from graph.model import TYPES, single_sides
from graph.validation import actor_problem
from graph.write_plan import Audit, utc_now
from seed.import_undo import forget_step, save_plans, undo_records
from seed.journal import Journal, Step, Target, committed, undo
from seed.transfer import NodeFile, Problem, RelationshipFile, read_file

BATCH_SIZE = 1000


class ImportFailed(RuntimeError):
    """The database failed midway; everything this import wrote was undone, or, if undoing
    failed too, will be at the next start (the message says which)."""


CRASH_AT = "DANGJIAN_TEST_IMPORT_CRASH_AT"


def _crash_point(name: str) -> None:
    """For the crash tests only: die here, as kill -9 would, when CRASH_AT names this point
    ("journalled:N" and "batch:N" around the Nth batch, "audit:before", "audit:after")."""
    if os.environ.get(CRASH_AT) == name:
        os.kill(os.getpid(), signal.SIGKILL)


@dataclass
class FileResult:
    file: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class ImportReport:
    batch_id: str
    problems: list[Problem] = field(default_factory=list)
    files: list[FileResult] = field(default_factory=list)
    encodings: dict[str, str] = field(default_factory=dict)  # file → "read as GB18030"
    written: bool = False

    @property
    def rows_to_write(self) -> int:
        return sum(f.created + f.updated for f in self.files)


class Importer:
    """Imports files as `actor`. Rows claiming source ARTICLE are refused unless
    `allow_article_source`; `encoding` overrides the detected encoding of every file.
    With `journal_dir` (and the `target` graph), the undo steps are also kept on disk, so an
    import whose process dies is rolled back by the next start; without, only in memory.
    ValueError when the actor cannot be recorded."""

    def __init__(self, backend: Backend, actor: str, batch_size: int = BATCH_SIZE,
                 progress: Callable[[int], None] | None = None, *, allow_article_source: bool = False,
                 encoding: str | None = None, journal_dir: Path | None = None,
                 target: Target | None = None) -> None:
        problem = actor_problem(actor)
        if problem:
            raise ValueError(f"actor: {problem}")
        if journal_dir is not None and target is None:
            raise ValueError("a journal needs the target graph")
        self.backend, self.actor, self.batch_size = backend, actor.strip(), batch_size
        self.journal_dir, self.target = journal_dir, target
        self.allow_article_source, self.encoding = allow_article_source, encoding
        self.progress = progress or (lambda n: None)
        self.report = ImportReport(batch_id=f"import-{uuid.uuid4().hex[:12]}")

    async def _write_plan(self, plan) -> list[dict]:
        # Rendered here, so that what the backend is handed (and a wrapper around it sees) is
        # the statement itself, as the import's log and its tests read it.
        return await self.backend.write(self.backend.dialect.render(plan))

    async def run(self, paths: list[Path], dry_run: bool) -> ImportReport:
        files = [read_file(path, self.report.problems, self.encoding, self.allow_article_source) for path in paths]
        node_files = [f for f in files if isinstance(f, NodeFile)]
        rel_files = [f for f in files if isinstance(f, RelationshipFile)]
        self.report.encodings = {f.path.name: f.encoding for f in node_files + rel_files if f.encoding}
        await self._check_uids_elsewhere(node_files)
        await self._check_relationships(node_files, rel_files)
        # In the order the files were given (node files usually first), then by line; a row's
        # problems keep their column order (the sort is stable).
        position = {path.name: i for i, path in reversed(list(enumerate(paths)))}
        self.report.problems.sort(key=lambda p: (position.get(p.file, len(paths)), p.line))
        if self.report.problems:
            return self.report  # nothing is written when any row is bad
        node_plans = [await self._plan_nodes(f) for f in node_files]
        rel_plans = [await self._plan_relationships(f) for f in rel_files]
        if not dry_run and self.report.rows_to_write:
            await self._write(node_plans, rel_plans)
            self.report.written = True
        return self.report

    async def _uids_in_db(self, label: str, uids: list[str]) -> set[str]:
        found: set[str] = set()
        for batch in batches(uids, self.batch_size):
            found |= {row["uid"] for row in await self.backend.read(transfer.existing_uids(label, batch))}
        return found

    async def _check_uids_elsewhere(self, node_files: list[NodeFile]) -> None:
        """uids are unique across the graph: a row may not reuse a uid held by another type."""
        for f in node_files:
            line_of = {row["uid"]: line for line, row in f.rows}
            for other in TYPES.values():
                if other.label == f.node_type.label:
                    continue
                for uid in sorted(await self._uids_in_db(other.label, list(line_of))):
                    self.report.problems.append(Problem(f.path.name, line_of[uid], "uid",
                                                        Message("{uid!r} is already taken by a {owner}",
                                                                uid=uid, owner=other.name)))

    async def _check_relationships(self, node_files: list[NodeFile], rel_files: list[RelationshipFile]) -> None:
        in_files: dict[str, set[str]] = defaultdict(set)
        refused: dict[str, dict[str, str]] = defaultdict(dict)  # label → uid → "Zone.csv:3"
        for f in node_files:
            in_files[f.node_type.label] |= {row["uid"] for _, row in f.rows}
            for uid, line in f.refused.items():
                refused[f.node_type.label].setdefault(uid, f"{f.path.name}:{line}")
        for f in rel_files:
            source, rel_type, target = f.triple
            for column, label, index in (("from", source, 0), ("to", target, 1)):
                wanted = sorted({pair[index] for _, pair in f.pairs} - in_files[label])
                known = in_files[label] | await self._uids_in_db(label, wanted)
                for line, pair in f.pairs:
                    uid = pair[index]
                    if uid in known:
                        continue
                    if uid in refused[label]:
                        reason = Message("{uid!r}: {where} was refused, so there is no such {label} to link",
                                         uid=uid, where=refused[label][uid], label=label)
                    else:
                        reason = Message("no {label} with uid {uid!r}, in the files or the database", uid=uid,
                                         label=label)
                    self.report.problems.append(Problem(f.path.name, line, column, reason))
            await self._check_cardinality(f)

    async def _check_cardinality(self, f: RelationshipFile) -> None:
        at_start, at_end = single_sides(f.triple)
        for single, index, column, query in ((at_start, 0, "from", transfer.other_links_from),
                                             (at_end, 1, "to", transfer.other_links_to)):
            if not single:
                continue
            first_line: dict[str, tuple[int, str]] = {}
            for line, pair in f.pairs:
                node, other = pair[index], pair[1 - index]
                if node in first_line and first_line[node][1] != other:
                    self.report.problems.append(Problem(f.path.name, line, column,
                                                        Message("{node!r} may have one {rel} link; line {first} "
                                                                "already gives one",
                                                                node=node, rel=f.triple[1], first=first_line[node][0])))
                first_line.setdefault(node, (line, other))
            line_of = {pair: line for line, pair in f.pairs}
            for batch in batches([list(pair) for _, pair in f.pairs], self.batch_size):
                for row in await self.backend.read(query(*f.triple, batch)):
                    pair = tuple(row["pair"])
                    self.report.problems.append(Problem(f.path.name, line_of[pair], column,
                                                        Message("{uid!r} already has its {rel} link, to {other!r}; "
                                                                "one is allowed",
                                                                uid=pair[index], rel=f.triple[1], other=row['other'])))

    async def _plan_nodes(self, f: NodeFile) -> tuple[NodeFile, list[dict], list[dict], list[str]]:
        """Rows to write, previous versions of the rows they overwrite, and uids they create."""
        result = FileResult(f.path.name)
        label = f.node_type.label
        to_write, previous, created = [], [], []
        for batch in batches([row for _, row in f.rows], self.batch_size):
            rows = await self.backend.read(transfer.existing_nodes(label, [r["uid"] for r in batch]))
            existing = {row["node"]["uid"]: dict(row["node"]) for row in rows}
            for row in batch:
                before = existing.get(row["uid"])
                if before == row:
                    result.unchanged += 1
                    continue
                to_write.append(row)
                if before is None:
                    created.append(row["uid"])
                    result.created += 1
                else:
                    previous.append(before)
                    result.updated += 1
        self.report.files.append(result)
        return f, to_write, previous, created

    async def _plan_relationships(self, f: RelationshipFile) -> tuple[RelationshipFile, list[list[str]]]:
        result = FileResult(f.path.name)
        pairs = [list(pair) for _, pair in f.pairs]
        new = []
        for batch in batches(pairs, self.batch_size):
            existing = {tuple(row["pair"]) for row in await self.backend.read(transfer.existing_pairs(*f.triple, batch))}
            new += [pair for pair in batch if tuple(pair) not in existing]
        result.created, result.unchanged = len(new), len(pairs) - len(new)
        self.report.files.append(result)
        return f, new

    async def _write(self, node_plans, rel_plans) -> None:
        audit_uid = f"audit-{self.report.batch_id}"
        try:
            journal = Journal.begin(self.journal_dir, self.report.batch_id, audit_uid, self.target, self.actor)
        except OSError as error:
            raise ImportFailed(f"cannot write the import journal, so nothing was written: {error}") from error
        try:
            # One transaction on Neo4j (nothing is seen before the audit entry commits, and a
            # failure or a dead process leaves nothing); on FalkorDB each batch commits alone
            # and the journal undoes them. The journal is kept on both: recovery is the same.
            async with self.backend.transaction():
                for query, size, steps in self._statements(node_plans, rel_plans):
                    if not journal.batches:  # the undo records written below go with the import
                        steps = [forget_step(self.report.batch_id), *steps]
                    journal.record(steps)  # durable before the batch it undoes is written
                    _crash_point(f"journalled:{len(journal.batches)}")
                    await self._write_plan(query)
                    _crash_point(f"batch:{len(journal.batches)}")
                    self.progress(size)
                # What undoing the committed import takes (seed/import_undo.py), committed with it.
                records = undo_records(node_plans, rel_plans, self.batch_size)
                for plan in save_plans(self.report.batch_id, records):
                    await self._write_plan(plan)
                _crash_point("audit:before")
                await self._write_plan(transfer.record_audit(self._audit().properties(audit_uid)))
            _crash_point("audit:after")
        except Exception as error:
            await self._roll_back(journal, error)
        except BaseException:
            journal.abandon()  # interrupted (Ctrl-C): the next start rolls it back
            raise
        journal.finish()

    def _statements(self, node_plans, rel_plans):
        """Each batch: its statement, its row count, and the steps that undo it."""
        for f, to_write, previous, created in node_plans:
            label = f.node_type.label
            created_set = set(created)
            previous_by_uid = {p["uid"]: p for p in previous}
            for batch in batches(to_write, self.batch_size):
                fresh = [r["uid"] for r in batch if r["uid"] in created_set]
                overwritten = [previous_by_uid[r["uid"]] for r in batch if r["uid"] in previous_by_uid]
                steps: list[Step] = []
                if fresh:
                    steps.append({"op": "delete_nodes", "label": label, "uids": fresh})
                if overwritten:
                    steps.append({"op": "restore_nodes", "label": label, "rows": overwritten})
                yield transfer.set_nodes(label, batch), len(batch), steps
        for f, new in rel_plans:
            for batch in batches(new, self.batch_size):
                steps = [{"op": "delete_links", "rel": list(f.triple), "pairs": batch}]
                yield merge_relationships_query(*f.triple, batch), len(batch), steps

    async def _roll_back(self, journal: Journal, error: Exception) -> None:
        """Undo what the journal holds, unless the audit entry was written after all (its reply
        lost): then the import committed. If the database cannot answer, the journal stays."""
        try:
            if await committed(self.backend, journal.audit_uid):
                journal.finish()
                return
            await undo(self.backend, journal.batches)
        except Exception as undo_error:
            journal.abandon()
            raise ImportFailed(f"the import failed midway ({error}) and could not be undone now ({undo_error}); "
                               "the next dangjian serve, seed or import (or dangjian import --recover) will "
                               "undo it") from error
        journal.finish()
        raise ImportFailed(f"the import failed midway and was undone: {error}") from error

    def _audit(self) -> Audit:
        at, _ = utc_now()
        changes = {f.file: {"created": f.created, "updated": f.updated, "unchanged": f.unchanged}
                   for f in self.report.files}
        return Audit(self.actor, at, "import", "Import", None, json.dumps(changes, ensure_ascii=False, sort_keys=True),
                     batch_id=self.report.batch_id)
