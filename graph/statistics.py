"""Statistics plans: the research questions, before they are Cypher (graph/cypher/statistics.py
renders them; every figure across all matched is computed in the same statement as the page)."""
from __future__ import annotations

from dataclasses import dataclass

from graph.plan import Filter

# How demandStatistics can group: by the town or community raised in, the resolver (node or
# its type), a value of the demand itself (LEVEL: the level it was resolved at), or the period
# of its dates (MONTH, WEEK: series, raised by raisedOn and resolved by resolvedOn).
DEMAND_GROUPS = ("TOWN", "COMMUNITY", "CATEGORY", "RESOLVER", "RESOLVER_TYPE", "STATUS", "LEVEL", "MONTH", "WEEK")
PERIOD_GROUPS = ("MONTH", "WEEK")


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
    """Rows {key, name, raisedOn, resolvedOn, done, level, n}: the demands matching `where`, counted (`n`)
    per group (`group_by`, one of DEMAND_GROUPS; a demand without a group under a null key and
    name; PERIOD_GROUPS: no group, the dates are the group) and per pair of their raisedOn and
    resolvedOn date strings (null when absent), `done` telling RESOLVED ones apart, `level` their
    resolvedLevel. With
    `from_date`/`to_date` (ISO dates, inclusive), only demands raised or resolved in that range.
    The caller sums the rows and computes days from the dates (no temporal functions in Cypher)."""

    group_by: str
    where: Filter | None = None
    from_date: str | None = None
    to_date: str | None = None


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
