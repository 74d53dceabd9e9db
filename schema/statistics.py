"""GraphQL types and fields for the research statistics.

Every field says which figures are across all matched (never depending on `first`/`after`) and
which are per page. Paged lists come with a Relay `pageInfo`; `after` takes its `endCursor`."""
from __future__ import annotations

import enum
from typing import Annotated, Any, Optional

import strawberry
from strawberry.types import Info

from graph.statistics import DEMAND_GROUPS
from graph.grants import grant_of
from resolvers import statistics, suppression
from resolvers.suppression import Cells
from resolvers.read import reader_for
from resolvers.selection import SelectionReader
from schema.labels import ENUM_OF_GROUP, LABEL_DOC, Language, group_label, language_of
from schema.research import GraphNode, graph_node
from schema.types import PageInfo


def _where(info: Info) -> Optional[dict]:
    """`where` as plain data, the form the filter compiler takes."""
    return SelectionReader(info).root(info).args.get("where")


@strawberry.type(description="Organisations of one kind (OrganisationKind).")
class KindCount:
    kind: str
    count: int

    @strawberry.field(description=LABEL_DOC)
    def label(self, info: Info, lang: Optional[Language] = None) -> str:
        return group_label(language_of(info, lang), self.kind, None, "OrganisationKind")


@strawberry.type(description='A zone\'s "1", "N" and "X", and the members reachable through them.')
class ZoneComposition:
    zone: GraphNode
    lead: Optional[GraphNode]
    internalCount: int
    externalCount: int
    internalByKind: list[KindCount]
    externalByKind: list[KindCount]
    absorbed: int = strawberry.field(description="Distinct organisations inside (N) or outside (X).")
    membersReachable: Optional[int] = strawberry.field(
        description="Distinct members of the 1, N and X organisations (suppressed under k for viewers and "
                    "researchers, and rounded to a multiple of k).")
    suppressed: list[str] = strawberry.field(description="The counts here withheld by small-cell suppression (viewer and researcher grants: under k, see docs/security.md); empty otherwise.")


@strawberry.type(description="The zones matched: totalCount and absorbedOrganisations are across all of them, "
                             "whatever first and after say; zones is the page (in uid order), with its pageInfo.")
class ZoneCompositionReport:
    totalCount: int = strawberry.field(description="Zones matched (all of them, not the page).")
    absorbedOrganisations: int = strawberry.field(
        description="Distinct N and X organisations across all the zones matched, not only the page (the article: "
                    "113 for the 4 demonstration zones).")
    zones: list[ZoneComposition] = strawberry.field(description="The page: `first` zones by uid after `after`.")
    pageInfo: PageInfo


@strawberry.type(description="Counts for a town, or for the whole district.")
class AreaStatistics:
    area: Optional[GraphNode]
    zones: int
    villages: int
    urbanCommunities: int
    grids: int
    organisations: int
    organisationsByKind: list[KindCount]
    members: Optional[int] = strawberry.field(description="Members (suppressed under k for viewers and researchers, "
                                                          "and rounded to a multiple of k).")
    villageSecretaries: Optional[int] = strawberry.field(description="Village secretaries (suppressed like members).")
    entrepreneurSecretaries: Optional[int] = strawberry.field(
        description="Village secretaries who run an enterprise (suppressed like members).")
    entrepreneurSecretaryShare: Optional[float] = strawberry.field(
        description="Village secretaries who run an enterprise, as a share (0–1), of the released counts.")
    visits: int = strawberry.field(description="Stationed-contact visits to the area's communities (all recorded; "
                                               "the seed's are Nanzhuang's in 2015).")
    householdsRegistered: Optional[int] = strawberry.field(
        description="Households registered in the area's communities, the base of the visit rate; null when none "
                    "has the figure.")
    householdsVisited: Optional[int] = strawberry.field(
        description="Households visited, summed over the visits (suppressed like members). Read from the Visit "
                    "nodes, not from the town's own figure (the article's).")
    householdVisitRate: Optional[float] = strawberry.field(
        description="householdsVisited / householdsRegistered (0–1), of the released counts.")
    residentsReceived: Optional[int] = strawberry.field(
        description="Residents received on the visits (suppressed like members).")
    demandsCollectedOnVisits: Optional[int] = strawberry.field(
        description="Demands RAISED_DURING the visits (suppressed like members).")
    demandsResolvedOnVisits: Optional[int] = strawberry.field(
        description="Of those, RESOLVED now (suppressed like members).")
    visitResolutionRate: Optional[float] = strawberry.field(
        description="demandsResolvedOnVisits / demandsCollectedOnVisits (0–1), of the released counts.")
    needs: Optional[int] = strawberry.field(
        description="Demands of kind NEED (需求) raised in the area's communities (suppressed like members).")
    problems: Optional[int] = strawberry.field(
        description="Demands of kind PROBLEM (问题) raised in the area's communities (suppressed like members).")
    resources: int = strawberry.field(description="Resources (资源) serving the area: the town itself, or a "
                                                  "community or zone in it (distinct).")
    serviceTeams: int = strawberry.field(description="Service teams (服务团队) serving the area, counted like "
                                                     "resources.")
    actionProjects: int = strawberry.field(description="Action projects (行动项目) IN_TOWN the area.")
    suppressed: list[str] = strawberry.field(description="The counts here withheld by small-cell suppression (viewer and researcher grants: under k, see docs/security.md); empty otherwise.")


