"""Plans that undo one audit entry's change to one node (resolvers/undo.py builds them from the
entry; graph/cypher/undo.py renders each as one statement).

An undo is a write like any other: one statement that checks, before writing anything, that the
entry is not undone yet and that the node is still as the entry left it, then writes the
reverse change and the undo's own audit entry (action "undo", `undoes` naming the entry). Its
audit entry's uid is derived from the entry's (`undo_audit_uid`), so the engine's uid uniqueness
refuses a second undo of the same entry even when two race.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from graph.model import NodeType
from graph.write_plan import Audit, LinkChange, Relationship

UNDO = "undo"
# What an undo does to its node: the reverse of the change it undoes.
CREATE, UPDATE, DELETE = "create", "update", "delete"


def undo_audit_uid(entry_uid: str) -> str:
    """The uid of the audit entry of the undo of `entry_uid`: one per entry."""
    return "audit-undo-" + hashlib.sha256(entry_uid.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class AuditEntryLookup:
    """Rows [{entry: the entry's properties, undoneBy: uids of the entries that undo it}]; no
    row when no entry has `uid`."""

    uid: str


@dataclass(frozen=True)
class UndoChange:
    """Reverse one recorded change to the node `uid`, unless an entry undoes `undoes` already.

    - kind DELETE: the node must have exactly the properties `exact` and the relationships
      `relationships` (no more, no fewer); it is deleted.
    - kind CREATE: the uid must be free, and every `connect` target exist and, on a side that is
      single-valued for it, be free; the node is created with `set_props` and those links.
    - kind UPDATE: `expect` must hold (property → value; None: absent); every `disconnect` link
      must exist; no `connect` link may exist yet, and a single-valued field it fills must hold
      nothing but links `disconnect` removes; then `set_props` are set, `remove_props` removed,
      and the links removed and made.

    One row {uid} when written; none when a check failed (nothing is written)."""

    undoes: str
    kind: str
    node_type: NodeType
    uid: str
    audit: Audit
    set_props: dict[str, Any] = field(default_factory=dict)  # no nulls
    remove_props: tuple[str, ...] = ()
    expect: dict[str, Any] = field(default_factory=dict)
    exact: dict[str, Any] = field(default_factory=dict)
    relationships: tuple[Relationship, ...] = ()
    connect: tuple[LinkChange, ...] = ()
    disconnect: tuple[LinkChange, ...] = ()

    @property
    def audit_uid(self) -> str:
        return undo_audit_uid(self.undoes)


@dataclass(frozen=True)
class UndoEscalation:
    """Reverse an escalateDemand (`create` False) or make it again (`create` True, the undo of
    that undo), in one statement, unless an entry undoes `undoes` already.

    The demand `uid` must have status `status` and level `level_now` (None: absent); its level
    becomes `level_then` (None: removed). `create` False: the Escalation must have exactly the
    properties `escalation` and no relationship but its ESCALATES to the demand; it is deleted
    with that link. `create` True: its uid must be free; it is created with `escalation` and the
    link. One row {uid} when written; none when a check failed (nothing is written)."""

    undoes: str
    uid: str
    status: str
    level_now: str | None
    level_then: str | None
    escalation: dict[str, Any]  # the Escalation's stored properties, uid included, no nulls
    create: bool
    audit: Audit

    @property
    def audit_uid(self) -> str:
        return undo_audit_uid(self.undoes)
