"""The write path through the real HTTP endpoint: create/update/delete/connect/disconnect,
validation that writes nothing, and the audit trail (races: test_write_races.py).

Every node made here has a `test-mut-` uid and is deleted again by the `made` fixture; the
audit entries those writes add are removed by `forget_audit_entries` (AuditEntry has no
delete mutation), so the shared seeded graph ends each module as it began."""
from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from graph.plan import CompiledQuery

PREFIX = "test-mut-"
ZONE, ORG = "test-mut-zone", "test-mut-org"
VALIDATION = "VALIDATION"  # a GraphQL validation error, refused before execution
WRITE_WORDS = re.compile(r"\b(CREATE|MERGE|SET|DELETE)\b")


# --------------------------------------------------------------------------- helpers and fixtures


def ok(gql, query: str, variables: dict | None = None, actor: str | None = None) -> dict:
    body = gql(query, variables, headers={"X-Actor": actor} if actor else None)
    assert not body.get("errors"), body.get("errors")
    return body["data"]


def failure(body: dict, code: str, field: str) -> dict:
    """One error of `code` naming `field` (for VALIDATION: mentioning it), and no write statement."""
    errors = body.get("errors") or []
    assert len(errors) == 1, body
    error = errors[0]
    if code == VALIDATION:
        assert body.get("data") is None, body
        assert field in error["message"], error["message"]
        assert body["extensions"]["cypher"] == []
    else:
        assert error["extensions"]["code"] == code, error
        assert error["extensions"]["field"] == field, error
        assert error["message"].startswith(f"{field}: "), error["message"]
        assert not [e for e in body["extensions"]["cypher"] if WRITE_WORDS.search(e["cypher"])]
    return error


def audit_of(gql, uid: str) -> list[dict]:
    nodes = ok(gql, "query($u: String!) { auditEntries(where: { targetUid: { eq: $u } }, first: 500) {"
                    " nodes { actor action targetType targetUid at changes } } }", {"u": uid})
    return nodes["auditEntries"]["nodes"]


def audit_count(gql) -> int:
    return ok(gql, "{ auditEntries { totalCount } }")["auditEntries"]["totalCount"]


async def graph_size(backend) -> list[dict]:
    return await backend.read(CompiledQuery("MATCH (n) WITH count(n) AS nodes OPTIONAL MATCH ()-[r]->() "
                                            "RETURN nodes, count(r) AS relationships"))


@pytest.fixture(scope="module", autouse=True)
async def graph_left_as_found(backend, server):
    before = await graph_size(backend)
    yield
    assert await graph_size(backend) == before, "the module left nodes or relationships behind"


@pytest.fixture(autouse=True)
async def forget_audit_entries(backend, server):
    yield
    await backend.write(CompiledQuery("MATCH (a:AuditEntry) WHERE a.targetUid STARTS WITH $p DELETE a",
                                      {"p": PREFIX}))


@pytest.fixture
def made(gql):
    """Append (type, uid) of every node a test may create; they are deleted afterwards."""
    created: list[tuple[str, str]] = []
    yield created
    for type_name, uid in reversed(created):  # NOT_FOUND when the create failed or the test deleted it
        gql(f"mutation($u: String!) {{ delete{type_name}(uid: $u) {{ uid }} }}", {"u": uid})


def mutate(gql, text: str, actor: str | None = None):
    """Run `mutation { text }` and return its one root field's value."""
    return next(iter(ok(gql, "mutation { %s }" % text, actor=actor).values()))


def node(gql, plural: str, uid: str, fields: str) -> dict | None:
    nodes = ok(gql, '{ %s(where: { uid: { eq: "%s" } }) { nodes { %s } } }' % (plural, uid, fields))[plural]["nodes"]
    assert len(nodes) <= 1
    return nodes[0] if nodes else None


@pytest.fixture
def zone_and_org(gql, made):
    """A zone in Zumiao led by the Peide hospital's organisation, and a social organisation."""
    made += [("Zone", ZONE), ("Organisation", ORG)]
    mutate(gql, 'createZone(input: { uid: "%s", name: "测试片区", nameEn: "Test zone", isDemonstration: false,'
                ' town: "town-zumiao", lead: "org-zumiao-peide-hospital" }) { uid }' % ZONE)
    mutate(gql, 'createOrganisation(input: { uid: "%s", name: "测试党组织", kind: SOCIAL }) { uid }' % ORG)


