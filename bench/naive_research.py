"""The research queries the common way, for comparison: a resolver per field, lists fetched
one query per node (N+1) and counted, filtered and grouped in Python; and the whole
baseline schema, with bench/naive.py's entities. Bench only."""

import enum
from typing import Optional

import strawberry
from strawberry.tools import merge_types
from strawberry.types import Info

from bench.naive import EntityQuery, Organisation, Town, Zone, make, related, rows


def _uids(nodes: list[dict]) -> set[str]:
    return {n["uid"] for n in nodes}


def _share(part: int, whole: int) -> Optional[float]:
    return round(part / whole, 4) if whole else None


async def _members_of(info: Info, organisations: list[dict]) -> set[str]:
    found: set[str] = set()
    for org in organisations:
        found |= _uids(await related(info, "Organisation", org["uid"], "<-[:MEMBER_OF|SECRETARY_OF]-", "Member"))
    return found


@strawberry.type
class ZoneComposition:
    _zone: strawberry.Private[dict]

    @strawberry.field
    def zone(self) -> Zone:
        return make(Zone, self._zone)

    @strawberry.field
    async def internalCount(self, info: Info) -> int:
        return len(_uids(await related(info, "Zone", self._zone["uid"], "<-[:PART_OF]-", "Organisation")))

    @strawberry.field
    async def externalCount(self, info: Info) -> int:
        return len(_uids(await related(info, "Zone", self._zone["uid"], "<-[:SERVES]-", "Organisation")))

    @strawberry.field
    async def membersReachable(self, info: Info) -> int:
        linked = await related(info, "Zone", self._zone["uid"], "<-[:LEADS|PART_OF|SERVES]-", "Organisation")
        return len(await _members_of(info, linked))


@strawberry.type
class ZoneCompositionReport:
    _zones: strawberry.Private[list]  # the page
    _matched: strawberry.Private[list]  # every zone matched: the union is across all, not the page

    @strawberry.field
    def zones(self) -> list[ZoneComposition]:
        return [ZoneComposition(_zone=z) for z in self._zones]

    @strawberry.field
    async def absorbedOrganisations(self, info: Info) -> int:
        absorbed: set[str] = set()
        for zone in self._matched:
            absorbed |= _uids(await related(info, "Zone", zone["uid"], "<-[:PART_OF|SERVES]-", "Organisation"))
        return len(absorbed)


@strawberry.type
class AreaStatistics:
    _town: strawberry.Private[dict]

    @strawberry.field
    def area(self) -> Town:
        return make(Town, self._town)

    async def _in_town(self, info: Info, label: str) -> list[dict]:
        return await related(info, "Town", self._town["uid"], "<-[:IN_TOWN]-", label)

    @strawberry.field
    async def zones(self, info: Info) -> int:
        return len(await self._in_town(info, "Zone"))

    @strawberry.field
    async def villages(self, info: Info) -> int:
        return sum(c.get("kind") == "VILLAGE" for c in await self._in_town(info, "Community"))

    @strawberry.field
    async def grids(self, info: Info) -> int:
        return len(await self._in_town(info, "Grid"))

    @strawberry.field
    async def members(self, info: Info) -> int:
        return len(await _members_of(info, await self._in_town(info, "Organisation")))

    @strawberry.field
    async def entrepreneurSecretaryShare(self, info: Info) -> Optional[float]:
        secretaries: dict[str, bool] = {}
        for village in [c for c in await self._in_town(info, "Community") if c.get("kind") == "VILLAGE"]:
            for org in await related(info, "Community", village["uid"], "<-[:BASED_IN]-", "Organisation"):
                for member in await related(info, "Organisation", org["uid"], "<-[:SECRETARY_OF]-", "Member"):
                    runs = await related(info, "Member", member["uid"], "-[:RUNS]->", "Enterprise")
                    secretaries[member["uid"]] = bool(runs)
        return _share(sum(secretaries.values()), len(secretaries))


DemandGroupBy = strawberry.enum(enum.Enum("DemandGroupBy", {k: k for k in (
    "TOWN", "COMMUNITY", "CATEGORY", "RESOLVER", "RESOLVER_TYPE", "STATUS")}))


@strawberry.type
class DemandGroup:
    key: Optional[str]
    collected: int
    resolved: int


@strawberry.type
class DemandStatistics:
    collected: int
    resolved: int
    resolutionRate: Optional[float]
    groups: list[DemandGroup]


@strawberry.type
class Gap:
    count: int


