"""The authorisation pass on writes: the rules a grant (graph/grants.py) puts on a mutation,
as filters the write statement checks (graph/write_plan.py `guard`) and checks that raise
Forbidden. resolvers/writes.py applies them; docs/security.md states them.

The rules, for a grant limited to towns (graph/authorise.py says what "belongs to" means):
- `node_guard`: a node changed or deleted belongs to its towns and to no other (scope:node);
- `target_guard`: a node at the other end of a changed relationship belongs to no other town
  (scope:target); the nodes a new node belongs to a town through are its own (scope:created);
- `neighbours_guard`: a node deleted is linked to no node of another town (scope:neighbours);
- `check_created`: a new node must belong to one of its towns; towns and district-level nodes
  are created by grants for the whole district only;
- `check_deletable`: it cannot delete a town.
"""
from __future__ import annotations

from graph.authorise import TOWN, and_filters, belongs_to_towns, not_foreign, owned, reaches
from graph.errors import Forbidden
from graph.grants import EDITOR, Grant
from graph.model import TYPES, NodeType, Rel
from graph.plan import And, Compare, Filter, RelFilter
from i18n import Message


def check_writer(grant: Grant) -> None:
    """Editors and admins write; anyone else is refused (rule "role")."""
    if not grant.at_least(EDITOR):
        raise Forbidden("role", Message("the {role} role reads only; writing needs an editor or admin grant",
                                        role=grant.role))


def check_deletable(node_type: NodeType, grant: Grant) -> None:
    """A town-limited grant may change its town's own node, but not delete it."""
    if grant.towns and node_type is TOWN:
        raise Forbidden("scope:node", "a grant limited to towns cannot delete a town; only a grant for the "
                                      "whole district can", "uid")


def node_guard(node_type: NodeType, grant: Grant) -> Filter | None:
    """A node the grant changes or deletes belongs to its towns, and to no other (rule "scope:node")."""
    return owned(node_type, grant)


def target_guard(node_type: NodeType, rel: Rel, grant: Grant, creating: bool) -> Filter | None:
    """What a node at the other end of a changed relationship must pass: a town-limited grant
    may not change the links of a node of another town (rule "scope:target"); the nodes a new
    node belongs to a town through must be the grant's own (rule "scope:created")."""
    target = TYPES[rel.target]
    if creating and rel.name in node_type.town_via:
        return owned(target, grant)
    return not_foreign(target, grant)


def neighbours_guard(node_type: NodeType, grant: Grant) -> Filter | None:
    """A node a town-limited grant deletes is linked to no node of another town (deleting it
    would change theirs; rule "scope:neighbours")."""
    if not grant.towns:
        return None
    return and_filters(*(RelFilter(rel, TYPES[rel.target], "none", reaches(TYPES[rel.target], grant.towns, outside=True))
                  for rel in node_type.rels if belongs_to_towns(TYPES[rel.target])))


def unlinked_guard(rel: Rel, uids: tuple[str, ...], grant: Grant) -> Filter | None:
    """On the node: none of the targets it is being unlinked from belongs to another town."""
    if not grant.towns:
        return None
    target = TYPES[rel.target]
    outside = reaches(target, grant.towns, outside=True)
    return and_filters(RelFilter(rel, target, "none", And((Compare(target.prop("uid"), "in", uids), outside))))


def check_created(node_type: NodeType, link_fields: set[str], grant: Grant) -> None:
    """A town-limited grant creates only nodes that will belong to one of its towns."""
    if not grant.towns:
        return
    if node_type is TOWN or not belongs_to_towns(node_type):
        raise Forbidden("scope:created",
                        Message("a {type} belongs to no town of this grant; only a grant for the whole "
                                                 "district may create one", type=node_type.name), "input")
    if not link_fields & set(node_type.town_via):
        raise Forbidden("scope:created",
                        Message("a new {type} must belong to one of this grant's towns: give one of {fields}",
                                         type=node_type.name, fields=", ".join(node_type.town_via)), "input")
