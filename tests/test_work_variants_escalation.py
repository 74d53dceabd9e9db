"""Issue 13's escalation on inputs the seed's own demands do not exercise, through the real HTTP
endpoint on a scratch graph of its own: demands raised in a Zumiao community inside a zone, a
Zhangcha community with its joint committee, a Nanzhuang village and the article's village with no
town (community-shitou); their paths against tests/work_variants_seed.py's walk of the seed files;
escalateDemand up one and several levels, every refusal writing nothing; resolveDemand's level;
demandStatistics(groupBy: LEVEL) and monthlyReview's escalations after them."""
from __future__ import annotations

import datetime as dt
import json

import httpx
import pytest

from graph.grants import Grant
from tests.authorisation import run
from tests.conftest import TEST_GRAPH, scratch_graph, served_scratch_graph
from tests.work_variants_seed import LEVELS, Walk, data, post, refused

COMMUNITIES = {  # demand uid → community: every shape of place a demand is raised in
    "v-esc-zone": "community-zumiao-01",        # zone-zumiao-peide: lead, N, X
    "v-esc-zone2": "community-zumiao-03",       # zone-zumiao-01
    "v-esc-joint": "community-zhangcha-chunyang",  # its joint committee BASED_IN it, no zone
    "v-esc-village": "community-nanzhuang-village-02",
    "v-esc-notown": "community-shitou",         # the article's village, no town
}
PATH = """query($d: String!) { escalationPath(demand: $d) { level resolvedLevel status community { uid }
  levels { rank level reachable current organisations { uid } departments { uid } commandCentres { uid }
           responsible { role node { uid } } } } }"""
ESCALATE = """mutation($u: String!, $to: EscalationLevel!, $r: String!) { escalateDemand(uid: $u, to: $to, reason: $r) {
  uid level status escalations(sort: [{ escalatedAt: ASC }, { toLevel: ASC }]) { fromLevel toLevel reason escalatedOn } } }"""
STATE = """query($u: String!) { demands(where: { uid: { eq: $u } }) { nodes { level resolvedLevel status } }
  escalations { totalCount } auditEntries { totalCount } }"""
MADE = """query($u: [String!]) { demands(where: { uid: { in: $u } }) { nodes { uid resolvedOn
  escalations { toLevel escalatedOn } } } }"""


def today() -> str:
    """The local clock's day, UTC like the server's; a stored day is read back and checked to lie
    between the days before and after its write, so a run across midnight still passes."""
    return dt.datetime.now(dt.timezone.utc).date().isoformat()


def stored(client, uids: list[str]) -> dict[str, dict]:
    """What the server stored for these demands: resolvedOn and each escalation's day."""
    return {d["uid"]: d for d in data(client, MADE, {"u": uids})["demands"]["nodes"]}


@pytest.fixture(scope="module")
async def client(engine, data_dir):
    async with served_scratch_graph(engine, data_dir, f"{TEST_GRAPH}_variants_esc") as url:
        with httpx.Client(base_url=url, timeout=120) as http:
            for uid, community in COMMUNITIES.items():
                data(http, 'mutation($u: String!, $c: String!) { raiseDemand(input: { uid: $u, name: "测试上报变体", '
                           'category: OTHER, community: $c }) { uid } }', {"u": uid, "c": community})
            yield http


def state(client, uid: str) -> tuple:
    d = data(client, STATE, {"u": uid})
    return (d["demands"]["nodes"][0], d["escalations"]["totalCount"], d["auditEntries"]["totalCount"])


