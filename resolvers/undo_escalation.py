"""Undoing escalateDemand (resolvers/escalation.py), and redoing it: the reverse of one escalation,
as one guarded statement (graph/undo_plan.py UndoEscalation) with its own audit entry.

The recorded change (an entry's `changes`), by what it did to the demand `targetUid`:

    escalate     {before: {level: old}, after: {level: new}, escalation: {the Escalation's
                 properties, uid included}}   (escalateDemand's entry, and the redo's: as escalate)
    unescalate   {before: {level: new}, after: {level: old}, escalation: {...}}   (the undo's: as
                 unescalate; it removed that Escalation)

(old null: the demand had no level, read as LEAD.) Undoing an escalate puts the demand's level
back and deletes the Escalation with its ESCALATES link; undoing an unescalate sets the level
again and creates the same Escalation (same uid and properties) with its link. Either is refused
with CONFLICT on `id`, writing nothing, when the state moved on: the demand is gone, RESOLVED
(it was resolved at the level the undo would change), or at another level; the Escalation is gone,
has other values or other relationships (undo), or its uid is taken (redo).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from graph.model import TYPES
from graph.model_work import ESCALATION_LEVELS
from graph.undo_plan import UNDO, UndoEscalation
from graph.validation import text_problem
from graph.write_plan import Precheck, Relationship, relationships_of
from i18n import Message
from resolvers.read import run_read
from resolvers.undo_entry import _Reader, describe, entry_changes, refuse
from resolvers.writes import Writer

DEMAND, ESCALATION = TYPES["Demand"], TYPES["Escalation"]
ESCALATE, UNESCALATE = "escalate", "unescalate"
FIRST_LEVEL = ESCALATION_LEVELS[0]  # a demand without a level is at LEAD (resolvers/escalation.py)
RESOLVED = "RESOLVED"


@dataclass(frozen=True)
class RecordedEscalation:
    """One entry's escalation change: `kind` escalate (the level went `before` → `after` and the
    Escalation was created) or unescalate (the level went back and the Escalation was deleted)."""

    kind: str
    uid: str  # the demand
    before: str | None
    after: str | None
    escalation: dict[str, Any]


def escalation_kind(entry: dict[str, Any]) -> str | None:
    """escalate or unescalate when the entry records one (escalateDemand's entry, or an undo's
    whose `as` is either); None for every other entry."""
    action = entry.get("action")
    if action == ESCALATE:
        return ESCALATE
    if action == UNDO:
        try:
            kind = json.loads(entry.get("changes") or "{}").get("as")
        except (ValueError, AttributeError):
            return None
        return kind if kind in (ESCALATE, UNESCALATE) else None
    return None


def recorded_escalation(entry: dict[str, Any], kind: str) -> RecordedEscalation:
    """The change `entry` records, checked against the model; CONFLICT (`id`) naming why when
    it is not one an undo can reverse."""
    uid, entry_uid = entry.get("targetUid"), entry["uid"]
    changes = entry_changes(entry)
    if entry.get("targetType") != DEMAND.name or not isinstance(uid, str) or text_problem(uid):
        raise refuse(Message("audit entry {uid!r} cannot be undone: it names no Demand", uid=entry_uid))
    demand = _Reader(DEMAND, entry_uid)
    before, after = demand.props(changes.get("before"), full=False), demand.props(changes.get("after"), full=False)
    if set(before) != {"level"} or set(after) != {"level"}:
        raise demand.unfit("it records no level before and after")
    if not isinstance(changes.get("escalation"), dict):
        raise demand.unfit("it records no Escalation (its uid and properties)")
    escalation = _Reader(ESCALATION, entry_uid).props(changes["escalation"], full=True)
    lower, higher = (before, after) if kind == ESCALATE else (after, before)
    if (higher["level"] != escalation["toLevel"] or (lower["level"] or FIRST_LEVEL) != escalation["fromLevel"]
            or escalation["toLevel"] == escalation["fromLevel"]):
        raise demand.unfit("its levels and its Escalation's fromLevel and toLevel differ")
    return RecordedEscalation(kind, uid, before["level"], after["level"], escalation)


async def reverse_escalation(writer: Writer, undoes: str, recorded: RecordedEscalation
                             ) -> tuple[UndoEscalation, dict[str, int]]:
    """The plan that reverses the change, once the graph is as the entry left it (see the module
    docstring for what is refused), and the counts of what it does."""
    name, euid = f"Demand {recorded.uid!r}", recorded.escalation["uid"]
    [row] = await run_read(writer.context, Precheck(DEMAND, recorded.uid, (), True))
    if not row["current"]:
        raise refuse(Message("{name} no longer exists; a later write deleted it", name=name))
    current = row["current"][0]
    if current.get("status") == RESOLVED:
        raise refuse(Message("{name} is RESOLVED since (at {value!r}), so its level stays; undo the later writes "
                             "first", name=name, value=current.get('resolvedLevel')))
    if current.get("level") != recorded.after:
        raise refuse(Message("{name} changed since: level is {level!r}, not {expected!r}; undo the later writes "
                             "first", name=name, level=current.get('level'), expected=recorded.after))
    [found] = await run_read(writer.context, Precheck(ESCALATION, euid, (), True, relationships=True))
    link = Relationship(ESCALATION.rel("demand").type, "OUT", DEMAND.name, recorded.uid)
    if recorded.kind == UNESCALATE:
        if found["owners"]:
            raise refuse(Message("uid {euid!r} is taken again, by a {owner}, so the Escalation cannot be restored",
                                 euid=euid, owner=found['owners'][0]))
    elif not found["current"]:
        raise refuse(Message("Escalation {euid!r} no longer exists; a later write deleted it", euid=euid))
    else:
        now = found["current"][0]
        changed = sorted(k for k in {*now, *recorded.escalation} if now.get(k) != recorded.escalation.get(k))
        if changed:
            raise refuse(Message("Escalation {euid!r} has values it was not created with ({properties})",
                                 euid=euid, properties=', '.join(changed)))
        others = set(relationships_of(found)) - {link}
        if others:
            raise refuse(Message("Escalation {euid!r} has relationships it was not created with: {relationships}",
                                 euid=euid, relationships=describe(others)))
        if link not in relationships_of(found):
            raise refuse(Message("Escalation {euid!r} no longer escalates {name}", euid=euid, name=name))
    undo_kind = UNESCALATE if recorded.kind == ESCALATE else ESCALATE
    changes = {"as": undo_kind, "before": {"level": recorded.after}, "after": {"level": recorded.before},
               "escalation": recorded.escalation}
    audit = replace(writer.audit(DEMAND, recorded.uid, changes), undoes=undoes)
    plan = UndoEscalation(undoes, recorded.uid, current["status"], recorded.after, recorded.before,
                          recorded.escalation, create=undo_kind == ESCALATE, audit=audit)
    made = 1 if plan.create else 0
    return plan, {"nodes_restored": 1, "nodes_created": made, "nodes_deleted": 1 - made,
                  "relationships_created": made, "relationships_deleted": 1 - made}
