"""undoAuditEntry and undoImport: reverse one recorded write, as a write of its own (admins only).

`undoAuditEntry(id)` takes the entry's global id (`auditEntries { nodes { id } }`) or its uid
("audit-…"). It reads the entry and the node as it is now, and refuses with CONFLICT, naming the
reason, when later writes conflict: conflicts are judged by state, not time, so the node must
still be as the entry left it (an update's changed properties still hold its `after` values, a
created node has only the values and links it was created with, a deleted node's uid is free and
every other end of its relationships still there, a connect's links still there). It then writes
the reverse change with one statement that checks all of that again before writing anything
(graph/undo_plan.py), and records its own entry: action "undo", `undoes` the entry's uid, and
`changes` shaped as the change the undo made (`as`: create, update or delete), so that an undo
can itself be undone (a redo). An entry is undone at most once. An escalateDemand entry is undone
as resolvers/undo_escalation.py says: the demand's level back, its Escalation deleted.

An import is undone by its batch id, `undoImport(batchId)`, or by `undoAuditEntry` on the
import's entry: both run the server's import undoer (web/import_http.py, seed/import_undo.py).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from graph import authorise
from graph.errors import Forbidden
from graph.model import AUDIT_ENTRY
from graph.undo_plan import CREATE, DELETE, UNDO, UPDATE, AuditEntryLookup, UndoChange
from graph.validation import record_problems
from graph.write_plan import Audit, Precheck, relationships_of
from resolvers.errors import bad_input, conflict, not_found
from resolvers.ids import from_global_id
from resolvers.read import run_read
from resolvers.undo_entry import (
    Recorded, describe, field_of, link_changes, recorded_change, refuse, relationships_made,
)
from resolvers.undo_escalation import escalation_kind, recorded_escalation, reverse_escalation
from resolvers.values import check_text
from resolvers.writes import Writer, reverse_field
from i18n import Message

IMPORT = "import"


@dataclass
class UndoOutcome:
    """What an undo did. `node_uid`: the node it restored or changed, as it is now (None when
    the undo deleted it, and for an import)."""

    entry_uid: str
    undone_uid: str
    action: str  # what the undo did: create, update, delete (a node), or import (a batch undone)
    target_type: str
    target_uid: str | None
    node_uid: str | None = None
    nodes_created: int = 0
    nodes_deleted: int = 0
    nodes_restored: int = 0
    relationships_created: int = 0
    relationships_deleted: int = 0


async def start_undo(info: Any, field: str) -> Writer:
    """The undo's writer, once the grant is an admin's (the open grant is); otherwise FORBIDDEN
    (rule "role"), recorded in the audit trail like every refused write."""
    writer = Writer(info, UNDO)
    try:
        authorise.check_admin(writer.grant, Message("undoing writes or imports"))
    except Forbidden as refused:
        raise await writer.refuse(refused.rule, str(refused), None, field) from None
    return writer


def entry_uid_of(given: str) -> str:
    """The audit entry's uid from its global id or its uid; BAD_USER_INPUT for anything else."""
    check_text(given, "id")
    if given.startswith("audit-"):
        return given
    type_name, uid = from_global_id(given, "id")
    if type_name != AUDIT_ENTRY.name:
        raise bad_input("id", "{given!r} is the id of a {type_name}, not of an audit entry", given=given,
                        type_name=type_name)
    return uid


async def read_entry(context: Any, uid: str, field: str = "id") -> dict[str, Any]:
    """The entry's properties; NOT_FOUND without one, CONFLICT when it is undone already."""
    rows = await run_read(context, AuditEntryLookup(uid))
    if not rows:
        raise not_found(field, "no audit entry {uid!r}", uid=uid)
    if rows[0]["undoneBy"]:
        raise conflict(field, "audit entry {uid!r} is undone already, by {undo!r}; an entry is undone once (undo "
                              "that undo to make the change again)", uid=uid, undo=rows[0]["undoneBy"][0])
    return rows[0]["entry"]


def is_import(entry: dict[str, Any]) -> bool:
    if entry.get("action") == IMPORT:
        return True
    if entry.get("action") == UNDO:
        try:
            return json.loads(entry.get("changes") or "{}").get("as") == IMPORT
        except (ValueError, AttributeError):
            return False
    return False