@pytest.mark.parametrize("uid", sorted(COMMUNITIES))
def test_path_of_every_shape_of_community(client, uid):
    expected = Walk().levels(COMMUNITIES[uid])
    path = data(client, PATH, {"d": uid})["escalationPath"]
    assert path["community"]["uid"] == COMMUNITIES[uid]
    assert [s["level"] for s in path["levels"]] == list(LEVELS)
    assert [s["rank"] for s in path["levels"]] == [1, 2, 3, 4, 5]
    for step in path["levels"]:
        held = expected[step["level"]]
        found = {n["uid"] for key in ("organisations", "departments", "commandCentres") for n in step[key]}
        assert found == held, step["level"]
        assert {r["node"]["uid"] for r in step["responsible"]} == held
        assert step["reachable"] == bool(held)
        assert step["current"] == (step["level"] == "LEAD")
    # The zone's demands have every level; the others no N; the village with no town only LEAD-less nothing.
    if uid.startswith("v-esc-zone"):
        assert all(expected[level] for level in LEVELS)
    if uid == "v-esc-notown":
        assert not any(expected.values())


def test_escalate_up_one_then_several_then_resolve(client):
    uid = "v-esc-zone"
    levels = Walk().levels(COMMUNITIES[uid])
    assert levels["N"] and levels["DISTRICT_CENTRE"]
    before, first_day = state(client, uid), today()
    one = data(client, ESCALATE, {"u": uid, "to": "N", "r": "社区解决不了"})["escalateDemand"]
    assert one["level"] == "N"
    # Down and the same level are refused, writing nothing.
    for to in ("LEAD", "N"):
        refused(post(client, ESCALATE, {"u": uid, "to": to, "r": "再上报"}), "BAD_USER_INPUT", "to")
    for reason in ("", "   "):
        refused(post(client, ESCALATE, {"u": uid, "to": "X", "r": reason}), "BAD_USER_INPUT", "reason")
    mid = state(client, uid)
    assert mid[0]["level"] == "N" and mid[1:] == (before[1] + 1, before[2] + 1)
    several = data(client, ESCALATE, {"u": uid, "to": "DISTRICT_CENTRE", "r": "需区指挥中心协调"})["escalateDemand"]
    assert several["level"] == "DISTRICT_CENTRE"
    moves = sorted(several["escalations"], key=lambda e: LEVELS.index(e["fromLevel"]))
    assert [(e["fromLevel"], e["toLevel"]) for e in moves] == [("LEAD", "N"), ("N", "DISTRICT_CENTRE")]
    assert all(first_day <= e["escalatedOn"] <= today() for e in moves)
    # Nothing above the top.
    refused(post(client, ESCALATE, {"u": uid, "to": "TOWN_CENTRE", "r": "x"}), "BAD_USER_INPUT", "to")
    data(client, 'mutation { assignDemand(uid: "v-esc-zone", department: "dept-urban-management") { uid } }')
    resolved = data(client, 'mutation { resolveDemand(uid: "v-esc-zone", department: "dept-urban-management") '
                            '{ status level resolvedLevel } }')["resolveDemand"]
    assert resolved == {"status": "RESOLVED", "level": "DISTRICT_CENTRE", "resolvedLevel": "DISTRICT_CENTRE"}
    after = state(client, uid)
    refused(post(client, ESCALATE, {"u": uid, "to": "DISTRICT_CENTRE", "r": "x"}), "CONFLICT", "uid")
    assert state(client, uid) == after


def test_skipping_empty_levels_allowed_landing_on_one_refused(client):
    for uid in ("v-esc-village", "v-esc-joint"):
        levels = Walk().levels(COMMUNITIES[uid])
        assert not levels["N"] and levels["TOWN_CENTRE"]
        before = state(client, uid)
        message = refused(post(client, ESCALATE, {"u": uid, "to": "N", "r": "片区"}), "BAD_USER_INPUT", "to")
        assert "N" in message
        assert state(client, uid) == before
        up = data(client, ESCALATE, {"u": uid, "to": "TOWN_CENTRE", "r": "跳过片区与X"})["escalateDemand"]
        assert up["level"] == "TOWN_CENTRE"
        assert [(e["fromLevel"], e["toLevel"]) for e in up["escalations"]] == [("LEAD", "TOWN_CENTRE")]


