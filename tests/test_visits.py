"""visitCoverage on both engines, every figure against tests/visits_reference.py (plain Python
over the seed files); the article's Nanzhuang figures exactly; bad periods refused naming the
argument; Hypothesis over periods and filters."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from graph import limits
from graph.grants import Grant
from resolvers.ids import from_global_id
from tests.authorisation import run
from tests.test_research_ids import ENTRY, check_identity, objects
from tests.visits_reference import expected_coverage, expected_review, seed_visits, seed_world

SV = seed_visits()
FIGURES = ("visits householdsRegistered householdsVisited visitRate residentsReceived demandsCollected "
           "demandsResolved resolutionRate suppressed")
COVERAGE = ("query($w: VisitWhere, $from: String, $to: String) { r: visitCoverage(where: $w, from: $from, to: $to) {"
            f" from to {FIGURES} byCommunity {{ group {{ uid label }} {FIGURES} }}"
            f" byTeam {{ group {{ uid label }} {FIGURES} }} }} }}")
OPEN = Grant("admin", "a")
NANZHUANG = {"community": {"town": {"uid": {"eq": "town-nanzhuang"}}}}


def flattened(report: dict) -> dict:
    """The answer with each group's node reduced to its uid, as the reference gives it."""
    return {**report, **{key: [{**g, "group": g["group"]["uid"] if g["group"] else None} for g in report[key]]
                         for key in ("byCommunity", "byTeam")}}


async def coverage(backend, where=None, date_from=None, date_to=None, grant=OPEN) -> dict:
    body = await run(backend, grant, COVERAGE, {"w": where, "from": date_from, "to": date_to})
    assert "errors" not in body, body
    return body["data"]["r"]


def matched(predicate) -> set[str]:
    return {v for v in SV.visits if predicate(v)}


async def test_the_articles_nanzhuang_figures(backend):
    """3,719 residents received, 30,000 households visited (94.4%), 252 collected, 100% resolved."""
    report = await coverage(backend, NANZHUANG, "2015-01-01", "2015-12-31")
    assert (report["residentsReceived"], report["householdsVisited"], report["householdsRegistered"]) == (
        3719, 30000, 31780)
    assert report["visitRate"] == 0.944
    assert (report["demandsCollected"], report["demandsResolved"], report["resolutionRate"]) == (252, 252, 1.0)
    assert len(report["byCommunity"]) == 18 and all(0 < g["visitRate"] <= 1 for g in report["byCommunity"])
    # The town's own figures (the article's statement, source ARTICLE) agree with the visits.
    town = SV.nodes["town-nanzhuang"]
    assert (town["residentsReceived"], town["householdsVisited"], town["householdVisitRate"]) == (
        report["residentsReceived"], report["householdsVisited"], report["visitRate"])


async def test_the_worked_example_each_communitys_rate_last_month(backend):
    """上个月各村居的走访率是多少？ With the seed's last month of visits, 2015-12."""
    report = await coverage(backend, NANZHUANG, "2015-12-01", "2015-12-31")
    expected = expected_coverage(SV, matched(lambda v: SV.town_of_visit(v) == "town-nanzhuang"),
                                 "2015-12-01", "2015-12-31")
    assert flattened(report) == expected
    assert [g["group"]["label"] for g in report["byCommunity"]] == ["Community"] * 18
    assert all(g["visits"] == 1 for g in report["byCommunity"])  # the 24th visit, on 2015-12-14


@pytest.mark.parametrize("where, predicate", [
    (None, lambda v: True),
    (NANZHUANG, lambda v: SV.town_of_visit(v) == "town-nanzhuang"),
    ({"team": {"uid": {"eq": "stationed-team-nanzhuang-02"}}}, lambda v: SV.team_of[v] == "stationed-team-nanzhuang-02"),
    ({"community": {"uid": {"in": ["community-nanzhuang-village-01", "community-nanzhuang-village-18"]}}},
     lambda v: SV.community_of[v] in ("community-nanzhuang-village-01", "community-nanzhuang-village-18")),
    ({"householdsVisited": {"gte": 60}}, lambda v: SV.visits[v]["householdsVisited"] >= 60),
    ({"uid": {"eq": "visit-none"}}, lambda v: False),
])
async def test_filters_against_the_reference(backend, where, predicate):
    for date_from, date_to in ((None, None), ("2015-03-01", "2015-03-31"), ("2015-06-20", None)):
        report = await coverage(backend, where, date_from, date_to)
        assert flattened(report) == expected_coverage(SV, matched(predicate), date_from, date_to)


DAYS = st.integers(min_value=0, max_value=400).map(lambda n: (dt.date(2014, 12, 1) + dt.timedelta(days=n)).isoformat())


