"""undoAuditEntry on escalateDemand's entries, through the real HTTP endpoint of a server over a
scratch graph: the undo puts the demand's level back and deletes the Escalation (the graph is
then as before the escalation, compared with an independent read of every node and
relationship), is audited, can be undone (the same Escalation comes back) and is done once; when
the state moved on (escalated again, resolved, the Escalation changed or gone) it is refused with
CONFLICT on `id`, writing nothing. A write landing between the undo's checks and its statement
makes the statement refuse too (in-process, to put the write there)."""
from __future__ import annotations

import json

import httpx
import pytest

from graph.plan import CompiledQuery
from graph.write_plan import Precheck
from resolvers.ids import to_global_id
from tests.conftest import scratch_graph, start_serve
from tests.undo_helpers import UNDO, difference, entries, execute, state

GRAPH = "undo_escalation_test"
COMMUNITY = "community-zumiao-01"  # a zoned community: someone holds every level (tests/test_escalation_mutation.py)
ESCALATE = 'mutation { escalateDemand(uid: "%s", to: %s, reason: "%s") { level } }'
RESULT = """mutation($id: ID!) { undoAuditEntry(id: $id) {
  action targetType targetUid nodesCreated nodesDeleted nodesRestored relationshipsCreated relationshipsDeleted
  entry { uid action undoes changes targetType targetUid } undone { uid action }
  node { id ... on Demand { level status } } } }"""
ESCALATIONS = CompiledQuery("MATCH (e:Escalation) RETURN count(e) AS n")
ENTRY_COUNT = CompiledQuery("MATCH (a:AuditEntry) RETURN count(a) AS n")


@pytest.fixture(scope="module")
async def graph(engine, data_dir):
    async with scratch_graph(engine, GRAPH) as backend:
        process, url = start_serve(data_dir, "--dev", "--no-seed", graph=GRAPH, engine=engine)
        backend.url = url
        try:
            yield backend
        finally:
            process.terminate()
            process.wait(30)


@pytest.fixture(scope="module")
def post(graph):
    client = httpx.Client(base_url=graph.url, timeout=30)

    def run(query: str, variables: dict | None = None) -> dict:
        response = client.post("/graphql", json={"query": query, "variables": variables or {}})
        assert response.headers["content-type"].startswith("application/json"), response.text
        return response.json()

    yield run
    client.close()


def ok(post, query: str, variables: dict | None = None) -> dict:
    body = post(query, variables)
    assert not body.get("errors"), body["errors"]
    return body["data"]


async def write(graph, post, query: str) -> dict:
    """Run a mutation over HTTP; the one audit entry it wrote."""
    before = await entries(graph)
    ok(post, query)
    new = [e for uid, e in (await entries(graph)).items() if uid not in before]
    assert len(new) == 1, new
    return new[0]


def undo(post, entry_uid: str) -> dict:
    return ok(post, RESULT, {"id": to_global_id("AuditEntry", entry_uid)})["undoAuditEntry"]


async def counts(graph) -> tuple[int, int]:
    """(Escalation nodes, audit entries), counted by the test's own reads."""
    return (await graph.read(ESCALATIONS))[0]["n"], (await graph.read(ENTRY_COUNT))[0]["n"]


async def refused(graph, post, entry_uid: str, reason: str) -> dict:
    """Undoing the entry answers CONFLICT on `id` with `reason` in its message, writing nothing."""
    before = await state(graph), await counts(graph)
    body = post(RESULT, {"id": to_global_id("AuditEntry", entry_uid)})
    assert body["data"] is None and len(body["errors"]) == 1, body
    error = body["errors"][0]
    assert (error["extensions"]["code"], error["extensions"]["field"]) == ("CONFLICT", "id"), error
    assert reason in error["message"], error["message"]
    assert (await state(graph), await counts(graph)) == before, "a refused undo wrote something"
    return error


_raised = iter(range(1, 1000))


def raise_demand(post) -> str:
    uid = f"demand-undo-esc-{next(_raised)}"
    ok(post, 'mutation { raiseDemand(input: { uid: "%s", name: "示例诉求", category: OTHER, community: "%s" }) '
             '{ uid } }' % (uid, COMMUNITY))
    return uid


