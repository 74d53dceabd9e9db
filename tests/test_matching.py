"""matchDemand and matchingReport over the real endpoint, against an independent computation of the
ranking in Python over the seed files (read_seed): its own reading of the score's definition
(docs/matching.md), with exact fractions."""
from __future__ import annotations

from collections import Counter, defaultdict
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seed.loader import read_seed

SEED = read_seed()
NODES = {n["uid"]: n for rows in SEED.nodes.values() for n in rows}
OUT: dict[tuple[str, str], list[str]] = defaultdict(list)
IN: dict[tuple[str, str], list[str]] = defaultdict(list)
for (_, _rel, _), _pairs in SEED.relationships.items():
    for _s, _t in _pairs:
        OUT[(_s, _rel)].append(_t)
        IN[(_t, _rel)].append(_s)
DEMANDS = [d["uid"] for d in SEED.nodes["Demand"]]
OFFERS = SEED.nodes["Resource"] + SEED.nodes["ServiceTeam"]
RESOLVED = [d for d in SEED.nodes["Demand"] if d["status"] == "RESOLVED"]

NODE = "uid label name"
MATCH = """query($u: String!, $f: Int) { r: matchDemand(uid: $u, first: $f) { demand { uid } category status totalCount
  matches { rank score candidate { %s } components { category place network capacity record }
    weights { category place network capacity record }
    reasons { categories coverage placeLevel networkRole capacity openProjects capacityLeft resolvedByProvider
      resolvedInCategory } providers { uid } } } }""" % NODE
REPORT = """query($w: DemandWhere, $t: Float, $f: Int) { r: matchingReport(where: $w, threshold: $t, first: $f) {
  threshold demands uncoveredCount uncovered { demand { uid } category bestScore best { uid } }
  byCategory { key name demands covered coverage suppressed } byTown { key name demands covered coverage }
  overAskedCount overAsked { candidate { uid } capacity openProjects capacityLeft asked } } }"""


def first(uid: str, rel: str) -> str | None:
    found = OUT[(uid, rel)]
    return found[0] if found else None


def place_of(demand: str) -> tuple[str | None, str | None, str | None]:
    community = first(demand, "RAISED_IN")
    zone = first(community, "IN_ZONE") if community else None
    town = (first(community, "IN_TOWN") if community else None) or (first(zone, "IN_TOWN") if zone else None)
    return community, zone, town


def providers_of(offer: dict) -> list[str]:
    return IN[(offer["uid"], "OFFERS")] + OUT[(offer["uid"], "TEAM_OF")]


def role(provider: str, community: str | None, zone: str | None) -> int:
    """3 for the "1", 2 for an N, 1 for an X (or a department sunk to a grid covering the community)."""
    sunk = {c for g in OUT[(provider, "SUNK_TO")] for c in OUT[(g, "COVERS")]}
    if community in OUT[(provider, "BASED_IN")] or zone in OUT[(provider, "LEADS")]:
        return 3
    if zone in OUT[(provider, "PART_OF")]:
        return 2
    if zone in OUT[(provider, "SERVES")] or community in sunk:
        return 1
    return 0


