"""Research statistics: zone composition, area counts, demand resolution, coverage gaps
and bridging organisations (betweenness centrality with networkx, cached per network).

Paged lists (`first`, `after`) are pages of a whole match; every count, total, share and union
beside them is computed over the whole match in the same statement, never from the page.
Cursors are opaque; a zone's or gap node's cursor is the one `zones`/`grids`… give it when
sorted by uid (the lists are in uid order), so the two can be used interchangeably."""
from __future__ import annotations

import asyncio
import hashlib
import json
from typing import Any

import networkx as nx

from graph.statistics import PERIOD_GROUPS
from graph.statistics import (
    AreaStatistics, CoverageGaps, DemandStatistics, DistrictTotals, OrganisationsByZones, ZoneComposition, ZoneLinks,
)
from graph.model import TYPES
from graph.plan import SortKey
from resolvers import demand_series
from resolvers.errors import bad_input
from resolvers.ids import decode_cursor, encode_cursor, order_signature, to_global_id
from resolvers.plans import build_filter, check_limit, cursor_after
from resolvers.suppression import share
from resolvers.values import check_text

# The group of demands with no town, community, resolver or value: named, never a null key.
UNASSIGNED_KEY = "unassigned"
UNASSIGNED_NAME = "未归属 / unassigned"
# The order of every uid-ordered research list: a root connection sorted by uid, so the cursors agree.
BY_UID = (SortKey(TYPES["Zone"].prop("uid")),)

# Exact betweenness is O(V·E); above this many nodes it is estimated from a sample of sources.
EXACT_BETWEENNESS_NODES = 5000
BETWEENNESS_SAMPLES = 1000


