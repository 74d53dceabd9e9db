"""What an audit entry changed, read back from its `changes`, and the checks an undo of it needs.

Entries are data read from the graph, so every name in them is checked against the model and
every value against its property's rules before anything is planned from them; an entry that
does not fit is refused (CONFLICT on `id`), never guessed at.

The recorded change, by action (resolvers/writes.py, resolvers/demands.py, and undos themselves,
whose `changes` say what they did in `as` and are shaped as that change is):

    create, raise        {after: properties, links: {field: [uid]}}
    update, assign,      {before: {property: old}, after: {property: new}, links?: {field: [uid]},
    resolve              unlinked?: {field: [uid]}}    (null: the property was absent)
    connect              {connect: {field: [uid]}, disconnect?: {field: [uid replaced]}}
    disconnect           {disconnect: {field: [uid]}}
    delete               {before: properties, relationships: [{type, direction, label, uid}]}
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from graph.model import TYPES, NodeType, Rel, fields_of, reverse_is_single
from graph.undo_plan import CREATE, DELETE, UNDO, UPDATE
from graph.validation import record_problems, text_problem, value_problem
from graph.write_plan import LinkChange, Relationship
from i18n import Message
from resolvers.errors import conflict

KINDS = {"create": CREATE, "raise": CREATE, "delete": DELETE, "update": UPDATE, "assign": UPDATE,
         "resolve": UPDATE, "connect": UPDATE, "disconnect": UPDATE}


def refuse(reason: str):
    return conflict("id", reason)


@dataclass
class Recorded:
    """One entry's change to one node, whatever its action: `kind` is create, update or delete."""

    kind: str
    node_type: NodeType
    uid: str
    before: dict[str, Any] = field(default_factory=dict)  # delete: every property; update: changed ones
    after: dict[str, Any] = field(default_factory=dict)   # create: every property; update: changed ones
    added: dict[str, list[str]] = field(default_factory=dict)    # field → uids the change linked
    removed: dict[str, list[str]] = field(default_factory=dict)  # field → uids the change unlinked
    relationships: tuple[Relationship, ...] = ()  # delete: every relationship the node had


def entry_changes(entry: dict[str, Any]) -> dict[str, Any]:
    """The JSON object an entry's `changes` holds; CONFLICT when it is not JSON or not an object."""
    try:
        changes = json.loads(entry.get("changes") or "")
    except ValueError:
        raise refuse(Message("audit entry {uid!r} cannot be undone: its changes are not JSON",
                             uid=entry['uid'])) from None
    if not isinstance(changes, dict):
        raise refuse(Message("audit entry {uid!r} cannot be undone: its changes are not an object", uid=entry['uid']))
    return changes


def recorded_change(entry: dict[str, Any]) -> Recorded:
    """The change `entry` records; CONFLICT naming why when it is not one an undo can reverse."""
    action, uid = entry.get("action"), entry.get("targetUid")
    changes = entry_changes(entry)
    if action == UNDO:
        action = changes.get("as")
    node_type = TYPES.get(entry.get("targetType") or "")
    if action not in KINDS or node_type is None or not node_type.writable or not isinstance(uid, str):
        raise refuse(Message("audit entry {uid!r} ({action} {target_type}) records no change to one node that an "
                             "undo can reverse",
                             uid=entry['uid'], action=entry.get('action'), target_type=entry.get('targetType')))
    reader = _Reader(node_type, entry["uid"])
    recorded = Recorded(KINDS[action], node_type, uid)
    if action in ("create", "raise"):
        recorded.after = reader.props(changes.get("after"), full=True)
        recorded.added = reader.links(changes.get("links"))
    elif action == "delete":
        recorded.before = reader.props(changes.get("before"), full=True)
        if "relationships" not in changes:
            raise refuse(Message("audit entry {uid!r} cannot be undone: it was recorded before deletes kept the "
                                 "relationships they removed, so they are unknown", uid=entry['uid']))
        recorded.relationships = reader.relationships(changes["relationships"], uid)
    elif action == "connect":
        recorded.added = reader.links(changes.get("connect"))
        recorded.removed = reader.links(changes.get("disconnect"))
    elif action == "disconnect":
        recorded.removed = reader.links(changes.get("disconnect"))
    else:
        recorded.before = reader.props(changes.get("before"), full=False)
        recorded.after = reader.props(changes.get("after"), full=False)
        if set(recorded.before) != set(recorded.after):
            raise reader.unfit(Message("its before and after name different properties"))
        recorded.added = reader.links(changes.get("links"))
        recorded.removed = reader.links(changes.get("unlinked"))
    if (recorded.after or recorded.before).get("uid", uid) != uid:
        raise reader.unfit(Message("its uid and its properties' uid differ"))
    return recorded