# --------------------------------------------------------------------------- success


def test_zone_create_update_delete(gql, made):
    made.append(("Zone", ZONE))
    created = mutate(gql, 'createZone(input: { uid: "%s", name: "测试片区", nameEn: "Test zone",'
                          ' isDemonstration: true, town: "town-zumiao", lead: "org-zumiao-peide-hospital" })'
                          ' { name town { uid } lead { uid kind } }' % ZONE)
    assert created == {"name": "测试片区", "town": {"uid": "town-zumiao"},
                       "lead": {"uid": "org-zumiao-peide-hospital", "kind": created["lead"]["kind"]}}
    assert node(gql, "zones", ZONE, "source isDemonstration isPilot lead { uid }") == \
        {"source": "IMPORTED", "isDemonstration": True, "isPilot": None, "lead": {"uid": "org-zumiao-peide-hospital"}}
    assert {"uid": ZONE} in node(gql, "towns", "town-zumiao", "zones { uid }")["zones"]
    assert {"uid": ZONE} in node(gql, "organisations", "org-zumiao-peide-hospital", "leads { uid }")["leads"]

    updated = mutate(gql, 'updateZone(uid: "%s", input: { nameEn: null, isPilot: true, name: "新名" })'
                          ' { uid name nameEn isPilot }' % ZONE)
    assert updated == {"uid": ZONE, "name": "新名", "nameEn": None, "isPilot": True}
    assert node(gql, "zones", ZONE, "name nameEn isPilot") == {"name": "新名", "nameEn": None, "isPilot": True}
    assert ok(gql, '{ zones(where: { nameEn: { eq: "Test zone" } }) { totalCount } }')["zones"]["totalCount"] == 0

    deleted = mutate(gql, 'deleteZone(uid: "%s") { uid deleted relationshipsDeleted }' % ZONE)
    assert deleted == {"uid": ZONE, "deleted": True, "relationshipsDeleted": 2}
    assert node(gql, "zones", ZONE, "uid") is None
    assert {"uid": ZONE} not in node(gql, "towns", "town-zumiao", "zones { uid }")["zones"]


def test_organisation_create_update_delete(gql, made):
    made.append(("Organisation", ORG))
    created = mutate(gql, 'createOrganisation(input: { uid: "%s", name: "测试党支部", kind: BRANCH,'
                          ' source: ILLUSTRATIVE, community: "community-zhangcha-jiangwan",'
                          ' parent: "org-chancheng-district-committee" })'
                          ' { uid kind source community { uid } parent { uid } }' % ORG)
    assert created == {"uid": ORG, "kind": "BRANCH", "source": "ILLUSTRATIVE",
                       "community": {"uid": "community-zhangcha-jiangwan"},
                       "parent": {"uid": "org-chancheng-district-committee"}}
    parent = node(gql, "organisations", "org-chancheng-district-committee", "children { uid }")
    assert {"uid": ORG} in parent["children"]
    updated = mutate(gql, 'updateOrganisation(uid: "%s", input: { kind: ENTERPRISE, description: "d" })'
                          ' { kind description }' % ORG)
    assert updated == {"kind": "ENTERPRISE", "description": "d"}
    assert ok(gql, '{ organisations(where: { kind: { eq: ENTERPRISE }, uid: { eq: "%s" } }) { totalCount } }'
              % ORG)["organisations"]["totalCount"] == 1
    assert mutate(gql, 'deleteOrganisation(uid: "%s") { relationshipsDeleted deleted }' % ORG) == \
        {"relationshipsDeleted": 2, "deleted": True}
    assert node(gql, "organisations", ORG, "uid") is None


