"""undoAuditEntry on both engines: every action undone returns the graph to the state before it
(compared with an independent read of every node and relationship), an undo is audited and can
itself be undone, an entry is undone once, and a later write that conflicts makes the undo
refuse with CONFLICT, writing nothing."""
from __future__ import annotations

import json

import pytest

from graph.grants import EDITOR, PUBLIC_READER, Grant
from graph.plan import CompiledQuery
from resolvers.ids import to_global_id
from tests.conftest import scratch_graph
from tests.undo_helpers import Recorder, difference, entries, execute, ok, refused, state, undo, undo_refused

GRAPH = "undo_test"
ZONE = "zone-zumiao-peide"


@pytest.fixture(scope="module")
async def graph(engine):
    async with scratch_graph(engine, GRAPH) as backend:
        yield backend


@pytest.fixture(scope="module")
async def uids(graph) -> dict[str, str]:
    """Seed nodes the writes below use, found by what they are."""
    async def one(text: str) -> str:
        rows = await graph.read(CompiledQuery(text + " RETURN x.uid AS uid ORDER BY uid LIMIT 1"))
        return rows[0]["uid"]

    community = await one("MATCH (x:Community)")
    # The seed's demands are all resolved: raise two, and assign one of them.
    for uid in ("demand-undo-raised", "demand-undo-assigned"):
        await ok(graph, 'mutation { raiseDemand(input: { uid: "%s", name: "井盖松动", category: PUBLIC_SAFETY, '
                        'community: "%s" }) { uid } }' % (uid, community))
    await ok(graph, 'mutation { assignDemand(uid: "demand-undo-assigned", department: "%s") { uid } }'
             % await one("MATCH (x:Department)"))
    return {
        "raised": "demand-undo-raised",
        "assigned": "demand-undo-assigned",
        "community": community,
        "org": await one("MATCH (x:Organisation) WHERE NOT (x)-[:SERVES]->(:Zone {uid: '%s'})" % ZONE),
        "external": await one("MATCH (x:Organisation)-[:SERVES]->(:Zone {uid: '%s'})" % ZONE),
        "department": await one("MATCH (x:Department)"),
    }


WRITES = {
    "create": 'createZone(input: { uid: "zone-undo-new", name: "新片区", isDemonstration: false, town: "town-zumiao",'
              ' lead: "org-zumiao-peide-hospital", externalOrganisations: ["{org}"] }) { uid }',
    "update": 'updateZone(uid: "%s", input: { name: "改名", nameEn: null, isPilot: false, description: "新" }) { uid }' % ZONE,
    "delete zone": 'deleteZone(uid: "%s") { uid }' % ZONE,
    "delete town": 'deleteTown(uid: "town-zumiao") { uid }',
    "connect": 'connectZone(uid: "%s", relationship: externalOrganisations, targets: ["{org}"]) { uid }' % ZONE,
    "connect replacing": 'connectZone(uid: "%s", relationship: town, targets: ["town-shiwan"]) { uid }' % ZONE,
    "disconnect": 'disconnectZone(uid: "%s", relationship: externalOrganisations, targets: ["{external}"]) { uid }' % ZONE,
    "raise": 'raiseDemand(input: { uid: "demand-undo-new", name: "路灯坏了", category: UTILITIES,'
             ' community: "{community}" }) { uid }',
    "assign": 'assignDemand(uid: "{raised}", organisation: "{org}") { uid }',
    "resolve": 'resolveDemand(uid: "{assigned}", department: "{department}") { uid }',
}
DONE = {"create": "delete", "delete zone": "create", "delete town": "create", "raise": "delete"}


def mutation(name: str, uids: dict) -> str:
    text = WRITES[name]
    for key, value in uids.items():
        text = text.replace("{%s}" % key, value)
    return "mutation { %s }" % text


@pytest.mark.parametrize("name", sorted(WRITES))
async def test_undo_returns_the_graph_to_before_the_write_and_a_redo_to_after(graph, uids, name):
    before = await state(graph)
    entry = await Recorder(graph).write(mutation(name, uids))
    after = await state(graph)
    assert after != before
    result = await undo(graph, entry["uid"])
    assert await state(graph) == before, difference(before, await state(graph))
    assert result["action"] == DONE.get(name, "update")
    assert result["undone"] == {"uid": entry["uid"], "action": entry["action"]}
    assert result["entry"]["action"] == "undo" and result["entry"]["undoes"] == entry["uid"]
    assert result["entry"]["id"] == to_global_id("AuditEntry", result["entry"]["uid"])
    assert result["targetUid"] == entry["targetUid"]
    assert (result["node"] is None) == (result["action"] == "delete")
    # An entry is undone once.
    again = await undo_refused(graph, entry["uid"])
    assert again["code"] == "CONFLICT" and "undone already" in again["message"], again
    assert await state(graph) == before
    # The undo is an entry like any other: undoing it makes the change again (by its uid this time).
    redo = await undo(graph, result["entry"]["uid"], by_uid=True)
    assert await state(graph) == after, difference(after, await state(graph))
    # And undoing the redo returns to before once more: the graph ends the test as it began it.
    await undo(graph, redo["entry"]["uid"])
    assert await state(graph) == before


