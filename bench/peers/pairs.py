"""The query pairs: one question asked of dangjian-graph, of @neo4j/graphql and of hand-written Cypher.

Each pair carries the two GraphQL texts and the extractors that reduce each API's `data` to one
canonical form (`totalCount`, `hasNextPage`, the nodes) for the answers check.
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
    peer_query: str  # what the table measures for the peer
    extract_dangjian: Callable[[dict], Any]
    extract_peer: Callable[[dict], Any]
    # The literal translation with the same root type, when FalkorDB refuses what the library generates:
    peer_literal: str | None = None
    peer_note: str = ""
    variables: dict = field(default_factory=dict)
    paged: bool = False  # the benchmark asks for page 3 with each API's own cursor
    dangjian_text: str | None = None  # for the extra (non-contract) pairs

    @property
    def dangjian_query(self) -> str:
        return self.dangjian_text or contract_query(self.contract_file)


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
    ),
)


# Not a contract query: one big answer (100 grids), so that Bolt replies span several of FalkorDB's
# 4 KB chunks; the contract's answers are all under 4 KB over Bolt.
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
    ),
)
PAIRS = PAIRS + EXTRA_PAIRS