async def escalation_of(graph, uid: str) -> list[dict]:
    rows = await graph.read(CompiledQuery("MATCH (e:Escalation)-[:ESCALATES]->(:Demand {uid: $u}) "
                                          "RETURN e {.*} AS e ORDER BY e.escalatedAt, e.toLevel", {"u": uid}))
    return [row["e"] for row in rows]


@pytest.mark.parametrize("steps", [("N",), ("X",), ("N", "X"), ("TOWN_CENTRE", "DISTRICT_CENTRE")])
async def test_undo_restores_the_demand_and_removes_the_escalation_and_a_redo_makes_it_again(graph, post, steps):
    uid = raise_demand(post)
    for level in steps[:-1]:
        await write(graph, post, ESCALATE % (uid, level, "之前的上报"))
    start_level = steps[-2] if len(steps) > 1 else "LEAD"
    before, (escalations, _) = await state(graph), await counts(graph)
    entry = await write(graph, post, ESCALATE % (uid, steps[-1], "片区协调不了"))
    after = await state(graph)
    [made] = [e for e in await escalation_of(graph, uid) if e["toLevel"] == steps[-1]]
    assert (await counts(graph))[0] == escalations + 1
    assert json.loads(entry["changes"])["escalation"]["uid"] == made["uid"]

    result = undo(post, entry["uid"])
    assert await state(graph) == before, difference(before, await state(graph))
    assert (await counts(graph))[0] == escalations
    assert {k: result[k] for k in ("action", "targetType", "targetUid", "nodesCreated", "nodesDeleted",
                                   "nodesRestored", "relationshipsCreated", "relationshipsDeleted")} == {
        "action": "update", "targetType": "Demand", "targetUid": uid, "nodesCreated": 0, "nodesDeleted": 1,
        "nodesRestored": 1, "relationshipsCreated": 0, "relationshipsDeleted": 1}
    assert result["node"] == {"id": to_global_id("Demand", uid), "level": start_level, "status": "RAISED"}
    assert result["undone"] == {"uid": entry["uid"], "action": "escalate"}
    undo_entry = result["entry"]
    assert (undo_entry["action"], undo_entry["undoes"], undo_entry["targetType"], undo_entry["targetUid"]) == (
        "undo", entry["uid"], "Demand", uid)
    assert json.loads(undo_entry["changes"]) == {"as": "unescalate", "before": {"level": steps[-1]},
                                                 "after": {"level": start_level}, "escalation": made}

    # An entry is undone once.
    await refused(graph, post, entry["uid"], "undone already")
    # The undo is an entry like any other: undoing it makes the escalation again, the same node.
    redo = undo(post, undo_entry["uid"])
    assert await state(graph) == after, difference(after, await state(graph))
    assert (redo["nodesCreated"], redo["relationshipsCreated"], redo["nodesDeleted"]) == (1, 1, 0)
    assert json.loads(redo["entry"]["changes"]) == {"as": "escalate", **json.loads(entry["changes"])}
    await refused(graph, post, undo_entry["uid"], "undone already")
    # And undoing the redo returns to before once more.
    undo(post, redo["entry"]["uid"])
    assert await state(graph) == before
    assert (await counts(graph))[0] == escalations


async def test_a_demand_with_no_level_gets_none_back(graph, post):
    # Demands loaded before levels existed have none (read as LEAD); the undo leaves it absent again.
    uid = raise_demand(post)
    await graph.write(CompiledQuery("MATCH (d:Demand {uid: $u}) REMOVE d.level", {"u": uid}))
    before = await state(graph)
    entry = await write(graph, post, ESCALATE % (uid, "N", "无级别"))
    assert (await escalation_of(graph, uid))[0]["fromLevel"] == "LEAD"
    result = undo(post, entry["uid"])
    assert result["node"]["level"] is None
    assert await state(graph) == before, difference(before, await state(graph))


# --------------------------------------------------------------------------- the state moved on

async def test_refused_after_a_second_escalation_until_that_one_is_undone(graph, post):
    uid = raise_demand(post)
    start = await state(graph)
    first = await write(graph, post, ESCALATE % (uid, "N", "第一次"))
    second = await write(graph, post, ESCALATE % (uid, "X", "第二次"))
    await refused(graph, post, first["uid"], f"Demand '{uid}' changed since: level is 'X', not 'N'")
    undo(post, second["uid"])
    undo(post, first["uid"])
    assert await state(graph) == start, difference(start, await state(graph))


