"""Traversal plans: walking the graph a level at a time (graph/cypher/traversal.py renders them).

Variable-length patterns explode on hub nodes and `shortestPath` inside MATCH is not portable,
so resolvers expand one level per statement, with caps; the engine's internal node ids stand
for nodes between the levels of one request (never shown to clients)."""
from __future__ import annotations

from dataclasses import dataclass

from graph.plan import LabelAccess, Projection


@dataclass(frozen=True)
class StartNode:
    """At most one row {id, label, uid, name, nameEn, source}: the node of type `label`."""

    label: str
    uid: str
    access: LabelAccess | None = None  # what the grant sees (graph/authorise.py); None: everything


@dataclass(frozen=True)
class Expand:
    """Rows {from, id, type, outgoing, label, uid, name, nameEn, source}: every relationship
    touching the frontier (internal ids), of the given types (None: any), at most `limit`."""

    frontier: tuple[int, ...]
    relationship_types: tuple[str, ...] | None
    limit: int
    access: LabelAccess | None = None  # neighbours the grant cannot see are not reached


@dataclass(frozen=True)
class OutgoingLinks:
    """Rows {source, target, type}: every relationship leaving the nodes `ids`."""

    ids: tuple[int, ...]
    relationship_types: tuple[str, ...] | None


@dataclass(frozen=True)
class NodesByUid:
    """Rows {grp, node}: for each (projection, uids) group, its nodes in projection column order."""

    groups: tuple[tuple[Projection, tuple[str, ...]], ...]
    access: LabelAccess | None = None  # nodes the grant cannot see are left out