def expected_ranking(demand: str) -> list[dict]:
    """Every candidate of the demand, best first, ties by uid, with its score and components."""
    category = NODES[demand]["category"]
    community, zone, town = place_of(demand)
    levels = {community: 3, zone: 2, town: 1}
    levels.pop(None, None)
    resolved_all = sum(1 for d in RESOLVED if d["category"] == category)
    ranked = []
    for offer in OFFERS:
        if category not in offer["categories"]:
            continue
        reached = [levels[a] for a in OUT[(offer["uid"], "SERVES_AREA")] if a in levels]
        if not reached and offer["coverage"] != "DISTRICT":
            continue
        place = max(reached, default=0)
        providers = providers_of(offer)
        network = max((role(p, community, zone) for p in providers), default=0)
        record = max((sum(1 for d in IN[(p, "RESOLVED_BY")] if NODES[d]["status"] == "RESOLVED"
                          and NODES[d]["category"] == category) for p in providers), default=0)
        open_projects = sum(1 for p in IN[(offer["uid"], "USES")] if NODES[p]["status"] in ("PLANNED", "ACTIVE"))
        left = max(offer["capacity"] - open_projects, 0)
        parts = {
            "category": {1: Fraction(1), 2: Fraction(3, 4), 3: Fraction(1, 2)}.get(len(offer["categories"]),
                                                                                  Fraction(1, 4)),
            "place": Fraction(place, 3), "network": Fraction(network, 3), "capacity": Fraction(min(left, 4), 4),
            "record": Fraction(record, resolved_all) if resolved_all else Fraction(0),
        }
        weights = {"category": 2, "place": 3, "network": 2, "capacity": 1, "record": 2}
        score = sum(weights[k] * v for k, v in parts.items()) / sum(weights.values())
        ranked.append({"uid": offer["uid"], "score": score, "parts": parts, "open": open_projects,
                       "record": record, "resolvedAll": resolved_all, "providers": sorted(providers),
                       "place": ("DISTRICT", "TOWN", "ZONE", "COMMUNITY")[place],
                       "role": ("NONE", "X", "N", "LEAD")[network]})
    return sorted(ranked, key=lambda r: (-r["score"], r["uid"]))


def check_ranking(data, demand: str) -> None:
    result = data(MATCH, {"u": demand, "f": 1000})["r"]
    expected = expected_ranking(demand)
    assert result["demand"]["uid"] == demand and result["category"] == NODES[demand]["category"]
    assert result["totalCount"] == len(expected)
    assert [m["candidate"]["uid"] for m in result["matches"]] == [e["uid"] for e in expected]
    for rank, (match, exp) in enumerate(zip(result["matches"], expected), 1):
        assert match["rank"] == rank
        assert match["score"] == round(float(exp["score"]), 4)
        assert match["components"] == {k: round(float(v), 4) for k, v in exp["parts"].items()}
        reasons = match["reasons"]
        assert (reasons["placeLevel"], reasons["networkRole"]) == (exp["place"], exp["role"])
        assert (reasons["openProjects"], reasons["resolvedByProvider"], reasons["resolvedInCategory"]) == \
            (exp["open"], exp["record"], exp["resolvedAll"])
        assert sorted(p["uid"] for p in match["providers"]) == exp["providers"]
        assert match["candidate"]["label"] == SEED.label_of(exp["uid"])


SHIWAN_DEMANDS = [d for d in DEMANDS if d.startswith("demand-shiwan-")]


@pytest.mark.parametrize("demand", [SHIWAN_DEMANDS[0], SHIWAN_DEMANDS[-1], "demand-nanzhuang-001", DEMANDS[0]])
def test_ranking_matches_an_independent_computation(data, demand):
    check_ranking(data, demand)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(DEMANDS))
def test_ranking_for_any_demand(data, demand):
    check_ranking(data, demand)


def test_shiwan_demands_have_candidates_with_reasons(data):
    """Every Shiwan demand has candidates; the best of one is its community's own organisation's."""
    result = data(MATCH, {"u": SHIWAN_DEMANDS[0], "f": 3})["r"]
    assert len(result["matches"]) == 3 and result["totalCount"] > 3
    best = result["matches"][0]
    assert best["weights"] == {"category": 2, "place": 3, "network": 2, "capacity": 1, "record": 2}
    assert best["score"] >= result["matches"][1]["score"] >= result["matches"][2]["score"]
    assert all(expected_ranking(d) for d in SHIWAN_DEMANDS)


def test_first_cuts_the_page_not_the_count(data):
    full = data(MATCH, {"u": SHIWAN_DEMANDS[5], "f": 1000})["r"]
    page = data(MATCH, {"u": SHIWAN_DEMANDS[5], "f": 2})["r"]
    assert page["totalCount"] == full["totalCount"] and page["matches"] == full["matches"][:2]
    assert len(data(MATCH, {"u": SHIWAN_DEMANDS[5]})["r"]["matches"]) == min(10, full["totalCount"])