def test_a_demand_with_no_town_cannot_move(client):
    uid = "v-esc-notown"
    before = state(client, uid)
    for to in LEVELS[1:]:
        refused(post(client, ESCALATE, {"u": uid, "to": to, "r": "无人负责"}), "BAD_USER_INPUT", "to")
    refused(post(client, ESCALATE, {"u": "v-esc-nope", "to": "X", "r": "x"}), "NOT_FOUND", "uid")
    assert state(client, uid) == before


def test_escalate_audit_entries_record_each_move(client):
    uid = "v-esc-zone2"
    data(client, ESCALATE, {"u": uid, "to": "X", "r": "需要外部单位"})
    entries = data(client, 'query { auditEntries(where: { targetUid: { eq: "v-esc-zone2" } }) '
                           '{ nodes { action changes } } }')["auditEntries"]["nodes"]
    moves = [json.loads(e["changes"]) for e in entries if e["action"] == "escalate"]
    assert [(m["before"]["level"], m["after"]["level"]) for m in moves] == [("LEAD", "X")]


def _seed_resolved_levels(walk: Walk, town: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for uid in walk.of("Demand"):
        p = walk.props[uid]
        communities = walk.out(uid, "RAISED_IN")
        if p.get("status") == "RESOLVED" and any(town in walk.place(c)[1] for c in communities):
            level = p.get("resolvedLevel") or "LEAD"
            counts[level] = counts.get(level, 0) + 1
    return counts


def test_levels_and_review_reflect_the_new_escalations(client):
    # After the moves above (module order; run them when this test runs alone).
    if state(client, "v-esc-zone")[0]["status"] != "RESOLVED":
        test_escalate_up_one_then_several_then_resolve(client)
    walk = Walk()
    expected = _seed_resolved_levels(walk, "town-zumiao")
    expected["DISTRICT_CENTRE"] = expected.get("DISTRICT_CENTRE", 0) + 1
    stats = data(client, '{ demandStatistics(groupBy: LEVEL, where: { community: { town: { uid: { eq: "town-zumiao" } } } })'
                         ' { resolved resolvedWithLevel resolvedAtGrassroots groups { key resolved } } }')["demandStatistics"]
    got = {g["key"]: g["resolved"] for g in stats["groups"] if g["resolved"]}
    assert got == expected
    assert stats["resolvedAtGrassroots"] == expected.get("LEAD", 0) + expected.get("N", 0)
    # The months of the escalations made here (as stored): every one made here, of demands raised in each town.
    made = {(uid, e["toLevel"]): e["escalatedOn"][:7]
            for uid, d in stored(client, ["v-esc-zone", "v-esc-zone2"]).items() for e in d["escalations"]}
    assert set(made) == {("v-esc-zone", "N"), ("v-esc-zone", "DISTRICT_CENTRE"), ("v-esc-zone2", "X")}
    for month in set(made.values()):
        review = data(client, 'query($t: String!, $m: String!) { monthlyReview(town: $t, month: $m) { escalationCount '
                              'escalationsByLevel { level count } escalations { toLevel demand { uid } } } }',
                      {"t": "town-zumiao", "m": month})["monthlyReview"]
        assert not [e for e in walk.of("Escalation") if walk.props[e]["escalatedOn"].startswith(month)]
        in_month = {key for key, m in made.items() if m == month}
        assert {(e["demand"]["uid"], e["toLevel"]) for e in review["escalations"]} == in_month
        assert review["escalationCount"] == len(in_month)
        assert sorted((g["level"], g["count"]) for g in review["escalationsByLevel"]) == sorted(
            (level, 1) for _, level in in_month)
    # Another month has none of them.
    other = data(client, '{ monthlyReview(town: "town-zumiao", month: "2015-06") { escalationCount escalations '
                         '{ demand { uid } } } }')["monthlyReview"]
    expected_june = [e for e in walk.of("Escalation") if walk.props[e]["escalatedOn"].startswith("2015-06")
                     and any("town-zumiao" in walk.place(c)[1] for d in walk.out(e, "ESCALATES")
                             for c in walk.out(d, "RAISED_IN"))]
    assert other["escalationCount"] == len(expected_june)


@pytest.fixture(scope="module")
async def scratch(engine):
    async with scratch_graph(engine, f"{TEST_GRAPH}_variants_esc_grants") as backend:
        yield backend


@pytest.mark.parametrize("town,community,to", [("town-zumiao", "community-zumiao-03", "DISTRICT_CENTRE"),
                                               ("town-nanzhuang", "community-nanzhuang-village-05", "X"),
                                               ("town-zhangcha", "community-zhangcha-dongbian", "DISTRICT_CENTRE")])
async def test_a_town_editor_escalates_its_own_demand_to_every_held_level(scratch, town, community, to):
    """An editor limited to the demand's town sees the path (the departments and the district's
    centre hold no town) and may move the demand up to any level someone holds."""
    editor = Grant("editor", towns=(town,))
    uid = f"v-esc-grant-{community}"
    made = await run(scratch, editor, 'mutation { raiseDemand(input: { uid: "%s", name: "测试", category: OTHER, '
                                      'community: "%s" }) { uid } }' % (uid, community))
    assert "errors" not in made, made
    expected = Walk().levels(community)
    path = await run(scratch, editor, PATH, {"d": uid})
    assert "errors" not in path, path
    reachable = {s["level"] for s in path["data"]["escalationPath"]["levels"] if s["reachable"]}
    assert reachable == {level for level in LEVELS if expected[level]}
    moved = await run(scratch, editor, ESCALATE, {"u": uid, "to": to, "r": "镇里解决不了"})
    assert "errors" not in moved, moved
    assert moved["data"]["escalateDemand"]["level"] == to


def test_levels_within_a_range(client):
    if state(client, "v-esc-zone")[0]["status"] != "RESOLVED":
        test_escalate_up_one_then_several_then_resolve(client)
    today = stored(client, ["v-esc-zone"])["v-esc-zone"]["resolvedOn"]  # the day the test above resolved it
    walk = Walk()
    seed_today = [d for d in walk.of("Demand") if walk.props[d].get("resolvedOn") == today]
    assert not seed_today
    for date_from, date_to in ((today, today), (today, None), ("2015-01-01", "2015-12-31")):
        got = data(client, '{ demandStatistics(groupBy: LEVEL, from: "%s"%s, where: { community: { town: { uid: '
                           '{ eq: "town-zumiao" } } } }) { resolved resolvedAtGrassroots absorbedAtGrassroots '
                           'groups { key resolved shareOfResolved } } }'
                   % (date_from, f', to: "{date_to}"' if date_to else ""))["demandStatistics"]
        in_range = [d for d in walk.of("Demand") if walk.props[d].get("status") == "RESOLVED"
                    and date_from <= (walk.props[d].get("resolvedOn") or "") <= (date_to or "9999-12-31")
                    and any("town-zumiao" in walk.place(c)[1] for c in walk.out(d, "RAISED_IN"))]
        expected = {}
        for d in in_range:
            level = walk.props[d].get("resolvedLevel") or "LEAD"
            expected[level] = expected.get(level, 0) + 1
        if date_from == today:
            expected["DISTRICT_CENTRE"] = 1
        total = sum(expected.values())
        assert got["resolved"] == total
        assert {g["key"]: (g["resolved"], g["shareOfResolved"]) for g in got["groups"] if g["resolved"]} == {
            k: (n, round(n / total, 4)) for k, n in expected.items()}
        grassroots = expected.get("LEAD", 0) + expected.get("N", 0)
        assert got["resolvedAtGrassroots"] == grassroots
        assert got["absorbedAtGrassroots"] == (round(grassroots / total, 4) if total else None)


def test_a_seed_demand_assigned_at_x_moves_on_to_the_centres(client):
    walk = Walk()
    uid = next(d for d in walk.of("Demand") if walk.props[d].get("status") == "ASSIGNED" and walk.props[d].get("level") == "X")
    (community,) = walk.out(uid, "RAISED_IN")
    levels = walk.levels(community)
    before = state(client, uid)
    assert before[0] == {"level": "X", "resolvedLevel": None, "status": "ASSIGNED"}
    for to in ("LEAD", "N", "X"):
        refused(post(client, ESCALATE, {"u": uid, "to": to, "r": "重复"}), "BAD_USER_INPUT", "to")
    assert state(client, uid) == before
    to = "TOWN_CENTRE" if levels["TOWN_CENTRE"] else "DISTRICT_CENTRE"
    assert levels[to]
    moved = data(client, ESCALATE, {"u": uid, "to": to, "r": "区直部门协调不了"})["escalateDemand"]
    seed_moves = [(walk.props[e]["fromLevel"], walk.props[e]["toLevel"]) for e in walk.into(uid, "ESCALATES")]
    assert sorted((e["fromLevel"], e["toLevel"]) for e in moved["escalations"]) == sorted([*seed_moves, ("X", to)])
    resolved = post(client, 'mutation { resolveDemand(uid: "%s", department: "dept-urban-management") '
                            '{ level resolvedLevel } }' % uid)
    assert resolved["data"]["resolveDemand"] == {"level": to, "resolvedLevel": to}, resolved


@pytest.mark.parametrize("uid,given", [
    ("v-esc-new-zoned", {"zone": "zone-zumiao-03", "town": "town-zumiao"}),  # no committee of its own: the zone's lead
    ("v-esc-new-zone-only", {"zone": "zone-zumiao-04"}),                     # its town only through its zone
    ("v-esc-new-town-only", {"town": "town-shiwan"}),                        # no committee, no zone, no grid
])
def test_new_communities(client, uid, given):
    community = f"{uid}-community"
    data(client, 'mutation($i: CommunityCreateInput!) { createCommunity(input: $i) { uid } }',
         {"i": {"uid": community, "name": f"测试社区{uid}", "kind": "URBAN_COMMUNITY", **given}})
    data(client, 'mutation($u: String!, $c: String!) { raiseDemand(input: { uid: $u, name: "测试", category: OTHER, '
                 'community: $c }) { uid } }', {"u": uid, "c": community})
    w = Walk()
    w.add("Community", community)
    for field, rel in (("zone", "IN_ZONE"), ("town", "IN_TOWN")):
        if field in given:
            w.link(community, rel, given[field])
    expected = w.levels(community)
    path = data(client, PATH, {"d": uid})["escalationPath"]
    for step in path["levels"]:
        found = {n["uid"] for key in ("organisations", "departments", "commandCentres") for n in step[key]}
        assert found == expected[step["level"]], step["level"]
    if "zone" in given:
        assert expected["LEAD"] and expected["N"] and expected["TOWN_CENTRE"]
    else:
        assert not expected["LEAD"] and not expected["X"] and expected["TOWN_CENTRE"]
    # The first level above LEAD that someone holds is reachable in one move.
    first = next(level for level in LEVELS[1:] if expected[level])
    moved = data(client, ESCALATE, {"u": uid, "to": first, "r": "上报"})["escalateDemand"]
    assert moved["level"] == first
    if uid == "v-esc-new-zone-only":  # in Zumiao through its zone: its town's review counts it
        (escalation,) = moved["escalations"]
        review = data(client, 'query($m: String!) { monthlyReview(town: "town-zumiao", month: $m) { demandsRaised '
                              'escalations { demand { uid } } } }', {"m": escalation["escalatedOn"][:7]})["monthlyReview"]
        assert uid in {e["demand"]["uid"] for e in review["escalations"]}
        month = escalation["escalatedOn"][:7]
        ours = [d for d in COMMUNITIES if COMMUNITIES[d].startswith("community-zumiao")] + ["v-esc-new-zoned", uid]
        raised = data(client, 'query($u: [String!]) { demands(where: { uid: { in: $u } }) { nodes { raisedOn } } }',
                      {"u": ours})["demands"]["nodes"]
        assert review["demandsRaised"] == sum(d["raisedOn"][:7] == month for d in raised)  # as stored
