"""Write plans: what a mutation or an import changes, before it is Cypher.

Every write carries its audit record; graph/cypher/writes.py renders each plan as one
statement that checks its guards, writes, and records the audit entry together.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from graph.model import NodeType, Rel
from graph.plan import Filter, Projection


def utc_now() -> tuple[str, str]:
    """The current UTC timestamp and date, as ISO strings."""
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    return now.isoformat().replace("+00:00", "Z"), now.date().isoformat()


@dataclass(frozen=True)
class Audit:
    actor: str
    at: str  # ISO 8601 UTC
    action: str
    target_type: str
    target_uid: str | None
    changes: str  # JSON
    source: str = "IMPORTED"
    batch_id: str | None = None
    undoes: str | None = None  # the uid of the entry an undo reverses (resolvers/undo.py)

    def properties(self, uid: str) -> dict[str, Any]:
        """The entry's stored properties; absent ones are left out, never written as null
        (FalkorDB mis-applies `SET n += $map` when the map holds several nulls)."""
        summary = f"{self.action} {self.target_type} {self.target_uid or ''}".strip()
        props = {
            "uid": uid, "name": summary, "source": self.source, "at": self.at, "actor": self.actor,
            "action": self.action, "targetType": self.target_type, "targetUid": self.target_uid,
            "changes": self.changes, "batchId": self.batch_id, "undoes": self.undoes,
        }
        return {k: v for k, v in props.items() if v is not None}


@dataclass(frozen=True)
class LinkChange:
    """Links through `rel` (as seen from the node written) to target nodes by uid."""

    rel: Rel
    target: NodeType
    uids: tuple[str, ...]
    # The target side's field for the same relationship, when it is single-valued: each
    # target may then be linked to one node at most (one lead per zone, one town per zone).
    reverse_single: bool = False
    # What each target must pass for the grant to change its links (graph/authorise.py): the
    # write finds no target that fails it, and writes nothing.
    guard: Filter | None = None


@dataclass(frozen=True)
class CreateNode:
    """A new node with `props` (no nulls) and links; the statement returns the stored node
    in `projection`'s column order, read back after the write."""

    node_type: NodeType
    props: dict[str, Any]
    links: tuple[LinkChange, ...]
    audit: Audit
    projection: Projection | None = None


@dataclass(frozen=True)
class UpdateNode:
    """Set properties, remove others, and add or remove links, if `expect` still holds
    (property → value it must have; None: the property must be absent). The statement
    returns the stored node in `projection`'s column order, read back after the write."""

    node_type: NodeType
    uid: str
    audit: Audit
    set_props: dict[str, Any] = field(default_factory=dict)  # no nulls
    remove_props: tuple[str, ...] = ()
    connect: tuple[LinkChange, ...] = ()
    disconnect: tuple[LinkChange, ...] = ()
    expect: dict[str, Any] = field(default_factory=dict)
    projection: Projection | None = None
    guard: Filter | None = None  # the grant's rule on the node (graph/authorise.py), checked before writing


@dataclass(frozen=True)
class Relationship:
    """One relationship as seen from a node: its type, its direction from the node ("OUT" or
    "IN"; a loop to the node itself is OUT only) and the other end's label and uid."""

    type: str
    direction: str
    label: str
    uid: str

    @property
    def key(self) -> str:
        """"OUT|IN_TOWN|Town|town-zumiao": how a statement compares relationship lists."""
        return f"{self.direction}|{self.type}|{self.label}|{self.uid}"

    def as_json(self) -> dict[str, str]:
        return {"type": self.type, "direction": self.direction, "label": self.label, "uid": self.uid}


def relationships_of(row: dict[str, Any]) -> tuple[Relationship, ...]:
    """The `outgoing` and `incoming` columns of a Precheck with `relationships`, sorted."""
    found = [Relationship(t, d, label, uid) for d, t, label, uid in [*row["outgoing"], *row["incoming"]]]
    return tuple(sorted(found, key=lambda r: r.key))


@dataclass(frozen=True)
class DeleteNode:
    """Delete a node and its relationships. With `expect` and `relationships` (what the
    precheck read, and the audit entry records) the statement deletes only if the node still
    has exactly these properties and exactly these relationships, so the entry is exact."""

    node_type: NodeType
    uid: str
    audit: Audit
    guard: Filter | None = None  # the grant's rule on the node and its neighbours (graph/authorise.py)
    expect: dict[str, Any] | None = None
    relationships: tuple[Relationship, ...] | None = None


@dataclass(frozen=True)
class Audited:
    """A change to write, with the uid its audit entry gets. Rows: create and update return
    {node} (or {uid} without a projection), delete {relationships}; none when a guard failed."""

    change: CreateNode | UpdateNode | DeleteNode
    audit_uid: str


@dataclass(frozen=True)
class Precheck:
    """The one read before a write: one row {owners, current, found<i>, linked<i>[, taken<i>]}
    (see resolvers/writes.py) for the node `uid` and each link change; with `relationships`,
    also {outgoing, incoming}: every relationship of the node, as [direction, type, label, uid]
    lists (`relationships_of` reads them)."""

    node_type: NodeType
    uid: str
    links: tuple[LinkChange, ...]
    exclude_self: bool
    # Named rules of the grant on the node (graph/authorise.py): each gives a column
    # guard_<name>, 1 when the node passes it; each link's guard gives allowed<i>, the uids of
    # the targets that pass it.
    guards: tuple[tuple[str, Filter], ...] = ()
    relationships: bool = False
