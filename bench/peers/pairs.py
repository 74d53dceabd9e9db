"""The query pairs: one question asked of dangjian-graph, of @neo4j/graphql (7 on Neo4j, 6.6.4 on
FalkorDB's Bolt endpoint) and of hand-written Cypher.

Each pair carries the GraphQL texts and the extractors that reduce each API's `data` to one
canonical form (`totalCount`, `hasNextPage`, the nodes) for the answers check. API kinds:
"dangjian" (either engine), "peer7", "peer6", "cypher" (the peer process's hand-written endpoint,
shaped like dangjian-graph's answers).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable

from paths import REPO

CONTRACT_DIRS = (REPO.parent / "shared" / "contract", REPO / "web" / "examples")


def contract_query(name: str) -> str:
    for directory in CONTRACT_DIRS:
        path = directory / name
        if path.exists():
            return path.read_text()
    raise SystemExit(f"contract query {name} not found in {', '.join(map(str, CONTRACT_DIRS))}")


def connection_nodes(connection: dict) -> list:
    return connection["nodes"] if "nodes" in connection else [edge["node"] for edge in connection["edges"]]


def _unique(items: list) -> list:
    seen, out = set(), []
    for item in items:
        key = json.dumps(item, sort_keys=True, ensure_ascii=False)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


@dataclass
class Pair:
    """One question asked of each API. `extract_*` turn an API's `data` into one canonical form."""

    key: str
    contract_file: str
    ordered: bool  # the query sorts its top-level nodes: their order must match too
    peer_query: str | None  # @neo4j/graphql 6.6.4 on FalkorDB (None: not measured there)
    extract_dangjian: Callable[[dict], Any]
    extract_peer: Callable[[dict], Any] | None
    # @neo4j/graphql 7 on Neo4j: the literal, idiomatic v7 translation of the same question.
    peer7_query: str = ""
    extract_peer7: Callable[[dict], Any] | None = None
    # The literal v6 translation with the same root type, when FalkorDB refuses what the library generates:
    peer_literal: str | None = None
    peer_note: str = ""
    variables: dict = field(default_factory=dict)
    paged: bool = False  # the benchmark asks for page 3 with each API's own cursor
    dangjian_text: str | None = None  # for the extra (non-contract) pairs
    # Where each kind's paged connection sits in its `data` (paged pairs only).
    page_connection: dict[str, Callable[[dict], dict]] = field(default_factory=dict)

    @property
    def dangjian_query(self) -> str:
        return self.dangjian_text or contract_query(self.contract_file)

    def graphql_text(self, kind: str) -> str | None:
        return {"dangjian": self.dangjian_query, "peer6": self.peer_query, "peer7": self.peer7_query}[kind]

    def extract(self, kind: str, data: dict) -> Any:
        extractor = {"dangjian": self.extract_dangjian, "cypher": self.extract_dangjian,
                     "peer6": self.extract_peer, "peer7": self.extract_peer7}[kind]
        return extractor(data)


def _dj_connection(root: str, *, page_info: bool = False, count_only: bool = False):
    def extract(data: dict) -> Any:
        connection = data[root]
        out: dict[str, Any] = {"totalCount": connection["totalCount"]}
        if page_info:
            out["hasNextPage"] = connection["pageInfo"]["hasNextPage"]
        if not count_only:
            out["nodes"] = connection_nodes(connection)
        return out
    return extract


def _peer_connection(path: Callable[[dict], dict], *, page_info: bool = False, count_only: bool = False):
    def extract(data: dict) -> Any:
        connection = path(data)
        out: dict[str, Any] = {"totalCount": connection["totalCount"]}
        if page_info:
            out["hasNextPage"] = connection["pageInfo"]["hasNextPage"]
        if not count_only:
            out["nodes"] = connection_nodes(connection)
        return out
    return extract


def peer_only_town(data: dict) -> dict:
    towns = data["towns"]
    if len(towns) != 1:
        raise ValueError(f"expected exactly one town, got {len(towns)}")
    return towns[0]


def _peer_secretaries(data: dict) -> Any:
    members = [member
               for town in data["towns"]
               for community in town["communities"]
               for organisation in community["organisations"]
               for member in organisation["secretaries"]]
    members = _unique(members)  # a member may be secretary of two village organisations
    return {"totalCount": len(members), "nodes": members}


