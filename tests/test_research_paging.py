"""Figures across all matched never depend on paging: every research field that pages a list
(`first`, `after`) gives the same totals, counts and unions for any page, equal to Python over
read_seed(); walking the pages with `after` visits the whole list once, in order."""
from __future__ import annotations

import pytest

from graph.limits import cursor_secret
from resolvers.ids import encode_cursor
from tests.test_statistics import (
    EDGES, SEED, betweenness, check_node, expected_gaps, expected_zone, into, zone_links,
)

PAGE_INFO = "pageInfo { hasNextPage hasPreviousPage startCursor endCursor }"
FIRSTS = [0, 1, 2, 3, None, 1000]  # None: the field's default

COMPOSITION = ("query($w: ZoneWhere, $first: Int, $after: String) {"
               " r: zoneComposition(where: $w, first: $first, after: $after) { totalCount absorbedOrganisations"
               " zones { zone { nodeId uid label name nameEn id } internalCount externalCount absorbed"
               " membersReachable } %s } }" % PAGE_INFO)
GAP = "count nodes { uid } %s" % PAGE_INFO
GAPS = ("query($first: Int, $after: String) { r: coverageGaps(first: $first, after: $after) {"
        " gridsWithoutDepartment { %s } zonesWithoutExternalOrganisation { %s } villagesWithoutSecretary { %s } } }"
        % (GAP, GAP, GAP))
BRIDGING = ("query($by: BridgingMeasure!, $first: Int, $after: String) {"
            " r: bridgingOrganisations(by: $by, first: $first, after: $after) { by approximate totalCount"
            " organisations { organisation { uid } zonesServed zonesLinked betweenness } %s } }" % PAGE_INFO)

ZONES = {z["uid"]: z for z in SEED.nodes["Zone"]}
TOWN_OF = {s: t for s, rel, t in EDGES if rel == "IN_TOWN"}
# ZoneWhere → the zones it matches, evaluated in Python.
ZONE_FILTERS = {
    "demonstration": ({"isDemonstration": {"eq": True}}, lambda z: z["isDemonstration"]),
    "all": (None, lambda z: True),
    "zumiao": ({"town": {"nameEn": {"eq": "Zumiao"}}}, lambda z: TOWN_OF.get(z["uid"]) == "town-zumiao"),
    "not-demonstration": ({"NOT": {"isDemonstration": {"eq": True}}}, lambda z: not z["isDemonstration"]),
    "peide": ({"nameEn": {"eq": "Peide"}}, lambda z: z.get("nameEn") == "Peide"),
    "none": ({"uid": {"eq": "zone-nowhere"}}, lambda z: False),
}


def walk(data, query: str, variables: dict, first: int, get=lambda r: r) -> list[dict]:
    """Every page of a list, following pageInfo.endCursor; checks the page information."""
    pages, after = [], None
    while True:
        result = data(query, {**variables, "first": first, "after": after})["r"]
        pages.append(result)
        info = get(result)["pageInfo"]
        assert info["hasPreviousPage"] is (after is not None)
        if not info["hasNextPage"]:
            return pages
        assert info["endCursor"], info
        after = info["endCursor"]
        assert len(pages) < 500


# --------------------------------------------------------------------------- zone composition


def expected_composition(name: str) -> tuple[list[str], int]:
    where, test = ZONE_FILTERS[name]
    uids = sorted(u for u, z in ZONES.items() if test(z))
    return uids, len({o for u in uids for o in into(u, "PART_OF", "SERVES")})


@pytest.mark.parametrize("name", ZONE_FILTERS)
@pytest.mark.parametrize("first", FIRSTS)
def test_composition_totals_do_not_depend_on_first(data, name, first):
    uids, absorbed = expected_composition(name)
    report = data(COMPOSITION, {"w": ZONE_FILTERS[name][0], "first": first})["r"]
    assert (report["totalCount"], report["absorbedOrganisations"]) == (len(uids), absorbed)
    page = uids[:100 if first is None else first]
    assert [z["zone"]["uid"] for z in report["zones"]] == page
    assert report["pageInfo"]["hasNextPage"] is (len(uids) > len(page))
    for zone in report["zones"]:
        check_node(zone["zone"], zone["zone"]["uid"])
        expected = expected_zone(zone["zone"]["uid"])
        assert {k: zone[k] for k in ("internalCount", "externalCount", "absorbed", "membersReachable")} == {
            k: expected[k] for k in ("internalCount", "externalCount", "absorbed", "membersReachable")}


