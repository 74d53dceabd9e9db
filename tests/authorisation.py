"""Helpers for the authorisation tests: run GraphQL in process under a grant, and an independent
account of who belongs to which town, computed with networkx from the seed files (not from
graph/model.py's town_via, which the code under test reads)."""
from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import networkx as nx

from graph import limits
from graph.grants import Grant
from schema.schema import build_schema
from seed.loader import read_seed

SCHEMA = build_schema()

# The outgoing relationships through which a node of each label belongs to a town, written out
# from the words: a zone through its town, a member through their organisations (and
# enterprises), an organisation through its town, community, park or enterprise, and so on.
BELONGS_THROUGH = {
    "Zone": {"IN_TOWN"}, "Community": {"IN_TOWN", "IN_ZONE"}, "Grid": {"IN_TOWN"}, "Park": {"IN_TOWN"},
    "Enterprise": {"IN_PARK"}, "Organisation": {"IN_TOWN", "BASED_IN", "COMMITTEE_OF", "ORGANISATION_OF"},
    "Member": {"MEMBER_OF", "SECRETARY_OF", "RUNS"}, "CommandCentre": {"IN_TOWN"}, "Demand": {"RAISED_IN"},
    "Programme": {"IN_TOWN", "IN_ZONE"},
    # The network's work: a resource or team through the place it serves, a project through its
    # town, an escalation through its demand, a visit through its community and its team.
    "Resource": {"SERVES_AREA"}, "ServiceTeam": {"SERVES_AREA"}, "ActionProject": {"IN_TOWN"},
    "Escalation": {"ESCALATES"}, "StationedTeam": {"IN_TOWN"}, "Visit": {"VISITED", "MADE_BY"},
}
PLURALS = {"District": "districts", "Town": "towns", "Zone": "zones", "Community": "communities", "Grid": "grids",
           "Park": "parks", "Enterprise": "enterprises", "Organisation": "organisations", "Member": "members",
           "Department": "departments", "CommandCentre": "commandCentres", "Demand": "demands",
           "Programme": "programmes", "Resource": "resources", "ServiceTeam": "serviceTeams",
           "ActionProject": "actionProjects", "Escalation": "escalations", "StationedTeam": "stationedTeams",
           "Visit": "visits"}


class SeedTowns:
    """Every seed node's label, properties and towns."""

    def __init__(self) -> None:
        seed = read_seed()
        self.label = {n["uid"]: label for label, rows in seed.nodes.items() for n in rows}
        self.props = {n["uid"]: n for rows in seed.nodes.values() for n in rows}
        flow = nx.DiGraph()
        flow.add_nodes_from(self.label)
        for (source, rel_type, _), pairs in seed.relationships.items():
            if rel_type in BELONGS_THROUGH.get(source, ()):
                flow.add_edges_from(pairs)
        self.towns: dict[str, frozenset[str]] = {}
        for uid, label in self.label.items():
            reached = {uid} | nx.descendants(flow, uid)
            self.towns[uid] = frozenset(u for u in reached if self.label[u] == "Town")

    def of(self, label: str) -> list[str]:
        return sorted(u for u, l in self.label.items() if l == label)

    def visible(self, uid: str, towns: tuple[str, ...]) -> bool:
        """What a grant whose reads are limited to `towns` sees."""
        mine = self.towns[uid]
        return not mine or bool(mine & set(towns))

    def owned(self, uid: str, towns: tuple[str, ...]) -> bool:
        mine = self.towns[uid]
        return bool(mine) and mine <= set(towns)


@lru_cache(maxsize=1)
def seed_towns() -> SeedTowns:
    return SeedTowns()


async def run(backend: Any, grant: Grant, query: str, variables: dict | None = None) -> dict:
    """Execute in process with this grant in the context, as the HTTP layer would put it. Pages
    of up to 1,000 for every role: these tests read whole lists to see what each grant sees (the
    per-role page sizes, graph/limits.py MAX_PAGE_BY_ROLE, are tested in tests/test_auth.py)."""
    saved = dict(limits.MAX_PAGE_BY_ROLE)
    limits.MAX_PAGE_BY_ROLE.update(dict.fromkeys(saved, 1000))
    try:
        result = await SCHEMA.execute(query, variable_values=variables,
                                      context_value={"backend": backend, "grant": grant})
    finally:
        limits.MAX_PAGE_BY_ROLE.update(saved)
    body: dict[str, Any] = {"data": result.data}
    if result.errors:
        body["errors"] = [{"message": e.message, **(e.extensions or {})} for e in result.errors]
    return body


def text_of(body: Any) -> str:
    return json.dumps(body, ensure_ascii=False)
