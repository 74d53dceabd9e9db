"""matchDemand and planActionProject on a demand the seed does not have: one raised in a Zumiao
community inside a zone (community-zumiao-03, zone-zumiao-01), with resources and a team made here
that serve its community, its zone, its town and the district, offered by the zone's lead, an N
and an X organisation, a department sunk to its grid, an enterprise and an organisation outside its
network. The ranking (score, components, ties by uid) is computed from the seed files and what the
test made (tests/work_variants_seed.py), from the issue's and docs/matching.md's words."""
from __future__ import annotations

from fractions import Fraction

import httpx
import pytest

from tests.conftest import TEST_GRAPH, served_scratch_graph
from tests.work_variants_seed import Walk, data, post, refused

DEMAND, COMMUNITY, ZONE, TOWN, CATEGORY = ("v-match-zone", "community-zumiao-03", "zone-zumiao-01", "town-zumiao",
                                           "EDUCATION")
# uid → (label, categories, coverage, capacity, area, provider relationship, provider)
MADE = {
    "v-res-lead": ("Resource", [CATEGORY], "COMMUNITY", 1, COMMUNITY, "providerOrganisation", "org-zumiao-community-03"),
    "v-res-n": ("Resource", [CATEGORY, "HEALTH"], "ZONE", 2, ZONE, "providerOrganisation", "org-zumiao-n-023"),
    "v-res-x": ("Resource", [CATEGORY, "HEALTH", "OTHER"], "TOWN", 5, TOWN, "providerOrganisation", "org-x-01"),
    "v-res-sunk": ("Resource", [CATEGORY], "DISTRICT", 0, None, "providerDepartment", "dept-urban-management"),
    "v-res-firm": ("Resource", [CATEGORY], "COMMUNITY", 3, COMMUNITY, "providerEnterprise", "enterprise-nanzhuang-01"),
    "v-res-stranger": ("Resource", [CATEGORY, "OTHER", "HEALTH", "TRANSPORT"], "COMMUNITY", 9, COMMUNITY,
                       "providerOrganisation", "org-x-03"),
    "v-res-tie-b": ("Resource", [CATEGORY], "COMMUNITY", 2, COMMUNITY, "providerOrganisation", "org-zumiao-n-024"),
    "v-res-tie-a": ("Resource", [CATEGORY], "COMMUNITY", 2, COMMUNITY, "providerOrganisation", "org-zumiao-n-024"),
    "v-team-n": ("ServiceTeam", [CATEGORY], "ZONE", 4, ZONE, "organisation", "org-zumiao-community-04"),
    # Not candidates: another zone's community; another category.
    "v-res-elsewhere": ("Resource", [CATEGORY], "COMMUNITY", 2, "community-zumiao-05", "providerOrganisation",
                        "org-zumiao-community-05"),
    "v-res-othercat": ("Resource", ["HEALTH"], "COMMUNITY", 2, COMMUNITY, "providerOrganisation",
                       "org-zumiao-community-03"),
}
# Other demands of the category: another zone's community, and the article's village with no town.
OTHERS = {"v-match-zone43": "community-zumiao-43", "v-match-notown": "community-shitou"}
MATCH = """query($u: String!, $n: Int, $a: String) { matchDemand(uid: $u, first: $n, after: $a) { totalCount
  matches { rank score candidate { uid } components { category place network capacity record }
            reasons { placeLevel networkRole capacity openProjects capacityLeft resolvedByProvider resolvedInCategory } }
  pageInfo { hasNextPage endCursor } } }"""
PLAN = """mutation($i: PlanActionProjectInput!) { planActionProject(input: $i) { uid status demands { uid }
  resources { uid } serviceTeams { uid } } }"""
COUNTS = "{ actionProjects { totalCount } auditEntries { totalCount } }"


