"""townStatistics and districtStatistics: the stationed-contact visit figures (read from the Visit
nodes, not the Town's own properties), the four lists and the action projects, against plain
Python over the seed files (expected figures are computed at test time: other seed modules add
Shiwan's lists). The article's Nanzhuang figures exactly."""
from __future__ import annotations

import pytest

from graph.grants import Grant
from graph.plan import CompiledQuery
from schema.schema import build_schema
from tests.authorisation import run
from tests.conftest import scratch_graph
from tests.visits_reference import rate, seed_visits

SV = seed_visits()
WORK = ("visits householdsRegistered householdsVisited householdVisitRate residentsReceived demandsCollectedOnVisits "
        "demandsResolvedOnVisits visitResolutionRate needs problems resources serviceTeams actionProjects")
ADMIN = Grant("admin", "a")


def edges(rel_type: str) -> list[tuple[str, str]]:
    return [pair for (_, t, _), pairs in SV.relationships.items() if t == rel_type for pair in pairs]


def expected(town: str | None) -> dict:
    """One town's figures, or (None) the whole graph's."""
    def in_area(community: str | None) -> bool:
        return town is None or (community is not None and SV.town_of_community.get(community) == town)

    communities = [c for c in SV.town_of_community if in_area(c)] if town else [
        n["uid"] for n in SV.seed.nodes["Community"]]
    known = [SV.registered(c) for c in communities if SV.registered(c) is not None]
    registered = sum(known) if known else None
    visits = [v for v in SV.visits if town is None or in_area(SV.community_of[v])]
    demands = SV.demands_of(visits)
    resolved = sum(1 for d in demands if SV.demands[d]["status"] == "RESOLVED")
    households = sum(SV.visits[v]["householdsVisited"] for v in visits)
    raised = [d for d in SV.demands if town is None or in_area(SV.demand_community[d])]
    zones = {z for z, t in edges("IN_TOWN") if SV.label(z) == "Zone" and t == town}
    places = {town} | set(communities) | zones

    def serving(label: str) -> int:
        if town is None:
            return len(SV.seed.nodes.get(label, []))
        return len({x for x, p in edges("SERVES_AREA") if SV.label(x) == label and p in places})

    return {"visits": len(visits), "householdsRegistered": registered, "householdsVisited": households,
            "householdVisitRate": rate(households, registered),
            "residentsReceived": sum(SV.visits[v]["residentsReceived"] for v in visits),
            "demandsCollectedOnVisits": len(demands), "demandsResolvedOnVisits": resolved,
            "visitResolutionRate": rate(resolved, len(demands)),
            "needs": sum(1 for d in raised if SV.demands[d].get("kind") == "NEED"),
            "problems": sum(1 for d in raised if SV.demands[d].get("kind") == "PROBLEM"),
            "resources": serving("Resource"), "serviceTeams": serving("ServiceTeam"),
            "actionProjects": (len({a for a, t in edges("IN_TOWN") if SV.label(a) == "ActionProject" and t == town})
                               if town else len(SV.seed.nodes.get("ActionProject", [])))}


async def test_nanzhuang_reads_the_articles_figures_from_its_visits(backend):
    body = await run(backend, ADMIN, '{ townStatistics(uid: "town-nanzhuang") { %s } }' % WORK)
    (town,) = body["data"]["townStatistics"]
    assert (town["residentsReceived"], town["householdsVisited"], town["householdsRegistered"]) == (3719, 30000, 31780)
    assert town["householdVisitRate"] == 0.944
    assert (town["demandsCollectedOnVisits"], town["demandsResolvedOnVisits"], town["visitResolutionRate"]) == (
        252, 252, 1.0)
    # The Town node's own figures, the article's statement, agree.
    article = SV.nodes["town-nanzhuang"]
    assert (article["source"], article["residentsReceived"], article["householdsVisited"],
            article["householdVisitRate"]) == ("ARTICLE", 3719, 30000, 0.944)


async def test_every_town_and_the_district_against_the_seed(backend):
    body = await run(backend, ADMIN, "{ townStatistics { area { uid } %s } districtStatistics { %s } }" % (WORK, WORK))
    assert "errors" not in body, body
    towns = body["data"]["townStatistics"]
    assert [t["area"]["uid"] for t in towns] == sorted(n["uid"] for n in SV.seed.nodes["Town"])
    for town in towns:
        assert {k: v for k, v in town.items() if k != "area"} == expected(town["area"]["uid"]), town["area"]["uid"]
    assert body["data"]["districtStatistics"] == expected(None)


