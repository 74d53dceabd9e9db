"""Issue 13's visits and time on inputs the seed's own figures do not exercise, through the real
HTTP endpoint on a scratch graph of its own: visitCoverage for a town with no visits (Zumiao), a
month with nothing, from/to variants and `where` on a team or a community; monthlyReview for
months with and without work; demandStatistics by MONTH and WEEK with ranges, a demand with no
raisedOn and ISO weeks across a year boundary, over demands made here. Every figure is computed
from the seed files and what the test made (tests/work_variants_seed.py)."""
from __future__ import annotations

import datetime as dt

import httpx
import pytest

from tests.conftest import TEST_GRAPH, served_scratch_graph
from tests.work_variants_seed import Walk, data, post, refused

COVERAGE = """query($w: VisitWhere, $f: String, $t: String) { visitCoverage(where: $w, from: $f, to: $t) {
  visits householdsRegistered householdsVisited visitRate residentsReceived demandsCollected demandsResolved
  byCommunity { group { uid } visits householdsRegistered householdsVisited residentsReceived demandsCollected }
  byTeam { group { uid } visits householdsVisited } } }"""
REVIEW = """query($t: String!, $m: String!) { monthlyReview(town: $t, month: $m) { from to demandsRaised demandsResolved
  demandsOpen overdueCount overdue { demand { uid } }
  coverage { visits householdsRegistered householdsVisited visitRate residentsReceived demandsCollected demandsResolved }
  escalationCount } }"""
SERIES = """query($g: DemandGroupBy!, $w: DemandWhere, $f: String, $t: String) {
  demandStatistics(groupBy: $g, where: $w, from: $f, to: $t) { collected resolved
    groups { key unassigned periodStart periodEnd collected resolved } } }"""
HOME = "community-zumiao-05"
MADE = {"v-time-a": "2015-12-31", "v-time-b": "2016-01-01", "v-time-c": "2016-01-04", "v-time-none": None,
        "v-time-d": "2015-12-27"}
STORED: dict[str, str] = {}  # v-time-a's resolvedOn as the server stored it (the day the fixture ran)


@pytest.fixture(scope="module")
async def client(engine, data_dir):
    async with served_scratch_graph(engine, data_dir, f"{TEST_GRAPH}_variants_time") as url:
        with httpx.Client(base_url=url, timeout=120) as http:
            for uid, raised in MADE.items():
                data(http, 'mutation($u: String!, $c: String!, $r: String) { raiseDemand(input: { uid: $u, '
                           'name: "测试时间变体", category: OTHER, community: $c, raisedOn: $r }) { uid } }',
                     {"u": uid, "c": HOME, "r": raised})
            data(http, 'mutation { assignDemand(uid: "v-time-a", organisation: "org-zumiao-community-05") { uid } }')
            data(http, 'mutation { resolveDemand(uid: "v-time-a", organisation: "org-zumiao-community-05") { uid } }')
            STORED["resolvedOn"] = data(http, '{ demands(where: { uid: { eq: "v-time-a" } }) { nodes { resolvedOn } } }'
                                        )["demands"]["nodes"][0]["resolvedOn"]
            yield http


def walk() -> Walk:
    w = Walk()
    for uid, raised in MADE.items():
        w.add("Demand", uid, raisedOn=raised, status="RESOLVED" if uid == "v-time-a" else "RAISED",
              resolvedOn=STORED["resolvedOn"] if uid == "v-time-a" else None)
        w.link(uid, "RAISED_IN", HOME)
    return w


# --- visitCoverage -------------------------------------------------------------------------------