async def test_random_periods_against_the_reference(backend):
    """Any period (either end open): the figures are the reference's; the groups sum to the totals."""
    results = []

    @settings(max_examples=40, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(a=st.one_of(st.none(), DAYS), b=st.one_of(st.none(), DAYS))
    def periods(a, b):
        if a is not None and b is not None and a > b:
            a, b = b, a
        results.append((a, b))

    periods()
    everything = matched(lambda v: True)
    for a, b in results:
        report = await coverage(backend, None, a, b)
        assert flattened(report) == expected_coverage(SV, everything, a, b), (a, b)
        for key in ("visits", "householdsVisited", "residentsReceived", "demandsCollected"):
            assert sum(g[key] for g in report["byCommunity"]) == report[key]


@pytest.mark.parametrize("args, field", [
    ({"from": "2015-13-01"}, "from"), ({"from": "2015-1-1"}, "from"), ({"to": "yesterday"}, "to"),
    ({"to": "2015-02-30"}, "to"), ({"from": "2015-06-01", "to": "2015-05-31"}, "to"),
    ({"w": {"visitedOn": {"gt": 3}}}, None),
])
async def test_bad_input_names_the_argument(backend, args, field):
    body = await run(backend, OPEN, COVERAGE, args)
    (error,) = body["errors"]
    assert error["code"] == "BAD_USER_INPUT", error
    if field is not None:
        assert error["field"] == field and error["message"].startswith(f"{field}: "), error
    assert body["data"] is None or body["data"].get("r") is None


async def test_small_counts_are_suppressed_for_researchers(backend):
    k = limits.SUPPRESSION_K
    report = await coverage(backend, NANZHUANG, "2015-12-01", "2015-12-31", Grant("researcher", "r"))
    exact = await coverage(backend, NANZHUANG, "2015-12-01", "2015-12-31")
    for shown, full in zip(report["byCommunity"] + [report], exact["byCommunity"] + [exact]):
        for name in ("householdsVisited", "residentsReceived", "demandsCollected", "demandsResolved"):
            value = shown[name]
            assert (value is None) == (full[name] < k) == (name in shown["suppressed"]), (name, shown, full)
            assert value is None or (value % k == 0 and abs(value - full[name]) <= k / 2)
        assert shown["visits"] == full["visits"]


async def test_a_town_limited_grant_sees_its_towns_visits_only(backend):
    everywhere = await coverage(backend, None, None, None, Grant("researcher", "r", towns=("town-zumiao",)))
    assert everywhere["visits"] == 0 and everywhere["byCommunity"] == [] and everywhere["householdsRegistered"] is None
    mine = await coverage(backend, None, None, None, Grant("editor", "e", towns=("town-nanzhuang",)))
    assert mine["visits"] == 432 and mine["householdsVisited"] == 30000


@pytest.mark.parametrize("query", [
    '{ visitCoverage(from: "2015-11-01", to: "2015-11-30") { byCommunity { group { %s } } byTeam { group { %s } } } }',
    '{ monthlyReview(town: "town-nanzhuang", month: "2015-11") { town { %s } overdue { demand { %s } } '
    'escalations { demand { %s } } } }',
])
def test_entries_are_graph_nodes_with_ids_of_their_own(data, query):
    response = data(query.replace("%s", ENTRY))
    entries = [o for o in objects(response) if o.get("__typename") == "GraphNode"]
    assert entries
    for entry in entries:
        assert from_global_id(entry["nodeId"]) == (entry["label"], entry["uid"]) and entry["id"] != entry["nodeId"]
        assert entry["node"] == {"__typename": entry["label"], "id": entry["nodeId"]}
    check_identity(response)


def test_the_docs_worked_examples_quote_the_reference():
    """docs/visits.md quotes answers over the seed: they are the reference's."""
    text = " ".join(Path(__file__).resolve().parents[1].joinpath("docs", "visits.md").read_text().split())
    nanzhuang = matched(lambda v: SV.town_of_visit(v) == "town-nanzhuang")
    december = expected_coverage(SV, nanzhuang, "2015-12-01", "2015-12-31")
    first, second = december["byCommunity"][:2]
    assert (f'"visits": {december["visits"]}, "householdsRegistered": 31780, "householdsVisited": '
            f'{december["householdsVisited"]}, "visitRate": {december["visitRate"]},') in text
    for g in (first, second):
        assert (f'"householdsRegistered": {g["householdsRegistered"]}, "householdsVisited": {g["householdsVisited"]}, '
                f'"visitRate": {g["visitRate"]} }}') in text
    team = expected_coverage(SV, nanzhuang, "2015-01-01", "2015-12-31")["byTeam"][0]
    assert (f'"householdsRegistered": {team["householdsRegistered"]}, "householdsVisited": {team["householdsVisited"]}, '
            f'"visitRate": {team["visitRate"]} }}') in text
    november = expected_review(seed_world(SV), "town-nanzhuang", "2015-11")
    cov = november["coverage"]
    assert (f'"demandsRaised": {november["demandsRaised"]}, "demandsResolved": {november["demandsResolved"]}, '
            f'"demandsOpen": {november["demandsOpen"]}, "overdueCount": {november["overdueCount"]}, "coverage": {{ '
            f'"visits": {cov["visits"]}, "householdsVisited": {cov["householdsVisited"]}, "visitRate": '
            f'{cov["visitRate"]}, "residentsReceived": {cov["residentsReceived"]}, "demandsCollected": '
            f'{cov["demandsCollected"]} }}') in text


async def test_random_community_sets_and_periods(backend):
    """Any set of communities (where: community uid in …) over any period: the reference's answer."""
    communities = sorted({c for c in SV.community_of.values() if c})
    cases = []

    @settings(max_examples=25, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(chosen=st.lists(st.sampled_from(communities), max_size=6, unique=True),
           a=st.one_of(st.none(), DAYS), b=st.one_of(st.none(), DAYS))
    def collect(chosen, a, b):
        cases.append((chosen, a, b) if a is None or b is None or a <= b else (chosen, b, a))

    collect()
    for chosen, a, b in cases:
        report = await coverage(backend, {"community": {"uid": {"in": chosen}}}, a, b)
        assert flattened(report) == expected_coverage(SV, matched(lambda v: SV.community_of[v] in chosen), a, b)