@pytest.mark.parametrize("name", ["demonstration", "all", "zumiao"])
@pytest.mark.parametrize("first", [1, 2, 5])
def test_composition_pages_cover_the_match_once_with_the_same_totals(data, name, first):
    uids, absorbed = expected_composition(name)
    pages = walk(data, COMPOSITION, {"w": ZONE_FILTERS[name][0]}, first)
    assert {(p["totalCount"], p["absorbedOrganisations"]) for p in pages} == {(len(uids), absorbed)}
    assert [z["zone"]["uid"] for p in pages for z in p["zones"]] == uids
    assert all(len(p["zones"]) == first for p in pages[:-1])


def test_the_issue_example(data):
    """zoneComposition(demonstration zones, first: 2) gave 61 absorbed organisations; 0 with first: 0."""
    query = "{ zoneComposition(where: {isDemonstration: {eq: true}}, first: %d) { absorbedOrganisations } }"
    assert {data(query % first)["zoneComposition"]["absorbedOrganisations"] for first in (0, 1, 2, 4)} == {113}
    assert data("{ zoneComposition(where: {isDemonstration: {eq: true}}) { absorbedOrganisations } }") == {
        "zoneComposition": {"absorbedOrganisations": 113}}


def test_composition_takes_the_cursors_of_the_zones_connection(data):
    """Both lists are zones in uid order: a `zones` cursor continues zoneComposition, and back."""
    uids, absorbed = expected_composition("demonstration")
    where = ZONE_FILTERS["demonstration"][0]
    edges = data("query($w: ZoneWhere) { zones(where: $w, sort: [{uid: ASC}]) { edges { cursor node { uid } } } }",
                 {"w": where})["zones"]["edges"]
    for i, edge in enumerate(edges):
        report = data(COMPOSITION, {"w": where, "first": 2, "after": edge["cursor"]})["r"]
        assert [z["zone"]["uid"] for z in report["zones"]] == uids[i + 1:i + 3]
        assert (report["totalCount"], report["absorbedOrganisations"]) == (len(uids), absorbed)
    end = data(COMPOSITION, {"w": where, "first": 1})["r"]["pageInfo"]["endCursor"]
    assert end == edges[0]["cursor"]


# --------------------------------------------------------------------------- coverage gaps


@pytest.mark.parametrize("first", FIRSTS)
def test_gap_counts_do_not_depend_on_first(data, first):
    gaps = data(GAPS, {"first": first})["r"]
    for name, uids in expected_gaps().items():
        page = uids[:100 if first is None else first]
        assert gaps[name]["count"] == len(uids), name
        assert [n["uid"] for n in gaps[name]["nodes"]] == page, name
        assert gaps[name]["pageInfo"]["hasNextPage"] is (len(uids) > len(page)), name


@pytest.mark.parametrize("name", ["gridsWithoutDepartment", "zonesWithoutExternalOrganisation",
                                  "villagesWithoutSecretary"])
def test_gap_pages_cover_each_list_once(data, name):
    uids = expected_gaps()[name]
    pages = walk(data, GAPS, {}, 2, lambda r: r[name])
    assert {p[name]["count"] for p in pages} == {len(uids)}
    assert [n["uid"] for p in pages for n in p[name]["nodes"]] == uids
    # The cursor is a position in uid order, so the other lists continue from it too.
    for page in pages[1:]:
        for other, others in expected_gaps().items():
            assert page[other]["count"] == len(others)


# --------------------------------------------------------------------------- bridging organisations


def expected_ranking(by: str) -> list[str]:
    links = zone_links(EDGES)
    if by == "BETWEENNESS":
        scores = betweenness(EDGES)
        return sorted(scores, key=lambda o: (-scores[o], o))
    served = {o: len(r["SERVES"]) for o, r in links.items()}
    linked = {o: len(set().union(*r.values())) for o, r in links.items()}
    return sorted(links, key=lambda o: (-served[o], -linked[o], o))


@pytest.mark.parametrize("by", ["ZONES_SERVED", "BETWEENNESS"])
@pytest.mark.parametrize("first", FIRSTS)
def test_bridging_totals_do_not_depend_on_first(data, by, first):
    ranking = expected_ranking(by)
    report = data(BRIDGING, {"by": by, "first": first})["r"]
    assert (report["totalCount"], report["approximate"]) == (len(ranking), False)
    page = ranking[:20 if first is None else first]
    assert [o["organisation"]["uid"] for o in report["organisations"]] == page
    assert report["pageInfo"]["hasNextPage"] is (len(ranking) > len(page))


@pytest.mark.parametrize("by", ["ZONES_SERVED", "BETWEENNESS"])
def test_bridging_pages_cover_the_ranking_once(data, by):
    ranking = expected_ranking(by)
    pages = walk(data, BRIDGING, {"by": by}, 7)
    assert {(p["totalCount"], p["approximate"]) for p in pages} == {(len(ranking), False)}
    assert [o["organisation"]["uid"] for p in pages for o in p["organisations"]] == ranking


