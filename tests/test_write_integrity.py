"""Writes store exactly what was asked, and the response and audit entry describe what is stored.

Runs against its own seeded graph and `dangjian serve`, so the fresh-seed inputs from issue 9
can be replayed exactly (FalkorDB once dropped isDemonstration when `SET n += $map` held two
nulls). Every type's optional properties are swept: each subset of up to three is set to null,
and every other property must be left as it was.
"""
from __future__ import annotations

import itertools
import json

import httpx
import pytest

from graph.model import ENUMS, WRITABLE_TYPES, NodeType, Prop
from tests.conftest import served_scratch_graph

GRAPH = "write_integrity_test"


@pytest.fixture(scope="module")
async def scratch_server(engine, data_dir):
    async with served_scratch_graph(engine, data_dir, GRAPH, "--dev") as url:
        yield url


@pytest.fixture(scope="module")
def gql(scratch_server):
    client = httpx.Client(base_url=scratch_server, timeout=30)

    def run(query: str, variables: dict | None = None) -> dict:
        return client.post("/graphql", json={"query": query, "variables": variables or {}}).json()

    yield run
    client.close()


def ok(gql, query: str, variables: dict | None = None) -> dict:
    body = gql(query, variables)
    assert not body.get("errors"), body["errors"]
    return body["data"]


def audit_count(gql, uid: str) -> int:
    return ok(gql, "query($u: String) { auditEntries(where: { targetUid: { eq: $u } }) { totalCount } }",
              {"u": uid})["auditEntries"]["totalCount"]


# ----------------------------------------------------------------------------- the inputs


def test_nulling_two_zone_fields_leaves_the_others(gql):
    before = ok(gql, '{ zones(where: { uid: { eq: "zone-zumiao-02" } }) { nodes { name isDemonstration isPilot } } }')
    assert before["zones"]["nodes"][0]["isDemonstration"] is True
    answer = ok(gql, 'mutation { updateZone(uid: "zone-zumiao-02", input: { nameEn: null, isPilot: null })'
                     ' { nameEn isDemonstration isPilot name } }')["updateZone"]
    assert answer == {"nameEn": None, "isDemonstration": True, "isPilot": None,
                      "name": before["zones"]["nodes"][0]["name"]}
    assert ok(gql, "{ zones(where: { isDemonstration: { eq: true } }) { totalCount } }")["zones"]["totalCount"] == 4


def test_nulling_two_town_fields_keeps_households_visited(gql):
    fields = "residentsReceived householdsVisited householdVisitRate kind name nameEn"
    before = ok(gql, '{ towns(where: { uid: { eq: "town-nanzhuang" } }) { nodes { %s } } }' % fields)
    before = before["towns"]["nodes"][0]
    assert before["householdsVisited"] is not None
    answer = ok(gql, 'mutation { updateTown(uid: "town-nanzhuang", input: { residentsReceived: null,'
                     ' householdVisitRate: null }) { %s } }' % fields)["updateTown"]
    assert answer == {**before, "residentsReceived": None, "householdVisitRate": None}


# ----------------------------------------------------------------------------- every type, every subset


def _value(prop: Prop, uid: str):
    if prop.many:
        return [_value(Prop(prop.name, prop.type), uid)]
    if prop.name == "uid":
        return uid
    if prop.is_enum:
        return "IMPORTED" if prop.type == "Source" else ENUMS[prop.type][0]
    if prop.format == "date":
        return "2015-06-01"
    return {"String": f"示例{prop.name}", "Int": 7, "Float": 0.5, "Boolean": True}[prop.type]


def _optional(node_type: NodeType) -> list[Prop]:
    return [p for p in node_type.stored_props if not p.required and not p.managed]


def _writable(node_type: NodeType) -> list[Prop]:
    return [p for p in node_type.stored_props if not p.managed]


def _create(gql, node_type: NodeType, uid: str) -> dict:
    values = {p.name: _value(p, uid) for p in _writable(node_type)}
    if node_type.name == "Demand":
        field, input_type, extra = "raiseDemand", "RaiseDemandInput", {"community": "community-zhangcha-jiangwan"}
    else:
        field, input_type, extra = f"create{node_type.name}", f"{node_type.name}CreateInput", {}
    names = " ".join(values)
    ok(gql, f"mutation($i: {input_type}!) {{ {field}(input: $i) {{ {names} }} }}", {"i": {**values, **extra}})
    return values