@pytest.mark.parametrize("variables, code, field", [
    ({"u": "demand-none"}, "NOT_FOUND", "uid"),
    ({"u": SHIWAN_DEMANDS[0], "f": -1}, "BAD_USER_INPUT", "first"),
    ({"u": SHIWAN_DEMANDS[0], "f": 100000}, "BAD_USER_INPUT", "first"),
])
def test_match_demand_errors(gql, variables, code, field):
    body = gql(MATCH, variables)
    (error,) = body["errors"]
    assert error["extensions"]["code"] == code and error["extensions"]["field"] == field, error
    assert body["data"] is None


def expected_report(demands: list[str], threshold: float) -> dict:
    best = {d: (expected_ranking(d) or [None])[0] for d in demands}
    covered = {d: b is not None and b["score"] >= Fraction(threshold) for d, b in best.items()}
    by_category, by_town = defaultdict(lambda: [0, 0]), defaultdict(lambda: [0, 0])
    for d in demands:
        for groups, key in ((by_category, NODES[d]["category"]), (by_town, place_of(d)[2] or "unassigned")):
            groups[key][0] += 1
            groups[key][1] += covered[d]
    asked = Counter(b["uid"] for d, b in best.items() if b is not None and NODES[d]["status"] != "RESOLVED")
    capacity_left = {o["uid"]: max(o["capacity"] - sum(1 for p in IN[(o["uid"], "USES")]
                                                       if NODES[p]["status"] in ("PLANNED", "ACTIVE")), 0)
                     for o in OFFERS}
    over = sorted(u for u, n in asked.items() if n > capacity_left[u])
    return {"uncovered": sorted(d for d in demands if not covered[d]), "best": best,
            "byCategory": {k: tuple(v) for k, v in by_category.items()},
            "byTown": {k: tuple(v) for k, v in by_town.items()}, "over": over, "asked": asked}


@pytest.mark.parametrize("where, threshold", [
    ({"community": {"town": {"uid": {"eq": "town-shiwan"}}}}, 0.5),
    ({"community": {"town": {"uid": {"eq": "town-shiwan"}}}, "kind": {"eq": "NEED"}}, 0.75),
    (None, 0.4),
])
def test_matching_report(data, where, threshold):
    result = data(REPORT, {"w": where, "t": threshold, "f": 1000})["r"]
    if where is None:
        demands = DEMANDS
    else:
        demands = [d for d in DEMANDS if place_of(d)[2] == "town-shiwan"
                   and ("kind" not in where or NODES[d].get("kind") == "NEED")]
    expected = expected_report(demands, threshold)
    assert result["threshold"] == threshold and result["demands"] == len(demands)
    assert result["uncoveredCount"] == len(expected["uncovered"])
    assert [u["demand"]["uid"] for u in result["uncovered"]] == expected["uncovered"]
    for u in result["uncovered"]:
        b = expected["best"][u["demand"]["uid"]]
        assert u["bestScore"] == (round(float(b["score"]), 4) if b else 0)
        assert (u["best"] or {}).get("uid") == (b["uid"] if b else None)
    assert {g["key"]: (g["demands"], g["covered"]) for g in result["byCategory"]} == expected["byCategory"]
    assert {g["key"]: (g["demands"], g["covered"]) for g in result["byTown"]} == expected["byTown"]
    assert result["overAskedCount"] == len(expected["over"])
    assert [o["candidate"]["uid"] for o in result["overAsked"]] == expected["over"]
    for o in result["overAsked"]:
        assert o["asked"] == expected["asked"][o["candidate"]["uid"]] > o["capacityLeft"]


