"""escalationPath against an independent networkx walk over the seed files (tests/escalation_seed.py):
every seed demand, and a test demand moved through every community; the worked example of
docs/escalation.md (每一级由谁负责？)."""
from __future__ import annotations

import pytest

from graph.grants import Grant
from tests.authorisation import run
from tests.escalation_seed import LEVELS, seed_walk
from tests.test_mutations import (failure, forget_audit_entries, graph_left_as_found, made, ok)  # noqa: F401

PATH_FIELDS = """demand { uid } status level resolvedLevel community { uid } zones { uid } towns { uid }
  levels { level rank current reachable responsible { role node { uid label } }
           organisations { uid name } departments { uid name } commandCentres { uid name } }"""
PATH = "query($d: String!) { escalationPath(demand: $d) { %s } }" % PATH_FIELDS
TEST_DEMAND = "test-mut-escalation-path"
LABEL_OF_FIELD = {"organisations": "Organisation", "departments": "Department", "commandCentres": "CommandCentre"}
ROLES = {"LEAD": {"COMMUNITY_COMMITTEE", "ZONE_LEAD"}, "N": {"INTERNAL_ORGANISATION"},
         "X": {"EXTERNAL_ORGANISATION", "SUNK_DEPARTMENT"}, "TOWN_CENTRE": {"TOWN_CENTRE"},
         "DISTRICT_CENTRE": {"DISTRICT_CENTRE"}}


def check_path(path: dict, expected: dict[str, set[str]], level: str | None) -> None:
    """`path` (an escalationPath answer) holds exactly the walk's holders, split and ordered as documented."""
    walk = seed_walk()
    assert [lv["level"] for lv in path["levels"]] == list(LEVELS)
    assert [lv["rank"] for lv in path["levels"]] == [1, 2, 3, 4, 5]
    for lv in path["levels"]:
        holders = expected[lv["level"]]
        assert {r["node"]["uid"] for r in lv["responsible"]} == holders, lv["level"]
        assert {r["role"] for r in lv["responsible"]} <= ROLES[lv["level"]]
        assert lv["reachable"] == bool(holders)
        assert lv["current"] == (lv["level"] == (level or "LEAD"))
        for field, label in LABEL_OF_FIELD.items():
            uids = [n["uid"] for n in lv[field]]
            assert uids == sorted(u for u in holders if walk.props[u]["label"] == label), (lv["level"], field)
            assert [n["name"] for n in lv[field]] == [walk.props[u]["name"] for u in uids]


def test_every_seed_demand_path_matches_the_walk(data):
    walk = seed_walk()
    demands = walk.of("Demand")
    for start in range(0, len(demands), 25):
        batch = demands[start:start + 25]
        query = "{ %s }" % " ".join(f'p{i}: escalationPath(demand: "{uid}") {{ {PATH_FIELDS} }}'
                                      for i, uid in enumerate(batch))
        answer = data(query)
        for i, uid in enumerate(batch):
            path = answer[f"p{i}"]
            props = walk.props[uid]
            assert path["demand"] == {"uid": uid}
            assert (path["status"], path["level"], path["resolvedLevel"]) == (
                props.get("status"), props.get("level"), props.get("resolvedLevel"))
            (community,) = walk.out(uid, "RAISED_IN")
            assert path["community"] == {"uid": community}
            assert {z["uid"] for z in path["zones"]} == walk.out(community, "IN_ZONE")
            check_path(path, walk.demand_levels(uid), props.get("level"))