TYPES_WITH_OPTIONAL = [t for t in WRITABLE_TYPES if _optional(t)]


@pytest.mark.parametrize("node_type", TYPES_WITH_OPTIONAL, ids=lambda t: t.name)
def test_every_subset_of_nulls_touches_nothing_else(gql, node_type):
    uid = f"test-nulls-{node_type.name.lower()}"
    values = _create(gql, node_type, uid)
    names = " ".join(values)
    read = f'{{ {node_type.plural}(where: {{ uid: {{ eq: "{uid}" }} }}) {{ nodes {{ {names} }} }} }}'
    update = f"mutation($u: String!, $i: {node_type.name}UpdateInput!) {{ update{node_type.name}(uid: $u, input: $i) {{ {names} }} }}"
    try:
        optional = [p.name for p in _optional(node_type)]
        for size in (1, 2, 3):
            for subset in itertools.combinations(optional, size):
                answer = ok(gql, update, {"u": uid, "i": {name: None for name in subset}})
                expected = {**values, **{name: None for name in subset}}
                stored = ok(gql, read)[node_type.plural]["nodes"][0]
                assert stored == expected, subset
                assert answer[f"update{node_type.name}"] == stored, subset
                ok(gql, update, {"u": uid, "i": {name: values[name] for name in subset}})
    finally:
        ok(gql, f'mutation {{ delete{node_type.name}(uid: "{uid}") {{ uid }} }}')


# ----------------------------------------------------------------------------- the audit trail


def test_a_write_that_changes_nothing_leaves_no_audit_entry(gql):
    uid = "test-noop-zone"
    ok(gql, 'mutation { createZone(input: { uid: "%s", name: "示例无变化片区", isDemonstration: false,'
            ' town: "town-zumiao", externalOrganisations: ["org-chancheng-district-committee"] }) { uid } }' % uid)
    try:
        audited = audit_count(gql, uid)
        same = ok(gql, 'mutation { updateZone(uid: "%s", input: { name: "示例无变化片区", isPilot: null }) '
                       '{ name isPilot } }' % uid)["updateZone"]
        assert same == {"name": "示例无变化片区", "isPilot": None}
        connected = ok(gql, 'mutation { connectZone(uid: "%s", relationship: externalOrganisations,'
                            ' targets: ["org-chancheng-district-committee"]) { externalOrganisations { uid } } }' % uid)
        assert connected["connectZone"]["externalOrganisations"] == [{"uid": "org-chancheng-district-committee"}]
        ok(gql, 'mutation { connectZone(uid: "%s", relationship: town, targets: ["town-zumiao"]) { uid } }' % uid)
        ok(gql, 'mutation { disconnectZone(uid: "%s", relationship: lead, targets: ["org-zumiao-peide-hospital"])'
                ' { uid } }' % uid)
        assert audit_count(gql, uid) == audited
        # A real change is audited, with what is stored before and after.
        ok(gql, 'mutation { updateZone(uid: "%s", input: { nameEn: "Illustrative zone", isPilot: true }) { uid } }' % uid)
        entries = ok(gql, 'query($u: String) { auditEntries(where: { targetUid: { eq: $u }, action: { eq: "update" } })'
                          ' { nodes { changes } } }', {"u": uid})["auditEntries"]["nodes"]
        assert [json.loads(e["changes"]) for e in entries] == [
            {"before": {"nameEn": None, "isPilot": None}, "after": {"nameEn": "Illustrative zone", "isPilot": True}}]
        # Connecting a new town replaces the old one: both are in the entry.
        ok(gql, 'mutation { connectZone(uid: "%s", relationship: town, targets: ["town-shiwan"]) { uid } }' % uid)
        entries = ok(gql, 'query($u: String) { auditEntries(where: { targetUid: { eq: $u }, action: { eq: "connect" } })'
                          ' { nodes { changes } } }', {"u": uid})["auditEntries"]["nodes"]
        assert [json.loads(e["changes"]) for e in entries] == [
            {"connect": {"town": ["town-shiwan"]}, "disconnect": {"town": ["town-zumiao"]}}]
    finally:
        ok(gql, 'mutation { deleteZone(uid: "%s") { uid } }' % uid)


# ----------------------------------------------------------------------------- cross-field rules


BOUNDED = [(t, p) for t in WRITABLE_TYPES for p in t.stored_props
           if (p.minimum is not None or p.maximum is not None) and not p.managed]


