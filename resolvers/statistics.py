"""Research statistics: zone composition, area counts, demand resolution, coverage gaps
and bridging organisations (betweenness centrality with networkx, cached per network)."""
from __future__ import annotations

import asyncio
import hashlib
import json
from typing import Any

import networkx as nx

from graph import statistics as cypher
from graph.model import TYPES
from resolvers.errors import bad_input
from resolvers.ids import to_global_id
from resolvers.plans import build_filter, check_limit

# Exact betweenness is O(V·E); above this many nodes it is estimated from a sample of sources.
EXACT_BETWEENNESS_NODES = 5000
BETWEENNESS_SAMPLES = 1000


def graph_node(row: dict[str, Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"id": to_global_id(row["label"], row["uid"]), **row}


def _kinds(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(({"kind": r["kind"], "count": r["count"]} for r in rows), key=lambda r: (-r["count"], r["kind"]))


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


async def zone_composition(read, where: dict | None, first: int | None) -> dict[str, Any]:
    limit = check_limit(first, "first", 100)
    rows = await read(cypher.zone_composition(build_filter(TYPES["Zone"], where, "where"), limit))
    zones = []
    for row in rows:
        internal, external = _kinds(row["internal"]), _kinds(row["external"])
        zones.append({
            "zone": graph_node(row["zone"]), "lead": graph_node(row["lead"]),
            "internalByKind": internal, "externalByKind": external,
            "internalCount": sum(k["count"] for k in internal), "externalCount": sum(k["count"] for k in external),
            "absorbed": len(row["absorbed"]), "membersReachable": row["members"],
        })
    distinct = {uid for row in rows for uid in row["absorbed"]}
    return {"zones": zones, "absorbedOrganisations": len(distinct)}


def _area(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "area": graph_node(row["area"]), "zones": row["zones"], "villages": row["villages"],
        "urbanCommunities": row["urbanCommunities"], "grids": row["grids"],
        "organisationsByKind": _kinds(row["organisations"]),
        "organisations": sum(r["count"] for r in row["organisations"]), "members": row["members"],
        "villageSecretaries": row["villageSecretaries"], "entrepreneurSecretaries": row["entrepreneurSecretaries"],
        "entrepreneurSecretaryShare": _share(row["entrepreneurSecretaries"], row["villageSecretaries"]),
    }


async def town_statistics(read, uid: str | None) -> list[dict[str, Any]]:
    return [_area(row) for row in await read(cypher.area_statistics(uid))]


async def district_statistics(read) -> dict[str, Any]:
    rows = await read(cypher.district_totals())
    return _area(rows[0])


async def demand_statistics(read, group_by: str, where: dict | None) -> dict[str, Any]:
    rows = await read(cypher.demand_statistics(group_by, build_filter(TYPES["Demand"], where, "where")))
    groups = [{"key": r["key"], "name": r["name"], "collected": r["collected"], "resolved": r["resolved"],
               "resolutionRate": _share(r["resolved"], r["collected"])} for r in rows]
    collected, resolved = sum(g["collected"] for g in groups), sum(g["resolved"] for g in groups)
    return {"groupBy": group_by, "collected": collected, "resolved": resolved,
            "resolutionRate": _share(resolved, collected), "groups": groups}


async def coverage_gaps(read, first: int | None) -> dict[str, Any]:
    limit = check_limit(first, "first", 100)
    row = (await read(cypher.coverage_gaps(limit)))[0]
    return {
        "gridsWithoutDepartment": {"count": row["gridCount"], "nodes": [graph_node(n) for n in row["grids"]]},
        "zonesWithoutExternalOrganisation": {"count": row["zoneCount"], "nodes": [graph_node(n) for n in row["zones"]]},
        "villagesWithoutSecretary": {"count": row["villageCount"], "nodes": [graph_node(n) for n in row["villages"]]},
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


async def bridging_organisations(read, by: str, first: int | None, with_betweenness: bool = True) -> dict[str, Any]:
    """Ranked organisations. Betweenness is read and scored only when it ranks them or is
    selected (city scale: the network's read and hash are ~200 of 370 ms); otherwise its
    fields are None, which is safe because nothing reads them."""
    limit = check_limit(first, "first", 20)
    if by not in ("ZONES_SERVED", "BETWEENNESS"):
        raise bad_input("by", "is ZONES_SERVED or BETWEENNESS")
    scored = by == "BETWEENNESS" or with_betweenness
    scores = await CENTRALITY.scores_for(await read(cypher.zone_links())) if scored else {}
    if by == "BETWEENNESS":
        ranked = sorted(scores, key=lambda uid: (-scores[uid], uid))[:limit]
        rows = await read(cypher.organisations_by_zones(len(ranked), ranked))
        rows.sort(key=lambda r: (-scores[r["organisation"]["uid"]], r["organisation"]["uid"]))
    else:
        rows = await read(cypher.organisations_by_zones(limit))
    return {
        "by": by, "approximate": CENTRALITY.approximate if scored else None,
        "organisations": [{"organisation": graph_node(r["organisation"]), "zonesServed": r["zonesServed"],
                           "zonesLinked": r["zonesLinked"],
                           "betweenness": round(scores.get(r["organisation"]["uid"], 0.0), 6) if scored else None}
                          for r in rows],
    }