PAIRS: tuple[Pair, ...] = (
    Pair(
        key="01-peide-external",
        contract_file="01-peide-external.graphql",
        ordered=False,
        peer_query="""query PeideExternal {
  zonesConnection(where: { nameEn_EQ: "Peide" }) {
    totalCount
    edges { node { name nameEn town { nameEn } lead { name } externalOrganisations { name kind source } } }
  }
}""",
        extract_dangjian=_dj_connection("zones"),
        extract_peer=_peer_connection(lambda d: d["zonesConnection"]),
        peer7_query="""query PeideExternal {
  zonesConnection(where: { nameEn: { eq: "Peide" } }) {
    totalCount
    edges { node { name nameEn town { nameEn } lead { name } externalOrganisations { name kind source } } }
  }
}""",
        extract_peer7=_peer_connection(lambda d: d["zonesConnection"]),
    ),
    Pair(
        key="02-nanzhuang-entrepreneur-secretaries",
        contract_file="02-nanzhuang-entrepreneur-secretaries.graphql",
        ordered=False,
        peer_literal="""query NanzhuangEntrepreneurSecretaries {
  membersConnection(where: {
    isEntrepreneur_EQ: true
    secretaryOf_SOME: { community: { kind_EQ: VILLAGE, town: { nameEn_EQ: "Nanzhuang" } } }
  }) {
    totalCount
    edges { node { name enterprises { name } secretaryOf { name community { name } } } }
  }
}""",
        peer_query="""query NanzhuangEntrepreneurSecretaries {
  towns(where: { nameEn_EQ: "Nanzhuang" }) {
    communities(where: { kind_EQ: VILLAGE }) {
      organisations {
        secretaries(where: { isEntrepreneur_EQ: true }) {
          name enterprises { name } secretaryOf { name community { name } }
        }
      }
    }
  }
}""",
        peer_note="walked from the town down (town → villages → organisations → entrepreneur secretaries); "
                  "the harness de-duplicates members and counts them",
        extract_dangjian=_dj_connection("members"),
        extract_peer=_peer_secretaries,
        peer7_query="""query NanzhuangEntrepreneurSecretaries {
  membersConnection(where: {
    isEntrepreneur: { eq: true }
    secretaryOf: { some: { community: { kind: { eq: VILLAGE }, town: { nameEn: { eq: "Nanzhuang" } } } } }
  }) {
    totalCount
    edges { node { name enterprises { name } secretaryOf { name community { name } } } }
  }
}""",
        extract_peer7=_peer_connection(lambda d: d["membersConnection"]),
    ),
    Pair(
        key="03-nanzhuang-villages",
        contract_file="03-nanzhuang-villages.graphql",
        ordered=False,
        peer_literal="""query NanzhuangVillages {
  communitiesConnection(where: { kind_EQ: VILLAGE, town: { nameEn_EQ: "Nanzhuang" } }) { totalCount }
}""",
        peer_query="""query NanzhuangVillages {
  towns(where: { nameEn_EQ: "Nanzhuang" }) {
    communitiesConnection(where: { node: { kind_EQ: VILLAGE } }) { totalCount }
  }
}""",
        peer_note="nested connection under the town",
        extract_dangjian=_dj_connection("communities", count_only=True),
        extract_peer=_peer_connection(lambda d: peer_only_town(d)["communitiesConnection"], count_only=True),
        peer7_query="""query NanzhuangVillages {
  communitiesConnection(where: { kind: { eq: VILLAGE }, town: { nameEn: { eq: "Nanzhuang" } } }) { totalCount }
}""",
        extract_peer7=_peer_connection(lambda d: d["communitiesConnection"], count_only=True),
    ),
    Pair(
        key="04-grids",
        contract_file="04-grids.graphql",
        ordered=True,
        peer_query="""query Grids {
  gridsConnection(first: 5, sort: [{ uid: ASC }]) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { uid name departments { name nameEn } } }
  }
}""",
        extract_dangjian=_dj_connection("grids", page_info=True),
        extract_peer=_peer_connection(lambda d: d["gridsConnection"], page_info=True),
        peer7_query="""query Grids {
  gridsConnection(first: 5, sort: [{ uid: ASC }]) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { uid name departments { name nameEn } } }
  }
}""",
        extract_peer7=_peer_connection(lambda d: d["gridsConnection"], page_info=True),
    ),
    Pair(
        key="05-zumiao-zones-paged",
        contract_file="05-zumiao-zones-paged.graphql",
        ordered=True,
        paged=True,
        variables={"after": None},
        peer_literal="""query ZumiaoZones($after: String) {
  zonesConnection(where: { town: { nameEn_EQ: "Zumiao" } }, sort: [{ name: ASC }], first: 5, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { uid name } }
  }
}""",
        peer_query="""query ZumiaoZones($after: String) {
  towns(where: { nameEn_EQ: "Zumiao" }) {
    zonesConnection(sort: [{ node: { name: ASC } }], first: 5, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node { uid name } }
    }
  }
}""",
        peer_note="nested connection under the town; the library's cursors are offsets (SKIP), ours are keysets",
        extract_dangjian=_dj_connection("zones", page_info=True),
        extract_peer=_peer_connection(lambda d: peer_only_town(d)["zonesConnection"], page_info=True),
        peer7_query="""query ZumiaoZones($after: String) {
  zonesConnection(where: { town: { nameEn: { eq: "Zumiao" } } }, sort: [{ name: ASC }], first: 5, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { uid name } }
  }
}""",
        extract_peer7=_peer_connection(lambda d: d["zonesConnection"], page_info=True),
        page_connection={"dangjian": lambda d: d["zones"], "cypher": lambda d: d["zones"],
                         "peer6": lambda d: peer_only_town(d)["zonesConnection"],
                         "peer7": lambda d: d["zonesConnection"]},
    ),
)


