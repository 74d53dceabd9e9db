"""Mutations: validate everything first, then write once, atomically, with its audit entry.

Each mutation reads once to validate (so errors are precise: the field and the reason),
then writes once: one guarded statement that writes, records the audit entry, and reads the
node back as stored, so the response is what the write left. A write that would change
nothing is not made, and leaves no audit entry.
"""
from __future__ import annotations

import json
import time
import uuid
from dataclasses import replace
from typing import Any

from graph import authorise, authorise_writes
from graph.bulk import RecordAudit
from graph.errors import ConstraintViolation, Forbidden
from graph.grants import grant_of
from graph.model import TYPES, NodeType, Rel, is_managed, reverse_is_single, reverse_rels
from graph.plan import And, NodeByUidQuery, Projection
from graph.write_plan import Audit, Audited, CreateNode, DeleteNode, LinkChange, Precheck, UpdateNode
from graph.write_plan import relationships_of
from i18n import Message
from resolvers.actor import actor_of
from resolvers.errors import bad_input, conflict, forbidden, not_found
from resolvers.plans import build_projection
from resolvers.read import run_read
from resolvers.selection import SelectionReader
from resolvers.shaping import Shaped, node_plan, shape_node
from resolvers.values import check_prop_value, check_record, check_text
from graph.write_plan import utc_now

def reverse_field(node_type: NodeType, rel: Rel) -> str:
    return next((r.name for r in reverse_rels(node_type, rel)), rel.type)


def link_change(node_type: NodeType, rel: Rel, uids: list[str], path: str) -> LinkChange:
    check_text(uids, path)
    unique = tuple(dict.fromkeys(uids))
    if not rel.many and len(unique) != 1:
        raise bad_input(path, "{type}.{rel} links exactly one node; give one uid", type=node_type.name,
                        rel=rel.name)
    return LinkChange(rel, TYPES[rel.target], unique, reverse_is_single(node_type, rel))


