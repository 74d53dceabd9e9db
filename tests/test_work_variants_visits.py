"""Stationed-contact visits the seed does not have, made through the real HTTP endpoint on a
scratch graph of its own: a team stationed in two Zumiao communities (Zumiao has no visits in the
seed), one of which is given households registered, its visits in January and February 2016 and a
demand raised during one of them; and one more visit to a Nanzhuang village. visitCoverage,
townStatistics, districtStatistics and monthlyReview must read them (the figures come from the
visits, not constants), against a computation over the seed files and what the test made."""
from __future__ import annotations

import httpx
import pytest

from tests.conftest import TEST_GRAPH, served_scratch_graph
from tests.work_variants_seed import Walk, data

TEAM, TOWN = "v-vis-team", "town-zumiao"
STATIONED = ("community-zumiao-01", "community-zumiao-02")
REGISTERED = {"community-zumiao-01": 500}
NANZHUANG_TEAM = sorted(Walk().of("StationedTeam"))[0]
NANZHUANG_VILLAGE = sorted(c for c in Walk().out(NANZHUANG_TEAM, "STATIONED_IN"))[0]
# uid → (team, community, visitedOn, households visited, residents received)
VISITS = {
    "v-vis-1": (TEAM, "community-zumiao-01", "2016-01-10", 40, 12),
    "v-vis-2": (TEAM, "community-zumiao-02", "2016-01-20", 10, 3),
    "v-vis-3": (TEAM, "community-zumiao-01", "2016-02-05", 5, 0),
    "v-vis-4": (NANZHUANG_TEAM, NANZHUANG_VILLAGE, "2016-01-15", 7, 2),
}
DURING = {"v-vis-d1": ("v-vis-1", True), "v-vis-d2": ("v-vis-1", False), "v-vis-d3": ("v-vis-4", True)}
COVERAGE = """query($w: VisitWhere, $f: String, $t: String) { visitCoverage(where: $w, from: $f, to: $t) {
  visits householdsRegistered householdsVisited visitRate residentsReceived demandsCollected demandsResolved resolutionRate
  byTeam { group { uid } householdsRegistered householdsVisited visitRate } } }"""
AREA = ("visits householdsRegistered householdsVisited householdVisitRate residentsReceived "
        "demandsCollectedOnVisits demandsResolvedOnVisits visitResolutionRate")


@pytest.fixture(scope="module")
async def client(engine, data_dir):
    async with served_scratch_graph(engine, data_dir, f"{TEST_GRAPH}_variants_visits") as url:
        with httpx.Client(base_url=url, timeout=120) as http:
            data(http, 'mutation($i: StationedTeamCreateInput!) { createStationedTeam(input: $i) { uid } }',
                 {"i": {"uid": TEAM, "name": "测试驻点团队", "town": TOWN, "communities": list(STATIONED)}})
            for community, households in REGISTERED.items():
                data(http, 'mutation($u: String!, $n: Int) { updateCommunity(uid: $u, input: { householdsRegistered: $n })'
                           ' { uid } }', {"u": community, "n": households})
            for uid, (team, community, on, households, residents) in VISITS.items():
                data(http, 'mutation($i: VisitCreateInput!) { createVisit(input: $i) { uid } }',
                     {"i": {"uid": uid, "name": f"测试走访{uid}", "team": team, "community": community, "visitedOn": on,
                            "householdsVisited": households, "residentsReceived": residents}})
            for uid, (visit, resolve) in DURING.items():
                data(http, 'mutation($u: String!, $c: String!, $v: String!, $r: String!) { raiseDemand(input: { uid: $u, '
                           'name: "测试走访诉求", category: OTHER, community: $c, visit: $v, raisedOn: $r }) { uid } }',
                     {"u": uid, "c": VISITS[visit][1], "v": visit, "r": VISITS[visit][2]})
                if resolve:
                    org = "org-zumiao-community-01" if visit == "v-vis-1" else None
                    argument = ("organisation", org) if org else ("department", "dept-urban-management")
                    for step in ("assignDemand", "resolveDemand"):
                        data(http, 'mutation { %s(uid: "%s", %s: "%s") { uid } }' % (step, uid, *argument))
            yield http


def walk() -> Walk:
    w = Walk()
    w.add("StationedTeam", TEAM, name="测试驻点团队")
    w.link(TEAM, "IN_TOWN", TOWN)
    for c in STATIONED:
        w.link(TEAM, "STATIONED_IN", c)
    for c, n in REGISTERED.items():
        w.props[c]["householdsRegistered"] = n
    for uid, (team, community, on, households, residents) in VISITS.items():
        w.add("Visit", uid, visitedOn=on, householdsVisited=households, residentsReceived=residents)
        w.link(uid, "MADE_BY", team)
        w.link(uid, "VISITED", community)
    for uid, (visit, resolve) in DURING.items():
        w.add("Demand", uid, status="RESOLVED" if resolve else "RAISED", raisedOn=VISITS[visit][2])
        w.link(uid, "RAISED_DURING", visit)
        w.link(uid, "RAISED_IN", VISITS[visit][1])
    return w


