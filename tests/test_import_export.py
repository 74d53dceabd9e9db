"""Bulk import and export: validation reports, all or nothing, idempotence, round trip."""
from __future__ import annotations

import filecmp
import os
import subprocess
import sys

import pytest

from graph.plan import CompiledQuery
from seed.exporter import export_graph
from seed.importer import ImportFailed, Importer
from tests.conftest import GRAPH_COUNTS, REPO, scratch_graph

COUNTS = GRAPH_COUNTS


@pytest.fixture
async def empty_graph(engine):
    async with scratch_graph(engine, "import_test", seeded=False) as backend:
        yield backend


@pytest.fixture(scope="module")
async def seed_export(backend, tmp_path_factory):
    directory = tmp_path_factory.mktemp("seed-export")
    await export_graph(backend, directory)
    return directory


def same_tree(a, b) -> bool:
    comparison = filecmp.dircmp(a, b)
    return not (comparison.left_only or comparison.right_only or comparison.diff_files)


async def test_export_then_import_into_an_empty_database_gives_the_same_graph(seed_export, empty_graph, tmp_path):
    report = await Importer(empty_graph, "tester", allow_article_source=True).run(sorted(seed_export.iterdir()), dry_run=False)
    assert not report.problems and report.written
    again = tmp_path / "again"
    await export_graph(empty_graph, again)
    assert same_tree(seed_export, again)
    audit = await empty_graph.read(CompiledQuery("MATCH (a:AuditEntry) RETURN a.action AS action, a.batchId AS batch, "
                                                 "a.actor AS actor, a.source AS source"))
    assert audit == [{"action": "import", "batch": report.batch_id, "actor": "tester", "source": "IMPORTED"}]


async def test_json_round_trip(backend, empty_graph, tmp_path):
    await export_graph(backend, tmp_path / "json", "json")
    report = await Importer(empty_graph, "tester", allow_article_source=True).run(sorted((tmp_path / "json").iterdir()), dry_run=False)
    assert not report.problems
    await export_graph(empty_graph, tmp_path / "json-again", "json")
    assert same_tree(tmp_path / "json", tmp_path / "json-again")


async def test_reimporting_the_same_files_changes_nothing(seed_export, empty_graph):
    files = sorted(seed_export.iterdir())
    await Importer(empty_graph, "tester", allow_article_source=True).run(files, dry_run=False)
    before = await empty_graph.read(COUNTS)
    report = await Importer(empty_graph, "tester", allow_article_source=True).run(files, dry_run=False)
    assert not report.written and report.rows_to_write == 0
    assert all(f.created == f.updated == 0 and f.unchanged > 0 for f in report.files)
    assert await empty_graph.read(COUNTS) == before


async def test_one_bad_row_writes_nothing_and_is_reported_with_line_and_column(empty_graph, tmp_path):
    (tmp_path / "Town.csv").write_text("uid,name,kind\ntown-a,示例镇A,TOWN\ntown-b,示例镇B,CITY\n", encoding="utf-8")
    (tmp_path / "Zone.csv").write_text("uid,name,isDemonstration\nzone-a,示例片区A,maybe\n", encoding="utf-8")
    (tmp_path / "Zone-IN_TOWN-Town.csv").write_text("from,to\nzone-a,town-a\nzone-a,town-nowhere\n", encoding="utf-8")
    report = await Importer(empty_graph, "tester", allow_article_source=True).run(sorted(tmp_path.iterdir()), dry_run=False)
    found = {(p.file, p.line, p.column) for p in report.problems}
    assert ("Town.csv", 3, "kind") in found
    assert ("Zone.csv", 2, "isDemonstration") in found
    assert ("Zone-IN_TOWN-Town.csv", 3, "to") in found
    assert not report.written
    assert await empty_graph.read(COUNTS) == [{"nodes": 0, "rels": 0}]


async def test_dry_run_reports_and_writes_nothing(seed_export, empty_graph):
    report = await Importer(empty_graph, "tester", allow_article_source=True).run(sorted(seed_export.iterdir()), dry_run=True)
    assert not report.problems and not report.written and report.rows_to_write > 1000
    assert await empty_graph.read(COUNTS) == [{"nodes": 0, "rels": 0}]


class FailingBackend:
    """The real backend, except that its nth write fails, as a crash midway would."""

    def __init__(self, backend, fail_at: int) -> None:
        self.backend, self.fail_at, self.writes = backend, fail_at, 0

    def __getattr__(self, name):
        return getattr(self.backend, name)

    async def write(self, query):
        self.writes += 1
        if self.writes == self.fail_at:
            raise RuntimeError("simulated failure")
        return await self.backend.write(query)


async def test_a_failure_midway_undoes_every_batch_already_written(seed_export, empty_graph, tmp_path):
    files = sorted(seed_export.iterdir())
    await Importer(empty_graph, "tester", allow_article_source=True).run([f for f in files if f.name == "Town.csv"], dry_run=False)
    before = tmp_path / "before"
    await export_graph(empty_graph, before)
    # Change an existing town too, so the undo has to restore an overwritten node.
    changed = tmp_path / "changed"
    changed.mkdir()
    for f in files:
        (changed / f.name).write_text(f.read_text(encoding="utf-8").replace("Nanzhuang,", "Nanzhuang Changed,"),
                                      encoding="utf-8")
    failing = FailingBackend(empty_graph, fail_at=12)
    with pytest.raises(ImportFailed):
        await Importer(failing, "tester", batch_size=100, allow_article_source=True).run(sorted(changed.iterdir()), dry_run=False)
    assert failing.writes >= 12
    after = tmp_path / "after"
    await export_graph(empty_graph, after)
    assert same_tree(before, after)
    assert len(await empty_graph.read(CompiledQuery("MATCH (a:AuditEntry) RETURN a.uid AS uid"))) == 1


def test_cli_dry_run_prints_every_bad_row_and_exits_non_zero(tmp_path):
    bad = tmp_path / "Member.csv"
    bad.write_text("uid,name,role\nmember a,示例,x\n,示例二,y\n", encoding="utf-8")
    env = {**os.environ, "DANGJIAN_DATA_DIR": str(tmp_path / "data")}
    env.pop("DANGJIAN_DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-m", "web.cli", "import", "--dry-run", str(bad)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "Member.csv:2: uid: must be at most 200 characters, without spaces" in done.stderr
    assert "Member.csv:3: uid:" in done.stderr
    assert "nothing was written" in done.stderr


def test_cli_imports_a_large_file_in_batches(tmp_path):
    rows = "\n".join(f"test-bulk-{i:05d},示例批量党员{i:05d}" for i in range(2500))
    (tmp_path / "Member.csv").write_text("uid,name\n" + rows + "\n", encoding="utf-8")
    env = {**os.environ, "DANGJIAN_DATA_DIR": str(tmp_path / "data")}
    env.pop("DANGJIAN_DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-m", "web.cli", "import", "--batch-size", "1000",
                           str(tmp_path / "Member.csv")], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "2500 to create" in done.stdout and "written as batch import-" in done.stdout
