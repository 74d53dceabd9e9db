"""Ego networks, shortest paths and search, expanded a level per statement with server-side caps;
and the real nodes behind research entries, read for a whole response at once (NodeLoader).

Node dicts here carry the node's global `id` (what `node(id:)` takes and /export writes); an
edge's id is `source|TYPE|target` of those ids, so ids are stable across requests and export
formats. The GraphQL entry types (GraphNode, SearchHit in schema/research.py) expose that id as
`nodeId` and have ids of their own (`entry_id`): an entry is not the node, and a client that
normalises objects by id (Relay) must not merge the two.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from graph.model import TYPES
from graph.plan import Projection
from graph.search import Search, fold
from graph.traversal import Expand, NodesByUid, OutgoingLinks, StartNode
from graph.validation import text_problem
from resolvers.errors import bad_input
from resolvers.ids import from_global_id, to_global_id
from resolvers.plans import build_projection
from resolvers.read import run_read
from resolvers.selection import SelectedField, SelectionReader
from resolvers.shaping import NodePlan, Shaped, node_plan, shape_node
from resolvers.values import check_text

# The types of the entries' own ids: never node types, so `node(id:)` answers null for them.
ENTRY_TYPES = ("GraphNode", "SearchHit")


def entry_id(entry_type: str, node_id: str, context: str = "") -> str:
    """An entry's own opaque id: deterministic, and never the id of the node it describes.
    `context` is what else the entry's fields depend on (a search hit's rank: the search text)."""
    return to_global_id(entry_type, node_id + (f":{context}" if context else ""))


MAX_DEPTH = 3
MAX_HOPS = 8
MAX_NODES = 2000
DEFAULT_NODES = 200
# Rows one expansion may return: a hub with more neighbours is cut off and flagged.
FAN_OUT = 5000


@dataclass
class Subgraph:
    nodes: dict[int, dict[str, Any]] = field(default_factory=dict)  # internal id → node
    edges: dict[str, dict[str, Any]] = field(default_factory=dict)  # edge id → edge
    truncated: bool = False

    def add_node(self, internal_id: int, row: dict[str, Any]) -> None:
        if internal_id not in self.nodes:
            self.nodes[internal_id] = {
                "id": to_global_id(row["label"], row["uid"]), "label": row["label"], "uid": row["uid"],
                "name": row["name"], "nameEn": row.get("nameEn"), "source": row["source"],
            }

    def add_edge(self, source: int, target: int, rel_type: str) -> None:
        s, t = self.nodes[source]["id"], self.nodes[target]["id"]
        edge_id = f"{s}|{rel_type}|{t}"
        self.edges.setdefault(edge_id, {"id": edge_id, "source": s, "target": t, "type": rel_type})

    def as_result(self) -> dict[str, Any]:
        return {"nodes": list(self.nodes.values()), "edges": list(self.edges.values()), "truncated": self.truncated}


MAX_SEARCH = 100


async def search(read, text: str, first: int = 20, fulltext: bool = False) -> list[dict[str, Any]]:
    """Ranked hits for `text` folded as people type it (graph/search.py: NFKC, case, spaces):
    exact, then prefix, then substring matches; shorter names first. Each hit is a node dict
    with its `rank` and its entry id `hitId` (which depends on the folded text: a rank does)."""
    check_text(text, "text")  # before anything else reads it: the engine never sees such text
    folded = fold(text)
    if not folded:
        raise bad_input("text", "give at least one character other than spaces")
    if not 1 <= first <= MAX_SEARCH:
        raise bad_input("first", "must be between 1 and {MAX_SEARCH}, got {first}", 
                        MAX_SEARCH=MAX_SEARCH, first=first)
    rows = await read(Search(folded, first, fulltext))
    rows.sort(key=lambda r: (r["rank"], len(r["name"]), r["name"], r["uid"]))
    graph = Subgraph()
    hits = []
    for i, row in enumerate(rows[:first]):
        graph.add_node(i, row)
        node = graph.nodes[i]
        hits.append({**node, "rank": row["rank"], "hitId": entry_id("SearchHit", node["id"], folded)})
    return hits


def _types(types: list[str] | None) -> tuple[str, ...] | None:
    return tuple(types) if types else None


def check_types(relationship_types: list[str] | None) -> list[str] | None:
    if not relationship_types:
        return None
    known = {rel.type for t in TYPES.values() for rel in t.rels}
    unknown = [t for t in relationship_types if t not in known]
    if unknown:
        raise bad_input("relationshipTypes", "unknown relationship type(s) {unknown}; known: {known}",
                        unknown=unknown, known=sorted(known))
    return relationship_types


def parse_start(global_id: str, field: str) -> tuple[str, str]:
    """The (type, uid) a start id names; every check that needs no read, so that a bad id is
    refused before anything reaches the engine."""
    check_text(global_id, field)
    type_name, uid = from_global_id(global_id, field)
    if type_name in ENTRY_TYPES:
        raise bad_input(field, "{global_id!r} is the id of a {type_name}, not of a node: pass its nodeId",
                        global_id=global_id, type_name=type_name)
    if type_name not in TYPES or text_problem(uid):
        raise bad_input(field, "{global_id!r} is not an id this API issued", global_id=global_id)
    return type_name, uid


async def resolve_start(read, global_id: str, field: str, parsed: tuple[str, str] | None = None
                        ) -> tuple[int, dict[str, Any]]:
    type_name, uid = parsed or parse_start(global_id, field)
    rows = await read(StartNode(type_name, uid))
    if not rows:
        raise bad_input(field, "no node with id {global_id!r}", global_id=global_id)
    return rows[0]["id"], rows[0]


async def neighbourhood(read, global_id: str, depth: int = 1, relationship_types: list[str] | None = None,
                        limit: int = DEFAULT_NODES) -> dict[str, Any]:
    if not 1 <= depth <= MAX_DEPTH:
        raise bad_input("depth", "must be between 1 and {MAX_DEPTH}, got {depth}", MAX_DEPTH=MAX_DEPTH, depth=depth)
    if not 1 <= limit <= MAX_NODES:
        raise bad_input("limit", "must be between 1 and {MAX_NODES}, got {limit}", MAX_NODES=MAX_NODES, limit=limit)
    types = check_types(relationship_types)
    graph = Subgraph()
    start_id, start = await resolve_start(read, global_id, "id")
    graph.add_node(start_id, start)
    frontier = [start_id]
    for _ in range(depth):
        rows = await read(Expand(tuple(frontier), _types(types), FAN_OUT + 1))
        if len(rows) > FAN_OUT:
            graph.truncated, rows = True, rows[:FAN_OUT]
        next_frontier = []
        for row in rows:
            if row["id"] not in graph.nodes:
                if len(graph.nodes) >= limit:
                    graph.truncated = True
                    continue
                graph.add_node(row["id"], row)
                next_frontier.append(row["id"])
        frontier = next_frontier
        if not frontier:
            break
    for row in await read(OutgoingLinks(tuple(graph.nodes), _types(types))):
        if row["target"] in graph.nodes:
            graph.add_edge(row["source"], row["target"], row["type"])
    return graph.as_result()


async def shortest_path(read, from_id: str, to_id: str, max_hops: int = 6,
                        relationship_types: list[str] | None = None) -> dict[str, Any]:
    """Bidirectional breadth-first search; the path comes back as ordered nodes and edges."""
    if not 1 <= max_hops <= MAX_HOPS:
        raise bad_input("maxHops",
                        "must be between 1 and {MAX_HOPS}, got {max_hops}", MAX_HOPS=MAX_HOPS, max_hops=max_hops)
    types = check_types(relationship_types)
    starts = parse_start(from_id, "from"), parse_start(to_id, "to")
    graph = Subgraph()
    a, a_row = await resolve_start(read, from_id, "from", starts[0])
    b, b_row = await resolve_start(read, to_id, "to", starts[1])
    graph.add_node(a, a_row)
    graph.add_node(b, b_row)
    # parent[side][node] = (previous node, relationship type, previous→node is the stored direction)
    parents: list[dict[int, tuple[int, str, bool] | None]] = [{a: None}, {b: None}]
    frontiers = [[a], [b]]
    meeting = a if a == b else None
    hops = 0
    while meeting is None and hops < max_hops and frontiers[0] and frontiers[1]:
        side = 0 if len(frontiers[0]) <= len(frontiers[1]) else 1
        rows = await read(Expand(tuple(frontiers[side]), _types(types), FAN_OUT + 1))
        if len(rows) > FAN_OUT:
            graph.truncated, rows = True, rows[:FAN_OUT]
        hops += 1
        next_frontier = []
        for row in rows:
            node = row["id"]
            if node in parents[side]:
                continue
            parents[side][node] = (row["from"], row["type"], row["outgoing"])
            graph.add_node(node, row)
            next_frontier.append(node)
            if node in parents[1 - side]:
                meeting = node
                break
        frontiers[side] = next_frontier
    if meeting is None:
        return {"found": False, "hops": None, "nodes": [], "edges": [], "truncated": graph.truncated}
    chain = _walk(parents[0], meeting)[::-1] + _walk(parents[1], meeting)[1:]
    path = Subgraph()
    for node in chain:
        path.nodes[node] = graph.nodes[node]
    links = {}  # the stored relationship between two neighbours on the path
    for side in (0, 1):
        for node in _walk(parents[side], meeting)[:-1]:
            previous, rel_type, outgoing = parents[side][node]
            links[frozenset((previous, node))] = ((previous, node) if outgoing else (node, previous), rel_type)
    for previous, node in zip(chain, chain[1:]):  # edges in path order
        (source, target), rel_type = links[frozenset((previous, node))]
        path.add_edge(source, target, rel_type)
    result = path.as_result()
    result.update(found=True, hops=len(chain) - 1, truncated=graph.truncated)
    return result


def _walk(parents: dict[int, tuple[int, str, bool] | None], node: int) -> list[int]:
    chain = [node]
    while parents[node] is not None:
        node = parents[node][0]
        chain.append(node)
    return chain


class NodeLoader:
    """The real nodes behind GraphNode.node and SearchHit.node, for a whole response in one read.

    Each `node` field asks while graphql-core completes the response (`load` returns a future);
    the first ask schedules the read, which runs once the completion yields to the event loop,
    for everything asked by then: one read per root field, not one per entry. Each field's
    selection (fragments on the node's type) becomes a projection, as for root connections.
    One loader per request (`node_loader`).
    """

    def __init__(self, context: Any) -> None:
        self.context = context
        self.reader: SelectionReader | None = None
        self.plans: dict[tuple, tuple[Projection, NodePlan]] = {}  # (field nodes, type) → projection, plan
        self.waiting: dict[tuple, dict[str, list[asyncio.Future]]] = {}  # plan key → uid → futures
        self.tasks: set[asyncio.Task] = set()

    def load(self, info: Any, label: str, uid: str) -> asyncio.Future:
        """A future of the node, shaped as the field selects it (None if it is gone)."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        node_type = TYPES.get(label)
        if node_type is None:
            future.set_result(None)
            return future
        key = self._plan(info, node_type)
        if not self.waiting:
            loop.call_soon(self._dispatch)
        self.waiting.setdefault(key, {}).setdefault(uid, []).append(future)
        return future

    def _plan(self, info: Any, node_type: Any) -> tuple:
        raw = getattr(info, "_raw_info", info)
        # The same field nodes select the same fields for every entry: plan them once.
        key = (tuple(id(n) for n in raw.field_nodes), node_type.name)
        if key not in self.plans:
            self.reader = self.reader or SelectionReader(info)
            parent = SelectedField(raw.path.key, raw.field_name, {}, list(raw.field_nodes))
            path = ".".join(str(k) for k in raw.path.as_list() if isinstance(k, str))
            projection = build_projection(self.reader, [parent], node_type, path)
            self.plans[key] = (projection, node_plan(self.reader, [parent], projection))
        return key

    def _dispatch(self) -> None:
        batch, self.waiting = self.waiting, {}
        # Held until done: the event loop keeps only a weak reference to a task.
        task = asyncio.ensure_future(self._read(batch))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _read(self, batch: dict[tuple, dict[str, list[asyncio.Future]]]) -> None:
        keys = list(batch)
        try:
            rows = await run_read(self.context, NodesByUid(tuple((self.plans[k][0], tuple(batch[k])) for k in keys)))
        except Exception as error:  # each waiting field reports it
            for futures in (f for waiting in batch.values() for f in waiting.values()):
                for future in futures:
                    if not future.done():
                        future.set_exception(error)
            return
        found = {(row["grp"], row["node"][0]): row["node"] for row in rows}
        for index, key in enumerate(keys):
            plan = self.plans[key][1]
            for uid, futures in batch[key].items():
                row = found.get((index, uid))
                value = Shaped(shape_node(plan, row)) if row is not None else None
                for future in futures:
                    if not future.done():
                        future.set_result(value)


def node_loader(context: Any) -> NodeLoader:
    """The request's NodeLoader (kept in its context)."""
    loader = context.get("node_loader")
    if loader is None:
        loader = context["node_loader"] = NodeLoader(context)
    return loader
