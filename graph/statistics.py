"""Statistics plans: the research questions, before they are Cypher (graph/cypher/statistics.py
renders them; every figure across all matched is computed in the same statement as the page)."""
from __future__ import annotations

from dataclasses import dataclass

from graph.plan import Filter

# How demandStatistics can group: by the town or community raised in, the resolver (node or
# its type), or a value of the demand itself.
DEMAND_GROUPS = ("TOWN", "COMMUNITY", "CATEGORY", "RESOLVER", "RESOLVER_TYPE", "STATUS")


@dataclass(frozen=True)
class ZoneComposition:
    """Zones matching `where`: rows {total, absorbed, page}; `page` holds the first `limit`
    zones by uid after the uid `after`, each {zone, lead, internal, external, absorbed, members}
    (internal/external: [{kind, count}])."""

    where: Filter | None
    limit: int
    after: str | None = None


@dataclass(frozen=True)
class AreaStatistics:
    """Per town (or the one with `town_uid`), by uid: {area, zones, villages, urbanCommunities,
    grids, organisations: [{kind, count}], members, villageSecretaries, entrepreneurSecretaries}
    and the network's work: {householdsRegistered, registeredCommunities (how many communities
    have the figure), visits, householdsVisited, residentsReceived (summed over the Visit nodes to
    the town's communities), visitDemands, visitDemandsResolved (distinct demands RAISED_DURING
    them; RESOLVED now), needs, problems (Demand.kind of the demands raised in its communities),
    resources, serviceTeams (distinct, serving the town or a community or zone in it), actionProjects
    (IN_TOWN)}."""

    town_uid: str | None = None
    towns: tuple[str, ...] | None = None  # only these towns (a grant whose reads are limited to them)


@dataclass(frozen=True)
class DistrictTotals:
    """One row with AreaStatistics' columns for the whole graph."""


@dataclass(frozen=True)
class DemandStatistics:
    """Rows {key, name, collected, resolved} per group (`group_by`, one of DEMAND_GROUPS) of the
    demands matching `where`; a demand without a group counts under a null key and name."""

    group_by: str
    where: Filter | None = None


@dataclass(frozen=True)
class CoverageGaps:
    """One row: {gridCount, grids, zoneCount, zones, villageCount, villages}, each list up to
    `limit` nodes by uid after the uid `after`."""

    limit: int
    after: str | None = None


@dataclass(frozen=True)
class ZoneLinks:
    """Rows {organisation, zone, role}: every 1+N+X link, for centrality."""


@dataclass(frozen=True)
class OrganisationsByZones:
    """One row {page[, total]}: organisations ranked by zones served, then linked, then uid,
    `limit` after the position `after` (zonesServed, zonesLinked, uid); or only `uids`."""

    limit: int
    uids: tuple[str, ...] | None = None
    after: tuple[int, int, str] | None = None