async def test_undoing_a_delete_restores_every_relationship_of_a_town(graph):
    def neighbourhood(rows):
        return sorted(tuple(r.values()) for r in rows)

    around = CompiledQuery("MATCH (t:Town {uid: 'town-zumiao'})-[r]-(o) "
                           "RETURN type(r) AS type, startNode(r) = t AS out, labels(o)[0] AS label, o.uid AS uid")
    before = neighbourhood(await graph.read(around))
    assert len(before) > 300
    entry = await Recorder(graph).write('mutation { deleteTown(uid: "town-zumiao") { relationshipsDeleted } }')
    assert await graph.read(around) == []
    result = await undo(graph, entry["uid"])
    assert result["relationshipsCreated"] == len(before) and result["nodesCreated"] == 1
    assert neighbourhood(await graph.read(around)) == before


async def test_counts_say_what_the_undo_did(graph, uids):
    entry = await Recorder(graph).write(mutation("connect replacing", uids))
    result = await undo(graph, entry["uid"])
    assert (result["nodesRestored"], result["relationshipsCreated"], result["relationshipsDeleted"]) == (1, 1, 1)
    assert result["node"] == {"id": to_global_id("Zone", ZONE), "name": result["node"]["name"]}
    changes = json.loads(result["entry"]["changes"])
    assert changes == {"as": "update", "before": {}, "after": {}, "links": {"town": ["town-zumiao"]},
                       "unlinked": {"town": ["town-shiwan"]}}


# --------------------------------------------------------------------------- conflicts

async def conflict_after(graph, first: str, later: list[str], reason: str) -> None:
    """Write `first`, then the `later` writes; undoing `first` is refused, and writes nothing;
    undoing the later writes (newest first) and then `first` works."""
    recorder = Recorder(graph)
    start = await state(graph)
    entry = await recorder.write(first)
    later_entries = [await recorder.write(text) for text in later]
    before = await state(graph), len(await entries(graph))
    error = await undo_refused(graph, entry["uid"])
    assert error["code"] == "CONFLICT" and error["field"] == "id", error
    assert reason in error["message"], error["message"]
    assert (await state(graph), len(await entries(graph))) == before, "a refused undo wrote something"
    for later_entry in reversed(later_entries):
        await undo(graph, later_entry["uid"])
    await undo(graph, entry["uid"])
    assert await state(graph) == start


UPDATE_NAME = 'mutation { updateZone(uid: "%s", input: { name: "%%s" }) { uid } }' % ZONE


async def test_an_update_whose_values_changed_since(graph):
    await conflict_after(graph, UPDATE_NAME % "甲", [UPDATE_NAME % "乙"], "name is '乙', not '甲'")


async def test_a_created_node_with_later_links_or_values(graph, uids):
    create = mutation("create", uids)
    await conflict_after(graph, create, [
        'mutation { connectZone(uid: "zone-undo-new", relationship: externalOrganisations, targets: ["%s"]) { uid } }'
        % uids["external"]], f"relationships it was not created with: SERVES from Organisation '{uids['external']}'")
    await conflict_after(graph, create, ['mutation { updateZone(uid: "zone-undo-new", input: { isPilot: true }) { uid } }'],
                         "values it was not created with (isPilot)")
    await conflict_after(graph, create, [
        'mutation { disconnectZone(uid: "zone-undo-new", relationship: lead, targets: ["org-zumiao-peide-hospital"]) { uid } }'],
        "relationships Zone 'zone-undo-new' was created with are gone: LEADS from Organisation")


async def test_a_created_node_deleted_since(graph, uids):
    await conflict_after(graph, mutation("create", uids), ['mutation { deleteZone(uid: "zone-undo-new") { uid } }'],
                         "no longer exists")


async def test_a_deleted_node_whose_uid_is_taken_again(graph):
    await conflict_after(graph, 'mutation { deleteZone(uid: "%s") { uid } }' % ZONE, [
        'mutation { createProgramme(input: { uid: "%s", name: "占用", kind: SERVICE }) { uid } }' % ZONE],
        f"uid '{ZONE}' is taken again, by a Programme")


async def test_a_deleted_node_whose_other_end_is_gone(graph):
    await conflict_after(graph, 'mutation { deleteZone(uid: "%s") { uid } }' % ZONE, [
        'mutation { deleteProgramme(uid: "programme-healthy-peide") { uid } }'],
        "its programmes cannot be restored: no Programme 'programme-healthy-peide' any more")


async def test_a_deleted_node_whose_single_valued_other_side_is_taken(graph):
    # A zone has one lead. Delete a lead organisation, give its zone another lead: restoring the
    # organisation would give that zone two.
    [row] = await graph.read(CompiledQuery("MATCH (o:Organisation)-[:LEADS]->(z:Zone) MATCH (other:Organisation) "
                                           "WHERE NOT (other)-[:LEADS]->() RETURN o.uid AS lead, z.uid AS zone, "
                                           "other.uid AS other ORDER BY lead, zone, other LIMIT 1"))
    await conflict_after(graph, 'mutation { deleteOrganisation(uid: "%s") { uid } }' % row["lead"], [
        'mutation { connectZone(uid: "%s", relationship: lead, targets: ["%s"]) { uid } }' % (row["zone"], row["other"])],
        f"Zone '{row['zone']}' has its lead taken now, by '{row['other']}'")