def test_report_first_cuts_lists_only(data):
    full = data(REPORT, {"w": None, "t": 0.6, "f": 1000})["r"]
    cut = data(REPORT, {"w": None, "t": 0.6, "f": 3})["r"]
    assert cut["uncovered"] == full["uncovered"][:3] and cut["overAsked"] == full["overAsked"][:3]
    assert (cut["uncoveredCount"], cut["byCategory"], cut["byTown"]) == \
        (full["uncoveredCount"], full["byCategory"], full["byTown"])


@pytest.mark.parametrize("variables, field", [
    ({"t": 1.5}, "threshold"), ({"t": -0.1}, "threshold"), ({"f": -1}, "first"),
    ({"w": {"category": {"eq": "TRANSPORT"}, "uid": {"startsWith": "x\u0000"}}}, "where.uid.startsWith"),
])
def test_report_errors(gql, variables, field):
    body = gql(REPORT, {"w": None, "t": 0.5, "f": 10, **variables})
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    assert error["extensions"]["field"].startswith(field), error


# --------------------------------------------------------------------------- grants

NANZHUANG = ("town-nanzhuang",)
NANZHUANG_DEMANDS = [d for d in DEMANDS if place_of(d)[2] == "town-nanzhuang"]
# What a grant limited to Nanzhuang sees: its demands, and those that belong to no town.
NANZHUANG_VISIBLE = [d for d in DEMANDS if place_of(d)[2] in ("town-nanzhuang", None)]


async def test_a_grant_limited_to_towns_matches_only_its_demands(backend):
    from graph.grants import Grant
    from tests.authorisation import run
    grant = Grant("editor", "e", NANZHUANG, reads_scoped=True)
    body = await run(backend, grant, MATCH, {"u": SHIWAN_DEMANDS[0], "f": 5})
    assert body["errors"][0]["code"] == "NOT_FOUND" and body["errors"][0]["field"] == "uid", body
    body = await run(backend, grant, MATCH, {"u": NANZHUANG_DEMANDS[0], "f": 1000})
    assert [m["candidate"]["uid"] for m in body["data"]["r"]["matches"]] == \
        [e["uid"] for e in expected_ranking(NANZHUANG_DEMANDS[0])]
    report = (await run(backend, grant, REPORT, {"w": None, "t": 0.3, "f": 1000}))["data"]["r"]
    expected = expected_report(NANZHUANG_VISIBLE, 0.3)
    assert report["demands"] == len(NANZHUANG_VISIBLE) and len(NANZHUANG_DEMANDS) == 252
    assert {g["key"]: (g["demands"], g["covered"]) for g in report["byTown"]} == expected["byTown"]
    assert [u["demand"]["uid"] for u in report["uncovered"]] == expected["uncovered"]


async def test_a_grant_limited_to_towns_never_sees_another_towns_provider(backend):
    """Nanzhuang's demands are matched with district-wide resources that Shiwan's organisations
    offer: the score counts them, a Nanzhuang grant's answer never names them."""
    from graph.grants import Grant
    from tests.authorisation import run, seed_towns
    towns = seed_towns()
    query = ("query($u: String!) { r: matchDemand(uid: $u, first: 1000) { matches { score candidate { uid } "
             "providers { uid } } } }")
    demand = NANZHUANG_DEMANDS[0]
    every = (await run(backend, Grant("admin", "a"), query, {"u": demand}))["data"]["r"]["matches"]
    mine = (await run(backend, Grant("researcher", "r", NANZHUANG, reads_scoped=True), query, {"u": demand}))
    mine = mine["data"]["r"]["matches"]
    named = {p["uid"] for m in every for p in m["providers"]}
    assert any(not towns.visible(p, NANZHUANG) for p in named), "the case needs another town's provider"
    assert [(m["candidate"]["uid"], m["score"]) for m in mine] == [(m["candidate"]["uid"], m["score"]) for m in every]
    for theirs, ours in zip(every, mine):
        assert [p["uid"] for p in ours["providers"]] == \
            [p["uid"] for p in theirs["providers"] if towns.visible(p["uid"], NANZHUANG)]


