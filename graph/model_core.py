"""The model's building blocks: properties, relationship fields and node types.

graph/model.py assembles the node types (graph/model_network.py, graph/model_work.py) from these;
everything else imports them from there.
"""
from __future__ import annotations

from dataclasses import dataclass

# Each scalar's Python type (checked by graph/validation.py; used by Strawberry and the seed loader).
PYTHON_TYPES: dict[str, type] = {"String": str, "Int": int, "Float": float, "Boolean": bool}
SCALARS = tuple(PYTHON_TYPES)
# The Python values a scalar accepts: an Int is a Float too.
ACCEPTED_TYPES: dict[str, type | tuple[type, ...]] = {**PYTHON_TYPES, "Float": (int, float)}


@dataclass(frozen=True)
class Prop:
    """A stored (or computed) property, exposed as a GraphQL field of the same name."""

    name: str
    type: str  # one of SCALARS or a key of ENUMS
    required: bool = False
    description: str = ""
    # A computed Boolean: a relationship pattern from `{n}` that is true when it matches.
    pattern: str | None = None
    # "date" (YYYY-MM-DD) or "datetime" (ISO 8601, UTC): checked on every write.
    format: str | None = None
    # Set by a workflow (the demand's status and its dates), never by generic create/update.
    managed: bool = False
    # Inclusive bounds of a number (money and counts are never negative; rates are shares).
    minimum: float | None = None
    maximum: float | None = None
    # Hit often by filters and sorts: every engine keeps a range index on it (graph/dialects/).
    indexed: bool = False
    # How few nodes an equality on it picks out: 2 one (uid), 1 a few (names, numbers), 0 a
    # large share (enums, Booleans). The planner anchors a MATCH on the most identifying test.
    identifying: int = 0
    # Personal (graph/authorise.py): "name" shows as 李** where masked, "hidden" as null.
    personal: str | None = None
    # A list of values of `type` (a resource's categories): [T!] in GraphQL, filtered with
    # includes / includesAny / includesAll / isEmpty, never sorted.
    many: bool = False

    @property
    def is_enum(self) -> bool:
        return self.type not in PYTHON_TYPES  # graph/model.py checks every other type is an enum

    @property
    def text_ordered(self) -> bool:
        """<, <=, >, >= compare it as text (strings and enums), which some engines' range
        indexes answer wrongly (graph/dialects/falkordb.py)."""
        return not self.many and (self.type == "String" or self.is_enum)


@dataclass(frozen=True)
class Rel:
    """A relationship field: `(this)-[:type]->(target)` when direction is OUT."""

    name: str
    type: str
    direction: str  # "OUT" or "IN"
    target: str  # a NodeType name
    many: bool  # False: single-valued on this side (at most one related node)
    description: str = ""
    managed: bool = False  # changed only by a workflow mutation

    @property
    def single(self) -> bool:
        return not self.many


@dataclass(frozen=True)
class NodeType:
    name: str  # GraphQL type name, also the node label
    plural: str  # root connection field
    description: str
    props: tuple[Prop, ...] = ()
    rels: tuple[Rel, ...] = ()
    writable: bool = True  # generic create/update/delete/connect mutations exist
    # Properties whose values never decrease in this order (raised ≤ assigned ≤ resolved), checked on writes.
    orderings: tuple[tuple[str, ...], ...] = ()
    # Fields leading to the node's towns, as a member's organisations (graph/authorise.py); none: no town.
    town_via: tuple[str, ...] = ()
    admin_only: bool = False  # read only by admins of the whole district (the audit trail)

    @property
    def label(self) -> str:
        return self.name

    @property
    def is_data(self) -> bool:
        """The graph's own data, searched, exported and imported: every type but the audit trail
        (a type without generic mutations, as Escalation, is data all the same)."""
        return not self.admin_only

    def prop(self, name: str) -> Prop | None:
        return next((p for p in self.all_props if p.name == name), None)

    def rel(self, name: str) -> Rel | None:
        return next((r for r in self.rels if r.name == name), None)

    @property
    def all_props(self) -> tuple[Prop, ...]:
        # A type may redeclare a common field in its place (a member's name is personal).
        own = {p.name: p for p in self.props}
        common = tuple(own.get(p.name, p) for p in COMMON_PROPS)
        return common + tuple(p for p in self.props if p.name not in {c.name for c in COMMON_PROPS})

    @property
    def stored_props(self) -> tuple[Prop, ...]:
        return tuple(p for p in self.all_props if p.pattern is None)

    @property
    def personal_props(self) -> tuple[Prop, ...]:
        return tuple(p for p in self.all_props if p.personal)


COMMON_PROPS = (
    Prop("uid", "String", True, "Stable business key, unique across the whole graph.", indexed=True, identifying=2),
    Prop("name", "String", True, "Name in Chinese, as the organisation department writes it.", indexed=True,
         identifying=1),
    Prop("nameEn", "String", False, "English name or pinyin.", indexed=True, identifying=1),
    Prop("source", "Source", True, "ARTICLE: named in the 2015 report; ILLUSTRATIVE: made up to fill a count; IMPORTED: loaded by a user."),
    Prop("description", "String", False, "A short note, in Chinese or English."),
)


def out(name: str, type_: str, target: str, many: bool, description: str = "", managed: bool = False) -> Rel:
    return Rel(name, type_, "OUT", target, many, description, managed)


def into(name: str, type_: str, target: str, many: bool, description: str = "", managed: bool = False) -> Rel:
    return Rel(name, type_, "IN", target, many, description, managed)