@pytest.fixture(scope="module")
async def client(engine, data_dir):
    async with served_scratch_graph(engine, data_dir, f"{TEST_GRAPH}_variants_match") as url:
        with httpx.Client(base_url=url, timeout=120) as http:
            for uid, community in {DEMAND: COMMUNITY, **OTHERS}.items():
                data(http, 'mutation { raiseDemand(input: { uid: "%s", name: "测试匹配变体", category: %s, '
                           'community: "%s" }) { uid } }' % (uid, CATEGORY, community))
            for uid, (label, categories, coverage, capacity, area, rel, provider) in MADE.items():
                given = {"uid": uid, "name": f"测试{uid}", "categories": categories, "coverage": coverage,
                         "capacity": capacity, rel: provider}
                if label == "Resource":
                    given["kind"] = "VENUE"
                if area is not None:
                    given[{"Community": "community", "Zone": "zone", "Town": "town"}[
                        "Community" if area.startswith("community") else "Zone" if area.startswith("zone") else "Town"]] = area
                data(http, f"mutation($i: {label}CreateInput!) {{ create{label}(input: $i) {{ uid }} }}", {"i": given})
            yield http


def walk(extra_open: dict[str, int] | None = None) -> tuple[Walk, dict[str, int]]:
    w = Walk()
    w.add("Demand", DEMAND, category=CATEGORY, status="RAISED")
    w.link(DEMAND, "RAISED_IN", COMMUNITY)
    for uid, community in OTHERS.items():
        w.add("Demand", uid, category=CATEGORY, status="RAISED")
        w.link(uid, "RAISED_IN", community)
    for uid, (label, categories, coverage, capacity, area, rel, provider) in MADE.items():
        w.add(label, uid, categories=categories, coverage=coverage, capacity=capacity)
        if area:
            w.link(uid, "SERVES_AREA", area)
        if label == "ServiceTeam":
            w.link(uid, "TEAM_OF", provider)
        else:
            w.link(provider, "OFFERS", uid)
    return w, extra_open or {}


def expected_ranking(w: Walk, extra_open: dict[str, int], demand: str = DEMAND) -> list[dict]:
    """Every candidate for `demand` with its exact score and components, best first, ties by uid."""
    p = w.props
    (community,) = w.out(demand, "RAISED_IN")
    zones, towns = w.place(community)
    category = p[demand]["category"]
    resolved = [d for d in w.of("Demand") if p[d].get("status") == "RESOLVED" and p[d].get("category") == category]
    grids = w.into(community, "COVERS", "Grid")
    sunk = {d for g in grids for d in w.into(g, "SUNK_TO", "Department")}

    def role(org: str) -> int:
        if community in w.out(org, "BASED_IN") or zones & w.out(org, "LEADS"):
            return 3
        if zones & w.out(org, "PART_OF"):
            return 2
        if zones & w.out(org, "SERVES") or org in sunk:
            return 1
        return 0

    ranking = []
    for uid in w.of("Resource") + w.of("ServiceTeam"):
        k = p[uid]
        areas = w.out(uid, "SERVES_AREA")
        if category not in k["categories"]:
            continue
        if k["coverage"] != "DISTRICT" and not areas & ({community} | zones | towns):
            continue
        place = Fraction(1) if community in areas else Fraction(2, 3) if areas & zones else \
            Fraction(1, 3) if areas & towns else Fraction(0)
        providers = w.into(uid, "OFFERS") if k["label"] == "Resource" else w.out(uid, "TEAM_OF")
        network = Fraction(max([role(o) for o in providers], default=0), 3)
        spec = {1: Fraction(1), 2: Fraction(3, 4), 3: Fraction(1, 2)}.get(len(k["categories"]), Fraction(1, 4))
        open_ = sum(1 for a in w.into(uid, "USES", "ActionProject") if p[a]["status"] in ("PLANNED", "ACTIVE"))
        open_ += extra_open.get(uid, 0)
        left = max(0, min(k["capacity"] - open_, 4))
        by_provider = max([sum(1 for d in resolved if o in w.out(d, "RESOLVED_BY")) for o in providers], default=0)
        record = Fraction(by_provider, len(resolved)) if resolved else Fraction(0)
        parts = {"category": spec, "place": place, "network": network, "capacity": Fraction(left, 4), "record": record}
        score = (2 * spec + 3 * place + 2 * network + Fraction(left, 4) + 2 * record) / 10
        ranking.append({"uid": uid, "score": score, "parts": parts, "open": open_})
    return sorted(ranking, key=lambda m: (-m["score"], m["uid"]))


