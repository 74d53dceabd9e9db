"""Undoing a committed import by its batch id, on both engines: the graph comes back exactly
(every node's properties and every relationship, compared with an independent read), later
writes that conflict make it refuse with CONFLICT and write nothing, and a failure midway leaves
the import as it was."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from starlette.datastructures import Headers

from graph.backend import Settings
from graph.plan import CompiledQuery
from graph.reset import reset_graph
from resolvers.ids import to_global_id
from seed.import_undo import MAX_RECORD_BYTES, undo_records
from seed.importer import Importer
from seed.journal import Target
from seed.recovery import ROLLED_BACK, recover
from tests.conftest import scratch_graph
from tests.test_import_export import FailingBackend
from tests.undo_helpers import Recorder, difference, entries, ok, refused, state
from web.import_http import import_undoer

GRAPH = "import_undo_test"
UNDO_IMPORT = """mutation($b: String!) { undoImport(batchId: $b) {
  action targetType targetUid nodesDeleted nodesRestored relationshipsDeleted node { id }
  entry { uid action undoes batchId actor changes } undone { uid action } } }"""
RECORDS = CompiledQuery("MATCH (c:ImportUndo) RETURN c.batchId AS batch, count(c) AS records ORDER BY batch")


def files(directory: Path, orgs: int = 30) -> list[Path]:
    """New organisations linked to Zumiao and a zone; two seed towns renamed (overwritten)."""
    directory.mkdir(parents=True, exist_ok=True)
    texts = {
        "Town.csv": "uid,name,kind,nameEn\ntown-zumiao,祖庙街道（改）,SUBDISTRICT,Zumiao\n"
                    "town-shiwan,石湾镇街道（改）,SUBDISTRICT,Shiwan\n",
        "Organisation.csv": "uid,name,kind\n" + "".join(f"org-imp-{i:03d},导入党组织{i},SOCIAL\n" for i in range(orgs)),
        "Organisation-IN_TOWN-Town.csv": "from,to\n" + "".join(f"org-imp-{i:03d},town-zumiao\n" for i in range(orgs)),
        "Organisation-SERVES-Zone.csv": "from,to\n" + "".join(f"org-imp-{i:03d},zone-zumiao-peide\n"
                                                              for i in range(0, orgs, 3)),
        "Organisation-SUBORDINATE_TO-Organisation.csv": "from,to\norg-imp-001,org-imp-000\n",
    }
    for name, text in texts.items():
        (directory / name).write_text(text, encoding="utf-8")
    return [directory / name for name in texts]


def context(backend, data_dir: Path, actor: str = "撤销者") -> dict:
    settings = Settings(data_dir=data_dir, graph_name=GRAPH)
    request = SimpleNamespace(headers=Headers({"x-actor": actor.encode().decode("latin-1")}),
                              app=SimpleNamespace(state=SimpleNamespace(undo_import=import_undoer(settings))))
    return {"request": request}


@pytest.fixture
async def graph(engine):
    async with scratch_graph(engine, GRAPH) as backend:
        yield backend


async def imported(graph, tmp_path, **options) -> str:
    report = await Importer(graph, "导入者", **options).run(files(tmp_path / "files"), dry_run=False)
    assert report.written and not report.problems, report.problems
    return report.batch_id


async def test_undo_import_gives_back_the_graph_exactly(graph, tmp_path):
    before = await state(graph)
    batch = await imported(graph, tmp_path, batch_size=7)
    assert await state(graph) != before
    assert [r["records"] for r in await graph.read(RECORDS)][0] > 5  # one record per batch of 7 rows at least
    result = (await ok(graph, UNDO_IMPORT, {"b": batch}, **context(graph, tmp_path)))["undoImport"]
    assert await state(graph) == before, difference(before, await state(graph))
    assert (result["action"], result["targetType"], result["targetUid"], result["node"]) == ("import", "Import", None, None)
    assert (result["nodesDeleted"], result["nodesRestored"], result["relationshipsDeleted"]) == (30, 2, 30 + 10 + 1)
    assert result["entry"]["action"] == "undo" and result["entry"]["undoes"] == f"audit-{batch}"
    assert result["entry"]["batchId"] == batch and result["entry"]["actor"] == "撤销者"
    assert result["undone"] == {"uid": f"audit-{batch}", "action": "import"}
    assert await graph.read(RECORDS) == [], "the undo's commit removes the batch's undo records"
    again = await refused(graph, UNDO_IMPORT, {"b": batch}, **context(graph, tmp_path))
    assert again["code"] == "CONFLICT" and "undone already" in again["message"], again
    assert list((tmp_path / "imports").glob("*.journal")) == []


async def test_the_imports_audit_entry_undoes_it_too_and_an_undo_of_it_is_refused(graph, tmp_path):
    before = await state(graph)
    batch = await imported(graph, tmp_path)
    query = "mutation($id: ID!) { undoAuditEntry(id: $id) { action nodesDeleted entry { uid } } }"
    result = (await ok(graph, query, {"id": to_global_id("AuditEntry", f"audit-{batch}")},
                       **context(graph, tmp_path)))["undoAuditEntry"]
    assert (result["action"], result["nodesDeleted"]) == ("import", 30)
    assert await state(graph) == before
    redo = await refused(graph, query, {"id": result["entry"]["uid"]}, **context(graph, tmp_path))
    assert redo["code"] == "CONFLICT" and "import its files again" in redo["message"], redo


async def test_later_writes_that_conflict_are_named_and_nothing_is_written(graph, tmp_path):
    batch = await imported(graph, tmp_path)
    after = await state(graph)
    recorder = Recorder(graph)
    later = {
        'mutation { updateTown(uid: "town-shiwan", input: { nameEn: "Changed" }) { uid } }':
            "Town 'town-shiwan', which it overwrote, changed since (nameEn)",
        'mutation { connectOrganisation(uid: "org-imp-005", relationship: parent, targets: ["org-imp-000"]) { uid } }':
            "Organisation 'org-imp-005', which it created, has links it did not make (SUBORDINATE_TO to Organisation",
        'mutation { disconnectOrganisation(uid: "org-imp-003", relationship: serves, targets: ["zone-zumiao-peide"]) '
        '{ uid } }': "the SERVES link from Organisation 'org-imp-003' to Zone 'zone-zumiao-peide' is gone",
        'mutation { updateOrganisation(uid: "org-imp-007", input: { description: "后来" }) { uid } }':
            "Organisation 'org-imp-007', which it created, changed since (description)",
    }
    for write, reason in later.items():
        entry = await recorder.write(write)
        changed = await state(graph), len(await entries(graph))
        error = await refused(graph, UNDO_IMPORT, {"b": batch}, **context(graph, tmp_path))
        assert error["code"] == "CONFLICT" and error["field"] == "batchId", error
        assert reason in error["message"], error["message"]
        assert (await state(graph), len(await entries(graph))) == changed, "a refused undo wrote something"
        await ok(graph, "mutation($id: ID!) { undoAuditEntry(id: $id) { action } }", {"id": entry["uid"]})
        assert await state(graph) == after
    await ok(graph, UNDO_IMPORT, {"b": batch}, **context(graph, tmp_path))


async def test_a_deleted_import_node_and_an_unknown_batch(graph, tmp_path):
    batch = await imported(graph, tmp_path)
    await ok(graph, 'mutation { deleteOrganisation(uid: "org-imp-002") { uid } }')
    error = await refused(graph, UNDO_IMPORT, {"b": batch}, **context(graph, tmp_path))
    assert "Organisation 'org-imp-002', which it created, was deleted since" in error["message"], error
    for given, code in (("import-nothing", "NOT_FOUND"), ("import-\x00", "BAD_USER_INPUT")):
        error = await refused(graph, UNDO_IMPORT, {"b": given}, **context(graph, tmp_path))
        assert (error["code"], error["field"]) == (code, "batchId"), error


async def test_a_reset_drops_the_undo_data_with_the_graph_and_keeps_the_trail(graph, tmp_path):
    batch = await imported(graph, tmp_path)
    await reset_graph(graph, keep_audit=True)
    assert await graph.read(RECORDS) == []
    assert f"audit-{batch}" in await entries(graph)
    error = await refused(graph, UNDO_IMPORT, {"b": batch}, **context(graph, tmp_path))
    assert error["code"] == "CONFLICT" and "kept no undo data" in error["message"], error


async def test_only_admins_undo_imports(graph, tmp_path):
    from graph.grants import EDITOR, Grant

    batch = await imported(graph, tmp_path)
    error = await refused(graph, UNDO_IMPORT, {"b": batch}, grant=Grant(EDITOR, name="编辑"), **context(graph, tmp_path))
    assert (error["code"], error["rule"]) == ("FORBIDDEN", "role"), error


async def test_a_failed_import_leaves_no_undo_records(graph, tmp_path):
    before = await state(graph), await graph.read(RECORDS)
    failing = FailingBackend(graph, fail_at=12)  # 9 batches, then 9 records: fails at the third
    with pytest.raises(Exception):
        await Importer(failing, "t", batch_size=10).run(files(tmp_path / "f"), dry_run=False)
    assert (await state(graph), await graph.read(RECORDS)) == before


class ChangesBeforeTheFirstBatch:
    """The real backend; right before the undo's first guarded statement another writer (its own
    connection: on Neo4j, outside the undo's transaction) makes `change`, so a later batch finds
    what it undoes changed."""

    def __init__(self, backend, other, change: str) -> None:
        self.backend, self.other, self.change, self.done = backend, other, change, False

    def __getattr__(self, name):
        return getattr(self.backend, name)

    async def write(self, query):
        if not self.done:
            self.done = True
            await self.other.write(CompiledQuery(self.change))
        return await self.backend.write(query)


SERVING = CompiledQuery("MATCH (o:Organisation)-[r]->() WHERE o.uid STARTS WITH 'org-imp-' "
                        "RETURN type(r) AS type, count(r) AS n ORDER BY type")
MEANWHILE = {
    "an overwritten town renamed": ("MATCH (t:Town {uid: 'town-zumiao'}) SET t.name = 'meanwhile'",
                                    [("IN_TOWN", 30), ("SERVES", 10), ("SUBORDINATE_TO", 1)]),
    # The SERVES batch is refused: the IN_TOWN links already deleted come back, the link deleted
    # meanwhile stays deleted (the refused batch's own rollback steps must not run).
    "a link it made removed": ("MATCH (:Organisation {uid: 'org-imp-003'})-[r:SERVES]->() DELETE r",
                               [("IN_TOWN", 30), ("SERVES", 9), ("SUBORDINATE_TO", 1)]),
}


@pytest.mark.parametrize("meanwhile", sorted(MEANWHILE))
async def test_a_write_between_the_checks_and_the_batches_rolls_the_undo_back(graph, engine, tmp_path, meanwhile):
    from graph.grants import OPEN
    from tests.undo_helpers import SCHEMA

    change, links = MEANWHILE[meanwhile]
    batch = await imported(graph, tmp_path)
    other = await engine.connect(GRAPH)
    racing = ChangesBeforeTheFirstBatch(graph, other, change)
    try:
        result = await SCHEMA.execute(UNDO_IMPORT, variable_values={"b": batch},
                                      context_value={"backend": racing, "grant": OPEN, **context(graph, tmp_path)})
    finally:
        await other.close()
    assert racing.done and result.errors and result.errors[0].extensions["code"] == "CONFLICT", result
    assert "changed while it was being undone" in result.errors[0].message
    assert [(r["type"], r["n"]) for r in await graph.read(SERVING)] == links
    assert len(await graph.read(RECORDS)) == 1 and list((tmp_path / "imports").glob("*.journal")) == []


class DownAtCommit:
    """Writes fail from the undo's commit on (the database went away), rollback included."""

    def __init__(self, backend) -> None:
        self.backend, self.down = backend, False

    def __getattr__(self, name):
        return getattr(self.backend, name)

    async def write(self, query):
        if self.down or "undoes" in getattr(query, "text", ""):
            self.down = True
            raise ConnectionError("database gone")
        return await self.backend.write(query)

    async def read(self, query):
        if self.down:
            raise ConnectionError("database gone")
        return await self.backend.read(query)