async def test_the_figures_come_from_the_visits_not_the_town(engine):
    """Change the visits (one more, with an article demand collected on it, on a scratch copy): the
    figures follow; the Town's own stay."""
    async with scratch_graph(engine, "visits_statistics_test") as backend:
        await backend.write(CompiledQuery(
            "MATCH (c:Community {uid: $c}), (t:StationedTeam {uid: $t}) "
            "CREATE (v:Visit {uid: $v, name: $name, source: 'ILLUSTRATIVE', visitedOn: '2016-01-04', "
            "householdsVisited: 40, residentsReceived: 7})-[:VISITED]->(c), (v)-[:MADE_BY]->(t) "
            "WITH v MATCH (d:Demand {uid: $d}) CREATE (d)-[:RAISED_DURING]->(v)",
            {"c": "community-nanzhuang-village-03", "t": "stationed-team-nanzhuang-01", "v": "visit-extra",
             "name": "示例走访", "d": "demand-shitou-baoyuan-road-bus"}))
        result = await build_schema().execute('{ townStatistics(uid: "town-nanzhuang") { %s } towns(where: '
                                              '{uid: {eq: "town-nanzhuang"}}) { nodes { householdsVisited '
                                              'residentsReceived } } }' % WORK,
                                              context_value={"backend": backend})
        assert result.errors is None, result.errors
        (town,) = result.data["townStatistics"]
        assert (town["visits"], town["householdsVisited"], town["residentsReceived"]) == (433, 30040, 3726)
        assert (town["demandsCollectedOnVisits"], town["demandsResolvedOnVisits"]) == (253, 253)
        assert town["householdVisitRate"] == round(30040 / 31780, 4)
        assert result.data["towns"]["nodes"] == [{"householdsVisited": 30000, "residentsReceived": 3719}]


@pytest.mark.parametrize("role", ["viewer", "researcher"])
async def test_suppression_as_for_members(backend, role):
    exact = (await run(backend, ADMIN, "{ townStatistics { %s suppressed } }" % WORK))["data"]["townStatistics"]
    shown = (await run(backend, Grant(role, "x"), "{ townStatistics { %s suppressed } }" % WORK))["data"][
        "townStatistics"]
    for full, released in zip(exact, shown):
        for name in ("householdsVisited", "residentsReceived", "demandsCollectedOnVisits", "demandsResolvedOnVisits",
                     "needs", "problems"):
            value = released[name]
            assert (value is None) == (full[name] < 5) == (name in released["suppressed"])
            assert value is None or (value % 5 == 0 and abs(value - full[name]) <= 2.5)
        for name in ("visits", "householdsRegistered", "resources", "serviceTeams", "actionProjects"):
            assert released[name] == full[name]
        assert released["householdVisitRate"] == rate(released["householdsVisited"], released["householdsRegistered"])


async def test_the_four_lists_count_through_the_town_links(engine):
    """On a scratch copy: resources serving Zumiao itself, a zone and a community in it (one serving
    two places counts once), a service team, a need, a problem and an action project; and a resource
    serving another town, which Zumiao does not count."""
    community = min(c for c, t in SV.town_of_community.items() if t == "town-zumiao")
    before = expected("town-zumiao")
    async with scratch_graph(engine, "visits_lists_test") as backend:
        await backend.write(CompiledQuery(
            "MATCH (t:Town {uid: 'town-zumiao'}), (z:Zone {uid: 'zone-zumiao-01'}), (z2:Zone {uid: 'zone-zumiao-02'}), "
            "(c:Community {uid: $c}), (o:Town {uid: 'town-shiwan'}) "
            "CREATE (:Resource {uid: 'r1', name: '示例资源1', source: 'ILLUSTRATIVE'})-[:SERVES_AREA]->(t), "
            "(:Resource {uid: 'r2', name: '示例资源2', source: 'ILLUSTRATIVE'})-[:SERVES_AREA]->(z), "
            "(r3:Resource {uid: 'r3', name: '示例资源3', source: 'ILLUSTRATIVE'})-[:SERVES_AREA]->(c), "
            "(r3)-[:SERVES_AREA]->(z2), "
            "(:Resource {uid: 'r4', name: '示例资源4', source: 'ILLUSTRATIVE'})-[:SERVES_AREA]->(o), "
            "(:ServiceTeam {uid: 's1', name: '示例服务团队', source: 'ILLUSTRATIVE'})-[:SERVES_AREA]->(c), "
            "(:ActionProject {uid: 'a1', name: '示例行动项目', source: 'ILLUSTRATIVE', status: 'ACTIVE'})-[:IN_TOWN]->(t), "
            "(:Demand {uid: 'n1', name: '示例需求', source: 'ILLUSTRATIVE', kind: 'NEED', status: 'RAISED'})"
            "-[:RAISED_IN]->(c), "
            "(:Demand {uid: 'p1', name: '示例问题', source: 'ILLUSTRATIVE', kind: 'PROBLEM', status: 'RAISED'})"
            "-[:RAISED_IN]->(c)", {"c": community}))
        result = await build_schema().execute('{ townStatistics(uid: "town-zumiao") { %s } districtStatistics { '
                                              'resources serviceTeams actionProjects needs problems } }' % WORK,
                                              context_value={"backend": backend})
        assert result.errors is None, result.errors
        (town,) = result.data["townStatistics"]
        assert town == {**before, "resources": before["resources"] + 3, "serviceTeams": before["serviceTeams"] + 1,
                        "actionProjects": before["actionProjects"] + 1, "needs": before["needs"] + 1,
                        "problems": before["problems"] + 1}
        district = expected(None)
        assert result.data["districtStatistics"] == {
            "resources": district["resources"] + 4, "serviceTeams": district["serviceTeams"] + 1,
            "actionProjects": district["actionProjects"] + 1, "needs": district["needs"] + 1,
            "problems": district["problems"] + 1}


