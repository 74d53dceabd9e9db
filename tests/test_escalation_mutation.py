"""escalateDemand through the real HTTP endpoint: a demand moved up the levels, its Escalation nodes
and audit entries, resolveDemand recording the level; every refusal names its argument and writes
nothing (no write statement ran, no node, no audit entry). Demands made here have `test-mut-` uids
and are deleted again, with their escalations."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from graph.grants import Grant
from graph.plan import CompiledQuery
from tests.authorisation import run
from tests.escalation_seed import seed_walk
from tests.test_mutations import (audit_count, audit_of, failure, forget_audit_entries,  # noqa: F401
                                  graph_left_as_found, made, ok)

ZONED, VILLAGE = "community-zumiao-01", "community-nanzhuang-village-01"
DEMAND = "test-mut-escalate"
ESCALATE = """mutation($u: String!, $to: EscalationLevel!, $r: String!) { escalateDemand(uid: $u, to: $to, reason: $r) {
  uid level resolvedLevel status escalations(sort: [{ escalatedAt: ASC }, { toLevel: ASC }]) {
    fromLevel toLevel reason escalatedOn escalatedAt source } } }"""
COUNTS = "{ escalations { totalCount } auditEntries { totalCount } demands { totalCount } }"


@pytest.fixture
def demands(gql, made):
    """Raise test demands (uid, community); their escalations are deleted before the demands are."""
    raised: list[str] = []

    def make(uid: str = DEMAND, community: str = ZONED) -> dict:
        made.append(("Demand", uid))
        raised.append(uid)
        return ok(gql, 'mutation { raiseDemand(input: { uid: "%s", name: "测试上报", category: OTHER, community: "%s" })'
                       ' { uid level resolvedLevel status } }' % (uid, community))["raiseDemand"]

    yield make
    for uid in raised:
        gql("mutation($u: String!) { deleteDemand(uid: $u) { uid } }", {"u": uid})


@pytest.fixture(autouse=True)
async def forget_escalations(backend, server):
    yield
    await backend.write(CompiledQuery("MATCH (e:Escalation) WHERE e.name CONTAINS $p DETACH DELETE e",
                                      {"p": "test-mut-"}))


def escalate(gql, uid: str, to: str, reason: str = "村里协调不了") -> dict:
    return gql(ESCALATE, {"u": uid, "to": to, "r": reason})


def test_raise_escalate_resolve(gql, demands):
    raised = demands()
    assert (raised["level"], raised["resolvedLevel"]) == ("LEAD", None)
    day_before = dt.datetime.now(dt.timezone.utc).date().isoformat()
    to_n = ok(gql, ESCALATE, {"u": DEMAND, "to": "N", "r": "  需要片区协调  "})["escalateDemand"]
    day_after = dt.datetime.now(dt.timezone.utc).date().isoformat()  # a run across midnight still passes
    assert to_n["level"] == "N" and to_n["status"] == "RAISED"
    (first,) = to_n["escalations"]
    assert {k: first[k] for k in ("fromLevel", "toLevel", "reason", "source")} == {
        "fromLevel": "LEAD", "toLevel": "N", "reason": "需要片区协调", "source": "IMPORTED"}
    assert day_before <= first["escalatedOn"] <= day_after
    assert first["escalatedAt"].startswith(first["escalatedOn"])
    ok(gql, 'mutation { assignDemand(uid: "%s", organisation: "org-zumiao-peide-hospital") { uid } }' % DEMAND)
    to_x = ok(gql, ESCALATE, {"u": DEMAND, "to": "X", "r": "需要区直部门"})["escalateDemand"]
    assert [(e["fromLevel"], e["toLevel"]) for e in to_x["escalations"]] == [("LEAD", "N"), ("N", "X")]
    assert to_x["status"] == "ASSIGNED"
    resolved = ok(gql, 'mutation { resolveDemand(uid: "%s", department: "dept-urban-management") '
                       '{ status level resolvedLevel } }' % DEMAND)["resolveDemand"]
    assert resolved == {"status": "RESOLVED", "level": "X", "resolvedLevel": "X"}
    entries = [e for e in audit_of(gql, DEMAND) if e["action"] == "escalate"]
    assert len(entries) == 2
    changes = sorted((json.loads(e["changes"]) for e in entries), key=lambda c: c["after"]["level"])
    assert [(c["before"]["level"], c["after"]["level"]) for c in changes] == [("LEAD", "N"), ("N", "X")]
    assert [c["escalation"]["reason"] for c in changes] == ["需要片区协调", "需要区直部门"]
    # And a resolved demand is not escalated further.
    failure(escalate(gql, DEMAND, "TOWN_CENTRE"), "CONFLICT", "uid")


def test_a_demand_resolved_without_escalation_is_resolved_at_lead(gql, demands):
    demands()
    ok(gql, 'mutation { assignDemand(uid: "%s", organisation: "org-zumiao-community-01") { uid } }' % DEMAND)
    resolved = ok(gql, 'mutation { resolveDemand(uid: "%s", organisation: "org-zumiao-community-01") '
                       '{ resolvedLevel } }' % DEMAND)["resolveDemand"]
    assert resolved == {"resolvedLevel": "LEAD"}


def test_skipping_an_empty_level_is_allowed_but_not_landing_on_one(gql, demands):
    """Nanzhuang's villages are in no zone: N has nobody, X has the sunk departments."""
    walk = seed_walk()
    assert not walk.community_levels(VILLAGE)["N"] and walk.community_levels(VILLAGE)["X"]
    demands(community=VILLAGE)
    before = ok(gql, COUNTS)
    error = failure(escalate(gql, DEMAND, "N"), "BAD_USER_INPUT", "to")
    assert "nobody holds N" in error["message"]
    assert ok(gql, COUNTS) == before
    moved = ok(gql, ESCALATE, {"u": DEMAND, "to": "X", "r": "需区级协调"})["escalateDemand"]
    assert moved["level"] == "X" and [(e["fromLevel"], e["toLevel"]) for e in moved["escalations"]] == [("LEAD", "X")]