async def test_an_undo_that_dies_before_its_commit_is_rolled_back_by_recovery(graph, tmp_path, engine):
    batch = await imported(graph, tmp_path)
    after = await state(graph)
    from tests.undo_helpers import SCHEMA
    from graph.grants import OPEN

    result = await SCHEMA.execute(UNDO_IMPORT, variable_values={"b": batch},
                                  context_value={"backend": DownAtCommit(graph), "grant": OPEN, **context(graph, tmp_path)})
    assert result.errors and result.errors[0].extensions["code"] == "INTERNAL_SERVER_ERROR", result
    assert "database gone" not in result.errors[0].message  # no internal text outside --dev
    [journal] = list((tmp_path / "imports").glob("*.journal"))
    assert journal.name == f"undo-{batch}.journal"
    [outcome] = await recover(graph, tmp_path / "imports", Target("embedded", GRAPH))
    assert outcome.outcome == ROLLED_BACK
    assert await state(graph) == after, difference(after, await state(graph))
    await ok(graph, UNDO_IMPORT, {"b": batch}, **context(graph, tmp_path))  # and it can be undone after all


def test_undo_records_stay_under_their_size_and_keep_every_row():
    big = "长" * 2000
    node_file = SimpleNamespace(node_type=SimpleNamespace(label="Organisation"))
    rows = [{"uid": f"o{i}", "name": big} for i in range(100)]
    plans = [(node_file, rows, [{"uid": "o1", "name": "old"}], [r["uid"] for r in rows if r["uid"] != "o1"])]
    links = [(SimpleNamespace(triple=("Organisation", "IN_TOWN", "Town")), [[f"o{i}", "t"] for i in range(100)])]
    import json

    records = undo_records(plans, links, batch_size=1000, max_bytes=50_000)
    assert all(len(r) < 50_000 + 10_000 for r in records) and len(records) > 5
    decoded = [json.loads(r) for r in records]
    assert sum(len(d.get("created", [])) for d in decoded) == 99
    assert [d["overwritten"] for d in decoded if "overwritten" in d] == [[[{"uid": "o1", "name": "old"}, rows[1]]]]
    assert sum(len(d.get("pairs", [])) for d in decoded) == 100
    assert MAX_RECORD_BYTES <= 1 << 20