async def test_refused_after_resolve_until_the_resolve_is_undone(graph, post):
    uid = raise_demand(post)
    start = await state(graph)
    escalated = await write(graph, post, ESCALATE % (uid, "X", "需要区直部门"))
    assign = await write(graph, post, 'mutation { assignDemand(uid: "%s", department: "dept-urban-management") '
                                      '{ uid } }' % uid)
    resolve = await write(graph, post, 'mutation { resolveDemand(uid: "%s", department: "dept-urban-management") '
                                       '{ uid } }' % uid)
    await refused(graph, post, escalated["uid"], f"Demand '{uid}' is RESOLVED since (at 'X')")
    undo(post, resolve["uid"])
    # An assign does not touch the level: the escalation is undone under it.
    assert undo(post, escalated["uid"])["node"] == {"id": to_global_id("Demand", uid), "level": "LEAD",
                                                   "status": "ASSIGNED"}
    undo(post, assign["uid"])
    assert await state(graph) == start, difference(start, await state(graph))


@pytest.mark.parametrize("change, reason", [
    ("MATCH (e:Escalation {uid: $e}) SET e.reason = '改过'", "has values it was not created with (reason)"),
    ("MATCH (e:Escalation {uid: $e}) SET e.description = '多了'", "has values it was not created with (description)"),
    ("MATCH (e:Escalation {uid: $e}) DETACH DELETE e", "no longer exists; a later write deleted it"),
    ("MATCH (e:Escalation {uid: $e}), (d:Demand) WHERE d.uid <> $d WITH e, d ORDER BY d.uid LIMIT 1 "
     "CREATE (e)-[:ESCALATES]->(d)", "has relationships it was not created with: ESCALATES to Demand"),
    ("MATCH (e:Escalation {uid: $e})-[r:ESCALATES]->() DELETE r", "no longer escalates Demand"),
    ("MATCH (d:Demand {uid: $d}) DETACH DELETE d", "no longer exists; a later write deleted it"),
])
async def test_refused_when_the_escalation_or_the_demand_changed(graph, post, change, reason):
    uid = raise_demand(post)
    entry = await write(graph, post, ESCALATE % (uid, "N", "片区"))
    escalation = json.loads(entry["changes"])["escalation"]["uid"]
    await graph.write(CompiledQuery(change, {"e": escalation, "d": uid}))
    await refused(graph, post, entry["uid"], reason)


async def test_a_redo_refused_when_the_demand_was_escalated_again(graph, post):
    uid = raise_demand(post)
    entry = await write(graph, post, ESCALATE % (uid, "N", "片区"))
    undone = undo(post, entry["uid"])
    await write(graph, post, ESCALATE % (uid, "X", "直接到X"))
    await refused(graph, post, undone["entry"]["uid"], "level is 'X', not 'LEAD'")


async def test_a_redo_refused_when_the_escalation_uid_is_taken(graph, post):
    uid = raise_demand(post)
    entry = await write(graph, post, ESCALATE % (uid, "N", "片区"))
    escalation = json.loads(entry["changes"])["escalation"]["uid"]
    undone = undo(post, entry["uid"])
    await graph.write(CompiledQuery("CREATE (:Programme {uid: $e, name: '占用', kind: 'SERVICE', "
                                    "source: 'ILLUSTRATIVE'})", {"e": escalation}))
    await refused(graph, post, undone["entry"]["uid"], f"uid '{escalation}' is taken again, by a Programme")


MADE_UP = {"uid": "escalation-made-up", "name": "示例上报", "source": "IMPORTED", "fromLevel": "LEAD",
           "toLevel": "N", "reason": "示例", "escalatedOn": "2026-01-01"}