def test_member_with_secretary_of_list_and_enterprise(gql, made):
    uid = "test-mut-member"
    made.append(("Member", uid))
    created = mutate(gql, 'createMember(input: { uid: "%s", name: "测试党员", role: "书记",'
                          ' secretaryOf: ["org-x-01", "org-x-02", "org-x-01"], memberOf: ["org-x-01"] })'
                          ' { role isEntrepreneur secretaryOf(sort: [{ uid: ASC }]) { uid } memberOf { uid } }' % uid)
    assert created == {"role": "书记", "isEntrepreneur": False, "memberOf": [{"uid": "org-x-01"}],
                       "secretaryOf": [{"uid": "org-x-01"}, {"uid": "org-x-02"}]}
    for org in ("org-x-01", "org-x-02"):
        assert {"uid": uid} in node(gql, "organisations", org, "secretaries { uid }")["secretaries"]

    runs = mutate(gql, 'connectMember(uid: "%s", relationship: enterprises, targets: ["enterprise-park-01"])'
                       ' { isEntrepreneur enterprises { uid } }' % uid)
    assert runs == {"isEntrepreneur": True, "enterprises": [{"uid": "enterprise-park-01"}]}
    assert {"uid": uid} in node(gql, "enterprises", "enterprise-park-01", "runBy { uid }")["runBy"]
    stopped = mutate(gql, 'disconnectMember(uid: "%s", relationship: enterprises, targets: ["enterprise-park-01"])'
                          ' { isEntrepreneur enterprises { uid } }' % uid)
    assert stopped == {"isEntrepreneur": False, "enterprises": []}
    assert mutate(gql, 'deleteMember(uid: "%s") { relationshipsDeleted }' % uid) == {"relationshipsDeleted": 3}


def test_grid_and_department_grids(gql, made):
    grid, dept = "test-mut-grid", "test-mut-dept"
    made += [("Grid", grid), ("Department", dept)]
    created = mutate(gql, 'createGrid(input: { uid: "%s", name: "测试网格", number: 999, town: "town-shiwan",'
                          ' communities: ["community-zhangcha-jiangwan"] }) { number town { uid } communities { uid } }'
                     % grid)
    assert created == {"number": 999, "town": {"uid": "town-shiwan"},
                       "communities": [{"uid": "community-zhangcha-jiangwan"}]}
    assert mutate(gql, 'updateGrid(uid: "%s", input: { number: null }) { number }' % grid) == {"number": None}
    assert ok(gql, '{ grids(where: { number: { eq: 999 } }) { totalCount } }')["grids"]["totalCount"] == 0

    mutate(gql, 'createDepartment(input: { uid: "%s", name: "测试部门" }) { uid }' % dept)
    linked = mutate(gql, 'connectDepartment(uid: "%s", relationship: grids, targets: ["%s", "grid-001"])'
                         ' { grids(sort: [{ uid: ASC }]) { uid } }' % (dept, grid))
    assert linked["grids"] == [{"uid": "grid-001"}, {"uid": grid}]
    assert node(gql, "grids", grid, "departments { uid }") == {"departments": [{"uid": dept}]}
    left = mutate(gql, 'disconnectDepartment(uid: "%s", relationship: grids, targets: ["grid-001"]) { grids { uid } }'
                  % dept)
    assert left["grids"] == [{"uid": grid}]
    assert mutate(gql, 'deleteGrid(uid: "%s") { uid deleted relationshipsDeleted }' % grid) == \
        {"uid": grid, "deleted": True, "relationshipsDeleted": 3}


def test_zone_external_organisations_many_valued(gql, zone_and_org):
    connect = 'connectZone(uid: "%s", relationship: externalOrganisations, targets: %s)' \
              ' { externalOrganisations(sort: [{ uid: ASC }]) { uid } }'
    first = mutate(gql, connect % (ZONE, '["org-x-01", "%s"]' % ORG))
    assert first["externalOrganisations"] == [{"uid": "org-x-01"}, {"uid": ORG}]
    again = mutate(gql, connect % (ZONE, '["org-x-02", "org-x-01"]'))  # adds, never duplicates
    assert again["externalOrganisations"] == [{"uid": "org-x-01"}, {"uid": "org-x-02"}, {"uid": ORG}]
    assert node(gql, "organisations", ORG, "serves { uid }") == {"serves": [{"uid": ZONE}]}
    out = mutate(gql, 'disconnectZone(uid: "%s", relationship: externalOrganisations, targets: ["org-x-01", "%s"])'
                      ' { externalOrganisations { uid } }' % (ZONE, ORG))
    assert out["externalOrganisations"] == [{"uid": "org-x-02"}]