class _Reader:
    """Checks one entry's parts against the model and the value rules."""

    def __init__(self, node_type: NodeType, entry_uid: str) -> None:
        self.node_type, self.entry_uid = node_type, entry_uid

    def unfit(self, reason: str):
        return refuse(Message("audit entry {uid!r} cannot be undone: {reason}", uid=self.entry_uid, reason=reason))

    def props(self, given: Any, full: bool) -> dict[str, Any]:
        if not isinstance(given, dict):
            raise self.unfit(Message("it records no properties"))
        for name, value in given.items():
            prop = self.node_type.prop(name)
            if prop is None or prop.pattern is not None:
                raise self.unfit(Message("{type} has no stored property {name!r}",
                                         type=self.node_type.name, name=name))
            problem = None if value is None else value_problem(prop, value)
            if problem or (full and value is None):
                raise self.unfit(Message("its value of {name} is not one {type} can hold",
                                         name=name, type=self.node_type.name))
        if full:
            missing = [p.name for p in self.node_type.stored_props if p.required and p.name not in given]
            if missing:
                raise self.unfit(Message("it records no {properties}", properties=', '.join(missing)))
            problems = record_problems(self.node_type, given)
            if problems:
                raise self.unfit(Message("its properties break a rule ({property}: {problem})",
                                         property=problems[0][0], problem=problems[0][1]))
        return dict(given)

    def links(self, given: Any) -> dict[str, list[str]]:
        if given is None:
            return {}
        if not isinstance(given, dict):
            raise self.unfit(Message("its links are not an object"))
        for name, uids in given.items():
            if self.node_type.rel(name) is None:
                raise self.unfit(Message("{type} has no relationship field {name!r}",
                                         type=self.node_type.name, name=name))
            if not isinstance(uids, list) or not uids or any(text_problem(u) or not isinstance(u, str) for u in uids):
                raise self.unfit(Message("its {name} links are not a list of uids", name=name))
        return {name: list(dict.fromkeys(uids)) for name, uids in given.items()}

    def relationships(self, given: Any, uid: str) -> tuple[Relationship, ...]:
        if not isinstance(given, list):
            raise self.unfit("its relationships are not a list")
        found = []
        for item in given:
            parts = [item.get(k) if isinstance(item, dict) else None for k in ("type", "direction", "label", "uid")]
            if not all(isinstance(p, str) for p in parts) or text_problem(parts[3]):
                raise self.unfit(Message("a relationship it records is not {{type, direction, label, uid}}"))
            found.append(Relationship(*parts))
        return tuple(found)


def link_changes(node_type: NodeType, links: dict[str, list[str]], check_reverse: bool) -> tuple[LinkChange, ...]:
    """Links by field as LinkChanges; `check_reverse`: mark those whose target side is single-valued."""
    result = []
    for name, uids in links.items():
        rel = node_type.rel(name)
        result.append(LinkChange(rel, TYPES[rel.target], tuple(uids), check_reverse and reverse_is_single(node_type, rel)))
    return tuple(result)


def field_of(node_type: NodeType, relationship: Relationship) -> Rel | None:
    """The node type's field for one relationship it had, if the model has one."""
    if relationship.label not in TYPES or relationship.direction not in ("OUT", "IN"):
        return None
    found = fields_of(node_type.name, relationship.type, relationship.direction, relationship.label)
    return found[0] if found else None


def relationships_made(node_type: NodeType, links: dict[str, list[str]]) -> set[Relationship]:
    """The relationships `links` (field → uids) stand for, as seen from the node."""
    made = set()
    for name, uids in links.items():
        rel = node_type.rel(name)
        made |= {Relationship(rel.type, rel.direction, rel.target, u) for u in uids}
    return made


def describe(relationships: set[Relationship] | list[Relationship], limit: int = 3) -> str:
    """"IN_TOWN to Town 'town-zumiao', LEADS from Organisation 'org-a' and 2 more"."""
    shown = [f"{r.type} {'to' if r.direction == 'OUT' else 'from'} {r.label} {r.uid!r}"
             for r in sorted(relationships, key=lambda r: r.key)]
    more = len(shown) - limit
    return ", ".join(shown[:limit]) + (f" and {more} more" if more > 0 else "")