@pytest.mark.parametrize("changes, reason", [
    ({"before": {"level": "LEAD"}, "after": {"level": "N"}}, "it records no Escalation"),
    ({"before": {"level": "LEAD"}, "after": {"level": "X"}, "escalation": MADE_UP},
     "its levels and its Escalation's fromLevel and toLevel differ"),
    ({"before": {"level": "N"}, "after": {"level": "N"}, "escalation": {**MADE_UP, "fromLevel": "N"}},
     "its levels and its Escalation's fromLevel and toLevel differ"),
    ({"before": {"level": "LEAD"}, "after": {"level": "N"}, "escalation": {"uid": "escalation-made-up"}},
     "it records no"),
    ({"before": {"level": "LEAD"}, "after": {"level": "N"}, "escalation": {**MADE_UP, "toLevel": "TOP"}},
     "its value of toLevel is not one Escalation can hold"),
    ({"before": {"status": "RAISED"}, "after": {"status": "ASSIGNED"}, "escalation": MADE_UP},
     "it records no level before and after"),
    ([], "its changes are not an object"),
])
async def test_an_escalate_entry_that_does_not_fit_is_refused(graph, post, changes, reason):
    uid = raise_demand(post)
    await graph.write(CompiledQuery(
        "CREATE (a:AuditEntry {uid: $a, name: 'escalate', source: 'IMPORTED', at: '2026-01-01T00:00:00Z', "
        "actor: 'a', action: 'escalate', targetType: 'Demand', targetUid: $d, changes: $c})",
        {"a": f"audit-odd-{uid}", "d": uid, "c": json.dumps(changes)}))
    await refused(graph, post, f"audit-odd-{uid}", reason)


# --------------------------------------------------------------------------- races

class WriteMeanwhile:
    """The real backend, except that once the undo has read the Escalation (its last read
    before the write), another writer changes the graph."""

    def __init__(self, backend, change: CompiledQuery) -> None:
        self.backend, self.change, self.done = backend, change, False

    def __getattr__(self, name):
        return getattr(self.backend, name)

    async def read(self, plan):
        rows = await self.backend.read(plan)
        if isinstance(plan, Precheck) and plan.node_type.name == "Escalation" and not self.done:
            self.done = True
            await self.backend.write(self.change)
            self.changed = await state(self.backend), (await self.backend.read(ESCALATIONS))[0]["n"]
        return rows


RACES = {
    "the level moves on": "MATCH (d:Demand {uid: $d}) SET d.level = 'X'",
    "the demand is resolved": "MATCH (d:Demand {uid: $d}) SET d.status = 'RESOLVED', d.resolvedLevel = d.level",
    "the escalation changes": "MATCH (e:Escalation {uid: $e}) SET e.reason = '改过'",
    "the escalation gets a link": "MATCH (e:Escalation {uid: $e}), (d:Demand) WHERE d.uid <> $d "
                                  "WITH e, d LIMIT 1 CREATE (e)-[:ESCALATES]->(d)",
    "its uid is taken": "CREATE (:Programme {uid: $e, name: '占用', kind: 'SERVICE', source: 'ILLUSTRATIVE'})",
    "another undo commits": "CREATE (:AuditEntry {uid: 'audit-race-' + $entry, name: 'undo', source: 'IMPORTED', "
                            "at: '2026-01-01T00:00:00Z', actor: 'x', action: 'undo', targetType: 'Demand', "
                            "changes: '{}', undoes: $entry})",
}
# (race, redo): the undo's races are on what it checks before deleting the Escalation; the redo's
# on what it checks before creating it again.
CASES = [(race, False) for race in RACES if race != "its uid is taken"] + [
    (race, True) for race in ("the level moves on", "the demand is resolved", "its uid is taken",
                              "another undo commits")]


@pytest.mark.parametrize("race, redo", CASES)
async def test_a_write_between_the_checks_and_the_undo_makes_it_refuse(graph, post, race, redo):
    uid = raise_demand(post)
    entry = await write(graph, post, ESCALATE % (uid, "N", "片区"))
    escalation = json.loads(entry["changes"])["escalation"]["uid"]
    if redo:
        entry = {"uid": undo(post, entry["uid"])["entry"]["uid"]}
    racing = WriteMeanwhile(graph, CompiledQuery(RACES[race], {"d": uid, "e": escalation, "entry": entry["uid"]}))
    result = await execute(racing, UNDO, {"id": to_global_id("AuditEntry", entry["uid"])})
    assert racing.done
    assert result.errors and result.errors[0].extensions["code"] == "CONFLICT", result
    assert (await state(graph), (await graph.read(ESCALATIONS))[0]["n"]) == racing.changed, \
        "a refused undo wrote something"
    assert not [e for e in (await entries(graph)).values()
                if e.get("undoes") == entry["uid"] and not e["uid"].startswith("audit-race-")], "a refused undo recorded an entry"