def test_zone_town_and_lead_single_valued(gql, zone_and_org):
    moved = mutate(gql, 'connectZone(uid: "%s", relationship: town, targets: ["town-shiwan"]) { town { uid } }' % ZONE)
    assert moved == {"town": {"uid": "town-shiwan"}}
    assert {"uid": ZONE} in node(gql, "towns", "town-shiwan", "zones { uid }")["zones"]
    assert {"uid": ZONE} not in node(gql, "towns", "town-zumiao", "zones { uid }")["zones"]
    led = mutate(gql, 'connectZone(uid: "%s", relationship: lead, targets: ["%s"]) { lead { uid } }' % (ZONE, ORG))
    assert led == {"lead": {"uid": ORG}}
    assert {"uid": ZONE} not in node(gql, "organisations", "org-zumiao-peide-hospital", "leads { uid }")["leads"]
    assert mutate(gql, 'disconnectZone(uid: "%s", relationship: lead, targets: ["%s"]) { lead { uid } }'
                  % (ZONE, ORG)) == {"lead": None}
    # The zone has no lead now, so the organisation may lead it from its own side.
    assert mutate(gql, 'connectOrganisation(uid: "%s", relationship: leads, targets: ["%s"]) { leads { uid } }'
                  % (ORG, ZONE)) == {"leads": [{"uid": ZONE}]}


# --------------------------------------------------------------------------- failures write nothing

STATE = """query($z: String!, $o: String!) {
  auditEntries { totalCount } organisations { totalCount } zones { totalCount } members { totalCount }
  demands { totalCount } grids { totalCount } towns { nodes { uid zones { uid } } }
  zone: zones(where: { uid: { eq: $z } }) { nodes { uid name nameEn isDemonstration isPilot town { uid }
    lead { uid } externalOrganisations { uid } } }
  org: organisations(where: { uid: { eq: $o } }) { nodes { uid name kind leads { uid } serves { uid } } }
  peide: zones(where: { uid: { eq: "zone-zumiao-peide" } }) { nodes { lead { uid } externalOrganisations { uid } } }
}"""
ORG_INPUT = "mutation($i: OrganisationCreateInput!) { createOrganisation(input: $i) { uid } }"
DEMAND_INPUT = "mutation($i: RaiseDemandInput!) { raiseDemand(input: $i) { uid } }"
NEW = {"uid": "test-mut-new", "name": "新", "kind": "SOCIAL"}
NEW_DEMAND = {"uid": "test-mut-new", "name": "诉求", "category": "OTHER", "community": "community-zhangcha-jiangwan"}
BAD, MISSING, TAKEN = "BAD_USER_INPUT", "NOT_FOUND", "CONFLICT"