class Writer:
    """One mutation's context: the backend, who is writing (the grant and its name), the time,
    and the response's selection (read back by the write statement itself, as the grant sees it)."""

    def __init__(self, info: Any, action: str, node_type: NodeType | None = None) -> None:
        self.info = info
        self.context = info.context
        self.action = action
        self.node_type = node_type
        self.at, self.today = utc_now()
        self.grant = grant_of(self.context)
        self.actor = actor_of(self.context)
        self.projection: Projection | None = None

    @classmethod
    async def start(cls, info: Any, action: str, node_type: NodeType | None = None,
                    uid: str | None = None, projected: bool = True) -> "Writer":
        """A writer for one mutation, once the grant may write at all (rule "role").
        `projected`: the response is the node, read back in the selection's projection."""
        writer = cls(info, action, node_type)
        await writer.check(authorise_writes.check_writer, writer.grant, uid=uid)
        if node_type is not None and projected:
            writer.reader = SelectionReader(info)
            writer.root = writer.reader.root(info)
            projection = build_projection(writer.reader, [writer.root], node_type, writer.root.key)
            writer.projection = await writer.check(authorise.restrict_projection, projection, writer.grant,
                                                   writer.root.key, uid=uid)
        return writer

    async def check(self, check: Any, *args: Any, uid: str | None = None) -> Any:
        """`check(*args)`, a rule of graph/authorise.py; a refusal is FORBIDDEN naming the rule."""
        try:
            return check(*args)
        except Forbidden as refused:
            # A refusal of the whole mutation (its role) names the mutation field itself.
            field = refused.field or getattr(self.info, "field_name", None) or "uid"
            raise await self.refuse(refused.rule, refused.reason, uid, field) from None

    async def refuse(self, rule: str, reason: str, uid: str | None, field: str = "uid") -> Exception:
        """Record a refused write in the audit trail (action "refused": who, what they tried, the
        rule) and return the FORBIDDEN error to raise. Nothing else is written."""
        changes = {"refused": self.action, "rule": rule, "reason": reason}
        name = self.node_type.name if self.node_type is not None else ""
        audit = Audit(self.actor, self.at, "refused", name, uid,
                      json.dumps(changes, ensure_ascii=False, sort_keys=True))
        await self.context["backend"].write(RecordAudit(audit.properties(_audit_uid())))
        return forbidden(field, reason, rule)

    def audit(self, node_type: NodeType, uid: str | None, changes: dict[str, Any]) -> Audit:
        return Audit(self.actor, self.at, self.action, node_type.name, uid,
                     json.dumps(changes, ensure_ascii=False, sort_keys=True, default=str))

    async def precheck(self, node_type: NodeType, uid: str, links: tuple[LinkChange, ...], field_of: dict,
                       exclude_self: bool, creating: bool = False, relationships: bool = False
                       ) -> tuple[dict[str, Any] | None, list[set[str]]]:
        """The node as stored (or None), and for each link the targets it is linked to
        already; raises NOT_FOUND / CONFLICT for the uid and links."""
        check_text(uid, "input.uid" if creating else "uid")
        guards = self.node_guards(node_type) if not creating else ()
        rows = await run_read(self.context, Precheck(node_type, uid, links, exclude_self, guards, relationships))
        row = rows[0]
        if relationships:  # every relationship of the node, for a delete's audit entry
            self.relationships = relationships_of(row)
        if creating and row["owners"]:
            raise conflict("input.uid", "uid {uid!r} is already taken by a {owner}; uids are unique across the "
                                        "graph", uid=uid, owner=row["owners"][0])
        if row["current"]:
            for name, _ in guards:
                if not row[f"guard_{name}"]:
                    raise await self.refuse(f"scope:{name}",
                                             _scope_reason(name, node_type.name, uid, self.grant.towns),
                                            uid)
        for i, link in enumerate(links):
            path = field_of[link]
            missing = [u for u in link.uids if u not in set(row[f"found{i}"])]
            if missing:
                raise not_found(path, "no {type} with uid {uids}", type=link.target.name,
                                uids=", ".join(map(repr, missing)))
            if link.guard is not None:
                outside = [u for u in link.uids if u not in set(row[f"allowed{i}"])]
                if outside:
                    hop = creating and link.rel.name in node_type.town_via
                    rule = "scope:created" if hop else "scope:target"
                    reason = _scope_reason("created" if hop else "target", link.target.name, outside[0],
                                           self.grant.towns)
                    raise await self.refuse(rule, reason, uid, path)
            taken = row.get(f"taken{i}") or []
            if taken:
                target_uid, holder = taken[0]
                raise conflict(path, "{type} {target_uid!r} already has its {field} ({holder!r}); one is allowed",
                               type=link.target.name, target_uid=target_uid,
                               field=reverse_field(node_type, link.rel), holder=holder)
        linked = [set(row[f"linked{i}"]) for i in range(len(links))]
        return (row["current"][0] if row["current"] else None), linked

    def node_guards(self, node_type: NodeType) -> tuple[tuple[str, Any], ...]:
        """The grant's named rules on the node written (graph/authorise.py), checked by the precheck."""
        rules = [("node", authorise_writes.node_guard(node_type, self.grant))]
        if self.action == "delete":
            rules.append(("neighbours", authorise_writes.neighbours_guard(node_type, self.grant)))
        return tuple((name, rule) for name, rule in rules if rule is not None)

    def guarded(self, node_type: NodeType, link: LinkChange, creating: bool) -> LinkChange:
        """The link with the rule its targets must pass for this grant."""
        return replace(link, guard=authorise_writes.target_guard(node_type, link.rel, self.grant, creating))

    async def write(self, query: Audited, path: str) -> list[dict[str, Any]]:
        started = time.perf_counter()
        try:
            rows = await self.context["backend"].write(query)
        except ConstraintViolation:  # the engine's own guard, when two writes race
            raise conflict(path, "already exists (a concurrent write took it); nothing was written") from None
        finally:
            if self.context.get("query_log") is not None:
                self.context["query_log"].record(self.context["backend"].dialect.render(query), started)
        if not rows:
            raise conflict(path, "the data changed while this write was checked; nothing was written, retry")
        return rows

    def shaped(self, row: dict[str, Any]) -> Shaped:
        """The response from the write's own read-back."""
        return Shaped(shape_node(node_plan(self.reader, [self.root], self.projection), row["node"]))

    async def unchanged(self, node_type: NodeType, uid: str) -> Shaped:
        """The response when nothing needed writing: the node as stored."""
        rows = await run_read(self.context, NodeByUidQuery(node_type, uid, self.projection))
        if not rows:  # deleted since the precheck read it
            raise not_found("uid", "no {type} with uid {uid!r}", type=node_type.name, uid=uid)
        return self.shaped(rows[0])


