"""Research fields: ego networks, shortest paths, statistics and search."""
from __future__ import annotations

import enum
from typing import Annotated, Any, Optional

import strawberry
from strawberry.types import Info

from graph.model import NODE_TYPES
from resolvers.network import DEFAULT_NODES, neighbourhood, search, shortest_path
from resolvers.read import reader_for
from schema.inputs import ENUM_TYPES

RelationshipType = strawberry.enum(
    enum.Enum("RelationshipType", {t: t for t in sorted({r.type for n in NODE_TYPES for r in n.rels})}),
    description="A relationship type of the graph model.",
)
Source = ENUM_TYPES["Source"]


@strawberry.type(description="A node in a subgraph: its global id, type and names.")
class GraphNode:
    id: strawberry.ID
    label: str
    uid: str
    name: str
    nameEn: Optional[str]
    source: Source


@strawberry.type(description="A relationship in a subgraph, from source to target (global ids).")
class GraphEdge:
    id: strawberry.ID
    source: strawberry.ID
    target: strawberry.ID
    type: str


@strawberry.type(description="Nodes and relationships; truncated is true when a server cap cut it short.")
class Subgraph:
    nodes: list[GraphNode]
    edges: list[GraphEdge]
    truncated: bool


@strawberry.type(description="The shortest connection between two nodes, as ordered nodes and edges.")
class PathResult:
    found: bool
    hops: Optional[int]
    nodes: list[GraphNode]
    edges: list[GraphEdge]
    truncated: bool


@strawberry.type(description="A search hit: 0 = exact match, 1 = prefix, 2 = substring of name or nameEn.")
class SearchHit(GraphNode):
    rank: int


def _types(values: Optional[list[Any]]) -> Optional[list[str]]:
    return [v.value for v in values] if values else None


@strawberry.type
class ResearchQuery:
    @strawberry.field(description="Search every type's name and nameEn, exact matches first. The text is folded "
                                  "as people type it: full-width or half-width, any case, spaces optional "
                                  "(`Ｐｅｉｄｅ`, `nan zhuang`, `南 庄`). `first` (1–100, default 20) caps the hits.")
    async def search(self, info: Info, text: str, first: int = 20) -> list[SearchHit]:
        # FalkorDB has full-text indexes for English and pinyin; elsewhere, substring scans.
        fulltext = info.context["backend"].name == "falkordb"
        return await search(reader_for(info.context), text, first, fulltext)

    @strawberry.field(description="The ego network of a node, up to `depth` (≤ 3) hops and `limit` (≤ 2000) nodes.")
    async def neighbourhood(self, info: Info, id: strawberry.ID, depth: int = 1,
                            relationshipTypes: Optional[list[RelationshipType]] = None,
                            limit: int = DEFAULT_NODES) -> Subgraph:
        return await neighbourhood(reader_for(info.context), id, depth, _types(relationshipTypes), limit)

    @strawberry.field(description="The shortest connection between two nodes, in at most `maxHops` (≤ 8) hops.")
    async def path(self, info: Info, from_: Annotated[strawberry.ID, strawberry.argument(name="from")],
                   to: strawberry.ID, maxHops: int = 6,
                   relationshipTypes: Optional[list[RelationshipType]] = None) -> PathResult:
        return await shortest_path(reader_for(info.context), from_, to, maxHops, _types(relationshipTypes))
