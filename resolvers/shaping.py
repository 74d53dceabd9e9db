"""Shape rows into the exact response a selection asks for, in one pass.

The one query already returns every value; completing them field by field through
graphql-core costs about 2 µs a field (a 1,000-row page: ~8 ms). Here each node is
one dict comprehension over a precomputed plan, and `Shaped` tells the executor
(schema.execution) that the subtree is complete.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graph.model import TYPES, NodeType
from graph.plan import REL_KEY_PREFIX, SortKey
from resolvers.ids import encode_cursor, order_signature, to_global_id
from resolvers.selection import SelectedField, SelectionReader


@dataclass(frozen=True)
class Shaped:
    """A finished response subtree: the executor returns it as it is."""

    value: Any


# A node plan: (response key, kind, argument). Kinds: "prop" (stored name), "const"
# (a fixed value: __typename), "id", and "rel" (projection key, many, child plan).
NodePlan = tuple[tuple[str, str, Any], ...]


def node_plan(reader: SelectionReader, parents: list[SelectedField], node_type: NodeType) -> NodePlan:
    entries = []
    for parent in parents:
        for key, child in reader.children(parent, node_type.name).items():
            if child.name == "__typename":
                entries.append((key, "const", node_type.name))
            elif child.name == "id":
                entries.append((key, "id", node_type.name))
            elif (rel := node_type.rel(child.name)) is not None:
                entries.append((key, "rel", (REL_KEY_PREFIX + key, rel.many,
                                             node_plan(reader, [child], TYPES[rel.target]))))
            else:
                entries.append((key, "prop", child.name))
    return tuple(dict.fromkeys(entries))


def shape_node(plan: NodePlan, row: dict[str, Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    out = {}
    for key, kind, arg in plan:
        if kind == "prop":
            out[key] = row.get(arg)
        elif kind == "const":
            out[key] = arg
        elif kind == "id":
            out[key] = to_global_id(arg, row["uid"])
        else:
            source, many, child = arg
            value = row.get(source)
            out[key] = [shape_node(child, v) for v in value or ()] if many else shape_node(child, value)
    return out


def shape_connection(reader: SelectionReader, root: SelectedField, node_type: NodeType, sort: tuple[SortKey, ...],
                     page: list[dict], total: int, has_next: bool, has_previous: bool) -> dict:
    """The connection exactly as selected: aliases, fragments and __typename included."""
    connection = f"{node_type.name}Connection"
    order, keys = order_signature(sort), [k.prop.name for k in sort]

    def cursor(node: dict) -> str:  # encoded only when selected (~8 µs each)
        return encode_cursor(order, [node[k] for k in keys])

    page_info = {"hasNextPage": lambda: has_next, "hasPreviousPage": lambda: has_previous,
                 "startCursor": lambda: cursor(page[0]) if page else None,
                 "endCursor": lambda: cursor(page[-1]) if page else None}
    out: dict[str, Any] = {}
    for key, field in reader.children(root, connection).items():
        if field.name == "__typename":
            out[key] = connection
        elif field.name == "totalCount":
            out[key] = total
        elif field.name == "pageInfo":
            out[key] = {k: ("PageInfo" if f.name == "__typename" else page_info[f.name]())
                        for k, f in reader.children(field, "PageInfo").items()}
        elif field.name == "nodes":
            plan = node_plan(reader, [field], node_type)
            out[key] = [shape_node(plan, node) for node in page]
        elif field.name == "edges":
            out[key] = _edges(reader, field, node_type, page, cursor)
    return out


def _edges(reader, field, node_type, page, cursor) -> list[dict]:
    edge_type = f"{node_type.name}Edge"
    parts = reader.children(field, edge_type)
    plans = {k: node_plan(reader, [f], node_type) for k, f in parts.items() if f.name == "node"}
    edges = []
    for node in page:
        edge = {}
        for key, f in parts.items():
            if f.name == "cursor":
                edge[key] = cursor(node)
            elif f.name == "node":
                edge[key] = shape_node(plans[key], node)
            else:
                edge[key] = edge_type
        edges.append(edge)
    return edges
