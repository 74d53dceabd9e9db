"""The authorisation pass on writes, on both engines: which roles write, what a grant limited to
a town may change, that a refusal is FORBIDDEN naming its rule, changes nothing, and is recorded
in the audit trail."""
from __future__ import annotations

import pytest

from graph.grants import Grant
from tests.authorisation import run
from tests.conftest import scratch_graph

NANZHUANG_EDITOR = Grant("editor", "南庄编辑", ("town-nanzhuang",))
ADMIN = Grant("admin", "管理员")
VILLAGE = "community-nanzhuang-village-01"
VILLAGE_ORG = "org-nanzhuang-village-01"
ZUMIAO_ZONE = "zone-zumiao-01"
ZUMIAO_ORG = "org-zumiao-community-01"
DISTRICT_ORG = "org-x-01"  # a district organisation: it belongs to no town


@pytest.fixture(scope="module")
async def graph(engine):
    async with scratch_graph(engine, "authorise_writes") as backend:
        yield backend


async def _refusals(backend) -> int:
    body = await run(backend, ADMIN, '{ auditEntries(where: {action: {eq: "refused"}}) { totalCount } }')
    return body["data"]["auditEntries"]["totalCount"]


async def _snapshot(backend) -> tuple:
    """Everything a refused write could have touched, read as an admin."""
    body = await run(backend, ADMIN, "{ zones(first: 1000) { nodes { uid name town { uid } externalOrganisations { uid } } } "
                                     "communities(first: 1000) { nodes { uid description } } "
                                     "members(first: 1000) { totalCount } demands(first: 1000) { nodes { uid status } } "
                                     "towns { nodes { uid description } } }")
    return body["data"]


async def _refused(backend, grant: Grant, mutation: str, rule: str, field: str | None = None) -> None:
    before, refusals = await _snapshot(backend), await _refusals(backend)
    body = await run(backend, grant, mutation)
    error = body["errors"][0]
    assert (error["code"], error["rule"]) == ("FORBIDDEN", rule), (mutation, body)
    if field is not None:
        assert error["field"] == field
    assert await _snapshot(backend) == before, mutation
    assert await _refusals(backend) == refusals + 1, mutation


MUTATIONS = [
    f'mutation {{ updateCommunity(uid: "{VILLAGE}", input: {{description: "x"}}) {{ uid }} }}',
    'mutation { createZone(input: {uid: "zone-role-test", name: "示例", source: ILLUSTRATIVE, '
    'isDemonstration: false, town: "town-nanzhuang"}) { uid } }',
    f'mutation {{ deleteCommunity(uid: "{VILLAGE}") {{ deleted }} }}',
    f'mutation {{ connectOrganisation(uid: "{VILLAGE_ORG}", relationship: serves, targets: ["{ZUMIAO_ZONE}"]) {{ uid }} }}',
    f'mutation {{ disconnectOrganisation(uid: "{VILLAGE_ORG}", relationship: community, targets: ["{VILLAGE}"]) {{ uid }} }}',
    f'mutation {{ raiseDemand(input: {{uid: "demand-role-test", name: "示例", category: OTHER, community: "{VILLAGE}"}}) {{ uid }} }}',
]


@pytest.mark.parametrize("role", ["viewer", "researcher"])
@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.split("(")[0].split()[-1])
async def test_readers_cannot_write(graph, role, mutation):
    await _refused(graph, Grant(role, "读者"), mutation, "role", mutation.split("(")[0].split()[-1])


async def test_a_refusal_is_recorded_with_who_and_what(graph):
    await _refused(graph, Grant("viewer", "李研究员"), f'mutation {{ deleteZone(uid: "{ZUMIAO_ZONE}") {{ deleted }} }}', "role")
    body = await run(graph, ADMIN, '{ auditEntries(where: {action: {eq: "refused"}, targetUid: {eq: "zone-zumiao-01"}}) '
                                   "{ nodes { targetType changes } } }")
    entry = body["data"]["auditEntries"]["nodes"][-1]
    assert entry["targetType"] == "Zone" and '"refused": "delete"' in entry["changes"] and '"rule": "role"' in entry["changes"]