def ranking(client) -> list[dict]:
    got = data(client, MATCH, {"u": DEMAND, "n": 1000})["matchDemand"]
    assert got["totalCount"] == len(got["matches"])
    return got["matches"]


def check(got: list[dict], expected: list[dict]) -> None:
    assert [m["candidate"]["uid"] for m in got] == [m["uid"] for m in expected]
    assert [m["rank"] for m in got] == list(range(1, len(got) + 1))
    for g, e in zip(got, expected):
        assert g["score"] == pytest.approx(float(e["score"]), abs=6e-5), g["candidate"]["uid"]
        assert g["components"] == {k: pytest.approx(float(v), abs=6e-5) for k, v in e["parts"].items()}
        assert g["reasons"]["openProjects"] == e["open"]


def test_ranking_against_the_seed(client):
    w, extra = walk()
    expected = expected_ranking(w, extra)
    made = {m["uid"] for m in expected} & set(MADE)
    assert made == set(MADE) - {"v-res-elsewhere", "v-res-othercat"}
    got = ranking(client)
    check(got, expected)
    by_uid = {m["candidate"]["uid"]: m for m in got}
    assert {u: by_uid[u]["reasons"]["placeLevel"] for u in ("v-res-lead", "v-res-n", "v-res-x", "v-res-sunk")} == {
        "v-res-lead": "COMMUNITY", "v-res-n": "ZONE", "v-res-x": "TOWN", "v-res-sunk": "DISTRICT"}
    assert {u: by_uid[u]["reasons"]["networkRole"] for u in (
        "v-res-lead", "v-res-n", "v-team-n", "v-res-x", "v-res-sunk", "v-res-firm", "v-res-stranger")} == {
        "v-res-lead": "LEAD", "v-res-n": "N", "v-team-n": "N", "v-res-x": "X", "v-res-sunk": "X",
        "v-res-firm": "NONE", "v-res-stranger": "NONE"}
    # The tie: same components, ranked by uid.
    assert by_uid["v-res-tie-a"]["score"] == by_uid["v-res-tie-b"]["score"]
    assert by_uid["v-res-tie-a"]["rank"] + 1 == by_uid["v-res-tie-b"]["rank"]