# --------------------------------------------------------------------------- every paged field is covered


# matchDemand and matchingReport are walked in tests/test_matching.py.
PAGED = {"zoneComposition", "coverageGaps", "bridgingOrganisations", "search", "matchDemand", "matchingReport",
         "monthlyReview"}


# --------------------------------------------------------------------------- the monthly review

REVIEW = ("query($t: String!, $m: String!, $first: Int, $after: String) { r: monthlyReview(town: $t, month: $m, "
          "first: $first, after: $after) { overdueCount escalationCount overdue { demand { uid } raisedOn } "
          "overduePageInfo { hasNextPage hasPreviousPage endCursor } escalations { escalation { uid } escalatedOn } "
          "escalationsPageInfo { hasNextPage hasPreviousPage endCursor } } }")


@pytest.mark.parametrize("town, month, first", [("town-shiwan", "2015-12", 7), ("town-shiwan", "2015-06", 3),
                                                ("town-shiwan", "2015-09", 4)])
def test_review_pages_cover_each_list_once(data, town, month, first):
    """Walking `overdue` by its cursors gives the whole list (first: 1000) in order, once; the
    counts never change; `escalations` continues from the same (date, uid) positions."""
    whole = data(REVIEW, {"t": town, "m": month, "first": 1000})["r"]
    assert whole["overdueCount"] == len(whole["overdue"]) > first, whole["overdueCount"]
    pages = walk(data, REVIEW, {"t": town, "m": month}, first, lambda r: {"pageInfo": r["overduePageInfo"]})
    assert [o["demand"]["uid"] for p in pages for o in p["overdue"]] == [o["demand"]["uid"] for o in whole["overdue"]]
    assert {(p["overdueCount"], p["escalationCount"]) for p in pages} == {(whole["overdueCount"],
                                                                           whole["escalationCount"])}
    for page, previous in zip(pages[1:], pages):  # escalations after the overdue list's position
        position = (previous["overdue"][-1]["raisedOn"], previous["overdue"][-1]["demand"]["uid"])
        assert [e["escalation"]["uid"] for e in page["escalations"]] == [
            e["escalation"]["uid"] for e in whole["escalations"]
            if (e["escalatedOn"], e["escalation"]["uid"]) > position][:first]


def test_every_paged_research_field_is_tested_here(data):
    """A research field taking `first` must be listed (and tested) above; root connections are
    covered by tests/test_paging.py."""
    fields = data("{ __schema { queryType { fields { name args { name } type { name ofType { name } } } } } }")
    paged = {f["name"] for f in fields["__schema"]["queryType"]["fields"]
             if any(a["name"] == "first" for a in f["args"])
             and not ((f["type"]["name"] or f["type"]["ofType"]["name"] or "").endswith("Connection"))}
    assert paged == PAGED


@pytest.mark.parametrize("query, after", [
    ("{ zoneComposition(after: $a) { totalCount } }", "not a cursor"),
    ("{ coverageGaps(after: $a) { gridsWithoutDepartment { count } } }", "@@@"),
    ("{ bridgingOrganisations(after: $a) { totalCount } }", ("uid:ASC", ["org-x-01"])),
    ("{ bridgingOrganisations(by: BETWEENNESS, after: $a) { totalCount } }",
     ("bridging:ZONES_SERVED", [1, 1, "org-x-01"])),
    ("{ zoneComposition(after: $a) { totalCount } }", ("uid:ASC", [7])),
    ("{ zoneComposition(after: $a) { totalCount } }", ("name:ASC,uid:ASC", ["a", "b"])),
    ("{ bridgingOrganisations(after: $a) { totalCount } }", ("bridging:ZONES_SERVED", [True, 1, "x"])),
    ('{ monthlyReview(town: "town-shiwan", month: "2015-12", after: $a) { overdueCount } }', "@@@"),
    ('{ monthlyReview(town: "town-shiwan", month: "2015-12", after: $a) { overdueCount } }', ("uid:ASC", ["x"])),
    ('{ monthlyReview(town: "town-shiwan", month: "2015-12", after: $a) { overdueCount } }',
     ("monthlyReview:date,uid", [1, "x"])),
])
def test_bad_cursors_are_refused(gql, data_dir, query, after):
    signed = isinstance(after, tuple)
    if signed:  # with the server's key, so that its content is what is refused
        after = encode_cursor(*after, cursor_secret(data_dir))
    body = gql(query.replace("{ ", "query($a: String) { ", 1), {"a": after})
    assert body.get("data") is None or not any(body["data"].values())
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and error["extensions"]["field"] == "after", error
    assert not signed or "not a cursor this API issued" not in error["message"], error
    assert body["extensions"]["cypher"] == []  # refused before anything is read