async def test_viewers_get_demand_counts_suppressed_and_rounded(backend):
    from graph.grants import Grant
    from resolvers.suppression import Cells
    from tests.authorisation import run
    grant = Grant("viewer", "v")
    cells = Cells(grant)
    report = (await run(backend, grant, REPORT, {"w": None, "t": 0.5, "f": 5}))["data"]["r"]
    expected = expected_report(DEMANDS, 0.5)
    assert report["demands"] == cells.count(len(DEMANDS)) and report["demands"] % cells.k == 0
    for group in report["byCategory"]:
        demands, covered = expected["byCategory"][group["key"]]
        assert (group["demands"], group["covered"]) == (cells.count(demands), cells.count(covered))
        assert ("covered" in group["suppressed"]) == (covered < cells.k)


# --------------------------------------------------------------------------- paging

PAGE = """query($u: String!, $f: Int, $a: String) { r: matchDemand(uid: $u, first: $f, after: $a) { totalCount
  matches { rank score candidate { uid } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""
REPORT_PAGE = """query($w: DemandWhere, $t: Float, $f: Int, $a: String) {
  r: matchingReport(where: $w, threshold: $t, first: $f, after: $a) { uncoveredCount overAskedCount
    uncovered { demand { uid } } uncoveredPageInfo { hasNextPage hasPreviousPage endCursor }
    overAsked { candidate { uid } } overAskedPageInfo { hasNextPage hasPreviousPage endCursor } } }"""


@pytest.mark.parametrize("size", [1, 3, 7])
def test_walking_the_ranking_visits_every_candidate_once(data, size):
    demand = SHIWAN_DEMANDS[11]
    expected = expected_ranking(demand)
    seen, after = [], None
    while True:
        result = data(PAGE, {"u": demand, "f": size, "a": after})["r"]
        assert result["totalCount"] == len(expected)
        info = result["pageInfo"]
        assert info["hasPreviousPage"] is (after is not None) and len(result["matches"]) <= size
        seen += result["matches"]
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]
    assert [m["candidate"]["uid"] for m in seen] == [e["uid"] for e in expected]
    assert [m["rank"] for m in seen] == list(range(1, len(expected) + 1))


@pytest.mark.parametrize("items, info, key", [("uncovered", "uncoveredPageInfo", "demand"),
                                               ("overAsked", "overAskedPageInfo", "candidate")])
def test_walking_the_report_lists(data, items, info, key):
    """Each list pages by uid with its own endCursor; the counts never depend on the page."""
    where, threshold = {"community": {"town": {"uid": {"eq": "town-shiwan"}}}}, 0.7
    expected = expected_report([d for d in DEMANDS if place_of(d)[2] == "town-shiwan"], threshold)
    walked, after = [], None
    while True:
        result = data(REPORT_PAGE, {"w": where, "t": threshold, "f": 4, "a": after})["r"]
        assert (result["uncoveredCount"], result["overAskedCount"]) == (len(expected["uncovered"]),
                                                                        len(expected["over"]))
        assert result[info]["hasPreviousPage"] is (after is not None) and len(result[items]) <= 4
        walked += [x[key]["uid"] for x in result[items]]
        if not result[info]["hasNextPage"]:
            break
        after = result[info]["endCursor"]
    assert walked == expected["uncovered" if items == "uncovered" else "over"]


def test_cursors_belong_to_their_demand(gql, data):
    first_page = data(PAGE, {"u": SHIWAN_DEMANDS[0], "f": 2})["r"]
    body = gql(PAGE, {"u": SHIWAN_DEMANDS[1], "f": 2, "a": first_page["pageInfo"]["endCursor"]})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert body["errors"][0]["extensions"]["field"] == "after"
    for query, variables in ((PAGE, {"u": SHIWAN_DEMANDS[0], "a": "not a cursor"}),
                             (REPORT_PAGE, {"a": "@@@"})):
        body = gql(query, variables)
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
        assert body["errors"][0]["extensions"]["field"] == "after", body
