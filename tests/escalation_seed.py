"""An independent account of who is responsible for a demand at each level, walked with networkx
over the seed files (seed/loader.py read_seed), from the issue's words rather than from
graph/escalation.py: the community's committees and its zone's lead ("1"), the zone's N, its X and
the departments sunk to the community's grids, the town's and then the district's command centre."""
from __future__ import annotations

from functools import lru_cache

import networkx as nx

from seed.loader import read_seed

LEVELS = ("LEAD", "N", "X", "TOWN_CENTRE", "DISTRICT_CENTRE")


class SeedWalk:
    def __init__(self) -> None:
        seed = read_seed()
        self.props = {n["uid"]: {**n, "label": label} for label, rows in seed.nodes.items() for n in rows}
        self.graph = nx.MultiDiGraph()
        self.graph.add_nodes_from(self.props)
        for (_, rel_type, _), pairs in seed.relationships.items():
            for start, end in pairs:
                self.graph.add_edge(start, end, key=rel_type)

    def out(self, uid: str, rel_type: str) -> set[str]:
        return {v for _, v, k in self.graph.out_edges(uid, keys=True) if k == rel_type}

    def into(self, uid: str, rel_type: str, label: str | None = None) -> set[str]:
        return {u for u, _, k in self.graph.in_edges(uid, keys=True)
                if k == rel_type and (label is None or self.props[u]["label"] == label)}

    def community_levels(self, community: str) -> dict[str, set[str]]:
        """Level → the uids holding it, for a demand raised in `community`."""
        zones = self.out(community, "IN_ZONE")
        towns = self.out(community, "IN_TOWN") | {t for z in zones for t in self.out(z, "IN_TOWN")}
        districts = {d for t in towns for d in self.out(t, "IN_DISTRICT")}
        grids = self.into(community, "COVERS", "Grid")
        centres = [(c, self.props[c]) for c in self.props if self.props[c]["label"] == "CommandCentre"]
        return {
            "LEAD": self.into(community, "BASED_IN", "Organisation")
            | {o for z in zones for o in self.into(z, "LEADS", "Organisation")},
            "N": {o for z in zones for o in self.into(z, "PART_OF", "Organisation")},
            "X": {o for z in zones for o in self.into(z, "SERVES", "Organisation")}
            | {d for g in grids for d in self.into(g, "SUNK_TO", "Department")},
            "TOWN_CENTRE": {c for c, p in centres if p["level"] == "TOWN" and self.out(c, "IN_TOWN") & towns},
            "DISTRICT_CENTRE": {c for c, p in centres if p["level"] == "DISTRICT"
                                and self.out(c, "IN_DISTRICT") & districts},
        }

    def demand_levels(self, demand: str) -> dict[str, set[str]]:
        communities = self.out(demand, "RAISED_IN")
        if not communities:
            return {level: set() for level in LEVELS}
        (community,) = communities
        return self.community_levels(community)

    def of(self, label: str) -> list[str]:
        return sorted(u for u, p in self.props.items() if p["label"] == label)


@lru_cache(maxsize=1)
def seed_walk() -> SeedWalk:
    return SeedWalk()
