"""Write plans: what a mutation or an import changes, before it is Cypher.

Every write carries its audit record; graph/writes.py renders each plan as one
statement that checks its guards, writes, and records the audit entry together.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from graph.model import NodeType, Rel


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

    def properties(self, uid: str) -> dict[str, Any]:
        summary = f"{self.action} {self.target_type} {self.target_uid or ''}".strip()
        return {
            "uid": uid, "name": summary, "source": self.source, "at": self.at, "actor": self.actor,
            "action": self.action, "targetType": self.target_type, "targetUid": self.target_uid,
            "changes": self.changes, "batchId": self.batch_id,
        }


@dataclass(frozen=True)
class LinkChange:
    """Links through `rel` (as seen from the node written) to target nodes by uid."""

    rel: Rel
    target: NodeType
    uids: tuple[str, ...]
    # The target side's field for the same relationship, when it is single-valued: each
    # target may then be linked to one node at most (one lead per zone, one town per zone).
    reverse_single: bool = False


@dataclass(frozen=True)
class CreateNode:
    node_type: NodeType
    props: dict[str, Any]
    links: tuple[LinkChange, ...]
    audit: Audit


@dataclass(frozen=True)
class UpdateNode:
    """Set properties (None removes one) and add or remove links, if `expect` still holds."""

    node_type: NodeType
    uid: str
    props: dict[str, Any]
    audit: Audit
    connect: tuple[LinkChange, ...] = ()
    disconnect: tuple[LinkChange, ...] = ()
    expect: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DeleteNode:
    node_type: NodeType
    uid: str
    audit: Audit