async def test_an_editor_writes_within_their_town(graph):
    ok = [
        f'mutation {{ updateCommunity(uid: "{VILLAGE}", input: {{description: "南庄编辑改"}}) {{ description }} }}',
        'mutation { createZone(input: {uid: "zone-nz-test", name: "示例南庄片区", source: ILLUSTRATIVE, '
        'isDemonstration: false, town: "town-nanzhuang"}) { uid town { uid } } }',
        f'mutation {{ createMember(input: {{uid: "member-nz-test", name: "示例甲", source: ILLUSTRATIVE, '
        f'memberOf: ["{VILLAGE_ORG}"], contact: "示例电话"}}) {{ name contact }} }}',
        f'mutation {{ connectMember(uid: "member-nz-test", relationship: memberOf, targets: ["{DISTRICT_ORG}"]) {{ uid }} }}',
        'mutation { updateTown(uid: "town-nanzhuang", input: {description: "南庄"}) { uid } }',
        f'mutation {{ raiseDemand(input: {{uid: "demand-nz-test", name: "示例诉求", category: OTHER, community: "{VILLAGE}"}}) '
        "{ uid } }",
        f'mutation {{ assignDemand(uid: "demand-nz-test", organisation: "{VILLAGE_ORG}") {{ status }} }}',
        'mutation { deleteZone(uid: "zone-nz-test") { deleted } }',
    ]
    for mutation in ok:
        body = await run(graph, NANZHUANG_EDITOR, mutation)
        assert "errors" not in body, (mutation, body)
    body = await run(graph, NANZHUANG_EDITOR, '{ members(where: {uid: {eq: "member-nz-test"}}) { nodes { name contact } } }')
    assert body["data"]["members"]["nodes"] == [{"name": "示例甲", "contact": "示例电话"}]


async def test_an_editor_cannot_touch_another_town(graph):
    editor = NANZHUANG_EDITOR
    await _refused(graph, editor, f'mutation {{ updateZone(uid: "{ZUMIAO_ZONE}", input: {{name: "x"}}) {{ uid }} }}',
                   "scope:node")
    await _refused(graph, editor, 'mutation { deleteTown(uid: "town-zumiao") { deleted } }', "scope:node")
    await _refused(graph, editor, 'mutation { deleteTown(uid: "town-nanzhuang") { deleted } }', "scope:node")
    await _refused(graph, editor, 'mutation { updateDepartment(uid: "dept-urban-management", input: {description: "x"}) '
                                  "{ uid } }", "scope:node")
    await _refused(graph, editor, f'mutation {{ connectOrganisation(uid: "{VILLAGE_ORG}", relationship: serves, '
                                  f'targets: ["{ZUMIAO_ZONE}"]) {{ uid }} }}', "scope:target", "targets")
    await _refused(graph, editor, 'mutation { createZone(input: {uid: "zone-zm-test", name: "示例", source: ILLUSTRATIVE, '
                                  'isDemonstration: false, town: "town-zumiao"}) { uid } }', "scope:created", "input.town")
    await _refused(graph, editor, 'mutation { createMember(input: {uid: "member-nowhere", name: "示例乙", '
                                  'source: ILLUSTRATIVE}) { uid } }', "scope:created", "input")
    await _refused(graph, editor, f'mutation {{ createMember(input: {{uid: "member-zm", name: "示例丙", source: ILLUSTRATIVE, '
                                  f'memberOf: ["{ZUMIAO_ORG}"]}}) {{ uid }} }}', "scope:created", "input.memberOf")
    await _refused(graph, editor, 'mutation { createTown(input: {uid: "town-new", name: "示例镇", source: ILLUSTRATIVE, '
                                  'kind: TOWN}) { uid } }', "scope:created", "input")
    # A link to another town made by an admin: the editor may not remove it, nor delete the
    # village organisation that holds it.
    body = await run(graph, ADMIN, f'mutation {{ connectOrganisation(uid: "{VILLAGE_ORG}", relationship: serves, '
                                   f'targets: ["{ZUMIAO_ZONE}"]) {{ uid }} }}')
    assert "errors" not in body
    await _refused(graph, editor, f'mutation {{ disconnectOrganisation(uid: "{VILLAGE_ORG}", relationship: serves, '
                                  f'targets: ["{ZUMIAO_ZONE}"]) {{ uid }} }}', "scope:target", "targets")
    await _refused(graph, editor, f'mutation {{ deleteOrganisation(uid: "{VILLAGE_ORG}") {{ deleted }} }}',
                   "scope:neighbours")