def test_paging_the_ranking(client):
    w, extra = walk()
    expected = [m["uid"] for m in expected_ranking(w, extra)]
    seen, after = [], None
    while True:
        page = data(client, MATCH, {"u": DEMAND, "n": 3, "a": after})["matchDemand"]
        seen += [m["candidate"]["uid"] for m in page["matches"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == expected


def counts(client) -> tuple[int, int]:
    d = data(client, COUNTS)
    return d["actionProjects"]["totalCount"], d["auditEntries"]["totalCount"]


@pytest.mark.parametrize("given,code,field", [
    ({"demands": ["v-nope"], "resources": ["v-res-lead"]}, "NOT_FOUND", "input.demands"),
    ({"demands": [DEMAND], "resources": ["v-nope"]}, "NOT_FOUND", "input.resources"),
    ({"demands": [DEMAND], "serviceTeams": ["v-res-lead"]}, "NOT_FOUND", "input.serviceTeams"),
    ({"demands": ["v-res-lead"], "resources": ["v-res-lead"]}, "NOT_FOUND", "input.demands"),
    ({"demands": [DEMAND], "resources": ["v-res-lead"], "town": "town-nope"}, "NOT_FOUND", "input.town"),
    ({"demands": [], "resources": ["v-res-lead"]}, "BAD_USER_INPUT", "input.demands"),
    ({"demands": [DEMAND], "resources": [], "serviceTeams": []}, "BAD_USER_INPUT", "input.resources"),
    ({"demands": [DEMAND]}, "BAD_USER_INPUT", "input.resources"),
    ({"demands": [DEMAND], "resources": ["v-res-lead"], "startsOn": "2016-02-30"}, "BAD_USER_INPUT", "input.startsOn"),
    ({"demands": [DEMAND], "resources": ["v-res-lead"], "endsOn": "2016/03/01"}, "BAD_USER_INPUT", "input.endsOn"),
    ({"demands": [DEMAND], "resources": ["v-res-lead"], "startsOn": "2016-03-02", "endsOn": "2016-03-01"},
     "BAD_USER_INPUT", "input.endsOn"),
    ({"name": "   ", "demands": [DEMAND], "resources": ["v-res-lead"]}, "BAD_USER_INPUT", "input.name"),
])
def test_plan_refusals_write_nothing(client, given, code, field):
    before = counts(client), [m["reasons"]["openProjects"] for m in ranking(client)]
    body = post(client, PLAN, {"i": {"name": "测试变体项目", "town": TOWN, **given}})
    (error,) = body["errors"]
    assert (error["extensions"]["code"], error["extensions"].get("field")) == (code, field), error
    assert (counts(client), [m["reasons"]["openProjects"] for m in ranking(client)]) == before


def test_a_planned_project_uses_capacity_in_the_next_ranking(client):
    before = counts(client)
    made = data(client, PLAN, {"i": {"name": "测试变体项目", "demands": [DEMAND], "resources": ["v-res-lead", "v-res-n"],
                                     "serviceTeams": ["v-team-n"], "town": TOWN, "startsOn": "2016-01-04",
                                     "endsOn": "2016-01-04"}})["planActionProject"]
    assert made["status"] == "PLANNED"
    assert sorted(r["uid"] for r in made["resources"]) == ["v-res-lead", "v-res-n"]
    assert counts(client) == (before[0] + 1, before[1] + 1)
    w, _ = walk()
    expected = expected_ranking(w, {"v-res-lead": 1, "v-res-n": 1, "v-team-n": 1})
    got = ranking(client)
    check(got, expected)
    lead = next(m for m in got if m["candidate"]["uid"] == "v-res-lead")
    assert (lead["reasons"]["capacityLeft"], lead["components"]["capacity"]) == (0, 0)
    # A COMPLETED project no longer counts against capacity: status COMPLETED from the start.
    data(client, PLAN, {"i": {"name": "测试已完成项目", "demands": [DEMAND], "resources": ["v-res-x"], "town": TOWN,
                              "status": "COMPLETED"}})
    check(ranking(client), expected)
    refused(post(client, MATCH, {"u": "v-nope"}), "NOT_FOUND", "uid")


REPORT = """query($w: DemandWhere, $t: Float) { matchingReport(where: $w, threshold: $t, first: 1000) { demands
  uncoveredCount uncovered { demand { uid } bestScore best { uid } } byCategory { key demands covered }
  byTown { key demands covered } overAskedCount overAsked { candidate { uid } asked capacityLeft } } }"""


@pytest.mark.parametrize("threshold", [0.0, 0.45, 0.6, 1.0])
def test_matching_report_over_the_variant_demands(client, threshold):
    uids = sorted([DEMAND, *OTHERS])
    got = data(client, REPORT, {"w": {"uid": {"in": uids}}, "t": threshold})["matchingReport"]
    w, _ = walk()
    # Projects planned by this module's other tests: the open projects the answer shows beyond the seed's.
    ranking_now = {m["candidate"]["uid"]: m["reasons"]["openProjects"] for m in ranking(client)}
    seed_open = {m["uid"]: m["open"] for m in expected_ranking(w, {})}
    open_ = {u: ranking_now[u] - seed_open[u] for u in ranking_now if ranking_now[u] != seed_open.get(u)}
    best = {}
    for uid in uids:
        ranked = expected_ranking(w, open_, uid)
        best[uid] = ranked[0] if ranked else None
    covered = {u for u, b in best.items() if b is not None and b["score"] >= Fraction(threshold).limit_denominator(1000)}
    assert got["demands"] == len(uids)
    assert [x["demand"]["uid"] for x in got["uncovered"]] == sorted(set(uids) - covered)
    for x in got["uncovered"]:
        b = best[x["demand"]["uid"]]
        assert x["bestScore"] == pytest.approx(float(b["score"]) if b else 0.0, abs=6e-5)
        assert (x["best"] or {}).get("uid") == (b["uid"] if b else None)
    assert got["byCategory"] == [{"key": CATEGORY, "demands": len(uids), "covered": len(covered)}]
    towns = {u: sorted(Walk().place(c)[1]) for u, c in {DEMAND: COMMUNITY, **OTHERS}.items()}
    expected_towns = {}
    for u in uids:
        key = towns[u][0] if towns[u] else "unassigned"
        d, c = expected_towns.get(key, (0, 0))
        expected_towns[key] = (d + 1, c + (u in covered))
    assert {g["key"]: (g["demands"], g["covered"]) for g in got["byTown"]} == expected_towns
    asked = {}
    for u in uids:
        if best[u] is not None:
            asked[best[u]["uid"]] = asked.get(best[u]["uid"], 0) + 1
    over = sorted(k for k, n in asked.items()
                  if n > max(w.props[k]["capacity"] - next(m["open"] for m in expected_ranking(w, open_, next(
                      u for u in uids if best[u] and best[u]["uid"] == k)) if m["uid"] == k), 0))
    assert [o["candidate"]["uid"] for o in got["overAsked"]] == over
    assert got["overAskedCount"] == len(over)


def test_two_providers_and_a_new_record(client):
    """A resource offered by an enterprise and an N organisation takes the better role; a team
    with no organisation has none; resolving demands of the category moves every record: the
    resolver's own (an organisation, and a sunk department) and the category's total."""
    data(client, 'mutation { createResource(input: { uid: "v-res-two", name: "测试两个提供方", kind: FUNDS, '
                 'categories: [%s], coverage: COMMUNITY, capacity: 1, community: "%s", '
                 'providerEnterprise: "enterprise-nanzhuang-02", providerOrganisation: "org-zumiao-n-025" }) '
                 '{ uid } }' % (CATEGORY, COMMUNITY))
    data(client, 'mutation { createServiceTeam(input: { uid: "v-team-alone", name: "测试无组织团队", '
                 'categories: [%s], coverage: ZONE, capacity: 2, zone: "%s" }) { uid } }' % (CATEGORY, ZONE))
    resolvers = {"v-match-rec-1": ("organisation", "org-zumiao-n-023"),
                 "v-match-rec-2": ("organisation", "org-zumiao-n-023"),
                 "v-match-rec-3": ("department", "dept-urban-management")}
    for uid, (argument, resolver) in resolvers.items():
        data(client, 'mutation { raiseDemand(input: { uid: "%s", name: "测试记录", category: %s, '
                     'community: "community-zumiao-10" }) { uid } }' % (uid, CATEGORY))
        for step in ("assignDemand", "resolveDemand"):
            data(client, 'mutation { %s(uid: "%s", %s: "%s") { uid } }' % (step, uid, argument, resolver))
    w, _ = walk()
    w.add("Resource", "v-res-two", categories=[CATEGORY], coverage="COMMUNITY", capacity=1)
    w.link("v-res-two", "SERVES_AREA", COMMUNITY)
    w.link("enterprise-nanzhuang-02", "OFFERS", "v-res-two")
    w.link("org-zumiao-n-025", "OFFERS", "v-res-two")
    w.add("ServiceTeam", "v-team-alone", categories=[CATEGORY], coverage="ZONE", capacity=2)
    w.link("v-team-alone", "SERVES_AREA", ZONE)
    for uid, (_, resolver) in resolvers.items():
        w.add("Demand", uid, category=CATEGORY, status="RESOLVED")
        w.link(uid, "RAISED_IN", "community-zumiao-10")
        w.link(uid, "RESOLVED_BY", resolver)
    got = ranking(client)
    # The projects planned above: open projects as the answer counts them beyond the seed's.
    seed_open = {m["uid"]: m["open"] for m in expected_ranking(w, {})}
    extra = {m["candidate"]["uid"]: m["reasons"]["openProjects"] - seed_open[m["candidate"]["uid"]] for m in got
             if m["candidate"]["uid"] in seed_open}
    expected = expected_ranking(w, {k: v for k, v in extra.items() if v})
    check(got, expected)
    by_uid = {m["candidate"]["uid"]: m for m in got}
    assert by_uid["v-res-two"]["reasons"]["networkRole"] == "N"
    assert by_uid["v-team-alone"]["reasons"]["networkRole"] == "NONE"
    assert by_uid["v-team-alone"]["components"]["record"] == 0
    assert by_uid["v-res-n"]["reasons"]["resolvedByProvider"] >= 2
    assert by_uid["v-res-sunk"]["reasons"]["resolvedByProvider"] >= 1
