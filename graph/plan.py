"""Query plans: what a GraphQL selection asks of the graph, before it is Cypher.

resolvers/ builds these from a selection; graph/cypher/reads.py renders them. Plans hold
model objects and plain Python values only, never Cypher text.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Union

from graph.model import NodeType, Prop, Rel

SCALAR_OPERATORS = ("eq", "in", "contains", "startsWith", "endsWith", "lt", "lte", "gt", "gte", "isNull")
# On a list-valued property (Prop.many): it holds this value, one of these, all of these.
LIST_OPERATORS = ("includes", "includesAny", "includesAll", "isNull")
LIST_QUANTIFIERS = ("some", "all", "none", "single")
# Projected relationship results live under "@<response key>", so an alias can never
# shadow a property (or the uid that ids are made from).
REL_KEY_PREFIX = "@"


@dataclass(frozen=True)
class Compare:
    prop: Prop
    op: str  # one of SCALAR_OPERATORS
    value: Any


@dataclass(frozen=True)
class And:
    parts: tuple["Filter", ...]


@dataclass(frozen=True)
class Or:
    parts: tuple["Filter", ...]


@dataclass(frozen=True)
class Not:
    part: "Filter"


@dataclass(frozen=True)
class RelFilter:
    """Related nodes through `rel` that match `where`, counted by `quantifier`.

    A single-valued relationship is filtered with the quantifier "some".
    """

    rel: Rel
    target: NodeType
    quantifier: str  # one of LIST_QUANTIFIERS
    where: "Filter | None"


@dataclass(frozen=True)
class ReachesTown:
    """The node belongs to a town (graph/authorise.py): a path of at most `depth` relationships,
    each of one of `rel_types` and leaving its node, ends at a Town whose uid is one of `towns`
    (None: any town). With `outside`, at a Town whose uid is NOT one of `towns`. One
    variable-length pattern instead of a test per chain of fields: an OR of nine chain patterns
    per member cost FalkorDB ~0.6 ms a member, this ~0.03 ms (bench/grants.py)."""

    rel_types: tuple[str, ...]
    depth: int
    towns: tuple[str, ...] | None = None
    outside: bool = False


Filter = Union[Compare, And, Or, Not, RelFilter, ReachesTown]


@dataclass(frozen=True)
class SortKey:
    prop: Prop
    descending: bool = False


@dataclass(frozen=True)
class RelSelection:
    """A relationship field in a projection, with its own filter, order and limit."""

    key: str  # response key (alias or field name)
    rel: Rel
    target: NodeType
    projection: "Projection"
    where: Filter | None = None
    sort: tuple[SortKey, ...] = ()
    limit: int | None = None


@dataclass(frozen=True)
class Mask:
    """A personal property as a grant sees it (graph/authorise.py): `how` is "name" (the first
    character and two stars, 李**) or "hidden" (null), except on nodes where `unless` holds
    (the grant's own towns), which show the stored value. `unless` None: masked everywhere."""

    prop: Prop
    how: str
    unless: "Filter | None" = None


@dataclass(frozen=True)
class Projection:
    """Which properties and relationships of a node to return.

    A node comes back as a list in `columns` order, not a map: rows of values parse faster
    than maps with their keys (bench: the 3-level query's reply, ~6% less time)."""

    node_type: NodeType
    props: tuple[Prop, ...] = ()
    rels: tuple[RelSelection, ...] = ()
    masks: tuple[Mask, ...] = ()  # how the grant sees personal properties (graph/authorise.py)

    def mask(self, prop: Prop) -> Mask | None:
        return next((m for m in self.masks if m.prop.name == prop.name), None)

    @property
    def value_props(self) -> tuple[Prop, ...]:
        """The properties after uid, in column order (uid always comes first)."""
        return tuple(p for p in self.props if p.name != "uid")

    @cached_property
    def columns(self) -> dict[str, int]:
        """Column name → position: uid, `value_props`, then relationship fields as
        REL_KEY_PREFIX + response key."""
        names = ["uid", *(p.name for p in self.value_props), *(REL_KEY_PREFIX + r.key for r in self.rels)]
        return {name: i for i, name in enumerate(names)}


@dataclass(frozen=True)
class Cursor:
    """A keyset position: the sort values of the last node seen, uid last."""

    values: tuple[Any, ...]


@dataclass(frozen=True)
class ConnectionQuery:
    """A root connection: filter, keyset page, and what to return."""

    node_type: NodeType
    where: Filter | None
    sort: tuple[SortKey, ...]  # always ends with uid, which makes the order total
    limit: int  # rows to fetch; the caller asks one more than `first` to see a next page
    after: Cursor | None
    projection: Projection | None  # None when no node field is selected
    want_total: bool = False


@dataclass(frozen=True)
class NodeByUidQuery:
    node_type: NodeType
    uid: str
    projection: Projection
    where: Filter | None = None  # the grant's visibility (graph/authorise.py): no row when false


@dataclass(frozen=True)
class LabelAccess:
    """What a grant sees in plans whose nodes may have any label (traversal, search): the labels
    it may read, each with the filter its nodes must pass (None: all of them), and the masks of
    each label's personal properties. Labels not listed are not seen at all."""

    visible: tuple[tuple[str, Filter | None], ...]
    masks: tuple[tuple[str, tuple[Mask, ...]], ...] = ()

    def filter_of(self, label: str) -> tuple[bool, Filter | None]:
        """(readable, filter) for a label."""
        for name, where in self.visible:
            if name == label:
                return True, where
        return False, None

    def masks_of(self, label: str) -> tuple[Mask, ...]:
        return next((masks for name, masks in self.masks if name == label), ())


@dataclass
class CompiledQuery:
    text: str
    params: dict[str, Any] = field(default_factory=dict)