@pytest.mark.parametrize("node_type,prop", BOUNDED, ids=lambda x: getattr(x, "name", ""))
def test_numbers_outside_their_bounds_are_refused(gql, node_type, prop):
    uid = f"test-bounds-{node_type.name.lower()}"
    values = _create(gql, node_type, uid)
    mutation = (f"mutation($u: String!, $i: {node_type.name}UpdateInput!) "
                f"{{ update{node_type.name}(uid: $u, input: $i) {{ uid }} }}")
    try:
        audited = audit_count(gql, uid)
        outside = []
        if prop.minimum is not None:
            outside.append(prop.minimum - 1 if prop.type == "Int" else prop.minimum - 0.001)
        if prop.maximum is not None:
            outside.append(prop.maximum + 1 if prop.type == "Int" else prop.maximum + 0.001)
        for value in outside:
            body = gql(mutation, {"u": uid, "i": {prop.name: value}})
            assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"], body
            assert body["errors"][0]["extensions"]["field"] == f"input.{prop.name}"
        stored = ok(gql, f'{{ {node_type.plural}(where: {{ uid: {{ eq: "{uid}" }} }}) {{ nodes {{ {prop.name} }} }} }}')
        assert stored[node_type.plural]["nodes"] == [{prop.name: values[prop.name]}]
        assert audit_count(gql, uid) == audited
    finally:
        ok(gql, f'mutation {{ delete{node_type.name}(uid: "{uid}") {{ uid }} }}')


def test_demand_dates_keep_their_order(gql):
    uid = "test-order-demand"
    ok(gql, 'mutation { raiseDemand(input: { uid: "%s", name: "示例诉求", category: OTHER, raisedOn: "2015-06-10",'
            ' community: "community-zhangcha-jiangwan" }) { uid } }' % uid)
    try:
        ok(gql, 'mutation { assignDemand(uid: "%s", department: "dept-urban-management") { assignedOn } }' % uid)
        body = gql('mutation { updateDemand(uid: "%s", input: { raisedOn: "2999-01-01" }) { raisedOn } }' % uid)
        error = body["errors"][0]
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "input.raisedOn", "messageEn": error["message"]}, error
        assert "before" in error["message"]
        stored = ok(gql, '{ demands(where: { uid: { eq: "%s" } }) { nodes { raisedOn } } }' % uid)
        assert stored["demands"]["nodes"] == [{"raisedOn": "2015-06-10"}]
        # Raised in the future: assigning it today would put assignedOn before raisedOn.
        ok(gql, 'mutation { raiseDemand(input: { uid: "%s-2", name: "示例诉求", category: OTHER,'
                ' raisedOn: "2999-01-01", community: "community-zhangcha-jiangwan" }) { uid } }' % uid)
        body = gql('mutation { assignDemand(uid: "%s-2", department: "dept-urban-management") { status } }' % uid)
        assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "assignedOn", "messageEn": body["errors"][0]["message"]}, body
    finally:
        for u in (uid, f"{uid}-2"):
            gql('mutation { deleteDemand(uid: "%s") { uid } }' % u)


# ----------------------------------------------------------------------------- output checks


async def test_the_test_mode_catches_values_outside_the_schema(gql, engine):
    """What a bypassed completion would send silently (a Boolean! null, an Int past 32 bits)
    is an error in the test mode every server of this suite runs in."""
    from graph.plan import CompiledQuery

    backend = await engine.connect(GRAPH)
    try:
        await backend.write(CompiledQuery(
            "CREATE (:Programme {uid: 'test-out-prog', name: '示例', source: 'ILLUSTRATIVE', kind: 'SERVICE',"
            " expectedBeneficiaries: 3000000000}), (:Zone {uid: 'test-out-zone', name: '示例', source: 'ILLUSTRATIVE'})"))
        body = gql('{ programmes(where: { uid: { eq: "test-out-prog" } }) { nodes { expectedBeneficiaries } } }')
        assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
        assert "programmes.nodes.0.expectedBeneficiaries" in body["errors"][0]["message"]
        body = gql('{ zones(where: { uid: { eq: "test-out-zone" } }) { nodes { isDemonstration } } }')
        assert "zones.nodes.0.isDemonstration" in body["errors"][0]["message"]
    finally:
        await backend.write(CompiledQuery("MATCH (n) WHERE n.uid IN ['test-out-prog', 'test-out-zone'] DELETE n"))
        await backend.close()