DemandGroupBy = strawberry.enum(enum.Enum("DemandGroupBy", {k: k for k in DEMAND_GROUPS}),
                                description="How to group demand statistics.")


@strawberry.type(description="One group of demands. Demands with no group (no town, community or resolver; for "
                             "CATEGORY or STATUS no value) form the group `unassigned`, named "
                             "\"未归属 / unassigned\", under every groupBy.")
class DemandGroup:
    key: str = strawberry.field(description="The group's uid (TOWN, COMMUNITY, RESOLVER), type (RESOLVER_TYPE) or "
                                            "value (CATEGORY, STATUS); \"unassigned\" for demands with none.")
    name: str = strawberry.field(description="The group's name (uid groups), else the key; "
                                             "\"未归属 / unassigned\" for demands with none.")
    unassigned: bool = strawberry.field(description="True for the group of demands with no town, community, "
                                                    "resolver or value.")
    collected: Optional[int] = strawberry.field(description="Demands in the group (suppressed under k for viewers and "
                                                            "researchers, and rounded to a multiple of k).")
    resolved: Optional[int] = strawberry.field(description="Of those, resolved (suppressed like collected).")
    resolutionRate: Optional[float] = strawberry.field(description="resolved / collected (0–1), of the released counts.")
    shareOfResolved: Optional[float] = strawberry.field(
        description="resolved / all resolved (0–1), of the released counts: by LEVEL, the share resolved at "
                    "each level.")
    timedCount: Optional[int] = strawberry.field(
        description="Resolved demands counted here with both raisedOn and resolvedOn: the base of the days to "
                    "resolve (suppressed like collected).")
    medianDaysToResolve: Optional[int] = strawberry.field(
        description="Median days from raisedOn to resolvedOn, nearest-rank (the lower middle of an even count); "
                    "null with no timed demand, or withheld with timedCount.")
    p90DaysToResolve: Optional[int] = strawberry.field(
        description="90th percentile of those days, nearest-rank (the ⌈0.9·n⌉-th smallest).")
    periodStart: Optional[str] = strawberry.field(description="MONTH, WEEK: the period's first day (ISO date).")
    periodEnd: Optional[str] = strawberry.field(description="MONTH, WEEK: the period's last day (ISO date).")
    suppressed: list[str] = strawberry.field(description="The counts here withheld by small-cell suppression (viewer and researcher grants: under k, see docs/security.md); empty otherwise.")
    group_by: strawberry.Private[str] = ""

    @strawberry.field(description=LABEL_DOC)
    def label(self, info: Info, lang: Optional[Language] = None) -> str:
        return group_label(language_of(info, lang), None if self.unassigned else self.key, self.name,
                           ENUM_OF_GROUP.get(self.group_by), type_key=self.group_by == "RESOLVER_TYPE")


@strawberry.type(description="Every demand matching `where` (not paged): the totals, and the groups, which "
                             "sum to them: most collected first, then by key; by LEVEL lowest level first; by "
                             "MONTH or WEEK in time order (every period from the first to the last). With `from` "
                             "and `to`, collected counts demands raised in the range and resolved those resolved "
                             "in it (docs/escalation.md).")
