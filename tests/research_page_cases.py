"""The research page's charts with a filter state each, for tests/test_research_page.py: the filters a
person sets, the chart's own GraphQL query written here (not read from the page) with the variables
those filters mean, and the report whose CSV and XLSX must hold the same figures.

`expected(data)` answers the rows in the chart's order: {"key": the row's key, figure: value, …};
`report_key` is the report column that holds the key; `figures` the figures compared in the files
(report column = figure name).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class Case:
    chart: str
    filters: dict[str, str]
    report: str
    report_key: str
    figures: tuple[str, ...]
    expected: Callable[[Callable], list[dict[str, Any]]]


def _towns(path: tuple[str, ...], town: str) -> dict:
    where: dict = {"uid": {"in": [town]}}
    for step in reversed(path):
        where = {step: where}
    return where


def _composition(data) -> list[dict]:
    zones = data("""query($w: ZoneWhere) { zoneComposition(where: $w, first: 1000) {
        zones { zone { uid } lead { uid } internalCount externalCount } pageInfo { hasNextPage } } }""",
                 {"w": _towns(("town",), "town-zumiao")})["zoneComposition"]
    assert not zones["pageInfo"]["hasNextPage"]
    return [{"key": z["zone"]["uid"], "lead": 1 if z["lead"] else 0, "internalCount": z["internalCount"],
             "externalCount": z["externalCount"]} for z in zones["zones"]]


def _demands(group_by: str, where: dict | None, date_from: str | None, to: str | None):
    def fetch(data) -> list[dict]:
        groups = data("""query($g: DemandGroupBy!, $w: DemandWhere, $from: String, $to: String) {
            demandStatistics(groupBy: $g, where: $w, from: $from, to: $to) {
              groups { key collected resolved resolutionRate shareOfResolved } } }""",
                      {"g": group_by, "w": where, "from": date_from, "to": to})["demandStatistics"]["groups"]
        return groups
    return fetch


def _bridging(data) -> list[dict]:
    answer = data("""{ bridgingOrganisations(by: BETWEENNESS, first: 10) {
        organisations { organisation { uid } zonesServed zonesLinked betweenness } } }""")["bridgingOrganisations"]
    return [{"key": o["organisation"]["uid"], **o} for o in answer["organisations"]]


def _visits(data) -> list[dict]:
    teams = data("""query($w: VisitWhere) { visitCoverage(where: $w, from: "2015-04-01", to: "2015-09-30") {
        byTeam { group { uid } visits householdsRegistered householdsVisited visitRate demandsCollected
                 demandsResolved } } }""",
                  {"w": _towns(("community", "town"), "town-nanzhuang")})["visitCoverage"]["byTeam"]
    return [{"key": g["group"]["uid"], **g} for g in teams]


def _matching(data) -> list[dict]:
    return data("""{ matchingReport(threshold: 0.7) { byTown { key demands covered coverage } } }""")[
        "matchingReport"]["byTown"]


CASES = {case.chart: case for case in (
    Case("composition", {"town": "town-zumiao"}, "zone-composition", "zoneUid",
         ("internalCount", "externalCount"), _composition),
    Case("resolution", {"groupBy": "MONTH", "category": "UTILITIES", "from": "2015-03-01", "to": "2015-08-31"},
         "demand-statistics", "key", ("collected", "resolved", "resolutionRate"),
         _demands("MONTH", {"category": {"eq": "UTILITIES"}}, "2015-03-01", "2015-08-31")),
    Case("bridging", {"by": "BETWEENNESS", "first": "10"}, "bridging-organisations", "organisationUid",
         ("zonesServed", "zonesLinked", "betweenness"), _bridging),
    Case("escalation", {"town": "town-shiwan"}, "demand-statistics", "key", ("resolved", "shareOfResolved"),
         _demands("LEVEL", _towns(("community", "town"), "town-shiwan"), None, None)),
    Case("visits", {"by": "TEAM", "town": "town-nanzhuang", "from": "2015-04-01", "to": "2015-09-30"},
         "visit-coverage", "groupUid", ("visits", "householdsRegistered", "householdsVisited", "visitRate",
                                        "demandsCollected", "demandsResolved"), _visits),
    Case("matching", {"by": "TOWN", "threshold": "0.7"}, "matching", "key", ("demands", "covered", "coverage"),
         _matching),
)}