def expected_coverage(w: Walk, keep, date_from: str | None, date_to: str | None) -> dict:
    """`keep(visit)`: the where filter. The base: every community a kept visit went to, any date."""
    kept = [v for v in w.of("Visit") if keep(v)]
    dated = [v for v in kept if (date_from is None or w.props[v]["visitedOn"] >= date_from)
             and (date_to is None or w.props[v]["visitedOn"] <= date_to)]
    scope = sorted({c for v in kept for c in w.out(v, "VISITED")})
    registered = [w.props[c]["householdsRegistered"] for c in scope if w.props[c].get("householdsRegistered") is not None]
    base = sum(registered) if registered else None
    demands = [d for v in dated for d in w.into(v, "RAISED_DURING")]
    households = sum(w.props[v]["householdsVisited"] for v in dated)
    per = {c: [v for v in dated if c in w.out(v, "VISITED")] for c in scope}
    return {
        "visits": len(dated), "householdsRegistered": base, "householdsVisited": households,
        "visitRate": round(households / base, 4) if base else None,
        "residentsReceived": sum(w.props[v]["residentsReceived"] for v in dated),
        "demandsCollected": len(demands),
        "demandsResolved": sum(1 for d in demands if w.props[d].get("status") == "RESOLVED"),
        "byCommunity": [{"group": {"uid": c}, "visits": len(per[c]),
                         "householdsRegistered": w.props[c].get("householdsRegistered"),
                         "householdsVisited": sum(w.props[v]["householdsVisited"] for v in per[c]),
                         "residentsReceived": sum(w.props[v]["residentsReceived"] for v in per[c]),
                         "demandsCollected": sum(len(w.into(v, "RAISED_DURING")) for v in per[c])} for c in scope],
    }


def in_town(w: Walk, town: str):
    return lambda v: any(town in w.place(c)[1] for c in w.out(v, "VISITED"))


TEAMS = sorted(Walk().of("StationedTeam"))
RANGES = [(None, None), ("2015-06-01", None), (None, "2015-03-31"), ("2015-05-18", "2015-05-18"),
          ("2015-07-01", "2015-07-31"), ("2016-02-01", "2016-02-29")]


@pytest.mark.parametrize("date_from,date_to", RANGES)
def test_visit_coverage_of_a_town_with_and_without_visits(client, date_from, date_to):
    w = walk()
    for town in ("town-nanzhuang", "town-zumiao"):
        got = data(client, COVERAGE, {"w": {"community": {"town": {"uid": {"eq": town}}}}, "f": date_from,
                                      "t": date_to})["visitCoverage"]
        expected = expected_coverage(w, in_town(w, town), date_from, date_to)
        assert {k: got[k] for k in expected} == expected
    zumiao = expected_coverage(w, in_town(w, "town-zumiao"), date_from, date_to)
    assert zumiao["visits"] == 0 and zumiao["byCommunity"] == [] and zumiao["visitRate"] is None


@pytest.mark.parametrize("team", [TEAMS[0], TEAMS[-1]])
def test_visit_coverage_of_a_team_and_of_a_community(client, team):
    w = walk()
    got = data(client, COVERAGE, {"w": {"team": {"uid": {"eq": team}}}, "f": "2015-04-01", "t": "2015-09-30"})
    expected = expected_coverage(w, lambda v: team in w.out(v, "MADE_BY"), "2015-04-01", "2015-09-30")
    assert {k: got["visitCoverage"][k] for k in expected} == expected
    assert [g["group"]["uid"] for g in got["visitCoverage"]["byTeam"]] == [team]
    community = sorted(c for v in w.of("Visit") if team in w.out(v, "MADE_BY") for c in w.out(v, "VISITED"))[0]
    got = data(client, COVERAGE, {"w": {"community": {"uid": {"eq": community}}}, "t": "2015-10-15"})
    expected = expected_coverage(w, lambda v: community in w.out(v, "VISITED"), None, "2015-10-15")
    assert {k: got["visitCoverage"][k] for k in expected} == expected


def test_visit_coverage_bad_ranges_name_the_argument(client):
    refused(post(client, COVERAGE, {"f": "2015-07-01", "t": "2015-06-30"}), "BAD_USER_INPUT", "to")
    refused(post(client, COVERAGE, {"f": "2015-02-30"}), "BAD_USER_INPUT", "from")
    refused(post(client, COVERAGE, {"t": "2015/06/30"}), "BAD_USER_INPUT", "to")


# --- monthlyReview -------------------------------------------------------------------------------