def share(part, whole):
    return round(part / whole, 4) if part is not None and whole else None


def figures(w: Walk, visits: list[str], communities: list[str]) -> dict:
    p = w.props
    registered = [p[c]["householdsRegistered"] for c in communities if p[c].get("householdsRegistered") is not None]
    base = sum(registered) if registered else None
    demands = {d for v in visits for d in w.into(v, "RAISED_DURING")}
    resolved = sum(1 for d in demands if p[d].get("status") == "RESOLVED")
    households = sum(p[v]["householdsVisited"] for v in visits)
    return {"visits": len(visits), "householdsRegistered": base, "householdsVisited": households,
            "visitRate": share(households, base), "residentsReceived": sum(p[v]["residentsReceived"] for v in visits),
            "demandsCollected": len(demands), "demandsResolved": resolved, "resolutionRate": share(resolved, len(demands))}


def town_visits(w: Walk, town: str, lo: str = "", hi: str = "9999") -> tuple[list[str], list[str]]:
    communities = [c for c in w.of("Community") if town in w.place(c)[1]]
    visits = [v for c in communities for v in w.into(c, "VISITED", "Visit") if lo <= w.props[v]["visitedOn"] <= hi]
    return visits, communities


@pytest.mark.parametrize("town", ["town-zumiao", "town-nanzhuang"])
def test_town_statistics_read_the_new_visits(client, town):
    w = walk()
    visits, communities = town_visits(w, town)
    expected = figures(w, visits, communities)
    (got,) = data(client, "query($u: String) { townStatistics(uid: $u) { %s } }" % AREA, {"u": town})["townStatistics"]
    assert got == {"visits": expected["visits"], "householdsRegistered": expected["householdsRegistered"],
                   "householdsVisited": expected["householdsVisited"], "householdVisitRate": expected["visitRate"],
                   "residentsReceived": expected["residentsReceived"],
                   "demandsCollectedOnVisits": expected["demandsCollected"],
                   "demandsResolvedOnVisits": expected["demandsResolved"],
                   "visitResolutionRate": expected["resolutionRate"]}
    if town == "town-nanzhuang":  # the article's figures no longer hold: one more visit was made
        assert got["residentsReceived"] == 3719 + 2 and got["householdsVisited"] == 30000 + 7


def test_district_statistics_add_every_visit(client):
    w = walk()
    visits = w.of("Visit")
    got = data(client, "{ districtStatistics { visits householdsVisited residentsReceived demandsCollectedOnVisits } }")
    assert got["districtStatistics"] == {
        "visits": len(visits), "householdsVisited": sum(w.props[v]["householdsVisited"] for v in visits),
        "residentsReceived": sum(w.props[v]["residentsReceived"] for v in visits),
        "demandsCollectedOnVisits": len({d for v in visits for d in w.into(v, "RAISED_DURING")})}


@pytest.mark.parametrize("date_from,date_to", [(None, None), ("2016-01-01", "2016-01-31"), ("2016-02-01", None),
                                               (None, "2016-01-10"), ("2016-01-20", "2016-01-20")])
def test_coverage_of_the_new_team(client, date_from, date_to):
    w = walk()
    lo, hi = date_from or "", date_to or "9999"
    kept = [v for v in w.of("Visit") if TEAM in w.out(v, "MADE_BY")]
    scope = sorted({c for v in kept for c in w.out(v, "VISITED")})
    dated = [v for v in kept if lo <= w.props[v]["visitedOn"] <= hi]
    got = data(client, COVERAGE, {"w": {"team": {"uid": {"eq": TEAM}}}, "f": date_from, "t": date_to})["visitCoverage"]
    expected = figures(w, dated, scope)
    assert {k: got[k] for k in expected} == expected
    team_base = [w.props[c].get("householdsRegistered") for c in w.out(TEAM, "STATIONED_IN")]
    team_base = sum(n for n in team_base if n is not None)
    assert got["byTeam"] == [{"group": {"uid": TEAM}, "householdsRegistered": team_base,
                              "householdsVisited": expected["householdsVisited"],
                              "visitRate": share(expected["householdsVisited"], team_base)}]


@pytest.mark.parametrize("town,month", [("town-zumiao", "2016-01"), ("town-zumiao", "2016-02"),
                                        ("town-zumiao", "2016-03"), ("town-nanzhuang", "2016-01")])
def test_monthly_review_reads_the_new_visits(client, town, month):
    w = walk()
    last = {"2016-01": "2016-01-31", "2016-02": "2016-02-29", "2016-03": "2016-03-31"}[month]
    visits, communities = town_visits(w, town, f"{month}-01", last)
    expected = figures(w, visits, communities)
    got = data(client, 'query($t: String!, $m: String!) { monthlyReview(town: $t, month: $m) { coverage { visits '
                       'householdsRegistered householdsVisited visitRate residentsReceived demandsCollected '
                       'demandsResolved } } }', {"t": town, "m": month})["monthlyReview"]["coverage"]
    assert got == {k: expected[k] for k in got}
