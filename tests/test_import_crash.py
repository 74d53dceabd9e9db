"""An import whose process dies leaves nothing: `kill -9` of `dangjian import` at random moments
and at each crash window, then recovery, gives back the graph as it was; importing again then
writes and audits everything."""
from __future__ import annotations

import contextlib
import json
import math
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from graph.plan import CompiledQuery
from seed.exporter import export_graph
from seed.importer import CRASH_AT, ImportFailed, Importer
from seed.journal import DIRECTORY, Journal, Target
from seed.recovery import COMMITTED, OTHER_GRAPH, ROLLED_BACK, RUNNING, UNREADABLE, recover
from tests.conftest import GRAPH_COUNTS, REPO, cli_env, scratch_graph
from tests.test_import_export import FailingBackend, same_tree

GRAPH = "import_crash_test"
ORGS, EXISTING, TOWNS, ZONES, BATCH = 2000, 400, 10, 20, 100
RELATIONSHIP_FILES = ("Organisation-IN_TOWN-Town.csv", "Organisation-SERVES-Zone.csv",
                      "Organisation-SUBORDINATE_TO-Organisation.csv")
# What the import writes over the baseline: every organisation (the first EXISTING are renamed and
# lose their description), and the links the baseline lacks, in batches of BATCH.
NEW_LINKS = (ORGS - EXISTING, ORGS // 2, ORGS - 1)
BATCHES = math.ceil(ORGS / BATCH) + sum(math.ceil(n / BATCH) for n in NEW_LINKS)
AUDIT = CompiledQuery("MATCH (a:AuditEntry) RETURN a.uid AS uid, a.batchId AS batch, a.changes AS changes "
                      "ORDER BY a.uid")


def org(i: int) -> str:
    return f"org-crash-{i:05d}"


def write_files(directory: Path, orgs: int, *, renamed: bool, described: bool = False) -> list[Path]:
    """Towns, zones, `orgs` organisations and their links (every org in a town; every other one
    serving a zone; each reporting to org i // 10), in the order an import takes them."""
    directory.mkdir(parents=True, exist_ok=True)
    files = {
        "Town.csv": "uid,name,kind\n" + "".join(f"town-crash-{i},示例镇{i},TOWN\n" for i in range(TOWNS)),
        "Zone.csv": "uid,name,isDemonstration\n" + "".join(f"zone-crash-{i},示例片区{i},false\n" for i in range(ZONES)),
        "Organisation.csv": ("uid,name,kind" + (",description" if described else "") + "\n" + "".join(
            f"{org(i)},示例党组织{i}{'改' if renamed else ''},BRANCH" + (f",旧说明{i}" if described else "") + "\n"
            for i in range(orgs))),
        RELATIONSHIP_FILES[0]: "from,to\n" + "".join(f"{org(i)},town-crash-{i % TOWNS}\n" for i in range(orgs)),
    }
    if renamed:  # the baseline has only the towns
        files[RELATIONSHIP_FILES[1]] = "from,to\n" + "".join(f"{org(i)},zone-crash-{i % ZONES}\n"
                                                            for i in range(0, orgs, 2))
        files[RELATIONSHIP_FILES[2]] = "from,to\n" + "".join(f"{org(i)},{org(i // 10)}\n" for i in range(1, orgs))
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")
    return [directory / name for name in files]


@pytest.fixture
async def baseline(engine, data_dir, tmp_path):
    """A graph holding towns, zones and EXISTING described organisations (one import, one audit
    entry), the files of the big import, and the graph's state before it."""
    async with scratch_graph(engine, GRAPH, seeded=False) as backend:
        report = await Importer(backend, "baseline").run(write_files(tmp_path / "base", EXISTING, renamed=False,
                                                                     described=True), dry_run=False)
        assert report.written and not report.problems
        files = write_files(tmp_path / "big", ORGS, renamed=True)
        yield backend, files, await state(backend, tmp_path / "before")
    for path in journals(data_dir):
        path.unlink()  # a failed test's leftovers must not reach the next test


async def state(backend, directory: Path) -> tuple:
    """Everything an import could change: every node's properties and every link (an export),
    the counts, and the audit trail."""
    await export_graph(backend, directory)
    return directory, await backend.read(GRAPH_COUNTS), await backend.read(AUDIT)


async def assert_unchanged(backend, before: tuple, directory: Path) -> None:
    after = await state(backend, directory)
    assert same_tree(before[0], after[0]), "a node or link differs from before the import"
    assert after[1:] == before[1:]


async def assert_fully_imported(backend, before: tuple, batch_id: str) -> None:
    """Every organisation and link written, the overwritten ones renamed, one audit entry more, and
    the import's undo records (seed/import_undo.py: one per batch here)."""
    [counts] = await backend.read(GRAPH_COUNTS)
    assert counts == {"nodes": before[1][0]["nodes"] + ORGS - EXISTING + 1 + BATCHES,
                      "rels": before[1][0]["rels"] + sum(NEW_LINKS)}
    records = await backend.read(CompiledQuery("MATCH (c:ImportUndo) WHERE c.batchId = $b RETURN count(c) AS n",
                                               {"b": batch_id}))
    assert records == [{"n": BATCHES}]
    rows = await backend.read(CompiledQuery("MATCH (o:Organisation) WHERE o.uid IN $uids "
                                            "RETURN o.uid AS uid, o.name AS name, o.description AS d ORDER BY uid",
                                            {"uids": [org(0), org(EXISTING - 1), org(ORGS - 1)]}))
    assert rows == [{"uid": org(0), "name": "示例党组织0改", "d": None},
                    {"uid": org(EXISTING - 1), "name": f"示例党组织{EXISTING - 1}改", "d": None},
                    {"uid": org(ORGS - 1), "name": f"示例党组织{ORGS - 1}改", "d": None}]
    audit = await backend.read(AUDIT)
    new = [a for a in audit if a not in before[2]]
    assert [a["batch"] for a in new] == [batch_id] and len(audit) == len(before[2]) + 1
    changes = json.loads(new[0]["changes"])
    assert changes["Organisation.csv"] == {"created": ORGS - EXISTING, "updated": EXISTING, "unchanged": 0}
    assert [changes[name]["created"] for name in RELATIONSHIP_FILES] == list(NEW_LINKS)


def journals(data_dir: Path) -> list[Path]:
    """This test graph's journals."""
    found = []
    for path in sorted((data_dir / DIRECTORY).glob("*.journal")):
        header = path.read_bytes().split(b"\n", 1)[0]
        if f'"graph":"{GRAPH}"'.encode() in header:
            found.append(path)
    return found


def environment(engine, **extra: str) -> dict[str, str]:
    env = cli_env(engine, GRAPH)
    env.pop(CRASH_AT, None)
    return {**env, **extra}


def dangjian(engine, *args: str, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "web.cli", *args], cwd=REPO, env=environment(engine, **extra),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)