def graph_node(row: dict[str, Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"id": to_global_id(row["label"], row["uid"]), **row}


def _kinds(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(({"kind": r["kind"], "count": r["count"]} for r in rows), key=lambda r: (-r["count"], r["kind"]))


def one_row(rows: list[dict[str, Any]], **empty: Any) -> dict[str, Any]:
    """The single row these statements return (aggregates always give one); `empty` stands in
    for it when a reply has none (bench/run.py's translation probe answers every read with [])."""
    return rows[0] if rows else empty


def page_info(page: list[Any], more: bool, after: Any, cursor) -> dict[str, Any]:
    """Relay page information for a page of a list; `cursor(item)` encodes an item's position."""
    return {"hasNextPage": more, "hasPreviousPage": after is not None,
            "startCursor": cursor(page[0]) if page else None, "endCursor": cursor(page[-1]) if page else None}


def uid_cursor(uid: str) -> str:
    return encode_cursor(order_signature(BY_UID), [uid])


def after_uid(after: str | None) -> str | None:
    """The uid a cursor of a uid-ordered list stands at, or None for the start."""
    cursor = cursor_after(after, BY_UID)  # verified and typed as a root connection's cursor
    return cursor.values[0] if cursor else None


async def zone_composition(read, where: dict | None, first: int | None, after: str | None = None) -> dict[str, Any]:
    """The zones matching `where`: `totalCount` and `absorbedOrganisations` across all of them;
    `zones`, the page (`first`, default 100, after the cursor `after`) in uid order, and its
    `pageInfo`. One read."""
    limit = check_limit(first, "first", 100)
    start = after_uid(after)
    rows = await read(ZoneComposition(build_filter(TYPES["Zone"], where, "where"), limit + 1, start))
    row = one_row(rows, total=0, absorbed=0, page=[])
    zones = []
    for z in row["page"][:limit]:
        internal, external = _kinds(z["internal"]), _kinds(z["external"])
        zones.append({
            "zone": graph_node(z["zone"]), "lead": graph_node(z["lead"]),
            "internalByKind": internal, "externalByKind": external,
            "internalCount": sum(k["count"] for k in internal), "externalCount": sum(k["count"] for k in external),
            "absorbed": z["absorbed"], "membersReachable": z["members"],
        })
    return {"zones": zones, "totalCount": row["total"], "absorbedOrganisations": row["absorbed"],
            "pageInfo": page_info(zones, len(row["page"]) > limit, after, lambda z: uid_cursor(z["zone"]["uid"]))}


def _area(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "area": graph_node(row["area"]), "zones": row["zones"], "villages": row["villages"],
        "urbanCommunities": row["urbanCommunities"], "grids": row["grids"],
        "organisationsByKind": _kinds(row["organisations"]),
        "organisations": sum(r["count"] for r in row["organisations"]), "members": row["members"],
        "villageSecretaries": row["villageSecretaries"], "entrepreneurSecretaries": row["entrepreneurSecretaries"],
        "entrepreneurSecretaryShare": share(row["entrepreneurSecretaries"], row["villageSecretaries"]),
        **_work(row),
    }


def _work(row: dict[str, Any]) -> dict[str, Any]:
    """The area's stationed-contact visits (from the Visit nodes, never the Town's own figures: the
    article's statement, kept as given), four lists and action projects. The visit rate's base is
    the households registered in the area's communities; null when none of them has the figure."""
    registered = row["householdsRegistered"] if row["registeredCommunities"] else None
    return {
        "visits": row["visits"], "householdsRegistered": registered, "householdsVisited": row["householdsVisited"],
        "householdVisitRate": share(row["householdsVisited"], registered),
        "residentsReceived": row["residentsReceived"], "demandsCollectedOnVisits": row["visitDemands"],
        "demandsResolvedOnVisits": row["visitDemandsResolved"],
        "visitResolutionRate": share(row["visitDemandsResolved"], row["visitDemands"]),
        "needs": row["needs"], "problems": row["problems"], "resources": row["resources"],
        "serviceTeams": row["serviceTeams"], "actionProjects": row["actionProjects"],
    }


async def town_statistics(read, uid: str | None) -> list[dict[str, Any]]:
    if uid is not None:
        check_text(uid, "uid")
    return [_area(row) for row in await read(AreaStatistics(uid))]


async def district_statistics(read) -> dict[str, Any]:
    rows = await read(DistrictTotals())
    return _area(rows[0])


def demand_group(key: str | None, name: str | None, figures: dict[str, Any], group_by: str = "") -> dict[str, Any]:
    """A group as returned: demands with no group (no town, community or resolver, no value)
    are the group UNASSIGNED_KEY, named UNASSIGNED_NAME, with `unassigned` true. `figures`:
    collected, resolved and the days to resolve (resolvers/demand_series.py figures)."""
    unassigned = key is None
    period = (None, None) if unassigned or group_by not in PERIOD_GROUPS else demand_series.period_bounds(group_by, key)
    return {"key": UNASSIGNED_KEY if unassigned else key, "name": UNASSIGNED_NAME if unassigned else (name or key),
            "unassigned": unassigned, **figures, "resolutionRate": share(figures["resolved"], figures["collected"]),
            "periodStart": period[0] and period[0].isoformat(), "periodEnd": period[1] and period[1].isoformat()}


async def demand_statistics(read, group_by: str, where: dict | None, from_date: str | None = None,
                            to_date: str | None = None) -> dict[str, Any]:
    """Totals over every demand matching `where` (and raised or resolved between `from_date` and
    `to_date`, ISO dates, inclusive: resolvers/demand_series.py says which count where), and per
    group (demand_series.group_order). Not paged: the groups always sum to the totals. One read;
    days and percentiles are computed here from the date strings."""
    from_date, to_date = demand_series.check_range(from_date, to_date)
    rows = await read(DemandStatistics(group_by, build_filter(TYPES["Demand"], where, "where"), from_date, to_date))
    tallies, whole, levels = demand_series.tally(rows, group_by, from_date, to_date)
    groups = [demand_group(key, t.name, demand_series.figures(t), group_by) for key, t in tallies.items()]
    groups.sort(key=demand_series.group_order(group_by))
    totals = demand_series.figures(whole)
    return {"groupBy": group_by, **totals, "resolutionRate": share(totals["resolved"], totals["collected"]),
            **levels, "absorbedAtGrassroots": share(levels["resolvedAtGrassroots"], levels["resolvedWithLevel"]),
            "groups": groups}


async def coverage_gaps(read, first: int | None, after: str | None = None) -> dict[str, Any]:
    """Each gap's `count` covers all of its nodes; `nodes` is a page of them in uid order
    (`first`, default 100, after the cursor `after`, applied to each list), with `pageInfo`."""
    limit = check_limit(first, "first", 100)
    start = after_uid(after)
    row = one_row(await read(CoverageGaps(limit + 1, start)), gridCount=0, grids=[], zoneCount=0, zones=[],
                  villageCount=0, villages=[])

    def gap(count: str, nodes: str) -> dict[str, Any]:
        page = [graph_node(n) for n in row[nodes][:limit]]
        return {"count": row[count], "nodes": page,
                "pageInfo": page_info(page, len(row[nodes]) > limit, after, lambda n: uid_cursor(n["uid"]))}

    return {
        "gridsWithoutDepartment": gap("gridCount", "grids"),
        "zonesWithoutExternalOrganisation": gap("zoneCount", "zones"),
        "villagesWithoutSecretary": gap("villageCount", "villages"),
    }


class CentralityCache:
    """Betweenness on the organisation–zone network, recomputed only when that network changes
    (any writer, any process: the key is a hash of the network itself)."""

    def __init__(self) -> None:
        self.key: str | None = None
        self.scores: dict[str, float] = {}
        self.approximate = False
        self.computed = 0  # how many times it was (re)computed

    async def scores_for(self, links: list[dict[str, Any]]) -> dict[str, float]:
        key = hashlib.sha256(json.dumps(links, sort_keys=True).encode()).hexdigest()
        if key != self.key:
            network = nx.Graph()
            network.add_edges_from((("o", r["organisation"]), ("z", r["zone"])) for r in links)
            approximate = network.number_of_nodes() > EXACT_BETWEENNESS_NODES
            sample = BETWEENNESS_SAMPLES if approximate else None
            # Off the event loop: other requests go on while a large network is scored.
            scores = await asyncio.to_thread(nx.betweenness_centrality, network, k=sample,
                                             seed=0 if sample else None, normalized=True)
            self.scores = {uid: score for (side, uid), score in scores.items() if side == "o"}
            self.key, self.approximate = key, approximate
            self.computed += 1
        return self.scores


CENTRALITY = CentralityCache()


def _bridging_after(by: str, after: str | None) -> tuple | None:
    """The ranking position a bridging cursor stands at: (zonesServed, zonesLinked, uid) or
    (betweenness, uid)."""
    if after is None:
        return None
    kinds = (int, int, str) if by == "ZONES_SERVED" else ((int, float), str)
    values = decode_cursor(after, f"bridging:{by}", len(kinds))  # signed, and plain values only
    if any(isinstance(v, bool) or not isinstance(v, k) for v, k in zip(values, kinds)):
        raise bad_input("after", "invalid cursor: its values do not fit the ranking")
    return tuple(values)


async def bridging_organisations(read, by: str, first: int | None, with_betweenness: bool = True,
                                 after: str | None = None) -> dict[str, Any]:
    """Ranked organisations: `organisations`, a page (`first`, default 20, after the cursor
    `after`) of the ranking; `totalCount`, every organisation linked to a zone, and `approximate`,
    about the whole network: neither depends on the page.

    Betweenness is read and scored only when it ranks them or is selected (city scale: the
    network's read and hash are ~200 of 370 ms); otherwise its fields are None, which is safe
    because nothing reads them."""
    limit = check_limit(first, "first", 20)
    if by not in ("ZONES_SERVED", "BETWEENNESS"):
        raise bad_input("by", "is ZONES_SERVED or BETWEENNESS")
    position = _bridging_after(by, after)
    scored = by == "BETWEENNESS" or with_betweenness
    scores = await CENTRALITY.scores_for(await read(ZoneLinks())) if scored else {}
    if by == "BETWEENNESS":
        ranked = sorted(scores, key=lambda uid: (-scores[uid], uid))
        if position is not None:
            ranked = [uid for uid in ranked if (-scores[uid], uid) > (-position[0], position[1])]
        more, ranked = len(ranked) > limit, ranked[:limit]
        rows = one_row(await read(OrganisationsByZones(len(ranked), tuple(ranked))), page=[])["page"]
        rows.sort(key=lambda r: (-scores[r["organisation"]["uid"]], r["organisation"]["uid"]))
        total = len(scores)

        def cursor(o: dict) -> str:
            uid = o["organisation"]["uid"]
            return encode_cursor("bridging:BETWEENNESS", [scores[uid], uid])
    else:
        row = one_row(await read(OrganisationsByZones(limit + 1, None, position)), page=[], total=0)
        rows, total, more = row["page"][:limit], row["total"], len(row["page"]) > limit

        def cursor(o: dict) -> str:
            return encode_cursor("bridging:ZONES_SERVED", [o["zonesServed"], o["zonesLinked"], o["organisation"]["uid"]])
    organisations = [{"organisation": graph_node(r["organisation"]), "zonesServed": r["zonesServed"],
                      "zonesLinked": r["zonesLinked"],
                      "betweenness": round(scores.get(r["organisation"]["uid"], 0.0), 6) if scored else None}
                     for r in rows]
    return {"by": by, "approximate": CENTRALITY.approximate if scored else None, "totalCount": total,
            "organisations": organisations, "pageInfo": page_info(organisations, more, after, cursor)}
