"""Research fields: ego networks, shortest paths and search; the entry types they and the
statistics share (GraphNode, SearchHit)."""
from __future__ import annotations

import enum
from typing import Annotated, Any, Optional

import strawberry
from strawberry.types import Info

from graph.model import NODE_TYPES
from resolvers.network import DEFAULT_NODES, entry_id, neighbourhood, node_loader, search, shortest_path
from resolvers.read import reader_for
from schema.inputs import ENUM_TYPES
from schema.types import Node

RelationshipType = strawberry.enum(
    enum.Enum("RelationshipType", {t: t for t in sorted({r.type for n in NODE_TYPES for r in n.rels})}),
    description="A relationship type of the graph model.",
)
Source = ENUM_TYPES["Source"]


@strawberry.type(description="A node as an entry of a research answer (a subgraph, a path, a statistic): its "
                             "type and names, its global id as `nodeId`, and the node itself as `node`.")
class GraphNode:
    id: strawberry.ID = strawberry.field(
        description="This entry's own id, never the node's (a client that merges objects by id must not merge "
                    "the entry with the node): use `nodeId` for the node.")
    nodeId: strawberry.ID = strawberry.field(
        description="The node's global id: for `node(id:)`, `neighbourhood(id:)`, `path`, `/export/{id}`; "
                    "`GraphEdge.source` and `target` are these.")
    label: str
    uid: str
    name: str
    nameEn: Optional[str]
    source: Source

    @strawberry.field(description="The node itself, with any field of its type through fragments "
                                  "(`node { id ... on Zone { lead { name } } }`). All the entries of one root "
                                  "field are read together, in one more read; null if the node is gone.")
    def node(self, info: Info) -> Optional[Node]:
        # A future, not a coroutine: every entry asks during one completion, so one read serves all.
        return node_loader(info.context).load(info, self.label, self.uid)


@strawberry.type(description="A relationship in a subgraph, from source to target (the `nodeId`s of its ends).")
class GraphEdge:
    id: strawberry.ID = strawberry.field(description="`source|TYPE|target`: the same in /export files.")
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


@strawberry.type(description="A search hit: 0 = exact match, 1 = prefix, 2 = substring of name or nameEn. Its "
                             "own `id` depends on the search text (the rank does), not only on the node.")
class SearchHit(GraphNode):
    rank: int


def graph_node(row: dict[str, Any]) -> GraphNode:
    """The entry for a node dict of the resolvers (whose `id` is the node's global id)."""
    return GraphNode(id=strawberry.ID(entry_id("GraphNode", row["id"])), nodeId=strawberry.ID(row["id"]),
                     label=row["label"], uid=row["uid"], name=row["name"], nameEn=row.get("nameEn"),
                     source=row["source"])


def _subgraph(cls: type, result: dict[str, Any]) -> Any:
    return cls(**{**result, "nodes": [graph_node(n) for n in result["nodes"]],
                  "edges": [GraphEdge(**e) for e in result["edges"]]})


def _types(values: Optional[list[Any]]) -> Optional[list[str]]:
    return [v.value for v in values] if values else None


@strawberry.type
class ResearchQuery:
    @strawberry.field(description="Search every type's name and nameEn, exact matches first. The text is folded "
                                  "as people type it: full-width or half-width, any case, spaces optional "
                                  "(`Ｐｅｉｄｅ`, `nan zhuang`, `南 庄`). `first` (1–100, default 20) caps the hits.")
    async def search(self, info: Info, text: str, first: int = 20) -> list[SearchHit]:
        hits = await search(reader_for(info.context), text, first, info.context["backend"].fulltext_search)
        return [SearchHit(id=strawberry.ID(h["hitId"]), nodeId=strawberry.ID(h["id"]), label=h["label"],
                          uid=h["uid"], name=h["name"], nameEn=h.get("nameEn"), source=h["source"], rank=h["rank"])
                for h in hits]

    @strawberry.field(description="The ego network of a node (`id`: a node's global id, e.g. a `nodeId`), up to "
                                  "`depth` (≤ 3) hops and `limit` (≤ 2000) nodes; `truncated` when a cap cut it.")
    async def neighbourhood(self, info: Info, id: strawberry.ID, depth: int = 1,
                            relationshipTypes: Optional[list[RelationshipType]] = None,
                            limit: int = DEFAULT_NODES) -> Subgraph:
        result = await neighbourhood(reader_for(info.context), id, depth, _types(relationshipTypes), limit)
        return _subgraph(Subgraph, result)

    @strawberry.field(description="The shortest connection between two nodes (global ids), in at most `maxHops` "
                                  "(≤ 8) hops.")
    async def path(self, info: Info, from_: Annotated[strawberry.ID, strawberry.argument(name="from")],
                   to: strawberry.ID, maxHops: int = 6,
                   relationshipTypes: Optional[list[RelationshipType]] = None) -> PathResult:
        result = await shortest_path(reader_for(info.context), from_, to, maxHops, _types(relationshipTypes))
        return _subgraph(PathResult, result)