def import_args(files: list[Path]) -> list[str]:
    return ["import", "--actor", "crash-tester", "--batch-size", str(BATCH), *map(str, files)]


def batch_id_of(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 0, done.stderr
    return done.stdout.rsplit("written as batch ", 1)[1].split()[0]


def kill_after_journalled(engine, files: list[Path], lines: int, jitter: float) -> int:
    """Start the import; kill -9 it `jitter` seconds after its journal holds `lines` batches (or
    once it has exited on its own). Returns how many batches the journal held at the kill."""
    process = subprocess.Popen([sys.executable, "-m", "web.cli", *import_args(files)], cwd=REPO,
                               env=environment(engine), stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    try:
        while process.poll() is None and time.monotonic() < deadline:
            found = journals(engine.data_dir)
            if found and found[0].read_bytes().count(b"\n") - 1 >= lines:
                time.sleep(jitter)
                break
            time.sleep(0.002)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(30)
    found = journals(engine.data_dir)
    return found[0].read_bytes().count(b"\n") - 1 if found else -1


@pytest.mark.parametrize("run", range(3))
async def test_kill_9_at_a_random_moment_then_recovery_leaves_nothing(baseline, engine, data_dir, tmp_path, run):
    backend, files, before = baseline
    rng = random.Random(run)
    lines, jitter = rng.randint(1, BATCHES - 1), rng.uniform(0, 0.02)
    journalled = kill_after_journalled(engine, files, lines, jitter)
    print(f"run {run}: killed with {journalled} of {BATCHES} batches journalled")
    if journalled == -1:
        pytest.fail(f"the import finished before the kill at {lines} batches; make the import bigger")
    assert 1 <= journalled <= BATCHES
    batch_id = journals(data_dir)[0].name.removesuffix(".journal")
    recovered = dangjian(engine, "import", "--recover")
    assert recovered.returncode == 0, recovered.stderr
    assert journals(data_dir) == []
    if f"{batch_id} had committed" in recovered.stderr:  # killed after its audit entry, before removing the journal
        await assert_fully_imported(backend, before, batch_id)
        return
    assert f"{batch_id} had not finished" in recovered.stderr
    await assert_unchanged(backend, before, tmp_path / "after")
    # The import again: nothing of the dead one is taken as "unchanged", all is audited.
    await assert_fully_imported(backend, before, batch_id_of(dangjian(engine, *import_args(files))))
    assert journals(data_dir) == []


@pytest.mark.parametrize("point", ["journalled:1", "batch:1", f"journalled:{BATCHES}", f"batch:{BATCHES}",
                                   "audit:before"])
async def test_every_crash_window_before_the_audit_entry_rolls_back(baseline, engine, data_dir, tmp_path, point):
    backend, files, before = baseline
    crashed = dangjian(engine, *import_args(files), **{CRASH_AT: point})
    assert crashed.returncode == -signal.SIGKILL
    [journal] = journals(data_dir)
    assert journal.stat().st_mode & 0o777 == 0o600  # it holds overwritten nodes' old values
    expected = int(point.split(":")[1]) if point[0] in "jb" else BATCHES
    assert journal.read_bytes().count(b"\n") - 1 == expected
    recovered = dangjian(engine, "import", "--recover")
    assert recovered.returncode == 0 and "had not finished" in recovered.stderr, recovered.stderr
    await assert_unchanged(backend, before, tmp_path / "after")
    assert journals(data_dir) == []


async def test_a_crash_after_the_audit_entry_keeps_the_import(baseline, engine, data_dir):
    backend, files, before = baseline
    crashed = dangjian(engine, *import_args(files), **{CRASH_AT: "audit:after"})
    assert crashed.returncode == -signal.SIGKILL
    [journal] = journals(data_dir)
    batch_id = journal.name.removesuffix(".journal")
    recovered = dangjian(engine, "import", "--recover")
    assert recovered.returncode == 0 and f"{batch_id} had committed" in recovered.stderr, recovered.stderr
    assert journals(data_dir) == []
    await assert_fully_imported(backend, before, batch_id)
    again = dangjian(engine, *import_args(files))
    assert again.returncode == 0 and "import: nothing to change" in again.stdout, again.stdout + again.stderr


async def test_the_next_import_recovers_first_then_writes_everything(baseline, engine, data_dir):
    backend, files, before = baseline
    dangjian(engine, *import_args(files), **{CRASH_AT: "batch:25"})
    again = dangjian(engine, *import_args(files))
    assert "had not finished; the 25 batches it had begun were undone" in again.stderr
    assert f"Organisation.csv: {ORGS - EXISTING} to create, {EXISTING} to update, 0 unchanged" in again.stdout
    await assert_fully_imported(backend, before, batch_id_of(again))


async def test_serve_recovers_before_serving(baseline, engine, data_dir, tmp_path):
    from tests.conftest import start_serve

    backend, files, before = baseline
    dangjian(engine, *import_args(files), **{CRASH_AT: "batch:40"})
    process, _ = start_serve(data_dir, "--no-seed", graph=GRAPH, engine=engine)
    process.terminate()
    process.wait(30)
    assert "had not finished; the 40 batches it had begun were undone" in (data_dir / "serve.log").read_text()
    await assert_unchanged(backend, before, tmp_path / "after")
    assert journals(data_dir) == []


async def test_a_running_server_rolls_back_an_import_that_dies_meanwhile(baseline, engine, data_dir, tmp_path):
    from tests.conftest import start_serve

    backend, files, before = baseline
    process, _ = start_serve(data_dir, "--no-seed", graph=GRAPH, engine=engine, env={"DANGJIAN_IMPORT_WATCH_S": "1"})
    try:
        crashed = dangjian(engine, *import_args(files), **{CRASH_AT: "batch:30"})
        assert crashed.returncode == -signal.SIGKILL
        deadline = time.monotonic() + 30
        while journals(data_dir) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert journals(data_dir) == [], "the running server did not roll the dead import back"
        await assert_unchanged(backend, before, tmp_path / "after")
    finally:
        process.terminate()
        process.wait(30)
    assert "unfinished import" in (data_dir / "serve.log").read_text()


async def test_a_running_import_and_other_graphs_are_left_alone(engine, tmp_path):
    target = Target("embedded", GRAPH)
    async with scratch_graph(engine, GRAPH, seeded=False) as backend:
        await backend.write(CompiledQuery("CREATE (:Town {uid: 'town-x', name: 'x', kind: 'TOWN', source: 'IMPORTED'})"))
        live = Journal.begin(tmp_path, "import-live", "audit-import-live", target, "tester")
        live.record([{"op": "delete_nodes", "label": "Town", "uids": ["town-x"]}])
        other = Journal.begin(tmp_path, "import-other", "audit-import-other", Target("embedded", "elsewhere"), "t")
        other.record([{"op": "delete_nodes", "label": "Town", "uids": ["town-x"]}])
        other.abandon()
        results = {r.batch_id: r.outcome for r in await recover(backend, tmp_path, target)}
        assert results == {"import-live": RUNNING, "import-other": OTHER_GRAPH}
        assert (await backend.read(GRAPH_COUNTS))[0]["nodes"] == 1
        live.abandon()  # its process is gone: the lock with it
        results = {r.batch_id: r.outcome for r in await recover(backend, tmp_path, target)}
        assert results == {"import-live": ROLLED_BACK, "import-other": OTHER_GRAPH}
        assert (await backend.read(GRAPH_COUNTS))[0]["nodes"] == 0
        assert sorted(p.name for p in tmp_path.iterdir()) == ["import-other.journal"]


async def test_a_torn_last_line_is_skipped_and_a_foreign_step_refused(engine, tmp_path):
    target = Target("embedded", GRAPH)
    async with scratch_graph(engine, GRAPH, seeded=False) as backend:
        await backend.write(CompiledQuery("CREATE (:Town {uid: 'town-a', name: 'a', kind: 'TOWN', source: 'IMPORTED'}), "
                                          "(:Town {uid: 'town-b', name: 'b', kind: 'TOWN', source: 'IMPORTED'})"))
        journal = Journal.begin(tmp_path, "import-torn", "audit-import-torn", target, "tester")
        journal.record([{"op": "delete_nodes", "label": "Town", "uids": ["town-a"]}])
        journal.abandon()
        with open(tmp_path / "import-torn.journal", "a") as f:  # died while writing batch 2's line
            f.write('{"undo":[{"op":"delete_nodes","label":"Town","uids":["town-b"]}')
        bad = Journal.begin(tmp_path, "import-bad", "audit-import-bad", target, "tester")
        bad.record([{"op": "delete_nodes", "label": "Town", "uids": ["town-b"]}])
        bad.record([{"op": "delete_nodes", "label": "Town`) DETACH DELETE (x", "uids": ["town-b"]}])
        bad.abandon()
        results = {r.batch_id: r.outcome for r in await recover(backend, tmp_path, target)}
        assert results == {"import-torn": ROLLED_BACK, "import-bad": UNREADABLE}
        rows = await backend.read(CompiledQuery("MATCH (t:Town) RETURN t.uid AS uid"))
        assert rows == [{"uid": "town-b"}]  # batch 2 never ran; the bad journal ran nothing
        assert (tmp_path / "import-bad.journal").exists()


class DownAfter(FailingBackend):
    """Writes fail from the nth on, as when the database goes away midway."""

    async def write(self, query):
        self.writes += 1
        if self.writes >= self.fail_at:
            raise ConnectionError("database gone")
        return await self.backend.write(query)


async def test_an_undo_that_fails_too_is_finished_by_recovery(baseline, engine, data_dir, tmp_path):
    backend, files, before = baseline
    target = Target("embedded", GRAPH)
    journal_dir = tmp_path / "journals"
    importer = Importer(DownAfter(backend, 30), "tester", BATCH, journal_dir=journal_dir, target=target)
    with pytest.raises(ImportFailed, match="could not be undone now"):
        await importer.run(files, dry_run=False)
    if engine.name == "neo4j":  # one transaction, rolled back by the server: nothing is left
        assert (await backend.read(GRAPH_COUNTS)) == before[1]
    else:  # each batch committed alone: 29 batches are still there, for recovery to undo
        assert (await backend.read(GRAPH_COUNTS)) != before[1]
    [result] = await recover(backend, journal_dir, target)
    assert result.outcome == ROLLED_BACK and list(journal_dir.iterdir()) == []
    await assert_unchanged(backend, before, tmp_path / "after")


class LostReply(FailingBackend):
    """The audit entry is written, but its reply is lost."""

    async def write(self, query):
        rows = await self.backend.write(query)
        if "AuditEntry" in query.text:
            raise ConnectionError("reply lost")
        return rows


async def test_a_lost_reply_to_the_audit_entry_still_commits(baseline, engine, tmp_path):
    """FalkorDB commits each statement: the audit entry is there, so the import committed.
    On Neo4j a reply lost inside the transaction dooms it: all of it is rolled back, and said."""
    backend, files, before = baseline
    journal_dir = tmp_path / "journals"
    importer = Importer(LostReply(backend, 0), "tester", BATCH, journal_dir=journal_dir,
                        target=Target("embedded", GRAPH))
    if engine.name == "neo4j":
        with pytest.raises(ImportFailed, match="failed midway and was undone: reply lost"):
            await importer.run(files, dry_run=False)
        assert list(journal_dir.iterdir()) == []
        await assert_unchanged(backend, before, tmp_path / "after")
        return
    report = await importer.run(files, dry_run=False)
    assert report.written and list(journal_dir.iterdir()) == []
    await assert_fully_imported(backend, before, report.batch_id)


async def test_a_lost_reply_to_the_commit_still_commits(baseline, engine, tmp_path, monkeypatch):
    """The commit went through but its reply was lost (Neo4j; on FalkorDB the block commits
    nothing of its own): the audit entry is found, so the import is reported as written."""
    backend, files, before = baseline
    real = type(backend).transaction

    @contextlib.asynccontextmanager
    async def reply_lost(self):
        async with real(self):
            yield
        raise ConnectionError("commit reply lost")

    monkeypatch.setattr(type(backend), "transaction", reply_lost)
    journal_dir = tmp_path / "journals"
    report = await Importer(backend, "tester", BATCH, journal_dir=journal_dir,
                            target=Target("embedded", GRAPH)).run(files, dry_run=False)
    assert report.written and list(journal_dir.iterdir()) == []
    await assert_fully_imported(backend, before, report.batch_id)


async def test_a_journal_whose_start_was_cut_short_is_removed_unless_locked(engine, tmp_path):
    import fcntl

    async with scratch_graph(engine, GRAPH, seeded=False) as backend:
        (tmp_path / "import-dead.journal.tmp").write_text('{"journal":1')  # died before the rename
        starting = tmp_path / "import-starting.journal.tmp"
        fd = os.open(starting, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            assert await recover(backend, tmp_path, Target("embedded", GRAPH)) == []
            assert [p.name for p in tmp_path.iterdir()] == ["import-starting.journal.tmp"]
        finally:
            os.close(fd)