async def test_a_missing_node_is_not_found_not_forbidden(graph):
    body = await run(graph, NANZHUANG_EDITOR, 'mutation { updateZone(uid: "zone-nothing", input: {name: "x"}) { uid } }')
    assert body["errors"][0]["code"] == "NOT_FOUND"


async def test_the_write_statement_itself_holds_the_grant(graph):
    """The precheck refuses first; the statement's own guards hold if the graph changed after it
    (a race): given plans that fail them, each writes nothing and returns no row."""
    from graph import authorise_writes
    from graph.model import TYPES
    from graph.write_plan import Audit, Audited, CreateNode, DeleteNode, LinkChange, UpdateNode

    zone, org, member = TYPES["Zone"], TYPES["Organisation"], TYPES["Member"]
    grant = NANZHUANG_EDITOR
    audit = Audit("test", "2026-01-01T00:00:00Z", "update", "Zone", ZUMIAO_ZONE, "{}")
    before = await _snapshot(graph)
    update = UpdateNode(zone, ZUMIAO_ZONE, audit, set_props={"name": "改"}, guard=authorise_writes.node_guard(zone, grant))
    assert await graph.write(Audited(update, "audit-guard-1")) == []
    delete = DeleteNode(zone, ZUMIAO_ZONE, audit, guard=authorise_writes.node_guard(zone, grant))
    assert await graph.write(Audited(delete, "audit-guard-2")) == []
    rel = member.rel("memberOf")
    link = LinkChange(rel, org, (ZUMIAO_ORG,), guard=authorise_writes.target_guard(member, rel, grant, creating=True))
    create = CreateNode(member, {"uid": "member-guard", "name": "示例", "source": "ILLUSTRATIVE"}, (link,), audit)
    assert await graph.write(Audited(create, "audit-guard-3")) == []
    assert await _snapshot(graph) == before
    # The same plans for a node of the grant's own town write.
    allowed = UpdateNode(TYPES["Community"], VILLAGE, audit, set_props={"description": "守卫"},
                         guard=authorise_writes.node_guard(TYPES["Community"], grant))
    assert len(await graph.write(Audited(allowed, "audit-guard-4"))) == 1


async def test_what_an_admin_does_beyond_writes_needs_the_whole_district(graph):
    """Reading the audit trail and undoing are not limited by town, so an admin grant limited to
    towns may do neither (rule scope:district); its writes are limited like an editor's."""
    town_admin = Grant("admin", "南庄管理员", ("town-nanzhuang",))
    body = await run(graph, town_admin, "{ auditEntries(first: 5) { totalCount } }")
    assert body["data"]["auditEntries"]["totalCount"] == 0
    entry = (await run(graph, ADMIN, "{ auditEntries(first: 1) { nodes { id } } }"))["data"]["auditEntries"]["nodes"][0]
    before = await _refusals(graph)
    body = await run(graph, town_admin, "mutation($id: ID!) { undoAuditEntry(id: $id) { action } }", {"id": entry["id"]})
    assert (body["errors"][0]["code"], body["errors"][0]["rule"]) == ("FORBIDDEN", "scope:district")
    assert await _refusals(graph) == before + 1
    await _refused(graph, town_admin, f'mutation {{ updateZone(uid: "{ZUMIAO_ZONE}", input: {{name: "x"}}) {{ uid }} }}',
                   "scope:node")