CREATE_VISIT = ("mutation($input: VisitCreateInput!) { createVisit(input: $input) { uid visitedOn householdsVisited } }")
GOOD_VISIT = {"uid": "visit-api-1", "name": "示例走访API", "source": "ILLUSTRATIVE", "visitedOn": "2016-01-05",
              "householdsVisited": 25, "residentsReceived": 4, "team": "stationed-team-nanzhuang-03",
              "community": "community-nanzhuang-village-08"}


BAD_VISITS = [
    ({"visitedOn": "2016-02-30"}, "BAD_USER_INPUT", "input.visitedOn"),
    ({"visitedOn": "2016/01/05"}, "BAD_USER_INPUT", "input.visitedOn"),
    ({"householdsVisited": -1}, "BAD_USER_INPUT", "input.householdsVisited"),
    ({"residentsReceived": -3}, "BAD_USER_INPUT", "input.residentsReceived"),
    ({"community": "community-nowhere"}, "NOT_FOUND", "input.community"),
]


async def test_visits_written_through_the_api(engine):
    """A visit created through the API counts at once; a bad one is refused naming the field, and
    nothing is written."""
    editor = Grant("editor", "示例编辑", towns=("town-nanzhuang",))
    query = ('{ r: visitCoverage(from: "2016-01-01", to: "2016-01-31") { visits householdsVisited '
             'residentsReceived } }')
    async with scratch_graph(engine, "visits_api_test") as backend:
        for bad, code, field in BAD_VISITS:
            refused = await run(backend, editor, CREATE_VISIT, {"input": {**GOOD_VISIT, **bad}})
            (error,) = refused["errors"]
            assert (error["code"], error["field"]) == (code, field), error
            assert (await run(backend, ADMIN, query))["data"]["r"] == {
                "visits": 0, "householdsVisited": 0, "residentsReceived": 0}
        created = await run(backend, editor, CREATE_VISIT, {"input": GOOD_VISIT})
        assert "errors" not in created, created
        assert (await run(backend, ADMIN, query))["data"]["r"] == {
            "visits": 1, "householdsVisited": 25, "residentsReceived": 4}
        town = (await run(backend, ADMIN, '{ townStatistics(uid: "town-nanzhuang") { householdsVisited } }'))
        assert town["data"]["townStatistics"] == [{"householdsVisited": 30025}]
        # A visit with no community: in the totals, and named as the group null, last.
        alone = {k: v for k, v in GOOD_VISIT.items() if k != "community"}
        created = await run(backend, ADMIN, CREATE_VISIT, {"input": {**alone, "uid": "visit-api-2"}})
        assert "errors" not in created, created
        groups = ('{ r: visitCoverage(from: "2016-01-01", to: "2016-01-31") { visits householdsVisited '
                  'byCommunity { group { uid } visits householdsVisited householdsRegistered visitRate } } }')
        report = (await run(backend, ADMIN, groups))["data"]["r"]
        assert (report["visits"], report["householdsVisited"]) == (2, 50)
        assert report["byCommunity"][-1] == {"group": None, "visits": 1, "householdsVisited": 25,
                                             "householdsRegistered": None, "visitRate": None}
        assert [g["group"]["uid"] for g in report["byCommunity"][:-1]] == sorted(
            c for c, t in SV.town_of_community.items() if t == "town-nanzhuang")