def _scope_reason(guard: str, type_name: str, uid: str, towns: Any) -> Message:
    """Why a write's node is outside the grant's towns (guard node, neighbours, created, target), naming the
    grant's towns when it has some: a whole msgid per case."""
    params = {"type": type_name, "uid": uid, "towns": ", ".join(towns or ())}
    if guard == "node":
        if towns:
            return Message("{type} {uid!r} belongs to a town outside this grant, or to none of its towns "
                           "(this grant's towns: {towns})", **params)
        return Message("{type} {uid!r} belongs to a town outside this grant, or to none of its towns", **params)
    if guard == "created":
        if towns:
            return Message("{type} {uid!r} does not belong to this grant's towns alone (this grant's towns: {towns})",
                           **params)
        return Message("{type} {uid!r} does not belong to this grant's towns alone", **params)
    if guard == "target":
        if towns:
            return Message("{type} {uid!r} belongs to a town outside this grant (this grant's towns: {towns})",
                           **params)
        return Message("{type} {uid!r} belongs to a town outside this grant", **params)
    if towns:
        return Message("{type} {uid!r} is linked to nodes of a town outside this grant; deleting it would "
                       "change them (this grant's towns: {towns})", **params)
    return Message("{type} {uid!r} is linked to nodes of a town outside this grant; deleting it would change "
                   "them", **params)


def _props_from(node_type: NodeType, given: dict[str, Any], path: str, creating: bool) -> dict[str, Any]:
    props = {}
    for key, value in given.items():
        prop = node_type.prop(key)
        if prop is None or node_type.rel(key) is not None:
            continue
        if prop.managed or prop.pattern is not None or (not creating and key == "uid"):
            raise bad_input(f"{path}.{key}", "is set by the system and cannot be written")
        check_prop_value(prop, value, f"{path}.{key}")
        props[key] = value
    return props


async def create_node(info: Any, node_type: NodeType, given: dict[str, Any], action: str = "create",
                      managed: dict[str, Any] | None = None) -> dict[str, Any]:
    writer = await Writer.start(info, action, node_type, uid=given.get("uid"))
    props = _props_from(node_type, given, "input", creating=True)
    props.setdefault("source", "IMPORTED")
    props.update(managed or {})
    props = {k: v for k, v in props.items() if v is not None}  # an absent field is no field
    check_record(node_type, props, given)
    links, field_of = [], {}
    for rel in node_type.rels:
        if given.get(rel.name) is not None and not is_managed(node_type, rel):
            uids = given[rel.name] if rel.many else [given[rel.name]]
            link = writer.guarded(node_type, link_change(node_type, rel, uids, f"input.{rel.name}"), creating=True)
            if link.uids:
                links.append(link)
                field_of[link] = f"input.{rel.name}"
    links_t = tuple(links)
    await writer.check(authorise_writes.check_created, node_type, {link.rel.name for link in links_t}, writer.grant,
                       uid=props["uid"])
    await writer.precheck(node_type, props["uid"], links_t, field_of, exclude_self=False, creating=True)
    changes = {"after": props, "links": {field_of[l].split(".")[-1]: list(l.uids) for l in links_t}}
    plan = CreateNode(node_type, props, links_t, writer.audit(node_type, props["uid"], changes), writer.projection)
    rows = await writer.write(Audited(plan, _audit_uid()), "input.uid")
    return writer.shaped(rows[0])


def _link_delta(links: tuple[LinkChange, ...], linked: list[set[str]], adding: bool
                ) -> tuple[list[LinkChange], dict[str, list[str]], dict[str, list[str]]]:
    """The links that really change, and the uids each field gains and loses (a single-valued
    connect also loses the node it replaces)."""
    changing, added, removed = [], {}, {}
    for link, already in zip(links, linked):
        uids = tuple(u for u in link.uids if (u not in already) == adding)
        if not uids:
            continue
        changing.append(replace(link, uids=uids))
        if adding:
            added[link.rel.name] = list(uids)
            if not link.rel.many and already:
                removed[link.rel.name] = sorted(already)
        else:
            removed[link.rel.name] = list(uids)
    return changing, added, removed


