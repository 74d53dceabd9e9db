"""The graph model: every label, property and relationship, in one place.

The Strawberry schema, the seed validator and the Cypher builder are all derived
from these declarations, so a new field is added here and nowhere else.
"""
from __future__ import annotations

from graph.model_core import (ACCEPTED_TYPES, COMMON_PROPS, PYTHON_TYPES, SCALARS, NodeType, Prop, Rel,
                              into, out)
from graph.model_network import NETWORK_ENUMS, NETWORK_TYPES
from graph.model_work import WORK_ENUMS, WORK_TYPES

__all__ = ["ACCEPTED_TYPES", "AUDIT_ENTRY", "COMMON_PROPS", "ENUMS", "NODE_TYPES", "PYTHON_TYPES", "SCALARS",
           "TYPES", "WRITABLE_TYPES", "NodeType", "Prop", "Rel", "fields_of", "into", "is_managed", "out",
           "relationship_endpoints", "reverse_is_single", "reverse_rels", "single_sides"]

ENUMS: dict[str, tuple[str, ...]] = {**NETWORK_ENUMS, **WORK_ENUMS}

AUDIT_ENTRY = NodeType(
    "AuditEntry", "auditEntries",
    "One write: who made it, when, what changed, and where the data came from. Written in the same "
    "statement as the change itself.",
    props=(
        Prop("at", "String", True, "ISO 8601 timestamp (UTC).", format="datetime"),
        Prop("actor", "String", True, "Who wrote: the X-Actor request header, or the import's --actor."),
        Prop("action", "String", True, "create, update, delete, connect, disconnect, raise, assign, resolve, "
             "import, undo; refused (a write the grant did not allow); token-create, token-revoke."),
        Prop("targetType", "String", True, "The type written."),
        Prop("targetUid", "String", False, "The node written; empty for an import."),
        Prop("changes", "String", True, "JSON: the fields before and after, or the links added and removed."),
        Prop("batchId", "String", False, "The import batch, for IMPORTED data."),
        Prop("undoes", "String", False, "For action undo: the uid of the entry it reverses.", indexed=True),
    ),
    writable=False,
    admin_only=True,
)

NODE_TYPES: tuple[NodeType, ...] = NETWORK_TYPES + WORK_TYPES + (AUDIT_ENTRY,)
TYPES: dict[str, NodeType] = {t.name: t for t in NODE_TYPES}
assert all(p.type in PYTHON_TYPES or p.type in ENUMS for t in NODE_TYPES for p in t.props), "unknown property type"
WRITABLE_TYPES: tuple[NodeType, ...] = tuple(t for t in NODE_TYPES if t.writable)


def fields_of(label: str, rel_type: str, direction: str, other: str) -> list[Rel]:
    """The fields of `label` for relationships of `rel_type` in `direction` to `other`."""
    return [r for r in TYPES[label].rels if r.type == rel_type and r.direction == direction and r.target == other]


def reverse_rels(node_type: NodeType, rel: Rel) -> list[Rel]:
    """The target type's fields for the same relationship, seen from its other end."""
    return fields_of(rel.target, rel.type, "IN" if rel.direction == "OUT" else "OUT", node_type.name)


def reverse_is_single(node_type: NodeType, rel: Rel) -> bool:
    """Is the same relationship single-valued when seen from the target's side (one lead per
    zone: each organisation field `leads` is a list, but Zone.lead is single)?"""
    return any(r.single for r in reverse_rels(node_type, rel))


def single_sides(triple: tuple[str, str, str]) -> tuple[bool, bool]:
    """Is the relationship (from label, type, to label) single-valued at its start node, at its end?"""
    source, rel_type, target = triple
    return (any(r.single for r in fields_of(source, rel_type, "OUT", target)),
            any(r.single for r in fields_of(target, rel_type, "IN", source)))


def is_managed(node_type: NodeType, rel: Rel) -> bool:
    """A relationship only a workflow may change, whichever side it is seen from."""
    return rel.managed or any(r.managed for r in reverse_rels(node_type, rel))


def relationship_endpoints() -> set[tuple[str, str, str]]:
    """Every allowed (from label, relationship type, to label) triple."""
    triples = set()
    for node_type in NODE_TYPES:
        for rel in node_type.rels:
            if rel.direction == "OUT":
                triples.add((node_type.label, rel.type, rel.target))
            else:
                triples.add((rel.target, rel.type, node_type.label))
    return triples