class DemandStatistics:
    groupBy: DemandGroupBy
    collected: Optional[int] = strawberry.field(description="Demands matched, all of them (suppressed under k for "
                                                            "viewers and researchers, and rounded to a multiple of k).")
    resolved: Optional[int] = strawberry.field(description="Of those, resolved (suppressed like collected).")
    resolutionRate: Optional[float] = strawberry.field(description="resolved / collected (0–1); null for none.")
    timedCount: Optional[int] = strawberry.field(description="Resolved demands with both dates (suppressed like "
                                                             "collected).")
    medianDaysToResolve: Optional[int] = strawberry.field(description="Median days to resolve, nearest-rank.")
    p90DaysToResolve: Optional[int] = strawberry.field(description="90th percentile of days to resolve, nearest-rank.")
    resolvedAtGrassroots: Optional[int] = strawberry.field(
        description="Resolved at LEAD or N: inside the community and its zone (suppressed like collected).")
    resolvedWithLevel: Optional[int] = strawberry.field(description="Resolved with a recorded resolvedLevel "
                                                                    "(suppressed like collected).")
    absorbedAtGrassroots: Optional[float] = strawberry.field(
        description="消化在基层: resolvedAtGrassroots / resolvedWithLevel (0–1), of the released counts.")
    groups: list[DemandGroup]
    suppressed: list[str] = strawberry.field(description="The counts here withheld by small-cell suppression (viewer and researcher grants: under k, see docs/security.md); empty otherwise.")


@strawberry.type(description="One gap: count is all of its nodes; nodes is the page (in uid order) with its "
                             "pageInfo.")
class Gap:
    count: int = strawberry.field(description="All the nodes in this gap, whatever first and after say.")
    nodes: list[GraphNode] = strawberry.field(description="The page: `first` nodes by uid after `after`.")
    pageInfo: PageInfo


@strawberry.type(description="Where coverage is thin.")
class CoverageGaps:
    gridsWithoutDepartment: Gap
    zonesWithoutExternalOrganisation: Gap
    villagesWithoutSecretary: Gap


BridgingMeasure = strawberry.enum(enum.Enum("BridgingMeasure", {"ZONES_SERVED": "ZONES_SERVED",
                                                                "BETWEENNESS": "BETWEENNESS"}))


@strawberry.type
class BridgingOrganisation:
    organisation: GraphNode
    zonesServed: int = strawberry.field(description='Zones it serves from outside, as an "X".')
    zonesLinked: int = strawberry.field(description="Zones it leads, belongs to or serves.")
    betweenness: float = strawberry.field(description="Betweenness centrality on the organisation–zone network.")


@strawberry.type(description="totalCount and approximate are about the whole network, whatever first and after "
                             "say; organisations is the page of the ranking, with its pageInfo.")
class BridgingReport:
    by: BridgingMeasure
    approximate: bool = strawberry.field(description="True when betweenness was estimated from a sample.")
    totalCount: int = strawberry.field(description="Organisations linked to any zone (the whole ranking).")
    organisations: list[BridgingOrganisation] = strawberry.field(
        description="The page: `first` organisations of the ranking after `after`.")
    pageInfo: PageInfo


def _selects_betweenness(info: Info) -> bool:
    reader = SelectionReader(info)
    report = reader.children(reader.root(info, {}), "BridgingReport")
    return "approximate" in {f.name for f in report.values()} or any(
        f.name == "betweenness" for part in report.values() if part.name == "organisations"
        for f in reader.children(part, "BridgingOrganisation").values())


def _objects(cls, rows):
    return [cls(**row) for row in rows]


def _page_info(info: dict) -> PageInfo:
    return PageInfo(**info)