async def update_node(info: Any, node_type: NodeType, uid: str, given: dict[str, Any], action: str = "update",
                      managed: dict[str, Any] | None = None, connect: dict[LinkChange, str] | None = None,
                      expect: dict[str, Any] | None = None, current_check=None, derive=None) -> dict[str, Any]:
    """Set or remove properties (null removes an optional one); workflows also pass
    system-set values, links to connect (with the argument each came from), the state that
    must still hold, a check on the current node, and `derive(current)`: system-set values
    that depend on the node as read, with the state they were read from (both dicts)."""
    writer = await Writer.start(info, action, node_type, uid=uid)
    props = _props_from(node_type, given, "input", creating=False)
    props.update(managed or {})
    field_of = {writer.guarded(node_type, link, creating=False): path for link, path in (connect or {}).items()}
    links = tuple(field_of)
    if not props and not links:
        raise bad_input("input", "nothing to update: give at least one field")
    current, linked = await writer.precheck(node_type, uid, links, field_of, exclude_self=True)
    if current is None:
        raise not_found("uid", "no {type} with uid {uid!r}", type=node_type.name, uid=uid)
    if current_check:
        current_check(current)
    if derive:
        derived, read_from = derive(current)
        props.update(derived)
        expect = {**(expect or {}), **read_from}
    changed = {k: v for k, v in props.items() if current.get(k) != v}
    after = {k: v for k, v in {**current, **changed}.items() if v is not None}
    check_record(node_type, after, given)
    connecting, added, removed = _link_delta(links, linked, adding=True)
    if not changed and not connecting:
        return await writer.unchanged(node_type, uid)
    changes: dict[str, Any] = {"before": {k: current.get(k) for k in changed}, "after": changed}
    if added:
        changes["links"] = added
    if removed:
        changes["unlinked"] = removed
    # The changed properties must still hold what the precheck read, so `before` is exact.
    guards = {**{k: current.get(k) for k in changed}, **(expect or {})}
    plan = UpdateNode(node_type, uid, writer.audit(node_type, uid, changes),
                      set_props={k: v for k, v in changed.items() if v is not None},
                      remove_props=tuple(k for k, v in changed.items() if v is None),
                      connect=tuple(connecting), expect=guards, projection=writer.projection,
                      guard=authorise_writes.node_guard(node_type, writer.grant))
    rows = await writer.write(Audited(plan, _audit_uid()), "uid")
    return writer.shaped(rows[0])


async def change_links(info: Any, node_type: NodeType, uid: str, relationship: str, targets: list[str],
                       adding: bool) -> dict[str, Any]:
    writer = await Writer.start(info, "connect" if adding else "disconnect", node_type, uid=uid)
    rel = node_type.rel(relationship)
    if rel is None or is_managed(node_type, rel):
        raise bad_input("relationship", "{type} has no writable relationship {relationship!r}",
                        type=node_type.name, relationship=relationship)
    if not targets:
        raise bad_input("targets", "give at least one uid")
    check_text(targets, "targets")
    link = link_change(node_type, rel, targets, "targets") if adding else \
        LinkChange(rel, TYPES[rel.target], tuple(dict.fromkeys(targets)))
    link = writer.guarded(node_type, link, creating=False)
    current, linked = await writer.precheck(node_type, uid, (link,), {link: "targets"}, exclude_self=True)
    if current is None:
        raise not_found("uid", "no {type} with uid {uid!r}", type=node_type.name, uid=uid)
    changing, added, removed = _link_delta((link,), linked, adding)
    if not changing:  # already linked (or already unlinked): nothing to write or audit
        return await writer.unchanged(node_type, uid)
    changes = {"connect": added} if adding else {"disconnect": removed}
    if adding and removed:
        changes["disconnect"] = removed  # the single-valued link this one replaces
    plan = UpdateNode(node_type, uid, writer.audit(node_type, uid, changes),
                      connect=tuple(changing) if adding else (), disconnect=() if adding else tuple(changing),
                      projection=writer.projection, guard=_and_guards(
                          authorise_writes.node_guard(node_type, writer.grant),
                          None if adding else authorise_writes.unlinked_guard(rel, link.uids, writer.grant)))
    rows = await writer.write(Audited(plan, _audit_uid()), "uid")
    return writer.shaped(rows[0])


async def delete_node(info: Any, node_type: NodeType, uid: str) -> dict[str, Any]:
    """The audit entry keeps what an undo needs to restore the node: its properties and every
    relationship it had (resolvers/undo.py); the statement deletes only if both still hold."""
    writer = await Writer.start(info, "delete", node_type, uid=uid, projected=False)
    await writer.check(authorise_writes.check_deletable, node_type, writer.grant, uid=uid)
    current, _ = await writer.precheck(node_type, uid, (), {}, exclude_self=True, relationships=True)
    if current is None:
        raise not_found("uid", "no {type} with uid {uid!r}", type=node_type.name, uid=uid)
    relationships = writer.relationships
    changes = {"before": current, "relationships": [r.as_json() for r in relationships]}
    guard = _and_guards(*(rule for _, rule in writer.node_guards(node_type)))
    plan = DeleteNode(node_type, uid, writer.audit(node_type, uid, changes), guard=guard, expect=current,
                      relationships=relationships)
    rows = await writer.write(Audited(plan, _audit_uid()), "uid")
    return {"uid": uid, "deleted": True, "relationshipsDeleted": rows[0]["relationships"]}


def _and_guards(*guards: Any) -> Any:
    present = tuple(g for g in guards if g is not None)
    return None if not present else present[0] if len(present) == 1 else And(present)


def _audit_uid() -> str:
    return f"audit-{uuid.uuid4().hex}"