def _dj_nested(data: dict) -> Any:
    return {"nodes": data["zones"]["nodes"]}


def _peer_nested(data: dict) -> Any:
    return {"nodes": data["zones"]}


# Not contract queries. 06: one big answer (100 grids), so that Bolt replies span several of
# FalkorDB's 4 KB chunks (the contract's answers are all under 4 KB over Bolt). 07: the 3-level
# query of bench/queries.py (100 zones → external organisations → 5 members each; the seed has
# 22 zones), whose hand-written ratio is a target.
NESTED_3_LEVELS = ("{ zones(first: 100) { nodes { uid name externalOrganisations { uid name"
                   " members(first: 5) { uid name } } } } }")
EXTRA_PAIRS: tuple[Pair, ...] = (
    Pair(
        key="06-grids-100",
        contract_file="",
        ordered=True,
        peer_query="""query Grids100 {
  gridsConnection(first: 100, sort: [{ uid: ASC }]) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { uid name number departments { name nameEn } } }
  }
}""",
        peer_note="extra, not in the contract: a 100-grid page (~20 KB), larger than FalkorDB's 4 KB Bolt reply chunks",
        extract_dangjian=_dj_connection("grids", page_info=True),
        extract_peer=_peer_connection(lambda d: d["gridsConnection"], page_info=True),
        dangjian_text="""query Grids100 {
  grids(first: 100, sort: [{ uid: ASC }]) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { uid name number departments { name nameEn } }
  }
}""",
        peer7_query="""query Grids100 {
  gridsConnection(first: 100, sort: [{ uid: ASC }]) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { uid name number departments { name nameEn } } }
  }
}""",
        extract_peer7=_peer_connection(lambda d: d["gridsConnection"], page_info=True),
    ),
    Pair(
        key="07-nested-3-levels-100",
        contract_file="",
        ordered=True,
        # dangjian-graph orders every list by uid unless told otherwise; the peers are asked for the
        # same zones and the same 5 members (by uid); organisations compare as a set.
        peer_query="""query Nested3Levels {
  zones(limit: 100, sort: [{ uid: ASC }]) {
    uid name
    externalOrganisations { uid name members(limit: 5, sort: [{ uid: ASC }]) { uid name } }
  }
}""",
        peer_note="extra, not in the contract: the 3-level query of bench/queries.py (22 zones in the seed)",
        extract_dangjian=_dj_nested,
        extract_peer=_peer_nested,
        dangjian_text=NESTED_3_LEVELS,
        peer7_query="""query Nested3Levels {
  zones(limit: 100, sort: [{ uid: ASC }]) {
    uid name
    externalOrganisations { uid name members(limit: 5, sort: [{ uid: ASC }]) { uid name } }
  }
}""",
        extract_peer7=_peer_nested,
    ),
)
PAIRS = PAIRS + EXTRA_PAIRS