@strawberry.type
class CoverageGaps:
    _info: strawberry.Private[Info]

    @strawberry.field
    async def gridsWithoutDepartment(self) -> Gap:
        grids = [r["g"] for r in await rows(self._info, "MATCH (g:Grid) RETURN g {.*} AS g")]
        return Gap(count=sum([not await related(self._info, "Grid", g["uid"], "<-[:SUNK_TO]-", "Department")
                              for g in grids]))

    @strawberry.field
    async def zonesWithoutExternalOrganisation(self) -> Gap:
        zones = [r["z"] for r in await rows(self._info, "MATCH (z:Zone) RETURN z {.*} AS z")]
        return Gap(count=sum([not await related(self._info, "Zone", z["uid"], "<-[:SERVES]-", "Organisation")
                              for z in zones]))

    @strawberry.field
    async def villagesWithoutSecretary(self) -> Gap:
        villages = [r["c"] for r in await rows(self._info, "MATCH (c:Community) RETURN c {.*} AS c")
                    if r["c"].get("kind") == "VILLAGE"]
        count = 0
        for village in villages:
            organisations = await related(self._info, "Community", village["uid"], "<-[:BASED_IN]-", "Organisation")
            count += not [m for org in organisations
                          for m in await related(self._info, "Organisation", org["uid"], "<-[:SECRETARY_OF]-", "Member")]
        return Gap(count=count)


@strawberry.type
class BridgingOrganisation:
    _organisation: strawberry.Private[dict]
    zonesServed: int
    zonesLinked: int

    @strawberry.field
    def organisation(self) -> Organisation:
        return make(Organisation, self._organisation)


@strawberry.type
class BridgingReport:
    organisations: list[BridgingOrganisation]


@strawberry.type
class ResearchQuery:
    @strawberry.field
    async def zoneComposition(self, info: Info, first: int = 100) -> ZoneCompositionReport:
        zones = sorted((r["z"] for r in await rows(info, "MATCH (z:Zone) RETURN z {.*} AS z")), key=lambda z: z["uid"])
        return ZoneCompositionReport(_zones=zones[:first], _matched=zones)

    @strawberry.field
    async def townStatistics(self, info: Info) -> list[AreaStatistics]:
        towns = sorted((r["t"] for r in await rows(info, "MATCH (t:Town) RETURN t {.*} AS t")), key=lambda t: t["uid"])
        return [AreaStatistics(_town=t) for t in towns]

    @strawberry.field
    async def demandStatistics(self, info: Info, groupBy: DemandGroupBy) -> DemandStatistics:
        if groupBy.value not in ("CATEGORY", "STATUS"):
            raise ValueError("the baseline groups by CATEGORY or STATUS only")
        demands = [r["d"] for r in await rows(info, "MATCH (d:Demand) RETURN d {.*} AS d")]
        counts: dict[Optional[str], list[int]] = {}
        for demand in demands:
            group = counts.setdefault(demand.get(groupBy.value.lower()), [0, 0])
            group[0] += 1
            group[1] += demand.get("status") == "RESOLVED"
        groups = sorted(counts.items(), key=lambda item: (-item[1][0], item[0] is None, item[0] or ""))
        collected, resolved = len(demands), sum(g[1] for _, g in groups)
        return DemandStatistics(collected=collected, resolved=resolved, resolutionRate=_share(resolved, collected),
                                groups=[DemandGroup(key=k, collected=c, resolved=r) for k, (c, r) in groups])

    @strawberry.field
    async def coverageGaps(self, info: Info, first: int = 100) -> CoverageGaps:
        return CoverageGaps(_info=info)

    @strawberry.field
    async def bridgingOrganisations(self, info: Info, first: int = 20) -> BridgingReport:
        ranked = []
        for org in [r["o"] for r in await rows(info, "MATCH (o:Organisation) RETURN o {.*} AS o")]:
            linked = await related(info, "Organisation", org["uid"], "-[:LEADS|PART_OF|SERVES]->", "Zone")
            served = await related(info, "Organisation", org["uid"], "-[:SERVES]->", "Zone")
            if linked:
                ranked.append(BridgingOrganisation(_organisation=org, zonesServed=len(_uids(served)),
                                                   zonesLinked=len(_uids(linked))))
        ranked.sort(key=lambda b: (-b.zonesServed, -b.zonesLinked, b._organisation["uid"]))
        return BridgingReport(organisations=ranked[:first])


NAIVE_SCHEMA = strawberry.Schema(query=merge_types("Query", (EntityQuery, ResearchQuery)))