def test_paths_through_every_community(gql, made):
    """One test demand, moved to each community in turn: zoned (Zumiao: a "1", N and X) and not."""
    walk = seed_walk()
    made.append(("Demand", TEST_DEMAND))
    ok(gql, 'mutation { raiseDemand(input: { uid: "%s", name: "测试上报路径", category: OTHER, '
            'community: "community-zumiao-01" }) { uid } }' % TEST_DEMAND)
    seen_levels = set()
    for community in walk.of("Community"):
        ok(gql, 'mutation { connectDemand(uid: "%s", relationship: community, targets: ["%s"]) { uid } }'
           % (TEST_DEMAND, community))
        path = ok(gql, PATH, {"d": TEST_DEMAND})["escalationPath"]
        assert path["community"] == {"uid": community} and path["level"] == "LEAD"
        expected = walk.community_levels(community)
        check_path(path, expected, "LEAD")
        seen_levels |= {level for level, holders in expected.items() if holders}
    assert seen_levels == set(LEVELS)  # the walk reached every level somewhere: the test can fail


def test_worked_example_nanzhuang(data):
    """每一级由谁负责？ For an escalated Nanzhuang demand: its village's committee, no N (Nanzhuang's villages
    are in no zone), the four sunk departments, Nanzhuang's and the district's command centres."""
    walk = seed_walk()
    uid = next(d for d in walk.of("Demand") if walk.props[d].get("level") == "X" and d.startswith("demand-nanzhuang"))
    path = data(PATH, {"d": uid})["escalationPath"]
    (village,) = walk.out(uid, "RAISED_IN")
    (committee,) = walk.into(village, "BASED_IN")
    summary = {lv["level"]: [r["node"]["uid"] for r in lv["responsible"]] for lv in path["levels"]}
    assert summary == {"LEAD": [committee], "N": [],
                       "X": ["dept-political-legal", "dept-public-security", "dept-urban-management",
                             "dept-work-safety"],
                       "TOWN_CENTRE": ["cc-nanzhuang"], "DISTRICT_CENTRE": ["cc-chancheng-district"]}
    assert (path["level"], path["resolvedLevel"], path["status"]) == ("X", "X", "RESOLVED")
    assert [lv["current"] for lv in path["levels"]] == [False, False, True, False, False]


def test_unknown_demand_is_not_found(gql):
    failure(gql(PATH, {"d": "demand-none"}), "NOT_FOUND", "demand")


async def test_a_town_limited_reader_sees_only_its_demands(backend, server):
    walk = seed_walk()
    nanzhuang = "demand-nanzhuang-001"
    other = Grant("viewer", towns=("town-zumiao",))
    refused = await run(backend, other, PATH, {"d": nanzhuang})
    assert [e["code"] for e in refused["errors"]] == ["NOT_FOUND"]
    own = await run(backend, Grant("viewer", towns=("town-nanzhuang",)), PATH, {"d": nanzhuang})
    assert "errors" not in own
    check_path(own["data"]["escalationPath"], walk.demand_levels(nanzhuang), "LEAD")


def test_seed_escalations(data):
    """One Escalation per seed demand above LEAD (LEAD → its level), dated between raisedOn and
    resolvedOn, and none for the others: in the seed files and as served."""
    walk = seed_walk()
    escalated = {}
    for uid in walk.of("Escalation"):
        (demand,) = walk.out(uid, "ESCALATES")
        assert demand not in escalated
        escalated[demand] = walk.props[uid]
    above = {d for d in walk.of("Demand") if walk.props[d].get("level") not in (None, "LEAD")}
    assert set(escalated) == above and len(above) > 0
    for demand, escalation in escalated.items():
        props = walk.props[demand]
        assert (escalation["fromLevel"], escalation["toLevel"]) == ("LEAD", props["level"])
        assert props["raisedOn"] <= escalation["escalatedOn"] <= props.get("resolvedOn", "9999")
        assert escalation["source"] == "ILLUSTRATIVE" and "示例" in escalation["name"] and escalation["reason"]
    served = data("{ escalations(first: 1000) { totalCount nodes { uid fromLevel toLevel escalatedOn demand { uid } } } }"
                  )["escalations"]
    assert served["totalCount"] == len(escalated)
    assert {(n["demand"]["uid"], n["toLevel"], n["escalatedOn"]) for n in served["nodes"]} == {
        (d, e["toLevel"], e["escalatedOn"]) for d, e in escalated.items()}
