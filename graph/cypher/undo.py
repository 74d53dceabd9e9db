"""Undo plans rendered (graph/undo_plan.py): each undo of one node's change is ONE statement, so
it is atomic on FalkorDB as on Neo4j, and checks everything before it writes anything.

Every check is a count that leaves zero rows when it fails (see graph/cypher/writes.py), and runs
after the node's write lock is taken (`SET n.uid = n.uid`), so a concurrent writer's change is
seen, not missed. The first check needs no lock: the undo's audit entry has a uid derived from
the entry it undoes, so of two racing undos of one entry the engine's uniqueness constraint lets
one commit.
"""
from __future__ import annotations

from graph.cypher.builder import AUDIT_LABEL, quote
from graph.cypher.registry import renders
from graph.cypher.writes import _link, _WriteBuilder, exact_node_guard, relationship_keys, uid_owners
from graph.model import TYPES
from graph.plan import CompiledQuery
from graph.undo_plan import CREATE, DELETE, UPDATE, AuditEntryLookup, UndoChange, UndoEscalation
from graph.write_plan import Relationship


@renders(AuditEntryLookup)
def compile_audit_entry_lookup(plan: AuditEntryLookup, dialect=None) -> CompiledQuery:
    return CompiledQuery(
        f"MATCH (a:{AUDIT_LABEL}) WHERE a.uid = $uid "
        f"OPTIONAL MATCH (u:{AUDIT_LABEL}) WHERE u.undoes = a.uid "
        "RETURN a {.*} AS entry, collect(u.uid) AS undoneBy", {"uid": plan.uid})


@renders(UndoChange)
def compile_undo_change(plan: UndoChange, dialect=None) -> CompiledQuery:
    b = _WriteBuilder(dialect)
    lines = {CREATE: _create, UPDATE: _update, DELETE: _delete}[plan.kind](b, plan)
    lines.append(b.audit(plan.audit, plan.audit_uid))
    lines.append(f"RETURN {b.param(plan.uid)} AS uid")
    return CompiledQuery("\n".join(lines), b.params)


def _not_undone(b: _WriteBuilder, plan: UndoChange | UndoEscalation, carry: str = "") -> str:
    """No entry undoes the entry yet. An aggregation, so it comes first or grouped by what is
    carried: a count over no rows would make a row again after a failed check."""
    return (f"OPTIONAL MATCH (u:{AUDIT_LABEL}) WHERE u.undoes = {b.param(plan.undoes)} "
            f"WITH {carry}count(u) AS undone WHERE undone = 0")


def _lock(b: _WriteBuilder, plan: UndoChange) -> str:
    return (f"MATCH (n:{quote(plan.node_type.label)}) WHERE n.uid = {b.param(plan.uid)} SET n.uid = n.uid")


def _delete(b: _WriteBuilder, plan: UndoChange) -> list[str]:
    keys = b.param([r.key for r in plan.relationships])
    return [
        _not_undone(b, plan),
        _lock(b, plan),
        f"WITH n WHERE {exact_node_guard(b, 'n', plan.exact)}",
        f"WITH n, {relationship_keys('n')} AS rels",
        f"WHERE size(rels) = {b.param(len(plan.relationships))} AND all(k IN rels WHERE k IN {keys})",
        "WITH DISTINCT n",
        "DETACH DELETE n",
    ]


def _create(b: _WriteBuilder, plan: UndoChange) -> list[str]:
    # compile_create's start: count(owner) is one row even when no node holds the uid.
    lines = [uid_owners(b.param(plan.uid)), "WITH count(owner) AS duplicates WHERE duplicates = 0",
             _not_undone(b, plan, "duplicates, ")]
    b.carry.append("duplicates")
    return lines + b.create_linked(plan.node_type, plan.set_props, plan.connect)