@pytest.mark.parametrize("to, reason, code, field", [
    ("LEAD", "理由", "BAD_USER_INPUT", "to"),          # the same level
    ("X", "   ", "BAD_USER_INPUT", "reason"),         # a blank reason
    ("X", "", "BAD_USER_INPUT", "reason"),
    ("X", "坏\u0000字", "BAD_USER_INPUT", "reason"),   # not a valid text
])
def test_refusals_write_nothing(gql, demands, to, reason, code, field):
    demands()
    before = ok(gql, COUNTS)
    failure(escalate(gql, DEMAND, to, reason), code, field)
    assert ok(gql, COUNTS) == before


def test_never_down(gql, demands):
    demands()
    ok(gql, ESCALATE, {"u": DEMAND, "to": "X", "r": "需区级协调"})
    before = ok(gql, COUNTS)
    for lower in ("LEAD", "N", "X"):
        error = failure(escalate(gql, DEMAND, lower), "BAD_USER_INPUT", "to")
        assert "only move up" in error["message"]
    assert ok(gql, COUNTS) == before


def test_unknown_and_resolved_demands(gql):
    before = ok(gql, COUNTS)
    failure(escalate(gql, "demand-none", "X"), "NOT_FOUND", "uid")
    resolved = next(d for d in seed_walk().of("Demand") if seed_walk().props[d].get("status") == "RESOLVED")
    failure(escalate(gql, resolved, "DISTRICT_CENTRE"), "CONFLICT", "uid")
    assert ok(gql, COUNTS) == before


def test_an_unknown_level_is_refused_before_execution(gql):
    body = gql(ESCALATE, {"u": DEMAND, "to": "MOON", "r": "x"})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT" and body["extensions"]["cypher"] == []


async def test_grants(backend, gql, demands):
    """A viewer may not escalate; an editor of another town may not escalate this town's demand."""
    demands()
    query = 'mutation { escalateDemand(uid: "%s", to: X, reason: "理由") { level } }' % DEMAND
    viewer = await run(backend, Grant("viewer"), query)
    assert [(e["code"], e["rule"]) for e in viewer["errors"]] == [("FORBIDDEN", "role")]
    other = await run(backend, Grant("editor", towns=("town-nanzhuang",)), query)
    assert [(e["code"], e["field"], e["rule"]) for e in other["errors"]] == [("FORBIDDEN", "uid", "scope:node")]
    own = await run(backend, Grant("editor", towns=("town-zumiao",)), query)
    assert "errors" not in own and own["data"]["escalateDemand"] == {"level": "X"}