def expected_review(w: Walk, town: str, month: str) -> dict:
    first = dt.date(int(month[:4]), int(month[5:]), 1)
    last = (dt.date(first.year + first.month // 12, first.month % 12 + 1, 1) - dt.timedelta(days=1))
    lo, hi, cutoff = first.isoformat(), last.isoformat(), (last - dt.timedelta(days=30)).isoformat()
    communities = [c for c in w.of("Community") if town in w.place(c)[1]]
    demands = [d for c in communities for d in w.into(c, "RAISED_IN", "Demand")]
    p = w.props

    def closed(d):
        on = p[d].get("resolvedOn")
        return on <= hi if on else p[d].get("status") == "RESOLVED"

    open_ = [d for d in demands if p[d].get("raisedOn") and p[d]["raisedOn"] <= hi and not closed(d)]
    visits = [v for c in communities for v in w.into(c, "VISITED", "Visit") if lo <= p[v]["visitedOn"] <= hi]
    collected = {d for v in visits for d in w.into(v, "RAISED_DURING")}
    registered = [p[c]["householdsRegistered"] for c in communities if p[c].get("householdsRegistered") is not None]
    base = sum(registered) if registered else None
    households = sum(p[v]["householdsVisited"] for v in visits)
    escalations = [e for e in w.of("Escalation") if lo <= p[e]["escalatedOn"] <= hi
                   and set(w.out(e, "ESCALATES")) & set(demands)]
    return {
        "from": lo, "to": hi,
        "demandsRaised": sum(1 for d in demands if lo <= (p[d].get("raisedOn") or "") <= hi),
        "demandsResolved": sum(1 for d in demands if lo <= (p[d].get("resolvedOn") or "") <= hi),
        "demandsOpen": len(open_), "overdueCount": sum(1 for d in open_ if p[d]["raisedOn"] < cutoff),
        "coverage": {"visits": len(visits), "householdsRegistered": base, "householdsVisited": households,
                     "visitRate": round(households / base, 4) if base else None,
                     "residentsReceived": sum(p[v]["residentsReceived"] for v in visits),
                     "demandsCollected": len(collected),
                     "demandsResolved": sum(1 for d in collected if p[d].get("status") == "RESOLVED")},
        "escalationCount": len(escalations),
    }


@pytest.mark.parametrize("town,month", [("town-zumiao", "2015-12"), ("town-zumiao", "2016-01"),
                                        ("town-zumiao", "2016-02"), ("town-nanzhuang", "2015-02"),
                                        ("town-nanzhuang", "2015-12"), ("town-nanzhuang", "2016-03"),
                                        ("town-shiwan", "2015-06"), ("town-zhangcha", "2014-01")])
def test_monthly_review_against_the_seed(client, town, month):
    got = data(client, REVIEW, {"t": town, "m": month})["monthlyReview"]
    expected = expected_review(walk(), town, month)
    assert {k: got[k] for k in expected} == expected


@pytest.mark.parametrize("month", ["2015-00", "2015-13", "15-01", "2015-1", "2015-01-01", "", "9999-13"])
def test_monthly_review_bad_month(client, month):
    refused(post(client, REVIEW, {"t": "town-zumiao", "m": month}), "BAD_USER_INPUT", "month")


def test_monthly_review_of_the_last_month_there_is(client):
    got = data(client, REVIEW, {"t": "town-zumiao", "m": "9999-12"})["monthlyReview"]
    assert (got["from"], got["to"], got["demandsRaised"]) == ("9999-12-01", "9999-12-31", 0)


# --- demandStatistics by MONTH and WEEK ---------------------------------------------------------

def key_of(group_by: str, day: str) -> str:
    d = dt.date.fromisoformat(day)
    if group_by == "MONTH":
        return day[:7]
    year, week, _ = d.isocalendar()
    return f"{year}-W{week:02d}"


def expected_series(w: Walk, group_by: str, date_from: str | None, date_to: str | None) -> dict:
    demands = sorted(w.into(HOME, "RAISED_IN", "Demand"))
    p, ranged = w.props, date_from is not None or date_to is not None

    def inside(day):
        if not ranged:
            return True
        return day is not None and (date_from is None or day >= date_from) and (date_to is None or day <= date_to)

    collected, resolved = {}, {}
    for d in demands:
        if inside(p[d].get("raisedOn")):
            key = key_of(group_by, p[d]["raisedOn"]) if p[d].get("raisedOn") else "unassigned"
            collected[key] = collected.get(key, 0) + 1
        if p[d].get("status") == "RESOLVED" and inside(p[d].get("resolvedOn")):
            key = key_of(group_by, p[d]["resolvedOn"]) if p[d].get("resolvedOn") else "unassigned"
            resolved[key] = resolved.get(key, 0) + 1
    dated = sorted(k for k in {*collected, *resolved} if k != "unassigned")
    keys = []
    if dated:  # every period between the first and the last, walked day by day
        day = dt.date.fromisoformat(dated[0][:4] + "-01-01") - dt.timedelta(days=7)
        while True:
            k = key_of(group_by, day.isoformat())
            if dated[0] <= k <= dated[-1] and k not in keys:
                keys.append(k)
            if k > dated[-1]:
                break
            day += dt.timedelta(days=1)
    if "unassigned" in collected or "unassigned" in resolved:
        keys.append("unassigned")
    return {"collected": sum(collected.values()), "resolved": sum(resolved.values()),
            "groups": [(k, collected.get(k, 0), resolved.get(k, 0)) for k in keys]}


SERIES_RANGES = [(None, None), ("2015-12-28", None), (None, "2016-01-03"), ("2016-01-01", "2016-01-01"),
                 ("2015-12-31", "2016-01-04"), ("2016-02-01", "2016-02-29"), ("2015-01-01", "2015-12-31")]


@pytest.mark.parametrize("group_by", ["MONTH", "WEEK"])
@pytest.mark.parametrize("date_from,date_to", SERIES_RANGES)
def test_series_by_month_and_week(client, group_by, date_from, date_to):
    got = data(client, SERIES, {"g": group_by, "w": {"community": {"uid": {"eq": HOME}}}, "f": date_from,
                                "t": date_to})["demandStatistics"]
    expected = expected_series(walk(), group_by, date_from, date_to)
    assert (got["collected"], got["resolved"]) == (expected["collected"], expected["resolved"])
    assert [(g["key"], g["collected"], g["resolved"]) for g in got["groups"]] == expected["groups"]
    for g in got["groups"]:
        if g["unassigned"]:
            assert g["periodStart"] is None
            continue
        start, end = dt.date.fromisoformat(g["periodStart"]), dt.date.fromisoformat(g["periodEnd"])
        assert key_of(group_by, g["periodStart"]) == key_of(group_by, g["periodEnd"]) == g["key"]
        assert key_of(group_by, (start - dt.timedelta(days=1)).isoformat()) != g["key"]
        assert key_of(group_by, (end + dt.timedelta(days=1)).isoformat()) != g["key"]


def test_iso_week_53_spans_the_year_boundary(client):
    got = data(client, SERIES, {"g": "WEEK", "w": {"community": {"uid": {"eq": HOME}}}, "f": "2015-12-27",
                                "t": "2016-01-04"})["demandStatistics"]
    # 2015-12-27 is a Sunday (2015-W52); 2015-12-31 and 2016-01-01 are both in 2015-W53; 2016-01-04 opens 2016-W01.
    assert [(g["key"], g["periodStart"], g["periodEnd"], g["collected"]) for g in got["groups"]] == [
        ("2015-W52", "2015-12-21", "2015-12-27", 1), ("2015-W53", "2015-12-28", "2016-01-03", 2),
        ("2016-W01", "2016-01-04", "2016-01-10", 1)]


@pytest.mark.parametrize("args,field", [({"f": "2016-01-02", "t": "2016-01-01"}, "to"), ({"f": "2016-02-30"}, "from"),
                                        ({"t": "2016-1-1"}, "to"), ({"f": "٢٠١٥-01-01"}, "from")])
def test_series_bad_ranges(client, args, field):
    refused(post(client, SERIES, {"g": "WEEK", **args}), "BAD_USER_INPUT", field)


def test_series_far_apart_dates(client):
    """A demand dated 9999-12-31 (a valid date) is grouped in 9999's last month and week, whose
    end is the last day there is; a series spanning thousands of periods is refused on groupBy."""
    data(client, 'mutation { raiseDemand(input: { uid: "v-time-far", name: "测试", category: OTHER, '
                 'community: "community-zumiao-06", raisedOn: "9999-12-31" }) { uid } }')
    try:
        where = {"community": {"uid": {"eq": "community-zumiao-06"}}}
        for group_by, key, start in (("MONTH", "9999-12", "9999-12-01"), ("WEEK", "9999-W52", "9999-12-27")):
            got = data(client, SERIES, {"g": group_by, "w": where, "f": "9000-01-01"})["demandStatistics"]
            assert [(g["key"], g["periodStart"], g["periodEnd"]) for g in got["groups"]] == [(key, start, "9999-12-31")]
            refused(post(client, SERIES, {"g": group_by, "w": {"community": {"uid": {"in": [HOME, "community-zumiao-06"]}}}}),
                    "BAD_USER_INPUT", "groupBy")
    finally:
        data(client, 'mutation { deleteDemand(uid: "v-time-far") { uid } }')
