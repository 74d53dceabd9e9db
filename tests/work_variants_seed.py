"""The seed as a networkx graph, for the issue-13 variant tests (tests/test_work_variants*.py):
read from the seed files (seed/loader.py read_seed), to which a test adds what it created through
the API, so each expectation is computed here, independently of the Cypher under test."""
from __future__ import annotations

import copy
from functools import lru_cache

import httpx
import networkx as nx

from seed.loader import read_seed


@lru_cache(maxsize=1)
def _base() -> tuple[dict[str, dict], nx.MultiDiGraph]:
    seed = read_seed()
    props = {n["uid"]: {**n, "label": label} for label, rows in seed.nodes.items() for n in rows}
    graph = nx.MultiDiGraph()
    graph.add_nodes_from(props)
    for (_, rel_type, _), pairs in seed.relationships.items():
        for start, end in pairs:
            graph.add_edge(start, end, key=rel_type)
    return props, graph


class Walk:
    """A copy of the seed graph that a test extends with `add` / `link`."""

    def __init__(self) -> None:
        props, graph = _base()
        self.props = copy.deepcopy(props)
        self.graph = graph.copy()

    def add(self, label: str, uid: str, **values) -> None:
        self.props[uid] = {"uid": uid, "label": label, **values}
        self.graph.add_node(uid)

    def link(self, start: str, rel_type: str, end: str) -> None:
        self.graph.add_edge(start, end, key=rel_type)

    def out(self, uid: str, rel_type: str) -> set[str]:
        return {v for _, v, k in self.graph.out_edges(uid, keys=True) if k == rel_type}

    def into(self, uid: str, rel_type: str, label: str | None = None) -> set[str]:
        return {u for u, _, k in self.graph.in_edges(uid, keys=True)
                if k == rel_type and (label is None or self.props[u]["label"] == label)}

    def of(self, label: str) -> list[str]:
        return sorted(u for u, p in self.props.items() if p["label"] == label)

    def place(self, community: str) -> tuple[set[str], set[str]]:
        """The community's zones and towns (its own IN_TOWN or its zone's)."""
        zones = self.out(community, "IN_ZONE")
        return zones, self.out(community, "IN_TOWN") | {t for z in zones for t in self.out(z, "IN_TOWN")}

    def levels(self, community: str | None) -> dict[str, set[str]]:
        """The issue's levels for a demand raised in `community`: 1. its joint committee (BASED_IN)
        or its zone's lead; 2. the zone's N; 3. the zone's X and the departments sunk to a grid
        covering it; 4. the town's, then the district's command centre."""
        if community is None:
            return {level: set() for level in LEVELS}
        zones, towns = self.place(community)
        districts = {d for t in towns for d in self.out(t, "IN_DISTRICT")}
        grids = self.into(community, "COVERS", "Grid")
        centres = [c for c in self.of("CommandCentre")]
        return {
            "LEAD": self.into(community, "BASED_IN", "Organisation")
            | {o for z in zones for o in self.into(z, "LEADS", "Organisation")},
            "N": {o for z in zones for o in self.into(z, "PART_OF", "Organisation")},
            "X": {o for z in zones for o in self.into(z, "SERVES", "Organisation")}
            | {d for g in grids for d in self.into(g, "SUNK_TO", "Department")},
            "TOWN_CENTRE": {c for c in centres if self.props[c]["level"] == "TOWN" and self.out(c, "IN_TOWN") & towns},
            "DISTRICT_CENTRE": {c for c in centres if self.props[c]["level"] == "DISTRICT"
                                and self.out(c, "IN_DISTRICT") & districts},
        }


LEVELS = ("LEAD", "N", "X", "TOWN_CENTRE", "DISTRICT_CENTRE")


def post(client: httpx.Client, query: str, variables: dict | None = None) -> dict:
    response = client.post("/graphql", json={"query": query, "variables": variables or {}})
    assert response.status_code in (200, 400), response.text
    return response.json()


def data(client: httpx.Client, query: str, variables: dict | None = None) -> dict:
    body = post(client, query, variables)
    assert not body.get("errors"), body["errors"]
    return body["data"]


def refused(body: dict, code: str, field: str) -> str:
    """The one error's message, after checking its code and the field it names."""
    assert body.get("data") is None or not any(body["data"].values()), body
    (error,) = body["errors"]
    assert (error["extensions"]["code"], error["extensions"].get("field")) == (code, field), error
    assert "Traceback" not in error["message"]
    return error["message"]