UPDATE_ZONE = 'updateZone(uid: "%s", input: %%s) { uid }' % ZONE
CONNECT_ZONE = 'connectZone(uid: "%s", relationship: %%s, targets: %%s) { uid }' % ZONE
# case: (the mutation, or a root field to wrap in `mutation { }`; variables; error code; field)
FAILURES = {
    "missing-required": ('createOrganisation(input: { uid: "test-mut-new", name: "x" }) { uid }', None, VALIDATION,
                         "kind"),
    "null-required": (ORG_INPUT, {"i": {**NEW, "name": None}}, VALIDATION, "name"),
    "bad-enum": ('createOrganisation(input: { uid: "test-mut-new", name: "x", kind: BOGUS }) { uid }', None,
                 VALIDATION, "BOGUS"),
    "bad-enum-variable": (ORG_INPUT, {"i": {**NEW, "kind": "BOGUS"}}, VALIDATION, "BOGUS"),
    "empty-name": (ORG_INPUT, {"i": {**NEW, "name": "  "}}, BAD, "input.name"),
    "uid-with-space": (ORG_INPUT, {"i": {**NEW, "uid": "test-mut new"}}, BAD, "input.uid"),
    "uid-with-ideographic-space": (ORG_INPUT, {"i": {**NEW, "uid": "test-mut\u3000new"}}, BAD, "input.uid"),
    "nul-in-name": (ORG_INPUT, {"i": {**NEW, "name": "a\x00b"}}, BAD, "input.name"),
    "nul-in-link": (ORG_INPUT, {"i": {**NEW, "town": "town-zumiao\x00"}}, BAD, "input.town"),
    "bad-date": (DEMAND_INPUT, {"i": {**NEW_DEMAND, "raisedOn": "2024-02-30"}}, BAD, "input.raisedOn"),
    "bad-date-format": (DEMAND_INPUT, {"i": {**NEW_DEMAND, "raisedOn": "15/01/2024"}}, BAD, "input.raisedOn"),
    "duplicate-uid": (ORG_INPUT, {"i": {**NEW, "uid": ORG}}, TAKEN, "input.uid"),
    "duplicate-seed-uid": (ORG_INPUT, {"i": {**NEW, "uid": "org-chancheng-district-committee"}}, TAKEN, "input.uid"),
    "unknown-town": (ORG_INPUT, {"i": {**NEW, "town": "town-nope"}}, MISSING, "input.town"),
    "unknown-in-list": ('createMember(input: { uid: "test-mut-new", name: "x", secretaryOf: ["org-x-01", "org-nope"] })'
                        ' { uid }', None, MISSING, "input.secretaryOf"),
    "unknown-community": (DEMAND_INPUT, {"i": {**NEW_DEMAND, "community": "x"}}, MISSING, "input.community"),
    "update-unknown": ('updateZone(uid: "test-mut-nope", input: { name: "x" }) { uid }', None, MISSING, "uid"),
    "update-other-label": ('updateZone(uid: "%s", input: { name: "x" }) { uid }' % ORG, None, MISSING, "uid"),
    "delete-unknown": ('deleteZone(uid: "test-mut-nope") { uid }', None, MISSING, "uid"),
    "connect-unknown": ('connectZone(uid: "test-mut-nope", relationship: town, targets: ["town-zumiao"]) { uid }',
                        None, MISSING, "uid"),
    "disconnect-unknown": ('disconnectZone(uid: "test-mut-nope", relationship: lead, targets: ["%s"]) { uid }' % ORG,
                           None, MISSING, "uid"),
    "connect-unknown-target": (CONNECT_ZONE % ("externalOrganisations", '["org-x-01", "org-nope"]'), None, MISSING,
                               "targets"),
    "second-lead": ('connectOrganisation(uid: "%s", relationship: leads, targets: ["zone-zumiao-peide"]) { uid }' % ORG,
                    None, TAKEN, "targets"),
    "second-lead-on-create": (ORG_INPUT, {"i": {**NEW, "leads": [ZONE]}}, TAKEN, "input.leads"),
    "two-towns": (CONNECT_ZONE % ("town", '["town-zumiao", "town-shiwan"]'), None, BAD, "targets"),
    "two-leads": (CONNECT_ZONE % ("lead", '["%s", "org-x-01"]' % ORG), None, BAD, "targets"),
    "no-targets": (CONNECT_ZONE % ("externalOrganisations", "[]"), None, BAD, "targets"),
    "managed-status": ('updateDemand(uid: "test-mut-nope", input: { status: RESOLVED }) { uid }', None, VALIDATION,
                       "status"),
    "managed-import-batch": (UPDATE_ZONE % '{ importBatch: "b" }', None, VALIDATION, "importBatch"),
    "managed-relationship": ('connectDemand(uid: "test-mut-nope", relationship: resolvedByOrganisation,'
                             ' targets: ["%s"]) { uid }' % ORG, None, VALIDATION, "resolvedByOrganisation"),
    "empty-update": (UPDATE_ZONE % "{}", None, BAD, "input"),
    "null-name-on-update": (UPDATE_ZONE % "{ name: null }", None, BAD, "input.name"),
    "null-required-flag-on-update": (UPDATE_ZONE % "{ isDemonstration: null }", None, BAD, "input.isDemonstration"),
    "empty-name-on-update": (UPDATE_ZONE % '{ nameEn: "E", name: "" }', None, BAD, "input.name"),
    "audit-not-writable": ('deleteAuditEntry(uid: "x") { uid }', None, VALIDATION, "deleteAuditEntry"),
}


@pytest.mark.parametrize("case", FAILURES, ids=list(FAILURES))
def test_failed_write_writes_nothing(gql, made, zone_and_org, case):
    query, variables, code, field = FAILURES[case]
    made += [("Organisation", "test-mut-new"), ("Member", "test-mut-new"), ("Demand", "test-mut-new")]
    state = {"z": ZONE, "o": ORG}
    before = ok(gql, STATE, state)
    failure(gql(query if query.startswith("mutation") else "mutation { %s }" % query, variables), code, field)
    assert ok(gql, STATE, state) == before


