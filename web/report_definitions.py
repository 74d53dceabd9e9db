"""The reports (web/reports.py, `dangjian report`): each research query as a table.

A report is a GraphQL document over the public schema, its parameters (the query's arguments, plus
`town` as a shortcut for the usual `where`), and the columns read from the answer. It holds every
row: paged lists are read page by page (`first` is the page size) until `hasNextPage` is false. No
report reads the database any other way, so a grant sees in a report what it sees in GraphQL.

    REPORTS["demand-statistics"].arguments({"groupBy": "MONTH", "town": "town-nanzhuang"})
    await REPORTS["demand-statistics"].rows(execute, arguments)  # [{column key: value}, …]

`execute(document, variables)` answers a document's `data`, or raises ReportError. Parameters
that are wrong raise ReportError(400, …, field=the parameter's name).
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Mapping

from graph.statistics import DEMAND_GROUPS
from i18n import Message
from web.import_language import said

Execute = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]
BAD_USER_INPUT = "BAD_USER_INPUT"
# Parameters of the file itself, not of the query (web/reports.py).
FILE_PARAMETERS = ("lang", "headers")
_INTEGER = re.compile(r"[0-9]{1,6}")
_NUMBER = re.compile(r"[0-9]+(\.[0-9]+)?")
_UID_LIST = re.compile(r"[A-Za-z0-9_.:-]+")


class ReportError(Exception):
    """A report that cannot be made: status (400 bad parameter, 401/403 the grant, 404 no such report,
    503/504 the database), the message (an i18n.Message, said in the reader's language by
    web/reports.py; or a GraphQL error's text, already said, with its `english`), the code
    (BAD_USER_INPUT, NOT_FOUND, FORBIDDEN, …) and the parameter."""

    def __init__(self, status: int, message: str, code: str = BAD_USER_INPUT, field: str | None = None,
                 english: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.code, self.field = status, message, code, field
        self.english = english if english is not None else str(message)

    def say(self, lang: str) -> str:
        return said(self.message, lang)


@dataclass(frozen=True)
class Column:
    """key: the row's key; header: the English header, also the msgid of the Chinese one
    (i18n/locale/*/LC_MESSAGES/reports.po)."""
    key: str
    header: str


@dataclass(frozen=True)
class Parameter:
    """kind: enum (one of `choices`), towns (comma-separated town uids), date (YYYY-MM-DD), json
    (a GraphQL input object), page (a page size, 1–1000), number (≥ 0)."""
    name: str
    kind: str
    choices: tuple[str, ...] = ()
    required: bool = False
    default: str | None = None
    description: str = ""


def _NOT_JSON(name: str) -> Message:
    return Message("{name}: must be a JSON object (the query's `{name}` argument)", name=name)


def _parse(parameter: Parameter, raw: str) -> Any:
    name = parameter.name
    if parameter.kind == "enum":
        value = raw.strip().upper()
        if value not in parameter.choices:
            raise ReportError(400, Message("{name}: must be one of {choices}, got {got!r}", name=name,
                                           choices=", ".join(parameter.choices), got=raw[:40]), field=name)
        return value
    if parameter.kind == "towns":
        towns = [t.strip() for t in raw.split(",") if t.strip()]
        if not towns or not all(_UID_LIST.fullmatch(t) for t in towns):
            raise ReportError(400, Message("{name}: town uids separated by commas, e.g. town-nanzhuang", name=name),
                              field=name)
        return towns
    if parameter.kind == "json":
        try:
            value = json.loads(raw)
        except ValueError:
            raise ReportError(400, _NOT_JSON(name), field=name) from None
        if not isinstance(value, dict):
            raise ReportError(400, _NOT_JSON(name), field=name)
        return value
    if parameter.kind == "page":
        if not _INTEGER.fullmatch(raw) or not 1 <= int(raw) <= 1000:
            raise ReportError(400, Message("{name}: a page size from 1 to 1000, got {got!r}", name=name, got=raw[:20]),
                              field=name)
        return int(raw)
    if parameter.kind == "number":
        if not _NUMBER.fullmatch(raw) or not math.isfinite(float(raw)):
            raise ReportError(400, Message("{name}: a number such as 0.5, got {got!r}", name=name, got=raw[:20]),
                              field=name)
        return float(raw)
    return raw  # date: the query checks it, and names the field


@dataclass(frozen=True)
class Report:
    """name: the URL's; title: the English title (a msgid); fetch(execute, arguments) → rows."""
    name: str
    title: str
    parameters: tuple[Parameter, ...]
    columns: tuple[Column, ...]
    fetch: Callable[[Execute, dict[str, Any]], Awaitable[list[dict[str, Any]]]] = field(repr=False)

    def arguments(self, params: Mapping[str, str]) -> dict[str, Any]:
        """The parsed parameters (absent ones: their default or None). Raises ReportError on an
        unknown, missing or malformed parameter."""
        known = {p.name: p for p in self.parameters}
        for name in params:
            if name not in known and name not in FILE_PARAMETERS:
                raise ReportError(400, Message("{name}: not a parameter of {report} (it takes {known})", name=name,
                                               report=self.name, known=", ".join(known) or "-"), field=name)
        parsed: dict[str, Any] = {}
        for name, parameter in known.items():
            raw = params.get(name)
            if raw is None or raw == "":
                if parameter.required:
                    raise ReportError(400, Message("{name}: required", name=name), field=name)
                raw = parameter.default
            parsed[name] = None if raw is None else _parse(parameter, raw)
        return parsed

    async def rows(self, execute: Execute, arguments: dict[str, Any]) -> list[dict[str, Any]]:
        """Every row; a ReportError names the parameter (the variable `uid` is `town`, and so is
        `where` when only `town` was given)."""
        try:
            return await self.fetch(execute, arguments)
        except ReportError as error:
            if error.field == "uid" or (error.field == "where" and arguments.get("where") is None):
                error.field = "town"
            raise


def _where(arguments: dict[str, Any], town_path: tuple[str, ...]) -> dict[str, Any] | None:
    """`where`, and the towns as `{…town: {uid: {in: towns}}}` at town_path, both (AND) if both."""
    where, towns = arguments.get("where"), arguments.get("town")
    if not towns:
        return where
    town: dict[str, Any] = {"uid": {"in": towns}}
    for step in reversed(town_path):
        town = {step: town}
    return {"AND": [where, town]} if where else town


async def _all_pages(execute: Execute, document: str, variables: dict[str, Any],
                     connection: Callable[[dict], dict], items: str) -> list[dict]:
    """Every item of a paged list: `after` is the last page's endCursor until hasNextPage is false."""
    found: list[dict] = []
    after = None
    while True:
        page = connection(await execute(document, {**variables, "after": after}))
        found.extend(page[items])
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


def _node(prefix: str, node: dict | None) -> dict[str, Any]:
    return {f"{prefix}Uid": node["uid"] if node else None, f"{prefix}Name": node["name"] if node else None}


def _kinds(counts: list[dict]) -> str:
    return "; ".join(f"{c['kind']}: {c['count']}" for c in counts)


TOWN = Parameter("town", "towns", description="town uids, comma-separated")
PAGE = Parameter("first", "page", description="page size for reading the query's pages (all rows are read)")
FROM = Parameter("from", "date", description="YYYY-MM-DD, inclusive")
TO = Parameter("to", "date", description="YYYY-MM-DD, inclusive")
SUPPRESSED = Column("suppressed", "suppressed counts")
# A group's label in both languages (水电 / Utilities for UTILITIES: schema/labels.py), whichever the headers'.
LABELS = (("labelZh", "group label (Chinese)"), ("labelEn", "group label (English)"))


ZONES = """query Report($where: ZoneWhere, $first: Int, $after: String) {
  zoneComposition(where: $where, first: $first, after: $after) {
    zones { zone { uid name } lead { uid name } internalCount externalCount absorbed membersReachable
            internalByKind { kind count } externalByKind { kind count } suppressed }
    pageInfo { hasNextPage endCursor } } }"""


async def _zones(execute: Execute, arguments: dict[str, Any]) -> list[dict]:
    variables = {"where": _where(arguments, ("town",)), "first": arguments["first"]}
    zones = await _all_pages(execute, ZONES, variables, lambda d: d["zoneComposition"], "zones")
    return [{**_node("zone", z["zone"]), **_node("lead", z["lead"]), **z,
             "internalByKind": _kinds(z["internalByKind"]), "externalByKind": _kinds(z["externalByKind"])}
            for z in zones]


TOWNS = """query Report($uid: String) { townStatistics(uid: $uid) {
  area { uid name } zones villages urbanCommunities grids organisations members villageSecretaries
  entrepreneurSecretaries entrepreneurSecretaryShare visits householdsRegistered householdsVisited
  householdVisitRate residentsReceived demandsCollectedOnVisits demandsResolvedOnVisits visitResolutionRate
  needs problems resources serviceTeams actionProjects suppressed } }"""
TOWN_FIGURES = ("zones", "villages", "urbanCommunities", "grids", "organisations", "members", "villageSecretaries",
                "entrepreneurSecretaries", "entrepreneurSecretaryShare", "visits", "householdsRegistered",
                "householdsVisited", "householdVisitRate", "residentsReceived", "demandsCollectedOnVisits",
                "demandsResolvedOnVisits", "visitResolutionRate", "needs", "problems", "resources", "serviceTeams",
                "actionProjects")


async def _towns(execute: Execute, arguments: dict[str, Any]) -> list[dict]:
    towns = arguments["town"] or [None]
    rows = []
    for uid in towns:  # townStatistics takes one uid, or none for every town
        data = await execute(TOWNS, {"uid": uid})
        rows.extend({**_node("town", t["area"]), **t} for t in data["townStatistics"])
    return rows


DEMANDS = """query Report($groupBy: DemandGroupBy!, $where: DemandWhere, $from: String, $to: String) {
  demandStatistics(groupBy: $groupBy, where: $where, from: $from, to: $to) {
    groups { key name labelZh: label(lang: "zh-CN") labelEn: label(lang: "en") unassigned collected resolved
             resolutionRate shareOfResolved timedCount
             medianDaysToResolve p90DaysToResolve periodStart periodEnd suppressed } } }"""
GROUP_FIGURES = ("collected", "resolved", "resolutionRate", "shareOfResolved", "timedCount", "medianDaysToResolve",
                 "p90DaysToResolve")


async def _demands(execute: Execute, arguments: dict[str, Any]) -> list[dict]:
    variables = {"groupBy": arguments["groupBy"], "where": _where(arguments, ("community", "town")),
                 "from": arguments["from"], "to": arguments["to"]}
    return (await execute(DEMANDS, variables))["demandStatistics"]["groups"]


GAP_NAMES = ("gridsWithoutDepartment", "zonesWithoutExternalOrganisation", "villagesWithoutSecretary")
GAPS = """query Report($first: Int, $after: String) { coverageGaps(first: $first, after: $after) {
  %s { count nodes { uid name label } pageInfo { hasNextPage endCursor } } } }"""


async def _gaps(execute: Execute, arguments: dict[str, Any]) -> list[dict]:
    rows = []
    for gap in GAP_NAMES:  # `after` applies to every list: each gap is read on its own
        nodes = await _all_pages(execute, GAPS % gap, {"first": arguments["first"]},
                                 lambda d, gap=gap: d["coverageGaps"][gap], "nodes")
        rows.extend({"gap": gap, "uid": n["uid"], "name": n["name"], "label": n["label"]} for n in nodes)
    return rows


BRIDGING = """query Report($by: BridgingMeasure!, $first: Int, $after: String) {
  bridgingOrganisations(by: $by, first: $first, after: $after) {
    organisations { organisation { uid name } zonesServed zonesLinked betweenness }
    pageInfo { hasNextPage endCursor } } }"""


async def _bridging(execute: Execute, arguments: dict[str, Any]) -> list[dict]:
    organisations = await _all_pages(execute, BRIDGING, {"by": arguments["by"], "first": arguments["first"]},
                                     lambda d: d["bridgingOrganisations"], "organisations")
    return [{"rank": rank, **_node("organisation", o["organisation"]), **o}
            for rank, o in enumerate(organisations, start=1)]


VISITS = """query Report($where: VisitWhere, $from: String, $to: String) {
  visitCoverage(where: $where, from: $from, to: $to) { %s {
    group { uid name } visits householdsRegistered householdsVisited visitRate residentsReceived
    demandsCollected demandsResolved resolutionRate suppressed } } }"""
VISIT_FIGURES = ("visits", "householdsRegistered", "householdsVisited", "visitRate", "residentsReceived",
                 "demandsCollected", "demandsResolved", "resolutionRate")


async def _visits(execute: Execute, arguments: dict[str, Any]) -> list[dict]:
    part = {"COMMUNITY": "byCommunity", "TEAM": "byTeam"}[arguments["by"]]
    variables = {"where": _where(arguments, ("community", "town")), "from": arguments["from"],
                 "to": arguments["to"]}
    groups = (await execute(VISITS % part, variables))["visitCoverage"][part]
    return [{**_node("group", g["group"]), **g} for g in groups]


MATCHING = """query Report($where: DemandWhere, $threshold: Float) {
  matchingReport(where: $where, threshold: $threshold) { %s {
    key name labelZh: label(lang: "zh-CN") labelEn: label(lang: "en") demands covered coverage suppressed } } }"""


async def _matching(execute: Execute, arguments: dict[str, Any]) -> list[dict]:
    part = {"CATEGORY": "byCategory", "TOWN": "byTown"}[arguments["by"]]
    variables = {"where": _where(arguments, ("community", "town")), "threshold": arguments["threshold"]}
    return (await execute(MATCHING % part, variables))["matchingReport"][part]


def _columns(*pairs: tuple[str, str]) -> tuple[Column, ...]:
    return tuple(Column(key, header) for key, header in pairs)


_FIGURE_HEADERS = {
    "zones": "zones", "villages": "villages", "urbanCommunities": "urban communities", "grids": "grids",
    "organisations": "organisations", "members": "members", "villageSecretaries": "village secretaries",
    "entrepreneurSecretaries": "entrepreneur secretaries",
    "entrepreneurSecretaryShare": "entrepreneur secretary share", "visits": "visits",
    "householdsRegistered": "households registered", "householdsVisited": "households visited",
    "householdVisitRate": "household visit rate", "residentsReceived": "residents received",
    "demandsCollectedOnVisits": "demands collected on visits", "demandsResolvedOnVisits": "demands resolved on visits",
    "visitResolutionRate": "visit resolution rate", "needs": "needs", "problems": "problems", "resources": "resources",
    "serviceTeams": "service teams", "actionProjects": "action projects", "collected": "demands collected",
    "resolved": "demands resolved", "resolutionRate": "resolution rate", "shareOfResolved": "share of resolved",
    "timedCount": "resolved with both dates", "medianDaysToResolve": "median days to resolve",
    "p90DaysToResolve": "p90 days to resolve", "visitRate": "visit rate", "demandsCollected": "demands collected",
    "demandsResolved": "demands resolved",
}


def _figures(keys: tuple[str, ...]) -> tuple[Column, ...]:
    return tuple(Column(key, _FIGURE_HEADERS[key]) for key in keys)


REPORTS: dict[str, Report] = {r.name: r for r in (
    Report("zone-composition", "zone composition (1+N+X)", (TOWN, Parameter("where", "json"), PAGE), _columns(
        ("zoneUid", "zone uid"), ("zoneName", "zone"), ("leadUid", "lead organisation uid"),
        ("leadName", "lead organisation"), ("internalCount", "internal organisations (N)"),
        ("externalCount", "external organisations (X)"), ("absorbed", "organisations absorbed"),
        ("membersReachable", "members reachable"), ("internalByKind", "internal organisations by kind"),
        ("externalByKind", "external organisations by kind")) + (SUPPRESSED,), _zones),
    Report("town-statistics", "town statistics", (TOWN,),
           _columns(("townUid", "town uid"), ("townName", "town")) + _figures(TOWN_FIGURES) + (SUPPRESSED,), _towns),
    Report("demand-statistics", "demand statistics",
           (Parameter("groupBy", "enum", DEMAND_GROUPS, required=True), TOWN, Parameter("where", "json"), FROM, TO),
           _columns(("key", "group key"), ("name", "group"), *LABELS, ("unassigned", "unassigned"),
                    ("periodStart", "period start"), ("periodEnd", "period end"))
           + _figures(GROUP_FIGURES) + (SUPPRESSED,), _demands),
    Report("coverage-gaps", "coverage gaps", (PAGE,),
           _columns(("gap", "gap"), ("uid", "node uid"), ("name", "node name"), ("label", "node type")), _gaps),
    Report("bridging-organisations", "bridging organisations",
           (Parameter("by", "enum", ("ZONES_SERVED", "BETWEENNESS"), default="ZONES_SERVED"), PAGE),
           _columns(("rank", "rank"), ("organisationUid", "organisation uid"), ("organisationName", "organisation"),
                    ("zonesServed", "zones served"), ("zonesLinked", "zones linked"),
                    ("betweenness", "betweenness")), _bridging),
    Report("visit-coverage", "visit coverage",
           (Parameter("by", "enum", ("COMMUNITY", "TEAM"), default="COMMUNITY"), TOWN, Parameter("where", "json"),
            FROM, TO),
           _columns(("groupUid", "community or team uid"), ("groupName", "community or team"))
           + _figures(VISIT_FIGURES) + (SUPPRESSED,), _visits),
    Report("matching", "matching coverage",
           (Parameter("by", "enum", ("CATEGORY", "TOWN"), default="CATEGORY"), TOWN, Parameter("where", "json"),
            Parameter("threshold", "number")),
           _columns(("key", "group key"), ("name", "group"), *LABELS, ("demands", "demands"), ("covered", "demands covered"),
                    ("coverage", "coverage")) + (SUPPRESSED,), _matching),
)}
