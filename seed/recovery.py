"""Finishing imports whose process died: undo them, or notice that they had committed.

`dangjian serve`, `seed` and `import` run `recover` before anything else, and
`dangjian import --recover` runs it alone. The journal format is in seed/journal.py.
"""
from __future__ import annotations

import fcntl
import json
import os
from dataclasses import dataclass
from pathlib import Path

from graph.backend import Backend
from seed.journal import SUFFIX, TEMPORARY, VERSION, JournalError, Step, Target, fsync_directory, committed, undo, undo_query

ROLLED_BACK, COMMITTED = "rolled back", "committed"
RUNNING, OTHER_GRAPH, UNREADABLE = "running", "other graph", "unreadable"


@dataclass(frozen=True)
class Recovered:
    """What recovery did with one journal; `outcome` is one of the constants above."""

    batch_id: str
    outcome: str
    detail: str = ""

    @property
    def left(self) -> bool:
        """Is the journal still there?"""
        return self.outcome in (RUNNING, OTHER_GRAPH, UNREADABLE)

    def __str__(self) -> str:
        return {
            ROLLED_BACK: f"{self.batch_id} had not finished; {self.detail} undone, so it left nothing written",
            COMMITTED: f"{self.batch_id} had committed (its audit entry exists); its journal was removed",
            RUNNING: f"{self.batch_id} is still running (its process holds the journal); left alone",
            OTHER_GRAPH: f"{self.batch_id} writes to {self.detail}; left for a recovery with those settings",
            UNREADABLE: f"{self.batch_id}: the journal cannot be read ({self.detail}); left in place",
        }[self.outcome]


def journals(directory: Path) -> list[Path]:
    return sorted(directory.glob(f"*{SUFFIX}")) if directory.is_dir() else []


def _parse(data: bytes) -> tuple[dict, list[list[Step]]]:
    """The header and each batch's undo steps. A last line without its newline was being written
    when the process died; its batch had not started (a batch is written only after its line is
    fsynced), so it is left out."""
    lines = data.split(b"\n")[:-1]  # the piece after the last newline is torn or empty
    try:
        entries = [json.loads(line) for line in lines]
    except ValueError as error:
        raise JournalError(f"a line is not JSON: {error}") from None
    header, rest = (entries[0], entries[1:]) if entries else (None, [])
    if not isinstance(header, dict) or header.get("journal") != VERSION or not isinstance(header.get("target"), dict):
        raise JournalError(f"no version {VERSION} header")
    if not all(isinstance(e, dict) and isinstance(e.get("undo"), list) for e in rest):
        raise JournalError("a line is not an undo step list")
    return header, [e["undo"] for e in rest]


def _read_all(fd: int) -> bytes:
    chunks, offset = [], 0
    while chunk := os.pread(fd, 1 << 20, offset):
        chunks.append(chunk)
        offset += len(chunk)
    return b"".join(chunks)


def _names_target(path: Path, target: Target) -> bool:
    try:
        with open(path, "rb") as f:
            header, _ = _parse(f.readline())  # only the header: a journal can be megabytes
        return Target(**header["target"]) == target
    except FileNotFoundError:
        return False
    except (OSError, JournalError, TypeError):
        return True  # let recovery look, and report it


def pending(directory: Path, target: Target) -> bool:
    """Is there a journal recovery should look at for `target`? Cheap: no database needed."""
    return any(_names_target(path, target) for path in journals(directory))


async def recover(backend: Backend, directory: Path, target: Target) -> list[Recovered]:
    """Roll back every dead import of `target` journalled in `directory`, or remove its journal if
    it had committed. Journals of running imports, of other graphs, or unreadable are left and
    reported. Raises what the database raises; the journal then stays for the next attempt."""
    results = []
    _remove_abandoned_starts(directory)
    for path in journals(directory):
        try:
            fd = os.open(path, os.O_RDWR)
        except FileNotFoundError:
            continue  # finished meanwhile
        try:
            result = await _recover_one(backend, path, fd, target)
        finally:
            os.close(fd)
        if result:
            results.append(result)
    return results


def _remove_abandoned_starts(directory: Path) -> None:
    """Journals whose process died while starting them, before any batch was written."""
    for path in directory.glob(f"*{SUFFIX}{TEMPORARY}") if directory.is_dir() else []:
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            path.unlink(missing_ok=True)  # if this beat the rename, that import stops: it wrote nothing
        except BlockingIOError:
            pass  # being started right now
        finally:
            os.close(fd)


async def _recover_one(backend: Backend, path: Path, fd: int, target: Target) -> Recovered | None:
    batch_id = path.name.removesuffix(SUFFIX)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return Recovered(batch_id, RUNNING)
    try:
        if os.fstat(fd).st_ino != os.stat(path).st_ino:
            return None  # another recovery finished it and a new file took the name
    except FileNotFoundError:
        return None  # another recovery finished it while we waited for the lock
    try:
        header, batches = _parse(_read_all(fd))
        owner = Target(**header["target"])
        if owner != target:
            return Recovered(batch_id, OTHER_GRAPH, owner.describe())
        for steps in batches:  # every step is checked against the model before any runs
            for step in steps:
                undo_query(step)
    except (JournalError, TypeError, KeyError) as error:
        return Recovered(batch_id, UNREADABLE, f"{path}: {error}")
    if await committed(backend, header["auditUid"]):
        outcome, detail = COMMITTED, ""
    else:
        await undo(backend, batches)
        n = len(batches)
        outcome, detail = ROLLED_BACK, f"the {n} batches it had begun were" if n != 1 else "the batch it had begun was"
    path.unlink()
    fsync_directory(path.parent)
    return Recovered(batch_id, outcome, detail)