# --------------------------------------------------------------------------- audit


def test_every_write_is_audited(gql, made):
    made.append(("Organisation", ORG))
    actor = "audit-tester-7"
    before = audit_count(gql)
    mutate(gql, 'createOrganisation(input: { uid: "%s", name: "甲", kind: SOCIAL, serves: ["zone-zumiao-peide"] })'
                ' { uid }' % ORG, actor=actor)
    mutate(gql, 'updateOrganisation(uid: "%s", input: { name: "乙", nameEn: "B" }) { uid }' % ORG, actor=actor)
    mutate(gql, 'connectOrganisation(uid: "%s", relationship: town, targets: ["town-zumiao"]) { uid }' % ORG,
           actor=actor)
    mutate(gql, 'disconnectOrganisation(uid: "%s", relationship: serves, targets: ["zone-zumiao-peide"]) { uid }' % ORG,
           actor=actor)
    failure(gql('mutation { updateOrganisation(uid: "%s", input: { name: "" }) { uid } }' % ORG), BAD, "input.name")
    mutate(gql, 'deleteOrganisation(uid: "%s") { uid }' % ORG)  # no X-Actor header
    assert audit_count(gql) == before + 5

    entries = {e["action"]: e for e in audit_of(gql, ORG)}
    assert sorted(entries) == ["connect", "create", "delete", "disconnect", "update"]
    now = dt.datetime.now(dt.timezone.utc)
    for action, entry in entries.items():
        assert entry["actor"] == ("anonymous" if action == "delete" else actor)
        assert (entry["targetType"], entry["targetUid"]) == ("Organisation", ORG)
        at = dt.datetime.fromisoformat(entry["at"])
        assert at.tzinfo is not None and abs(now - at) < dt.timedelta(minutes=5)
    changes = {action: json.loads(entry["changes"]) for action, entry in entries.items()}
    assert changes["create"] == {"after": {"uid": ORG, "name": "甲", "kind": "SOCIAL", "source": "IMPORTED"},
                                 "links": {"serves": ["zone-zumiao-peide"]}}
    assert changes["update"] == {"before": {"name": "甲", "nameEn": None}, "after": {"name": "乙", "nameEn": "B"}}
    assert changes["connect"] == {"connect": {"town": ["town-zumiao"]}}
    assert changes["disconnect"] == {"disconnect": {"serves": ["zone-zumiao-peide"]}}
    assert changes["delete"]["before"]["name"] == "乙"
    found = ok(gql, '{ auditEntries(where: { targetUid: { eq: "%s" }, action: { eq: "update" } })'
                    ' { totalCount nodes { actor } } }' % ORG)
    assert found["auditEntries"] == {"totalCount": 1, "nodes": [{"actor": actor}]}


# --------------------------------------------------------------------------- known bugs


def test_uid_is_unique_across_labels(gql, made):
    uid = "test-mut-shared"
    made += [("Grid", uid), ("Organisation", uid)]
    mutate(gql, 'createGrid(input: { uid: "%s", name: "网格" }) { uid }' % uid)
    before = audit_count(gql)
    failure(gql('mutation { createOrganisation(input: { uid: "%s", name: "x", kind: SOCIAL }) { uid } }' % uid),
            TAKEN, "input.uid")
    assert audit_count(gql) == before


@pytest.mark.parametrize("raised_on", ["20240115", "2024-W03-1"])
def test_raised_on_must_be_yyyy_mm_dd(gql, made, raised_on):
    made.append(("Demand", "test-mut-new"))
    failure(gql(DEMAND_INPUT, {"i": {**NEW_DEMAND, "raisedOn": raised_on}}), BAD, "input.raisedOn")


@pytest.mark.parametrize("mutation", [
    'deleteZone(uid: $u) { uid }',
    'updateZone(uid: $u, input: { name: "x" }) { uid }',
    'connectZone(uid: $u, relationship: town, targets: ["town-zumiao"]) { uid }',
])
def test_nul_in_uid_argument_is_bad_input(gql, mutation):
    body = gql("mutation($u: String!) { %s }" % mutation, {"u": "test-mut-x\x00y"})
    failure(body, BAD, "uid")