async def test_a_connect_whose_links_are_gone(graph, uids):
    org = uids["org"]
    await conflict_after(graph, mutation("connect", uids), [
        'mutation { disconnectZone(uid: "%s", relationship: externalOrganisations, targets: ["%s"]) { uid } }' % (ZONE, org)],
        f"the externalOrganisations link of Zone '{ZONE}' to '{org}' that the entry made is gone")


async def test_a_disconnect_linked_again_since(graph, uids):
    external = uids["external"]
    await conflict_after(graph, mutation("disconnect", uids), [
        'mutation { connectZone(uid: "%s", relationship: externalOrganisations, targets: ["%s"]) { uid } }'
        % (ZONE, external)], "is linked again already")


async def test_a_replaced_single_link_whose_field_is_taken_again(graph, uids):
    # town-zumiao → town-shiwan, then → town-nanzhuang: undoing the first would give the zone two towns.
    await conflict_after(graph, mutation("connect replacing", uids), [
        'mutation { connectZone(uid: "%s", relationship: town, targets: ["town-nanzhuang"]) { uid } }' % ZONE],
        "the town link of Zone 'zone-zumiao-peide' to 'town-shiwan' that the entry made is gone")


async def test_a_demand_step_followed_by_the_next(graph, uids):
    await conflict_after(graph, mutation("assign", uids), [
        'mutation { resolveDemand(uid: "%s", organisation: "%s") { uid } }' % (uids["raised"], uids["org"])],
        "status is 'RESOLVED', not 'ASSIGNED'")


# --------------------------------------------------------------------------- refusals

async def test_only_admins_undo(graph):
    entry = await Recorder(graph).write(UPDATE_NAME % "丙")
    # The anonymous reader is told to sign in (schema/access.py); the others that they may not.
    assert (await undo_refused(graph, entry["uid"], grant=PUBLIC_READER))["code"] == "UNAUTHENTICATED"
    for grant in (Grant(EDITOR, name="编辑"), Grant("researcher", name="研究员")):
        error = await undo_refused(graph, entry["uid"], grant=grant)
        assert (error["code"], error["field"], error["rule"]) == ("FORBIDDEN", "id", "role"), error
    await undo(graph, entry["uid"])  # the open grant of dev mode is an admin's


@pytest.mark.parametrize("given, code", [
    (to_global_id("Zone", ZONE), "BAD_USER_INPUT"), ("not an id", "BAD_USER_INPUT"),
    ("audit-nothing-here", "NOT_FOUND"), (to_global_id("AuditEntry", "audit-nothing-here"), "NOT_FOUND"),
    ("audit-\x00", "BAD_USER_INPUT")])
async def test_ids_that_name_no_entry(graph, given, code):
    error = await refused(graph, "mutation($id: ID!) { undoAuditEntry(id: $id) { action } }", {"id": given})
    assert (error["code"], error["field"]) == (code, "id"), error


async def test_a_delete_recorded_without_its_relationships_is_refused(graph):
    changes = json.dumps({"before": {"uid": "zone-old", "name": "旧", "source": "IMPORTED", "isDemonstration": False}})
    await graph.write(CompiledQuery("CREATE (a:AuditEntry {uid: 'audit-old-delete', name: 'delete Zone zone-old', "
                                    "source: 'IMPORTED', at: '2025-01-01T00:00:00Z', actor: 'a', action: 'delete', "
                                    "targetType: 'Zone', targetUid: 'zone-old', changes: $c})", {"c": changes}))
    error = await undo_refused(graph, "audit-old-delete")
    assert error["code"] == "CONFLICT" and "relationships they removed" in error["message"], error


async def test_an_entry_naming_what_the_model_lacks_is_refused(graph):
    changes = json.dumps({"before": {"name": "a"}, "after": {"name": "b"}, "links": {"`) DETACH DELETE (x": ["y"]}})
    await graph.write(CompiledQuery("CREATE (a:AuditEntry {uid: 'audit-odd', name: 'update Zone z', source: 'IMPORTED', "
                                    "at: '2025-01-01T00:00:00Z', actor: 'a', action: 'update', targetType: 'Zone', "
                                    "targetUid: $z, changes: $c})", {"c": changes, "z": ZONE}))
    before = await state(graph)
    error = await undo_refused(graph, "audit-odd")
    assert error["code"] == "CONFLICT" and "has no relationship field" in error["message"], error
    assert await state(graph) == before


async def test_undo_leaves_no_internal_text(graph):
    result = await execute(graph, "mutation { undoAuditEntry(id: \"audit-undo-x\") { action } }")
    assert "Traceback" not in str(result.errors) and "MATCH" not in str(result.errors)
