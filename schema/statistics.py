"""GraphQL types and fields for the research statistics."""
from __future__ import annotations

import enum
from typing import Any, Optional

import strawberry
from strawberry.types import Info

from graph.statistics import DEMAND_GROUPS
from resolvers import statistics
from resolvers.read import reader_for
from resolvers.selection import SelectionReader
from schema.research import GraphNode, graph_node


def _where(info: Info) -> Optional[dict]:
    """`where` as plain data, the form the filter compiler takes."""
    return SelectionReader(info).root(info).args.get("where")


@strawberry.type
class KindCount:
    kind: str
    count: int


@strawberry.type(description='A zone\'s "1", "N" and "X", and the members reachable through them.')
class ZoneComposition:
    zone: GraphNode
    lead: Optional[GraphNode]
    internalCount: int
    externalCount: int
    internalByKind: list[KindCount]
    externalByKind: list[KindCount]
    absorbed: int = strawberry.field(description="Distinct organisations inside (N) or outside (X).")
    membersReachable: int = strawberry.field(description="Distinct members of the 1, N and X organisations.")


@strawberry.type
class ZoneCompositionReport:
    zones: list[ZoneComposition]
    absorbedOrganisations: int = strawberry.field(
        description="Distinct N and X organisations across all the zones matched (the article: 113 for the 4 "
                    "demonstration zones).")


@strawberry.type(description="Counts for a town, or for the whole district.")
class AreaStatistics:
    area: Optional[GraphNode]
    zones: int
    villages: int
    urbanCommunities: int
    grids: int
    organisations: int
    organisationsByKind: list[KindCount]
    members: int
    villageSecretaries: int
    entrepreneurSecretaries: int
    entrepreneurSecretaryShare: Optional[float] = strawberry.field(
        description="Village secretaries who run an enterprise, as a share (0–1).")


DemandGroupBy = strawberry.enum(enum.Enum("DemandGroupBy", {k: k for k in DEMAND_GROUPS}),
                                description="How to group demand statistics.")


@strawberry.type
class DemandGroup:
    key: Optional[str] = strawberry.field(description="The group's uid or value; null: none (no town, no resolver).")
    name: Optional[str]
    collected: int
    resolved: int
    resolutionRate: Optional[float]


@strawberry.type
class DemandStatistics:
    groupBy: DemandGroupBy
    collected: int
    resolved: int
    resolutionRate: Optional[float]
    groups: list[DemandGroup]


@strawberry.type
class Gap:
    count: int
    nodes: list[GraphNode]


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


@strawberry.type
class BridgingReport:
    by: BridgingMeasure
    approximate: bool = strawberry.field(description="True when betweenness was estimated from a sample.")
    organisations: list[BridgingOrganisation]


def _selects_betweenness(info: Info) -> bool:
    reader = SelectionReader(info)
    report = reader.children(reader.root(info, {}), "BridgingReport")
    return "approximate" in {f.name for f in report.values()} or any(
        f.name == "betweenness" for part in report.values() if part.name == "organisations"
        for f in reader.children(part, "BridgingOrganisation").values())


def _objects(cls, rows):
    return [cls(**row) for row in rows]


@strawberry.type
class StatisticsQuery:
    @strawberry.field(description="Counts per town, or for one town by uid.")
    async def townStatistics(self, info: Info, uid: Optional[str] = None) -> list[AreaStatistics]:
        return [_area(a) for a in await statistics.town_statistics(reader_for(info.context), uid)]

    @strawberry.field(description="Counts for the whole district.")
    async def districtStatistics(self, info: Info) -> AreaStatistics:
        return _area(await statistics.district_statistics(reader_for(info.context)))

    @strawberry.field(description="Grids with no department, zones with no external organisation, villages with "
                                  "no secretary.")
    async def coverageGaps(self, info: Info, first: Optional[int] = None) -> CoverageGaps:
        gaps = await statistics.coverage_gaps(reader_for(info.context), first)
        return CoverageGaps(**{name: Gap(count=g["count"], nodes=[graph_node(n) for n in g["nodes"]])
                               for name, g in gaps.items()})

    @strawberry.field(description="Organisations ranked by the zones they serve, or by betweenness centrality.")
    async def bridgingOrganisations(self, info: Info, by: BridgingMeasure = BridgingMeasure.ZONES_SERVED,
                                    first: Optional[int] = None) -> BridgingReport:
        report = await statistics.bridging_organisations(reader_for(info.context), by.value, first,
                                                         _selects_betweenness(info))
        return BridgingReport(by=by, approximate=report["approximate"], organisations=[
            BridgingOrganisation(**{**o, "organisation": graph_node(o["organisation"])})
            for o in report["organisations"]])


def statistics_fields(zone_where: type, demand_where: type) -> dict[str, Any]:
    """The statistics that take a generated `where` input (ZoneWhere, DemandWhere)."""

    async def zone_composition(info: Info, where=None, first: Optional[int] = None) -> ZoneCompositionReport:
        report = await statistics.zone_composition(reader_for(info.context), _where(info), first)
        return ZoneCompositionReport(
            zones=[ZoneComposition(**{**z, "zone": graph_node(z["zone"]),
                                      "lead": graph_node(z["lead"]) if z["lead"] else None,
                                      "internalByKind": _objects(KindCount, z["internalByKind"]),
                                      "externalByKind": _objects(KindCount, z["externalByKind"])})
                   for z in report["zones"]],
            absorbedOrganisations=report["absorbedOrganisations"])

    async def demand_statistics(info: Info, groupBy: DemandGroupBy, where=None) -> DemandStatistics:
        result = await statistics.demand_statistics(reader_for(info.context), groupBy.value, _where(info))
        return DemandStatistics(**{**result, "groupBy": groupBy, "groups": _objects(DemandGroup, result["groups"])})

    zone_composition.__annotations__["where"] = Optional[zone_where]
    demand_statistics.__annotations__["where"] = Optional[demand_where]
    return {
        "zoneComposition": strawberry.field(
            resolver=zone_composition,
            description="1+N+X composition of the zones that match `where` (default: all, by uid, first 100)."),
        "demandStatistics": strawberry.field(
            resolver=demand_statistics,
            description="Demands collected and resolved, and the resolution rate, per group."),
    }


def _area(row: dict) -> AreaStatistics:
    return AreaStatistics(**{**row, "area": graph_node(row["area"]) if row["area"] else None,
                             "organisationsByKind": _objects(KindCount, row["organisationsByKind"])})
