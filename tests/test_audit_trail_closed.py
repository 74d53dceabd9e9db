"""The audit trail is written only by recording writes: no mutation, import file or undo creates,
changes or deletes an AuditEntry otherwise (and `dangjian seed --reset` keeps it unless
--include-audit: tests/test_cli.py)."""
from __future__ import annotations

import json

import pytest

from graph.plan import CompiledQuery
from schema.schema import build_schema
from seed.importer import Importer
from tests.conftest import scratch_graph
from tests.undo_helpers import Recorder, entries, undo, undo_refused

GRAPH = "audit_closed_test"
ENTRY_PROPS = CompiledQuery("MATCH (a:AuditEntry) RETURN a {.*} AS a ORDER BY a.uid")


def test_no_mutation_writes_the_audit_trail():
    schema = build_schema()._schema
    mutations = schema.mutation_type.fields
    assert [name for name in mutations if "AuditEntry" in name] == ["undoAuditEntry"]
    for name, field in mutations.items():
        for arg in field.args.values():
            assert "AuditEntry" not in str(arg.type), (name, arg.type)
    # No relationship field a connect could use leads to an audit entry.
    for type_name, graphql_type in schema.type_map.items():
        if type_name.endswith("Relationship") and hasattr(graphql_type, "values"):
            assert "AuditEntry" not in str(list(graphql_type.values)), type_name


@pytest.fixture(scope="module")
async def graph(engine):
    async with scratch_graph(engine, GRAPH) as backend:
        yield backend


@pytest.mark.parametrize("name, text", [
    ("AuditEntry.csv", "uid,name,at,actor,action,targetType,changes\na1,x,2020-01-01T00:00:00Z,me,create,Zone,{}\n"),
    ("AuditEntry.json", json.dumps([{"uid": "a1", "name": "x", "at": "2020-01-01T00:00:00Z", "actor": "me",
                                     "action": "create", "targetType": "Zone", "changes": "{}"}])),
    ("Zone-RECORDED_BY-AuditEntry.csv", "from,to\nzone-zumiao-peide,a1\n"),
    ("ImportUndo.csv", "batchId,seq,total,record\nimport-x,0,1,{}\n"),
])
async def test_an_import_file_naming_the_audit_trail_is_refused(graph, tmp_path, name, text):
    before = await graph.read(ENTRY_PROPS)
    (tmp_path / name).write_text(text, encoding="utf-8")
    report = await Importer(graph, "tester").run([tmp_path / name], dry_run=False)
    assert not report.written and [(p.file, p.column) for p in report.problems] == [(name, "-")]
    assert "the file name must be" in report.problems[0].reason
    assert await graph.read(ENTRY_PROPS) == before


async def test_undo_and_redo_only_add_entries(graph):
    before = await entries(graph)
    entry = await Recorder(graph).write('mutation { updateZone(uid: "zone-zumiao-peide", input: { name: "甲" }) '
                                        '{ uid } }')
    first = await undo(graph, entry["uid"])
    await undo(graph, first["entry"]["uid"])
    after = await entries(graph)
    assert {uid: e for uid, e in after.items() if uid in before} == before, "an entry changed or went"
    assert len(after) == len(before) + 3


async def test_an_entry_that_names_an_audit_entry_cannot_be_undone(graph):
    recorded = await Recorder(graph).write('mutation { updateZone(uid: "zone-zumiao-01", input: { name: "乙" }) '
                                           '{ uid } }')
    target = {"a": recorded}
    for action, changes in (("create", {"after": {"uid": target["a"]["uid"]}, "links": {}}),
                            ("delete", {"before": target["a"], "relationships": []}),
                            ("update", {"before": {"actor": "x"}, "after": {"actor": target["a"]["actor"]}})):
        uid = f"audit-forged-{action}"
        await graph.write(CompiledQuery(
            "CREATE (a:AuditEntry {uid: $uid, name: 'forged', source: 'IMPORTED', at: '2025-01-01T00:00:00Z', "
            "actor: 'x', action: $action, targetType: 'AuditEntry', targetUid: $target, changes: $changes})",
            {"uid": uid, "action": action, "target": target["a"]["uid"], "changes": json.dumps(changes)}))
        before = await graph.read(ENTRY_PROPS)
        error = await undo_refused(graph, uid)
        assert error["code"] == "CONFLICT" and "records no change to one node" in error["message"], error
        assert await graph.read(ENTRY_PROPS) == before