@strawberry.type
class StatisticsQuery:
    @strawberry.field(description="Counts per town, or for one town by uid (not paged: every figure covers the "
                                  "whole town).")
    async def townStatistics(self, info: Info, uid: Optional[str] = None) -> list[AreaStatistics]:
        cells = Cells(grant_of(info.context))
        return [_area(a, cells) for a in await statistics.town_statistics(reader_for(info.context), uid)]

    @strawberry.field(description="Counts for the whole district.")
    async def districtStatistics(self, info: Info) -> AreaStatistics:
        return _area(await statistics.district_statistics(reader_for(info.context)), Cells(grant_of(info.context)))

    @strawberry.field(description="Grids with no department, zones with no external organisation, villages with "
                                  "no secretary. Each count is across all of them; `first` (default 100, ≤ 1000) "
                                  "and `after` (a pageInfo.endCursor, applied to each list) page the node lists.")
    async def coverageGaps(self, info: Info, first: Optional[int] = None, after: Optional[str] = None) -> CoverageGaps:
        gaps = await statistics.coverage_gaps(reader_for(info.context), first, after)
        return CoverageGaps(**{name: Gap(count=g["count"], nodes=[graph_node(n) for n in g["nodes"]],
                                         pageInfo=_page_info(g["pageInfo"]))
                               for name, g in gaps.items()})

    @strawberry.field(description="Organisations ranked by the zones they serve, or by betweenness centrality. "
                                  "totalCount and approximate cover the whole network; `first` (default 20, "
                                  "≤ 1000) and `after` page the ranking.")
    async def bridgingOrganisations(self, info: Info, by: BridgingMeasure = BridgingMeasure.ZONES_SERVED,
                                    first: Optional[int] = None, after: Optional[str] = None) -> BridgingReport:
        report = await statistics.bridging_organisations(reader_for(info.context), by.value, first,
                                                         _selects_betweenness(info), after)
        return BridgingReport(by=by, approximate=report["approximate"], totalCount=report["totalCount"],
                              pageInfo=_page_info(report["pageInfo"]), organisations=[
                                  BridgingOrganisation(**{**o, "organisation": graph_node(o["organisation"])})
                                  for o in report["organisations"]])


def statistics_fields(zone_where: type, demand_where: type) -> dict[str, Any]:
    """The statistics that take a generated `where` input (ZoneWhere, DemandWhere)."""

    async def zone_composition(info: Info, where=None, first: Optional[int] = None,
                               after: Optional[str] = None) -> ZoneCompositionReport:
        report = await statistics.zone_composition(reader_for(info.context), _where(info), first, after)
        report = suppression.zone_report(report, Cells(grant_of(info.context)))
        return ZoneCompositionReport(
            zones=[ZoneComposition(**{**z, "zone": graph_node(z["zone"]),
                                      "lead": graph_node(z["lead"]) if z["lead"] else None,
                                      "internalByKind": _objects(KindCount, z["internalByKind"]),
                                      "externalByKind": _objects(KindCount, z["externalByKind"])})
                   for z in report["zones"]],
            totalCount=report["totalCount"], absorbedOrganisations=report["absorbedOrganisations"],
            pageInfo=_page_info(report["pageInfo"]))

    async def demand_statistics(
            info: Info, groupBy: DemandGroupBy, where=None,
            from_: Annotated[Optional[str], strawberry.argument(
                name="from", description="ISO date (YYYY-MM-DD): demands raised or resolved on or after it.")] = None,
            to: Annotated[Optional[str], strawberry.argument(
                description="ISO date (YYYY-MM-DD): demands raised or resolved on or before it.")] = None,
    ) -> DemandStatistics:
        result = await statistics.demand_statistics(reader_for(info.context), groupBy.value, _where(info),
                                                    from_, to)
        result = suppression.demand_report(result, Cells(grant_of(info.context)))
        return DemandStatistics(**{**result, "groupBy": groupBy, "groups": [
            DemandGroup(**g, group_by=groupBy.value) for g in result["groups"]]})

    zone_composition.__annotations__["where"] = Optional[zone_where]
    demand_statistics.__annotations__["where"] = Optional[demand_where]
    return {
        "zoneComposition": strawberry.field(
            resolver=zone_composition,
            description="1+N+X composition of the zones that match `where` (default: all). totalCount and "
                        "absorbedOrganisations are across all matched zones; `first` (default 100, ≤ 1000) and "
                        "`after` (a pageInfo.endCursor, or a `zones` cursor in uid order) page only `zones`."),
        "demandStatistics": strawberry.field(
            resolver=demand_statistics,
            description="Demands collected and resolved, the resolution rate and the days to resolve (median, "
                        "p90), in total and per group, over every demand matching `where` (not paged), raised or "
                        "resolved between `from` and `to` (inclusive). Demands with no group are the group "
                        "`unassigned`. groupBy LEVEL gives the share resolved at each level, MONTH and WEEK "
                        "(ISO weeks) series by raisedOn and resolvedOn."),
    }


def _area(row: dict, cells: Cells) -> AreaStatistics:
    row = suppression.area(row, cells)
    return AreaStatistics(**{**row, "area": graph_node(row["area"]) if row["area"] else None,
                             "organisationsByKind": _objects(KindCount, row["organisationsByKind"])})