async def undo_audit_entry(info: Any, given_id: str) -> UndoOutcome:
    writer = await start_undo(info, "id")
    uid = entry_uid_of(given_id)
    entry = await read_entry(info.context, uid)
    if is_import(entry):
        if entry.get("action") == UNDO:
            raise refuse(Message("audit entry {uid!r} undid an import; import its files again instead", uid=uid))
        return await undo_import(info, entry.get("batchId") or "", "id")
    kind = escalation_kind(entry)
    if kind is not None:  # escalateDemand's entry, or an undo or redo of one: resolvers/undo_escalation.py
        escalated = recorded_escalation(entry, kind)
        check_text(escalated.escalation["uid"], "id")
        plan, counts = await reverse_escalation(writer, uid, escalated)
        await writer.write(plan, "id")
        return UndoOutcome(plan.audit_uid, uid, UPDATE, "Demand", escalated.uid, escalated.uid, **counts)
    recorded = recorded_change(entry)
    check_text(recorded.uid, "id")
    reverse = {CREATE: _reverse_create, DELETE: _reverse_delete, UPDATE: _reverse_update}[recorded.kind]
    plan, outcome = await reverse(writer, uid, recorded)
    await writer.write(plan, "id")
    return outcome


async def undo_import(info: Any, batch_id: str, field: str = "batchId") -> UndoOutcome:
    """Undo a committed import batch with the server's import undoer (web/import_http.py puts it
    in `request.app.state.undo_import`, since undoing a batch takes several statements and an
    on-disk journal that only the web layer may reach)."""
    writer = await start_undo(info, field)
    check_text(batch_id, field)
    request = info.context.get("request")
    undoer = getattr(getattr(getattr(request, "app", None), "state", None), "undo_import", None)
    if undoer is None:
        raise bad_input(field, "this server cannot undo imports (it has no import undoer)")
    return await undoer(info.context, batch_id, writer.actor, field)


def _audit(writer: Writer, recorded: Recorded, undoes: str, changes: dict[str, Any]) -> Audit:
    return replace(writer.audit(recorded.node_type, recorded.uid, changes), undoes=undoes)


def _outcome(writer: Writer, plan: UndoChange, recorded: Recorded, **counts: int) -> UndoOutcome:
    return UndoOutcome(plan.audit_uid, plan.undoes, plan.kind, recorded.node_type.name, recorded.uid,
                       None if plan.kind == DELETE else recorded.uid, **counts)


async def _precheck(writer: Writer, recorded: Recorded, links: tuple = (), exclude_self: bool = True,
                    relationships: bool = False) -> dict[str, Any]:
    [row] = await run_read(writer.context, Precheck(recorded.node_type, recorded.uid, links, exclude_self,
                                                    relationships=relationships))
    return row


def _current(row: dict[str, Any], recorded: Recorded) -> dict[str, Any]:
    if not row["current"]:
        raise refuse(Message("{value} {uid!r} no longer exists; a later write deleted it",
                             value=recorded.node_type.name, uid=recorded.uid))
    return row["current"][0]


def _name(recorded: Recorded) -> str:
    return f"{recorded.node_type.name} {recorded.uid!r}"


async def _reverse_create(writer: Writer, undoes: str, recorded: Recorded) -> tuple[UndoChange, UndoOutcome]:
    """Delete the node the entry created, if it is still exactly as created."""
    row = await _precheck(writer, recorded, relationships=True)
    current = _current(row, recorded)
    changed = sorted(k for k in {*current, *recorded.after} if current.get(k) != recorded.after.get(k))
    if changed:
        raise refuse(Message("{node} has values it was not created with ({properties}); undo the later writes first",
                             node=_name(recorded), properties=', '.join(changed)))
    now, made = set(relationships_of(row)), relationships_made(recorded.node_type, recorded.added)
    if now - made:
        raise refuse(Message("{node} has relationships it was not created with: {relationships}; undo the later "
                             "writes first", node=_name(recorded), relationships=describe(now - made)))
    if made - now:
        raise refuse(Message("relationships {node} was created with are gone: {relationships}",
                             node=_name(recorded), relationships=describe(made - now)))
    relationships = tuple(sorted(now, key=lambda r: r.key))
    changes = {"as": DELETE, "before": current, "relationships": [r.as_json() for r in relationships]}
    plan = UndoChange(undoes, DELETE, recorded.node_type, recorded.uid, _audit(writer, recorded, undoes, changes),
                      exact=current, relationships=relationships)
    return plan, _outcome(writer, plan, recorded, nodes_deleted=1, relationships_deleted=len(relationships))