def _update(b: _WriteBuilder, plan: UndoChange) -> list[str]:
    guards = " AND ".join(f"n.{quote(k)} IS NULL" if v is None else f"n.{quote(k)} = {b.param(v)}"
                          for k, v in plan.expect.items())
    lines = [_not_undone(b, plan), _lock(b, plan), f"WITH n WHERE {guards or 'true'}"]
    for link in plan.disconnect:  # every link to remove is there
        x, c = b.var("x"), b.var("c")
        lines.append(f"OPTIONAL MATCH {_link('n', link.rel, f'{x}:{quote(link.target.label)}')} "
                     f"WHERE {x}.uid IN {b.param(list(link.uids))} "
                     f"WITH n, count(DISTINCT {x}) AS {c} WHERE {c} = {b.param(len(link.uids))}")
    for link in plan.connect:  # no link to make is there yet; a single-valued field is free
        x, c = b.var("x"), b.var("c")
        if link.rel.many:
            among = f"WHERE {x}.uid IN {b.param(list(link.uids))} "
        else:
            leaving = [u for d in plan.disconnect if d.rel == link.rel for u in d.uids]
            among = f"WHERE NOT {x}.uid IN {b.param(leaving)} "
        lines.append(f"OPTIONAL MATCH {_link('n', link.rel, f'{x}:{quote(link.target.label)}')} "
                     f"{among}WITH n, count({x}) AS {c} WHERE {c} = 0")
    changed, target_lists = b.change_node(plan.connect, plan.node_type, plan.set_props, plan.remove_props)
    lines += changed
    regroup = "WITH DISTINCT " + ", ".join(b.carry)
    for link in plan.disconnect:
        edge, x = b.var("gone"), b.var("x")
        lines += [regroup, f"OPTIONAL MATCH {_link('n', link.rel, f'{x}:{quote(link.target.label)}', edge)}"
                  f" WHERE {x}.uid IN {b.param(list(link.uids))} DELETE {edge}"]
    if plan.disconnect:
        lines.append(regroup)
    for link, targets in zip(plan.connect, target_lists):
        lines.append(f"FOREACH (t IN {targets} | MERGE {_link('n', link.rel, 't')})")
    return lines


@renders(UndoEscalation)
def compile_undo_escalation(plan: UndoEscalation, dialect=None) -> CompiledQuery:
    """The demand locked and checked (status, level), then the Escalation checked (undo: exactly
    as created, linked to the demand alone, locked first; redo: its uid free), then the demand's
    level set or removed, the Escalation deleted or created with its link, and the audit entry."""
    b = _WriteBuilder(dialect)
    demand, escalation = TYPES["Demand"], TYPES["Escalation"]
    rel = escalation.rel("demand")
    euid = b.param(plan.escalation["uid"])
    level = "n.level IS NULL" if plan.level_now is None else f"n.level = {b.param(plan.level_now)}"
    lines = []
    if plan.create:
        lines += [uid_owners(euid), "WITH count(owner) AS duplicates WHERE duplicates = 0",
                  _not_undone(b, plan, "duplicates, ")]
    else:
        lines.append(_not_undone(b, plan))
    lines += [f"MATCH (n:{quote(demand.label)}) WHERE n.uid = {b.param(plan.uid)} SET n.uid = n.uid",
              f"WITH n WHERE n.status = {b.param(plan.status)} AND {level}"]
    if not plan.create:
        link = Relationship(rel.type, rel.direction, demand.name, plan.uid)
        lines += [f"MATCH (e:{quote(escalation.label)}) WHERE e.uid = {euid} SET e.uid = e.uid",
                  f"WITH n, e WHERE {exact_node_guard(b, 'e', plan.escalation)}",
                  f"WITH n, e, {relationship_keys('e')} AS rels",
                  f"WHERE size(rels) = 1 AND all(k IN rels WHERE k IN {b.param([link.key])})",
                  "WITH DISTINCT n, e"]
    lines.append(b.set_clause("n", {"level": plan.level_then}) if plan.level_then is not None
                 else "REMOVE n.level")
    if plan.create:
        lines += [f"CREATE (e:{quote(escalation.label)}) " + b.set_clause("e", plan.escalation),
                  f"CREATE {_link('e', rel, 'n')}"]
    else:
        lines += ["DETACH DELETE e"]
    lines += [b.audit(plan.audit, plan.audit_uid), f"RETURN {b.param(plan.uid)} AS uid"]
    return CompiledQuery("\n".join(lines), b.params)