async def _reverse_delete(writer: Writer, undoes: str, recorded: Recorded) -> tuple[UndoChange, UndoOutcome]:
    """Create the node again with its properties and every relationship it had."""
    node_type, by_field = recorded.node_type, {}
    for relationship in recorded.relationships:
        rel = field_of(node_type, relationship)
        if relationship.uid == recorded.uid or rel is None:
            raise refuse(Message("{node} had a relationship an undo cannot restore: {value}",
                                 node=_name(recorded), value=describe([relationship])))
        by_field.setdefault(rel.name, []).append(relationship.uid)
    links = link_changes(node_type, by_field, check_reverse=True)
    row = await _precheck(writer, recorded, links, exclude_self=False)
    if row["owners"]:
        raise refuse(Message("uid {uid!r} is taken again, by a {owner}, so the deleted {type} cannot be restored",
                             uid=recorded.uid, owner=row['owners'][0], type=node_type.name))
    for i, link in enumerate(links):
        missing = sorted(set(link.uids) - set(row[f"found{i}"]))
        if missing:
            raise refuse(Message("its {rel} cannot be restored: no {type} {value} any more",
                                 rel=link.rel.name, type=link.target.name, value=', '.join(map(repr, missing))))
        if not link.rel.many and len(link.uids) > 1:
            raise refuse(Message("it had several {rel}, which holds one", rel=link.rel.name))
        taken = row.get(f"taken{i}") or []
        if taken:
            raise refuse(Message("{type} {target_uid!r} has its {value} taken now, by {holder!r}; one is allowed",
                                 type=link.target.name, target_uid=taken[0][0], value=reverse_field(node_type, link.rel),
                                 holder=taken[0][1]))
    changes = {"as": CREATE, "after": recorded.before, "links": by_field}
    plan = UndoChange(undoes, CREATE, node_type, recorded.uid, _audit(writer, recorded, undoes, changes),
                      set_props=recorded.before, connect=links)
    return plan, _outcome(writer, plan, recorded, nodes_created=1,
                          relationships_created=len(recorded.relationships))


async def _reverse_update(writer: Writer, undoes: str, recorded: Recorded) -> tuple[UndoChange, UndoOutcome]:
    """Put back the values the entry changed and the links it removed; remove the links it made."""
    node_type = recorded.node_type
    disconnect = link_changes(node_type, recorded.added, check_reverse=False)
    connect = link_changes(node_type, recorded.removed, check_reverse=True)
    row = await _precheck(writer, recorded, disconnect + connect)
    current = _current(row, recorded)
    stale = sorted(k for k, v in recorded.after.items() if current.get(k) != v)
    if stale:
        shown = tuple(Message("{name} is {now!r}, not {then!r}", name=k, now=current.get(k), then=recorded.after[k])
                      for k in stale[:3])
        raise refuse(Message("{node} changed since: {shown}; undo the later writes first",
                             node=_name(recorded), shown=shown))
    for i, link in enumerate(disconnect):
        gone = [u for u in link.uids if u not in set(row[f"linked{i}"])]
        if gone:
            raise refuse(Message("the {rel} link of {node} to {uids} that the entry made is gone",
                                 rel=link.rel.name, node=_name(recorded), uids=', '.join(map(repr, gone))))
    leaving = {link.rel.name: set(link.uids) for link in disconnect}
    for j, link in enumerate(connect, start=len(disconnect)):
        missing = sorted(set(link.uids) - set(row[f"found{j}"]))
        if missing:
            raise refuse(Message("{rel} of {node} cannot be linked to {value} again: no such {type} any more",
                                 rel=link.rel.name, node=_name(recorded), value=', '.join(map(repr, missing)),
                                 type=link.target.name))
        linked = set(row[f"linked{j}"])
        holding = linked & set(link.uids) if link.rel.many else linked - leaving.get(link.rel.name, set())
        if holding:
            what = Message("is linked again already") if holding <= set(link.uids) else Message("is taken now")
            raise refuse(Message("{rel} of {node} {what} ({value}); undo the later writes first",
                                 rel=link.rel.name, node=_name(recorded), what=what,
                                 value=', '.join(map(repr, sorted(holding)))))
        taken = row.get(f"taken{j}") or []
        if taken:
            raise refuse(Message("{type} {target_uid!r} has its {value} taken now, by {holder!r}; one is allowed",
                                 type=link.target.name, target_uid=taken[0][0], value=reverse_field(node_type, link.rel),
                                 holder=taken[0][1]))
    restored = {k: v for k, v in {**current, **recorded.before}.items() if v is not None}
    problems = record_problems(node_type, restored, set(recorded.before))
    if problems:
        raise refuse(Message("restoring {node} would break a rule: {property}: {problem}",
                             node=_name(recorded), property=problems[0][0], problem=problems[0][1]))
    changes: dict[str, Any] = {"as": UPDATE, "before": recorded.after, "after": recorded.before}
    if recorded.removed:
        changes["links"] = recorded.removed
    if recorded.added:
        changes["unlinked"] = recorded.added
    plan = UndoChange(undoes, UPDATE, node_type, recorded.uid, _audit(writer, recorded, undoes, changes),
                      set_props={k: v for k, v in recorded.before.items() if v is not None},
                      remove_props=tuple(k for k, v in recorded.before.items() if v is None),
                      expect=dict(recorded.after), connect=connect, disconnect=disconnect)
    return plan, _outcome(writer, plan, recorded, nodes_restored=1,
                          relationships_created=sum(len(link.uids) for link in connect),
                          relationships_deleted=sum(len(link.uids) for link in disconnect))
