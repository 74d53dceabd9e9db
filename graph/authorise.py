"""The authorisation pass: a grant (graph/grants.py) applied to plans before they are rendered.

The rules are facts of the model (graph/model.py): which properties are personal
(`Prop.personal`), how a node belongs to a town (`NodeType.town_via`), and which types only
admins read (`NodeType.admin_only`). Here they become plan changes, never checks in field
resolvers, so nested selections, `node(id:)`, search, traversal, exports and statistics are all
covered by the same pass:

- a read's filters get the grant's visibility ANDed in, at the root and at every nested
  relationship field and relationship filter (a hidden node is as if it did not exist: a
  quantifier counts only visible related nodes);
- personal properties are projected masked (`plan.Mask`): 李** or null;
- a test on a personal property matches only where the grant sees it unmasked, and sorting on
  one is refused where it is masked anywhere (the order, and the cursor's values, would show it);
- writes get guards (graph/write_plan.py `guard` fields) that hold the grant's towns, checked in
  the write statement itself.

A node *belongs to* the towns reached through its `town_via` fields, recursively (a member
belongs to the towns of their organisations); in a plan, one `plan.ReachesTown` test along the
relationship types of those fields. A grant limited to towns:
- writes a node only if the node belongs to its towns and to no other (`owned`); a node it
  creates must belong to one of them; every node at the other end of a relationship it changes
  must belong to no other town (`not_foreign`: district-level nodes, such as departments, do);
- with `reads_scoped`, reads nodes that belong to one of its towns or to none (`visible`).

Raises `Forbidden` (graph/errors.py) where a whole request is outside the grant; the resolvers
turn it into a FORBIDDEN error naming the rule.
"""
from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from typing import Any

from graph.errors import Forbidden
from graph.escalation import EscalationPath
from graph.filters import MATCH_ALL, MATCH_NONE, normalise
from graph.grants import ADMIN, EDITOR, RESEARCHER, VIEWER, Grant
from graph.matching import MatchDemand, MatchingReport
from graph.model import NODE_TYPES, TYPES, NodeType, Rel
from graph.plan import (
    And, Compare, ConnectionQuery, Filter, LabelAccess, Mask, Not, NodeByUidQuery, Or, Projection, ReachesTown,
    RelFilter, SortKey,
)
from graph.review import MonthlyReview
from graph.search import Search
from graph.statistics import (
    AreaStatistics, CoverageGaps, DemandStatistics, DistrictTotals, OrganisationsByZones, ZoneComposition, ZoneLinks,
)
from graph.traversal import Expand, NodesByUid, OutgoingLinks, StartNode
from graph.undo_plan import AuditEntryLookup
from graph.visits import VisitCoverage
from graph.write_plan import Precheck
from i18n import Message

TOWN = TYPES["Town"]
_TOWN_UID = TOWN.prop("uid")


# -- belonging to a town ---------------------------------------------------------------------

@lru_cache(maxsize=None)
def town_chains(type_name: str) -> tuple[tuple[Rel, ...], ...]:
    """Every chain of relationship fields from a node of this type to a Town (model.town_via,
    followed recursively)."""
    node_type = TYPES[type_name]
    chains: list[tuple[Rel, ...]] = []
    for field in node_type.town_via:
        rel = node_type.rel(field)
        assert rel is not None, f"{type_name}.town_via names no field {field!r}"
        if rel.target == TOWN.name:
            chains.append((rel,))
        else:
            chains += [(rel, *rest) for rest in town_chains(rel.target)]
    return tuple(chains)


def belongs_to_towns(node_type: NodeType) -> bool:
    """Can a node of this type belong to a town at all (else it is district-level)?"""
    return node_type is TOWN or bool(town_chains(node_type.name))


@lru_cache(maxsize=None)
def _flow(type_name: str) -> tuple[tuple[str, ...], int]:
    """The relationship types of a type's chains to a town, and the longest chain. Followed as
    one variable-length pattern (graph/plan.ReachesTown), which is exact only if no node on the
    way has a relationship of those types that is not one of its own town fields: checked here,
    so a model change that broke it fails at import, not in an answer."""
    chains = town_chains(type_name)
    types = tuple(sorted({rel.type for chain in chains for rel in chain}))
    labels = {type_name} | {rel.target for chain in chains for rel in chain}
    for label in labels:
        for rel in TYPES[label].rels:
            if rel.direction == "OUT" and rel.type in types and rel.name not in TYPES[label].town_via:
                raise AssertionError(f"{label}.{rel.name} ({rel.type}) would lead {type_name} to a town it does not "
                                     "belong to: add it to town_via, or give it another relationship type")
    return types, max((len(chain) for chain in chains), default=0)


for _type in NODE_TYPES:  # the check above, for every type, as the module loads
    _flow(_type.name)


def reaches(node_type: NodeType, towns: tuple[str, ...] | None, outside: bool = False) -> Filter:
    """The node belongs to one of `towns` (None: to any town); with `outside`, to a town that is
    not one of them. A Town belongs to itself; a type without town fields to none."""
    if node_type is TOWN:
        if towns is None:
            return MATCH_NONE if outside else MATCH_ALL
        return Not(in_towns(towns)) if outside else in_towns(towns)
    types, depth = _flow(node_type.name)
    if not types:
        return MATCH_NONE
    return ReachesTown(types, depth, tuple(towns) if towns is not None else None, outside)


def in_towns(towns: tuple[str, ...]) -> Filter:
    # One town is an equality, which the builder matches as a pattern (no subquery).
    return Compare(_TOWN_UID, "eq", towns[0]) if len(towns) == 1 else Compare(_TOWN_UID, "in", tuple(towns))


def owned(node_type: NodeType, grant: Grant) -> Filter | None:
    """Writable by a grant: belongs to its towns and to no other. None: no limit."""
    if not grant.towns:
        return None
    return normalise(And((reaches(node_type, grant.towns), Not(reaches(node_type, grant.towns, outside=True)))))


def not_foreign(node_type: NodeType, grant: Grant) -> Filter | None:
    """Belongs to no town outside the grant's (district-level nodes pass). None: no limit."""
    if not grant.towns:
        return None
    return normalise(Not(reaches(node_type, grant.towns, outside=True)))


def visible(node_type: NodeType, grant: Grant) -> Filter | None:
    """What a grant reads of a type: None for everything, MATCH_NONE for nothing."""
    return _visible(node_type.name, grant)


@lru_cache(maxsize=1024)  # grants repeat (one per token): the filters are built once each
def _visible(type_name: str, grant: Grant) -> Filter | None:
    node_type = TYPES[type_name]
    if node_type.admin_only and (not grant.at_least(ADMIN) or grant.towns):  # admins of the whole district
        return MATCH_NONE
    if not (grant.towns and grant.reads_scoped) or not belongs_to_towns(node_type):
        return None
    if node_type is TOWN:
        return in_towns(grant.towns)
    # Its towns, or no town at all (a district-level organisation, a member without one).
    return normalise(Or((reaches(node_type, grant.towns), Not(reaches(node_type, None)))))


# -- personal properties -----------------------------------------------------------------------

def masks(node_type: NodeType, grant: Grant) -> tuple[Mask, ...]:
    """How the grant sees the type's personal properties: viewers masked everywhere; researchers
    and editors within their towns unmasked (everywhere without towns); admins unmasked."""
    return _masks(node_type.name, grant)


@lru_cache(maxsize=1024)
def _masks(type_name: str, grant: Grant) -> tuple[Mask, ...]:
    node_type = TYPES[type_name]
    personal = node_type.personal_props
    if not personal or grant.role == ADMIN or (grant.role in (RESEARCHER, EDITOR) and not grant.towns):
        return ()
    unless = reaches(node_type, grant.towns) if grant.role != VIEWER and grant.towns else None
    return tuple(Mask(p, p.personal, unless) for p in personal)


def and_filters(*parts: Filter | None) -> Filter | None:
    """The parts ANDed and simplified; None for no parts, or for parts that match everything."""
    present = tuple(p for p in parts if p is not None)
    if not present:
        return None
    tree = normalise(And(present))
    return None if tree == MATCH_ALL else tree


def restrict_filter(node_type: NodeType, where: Filter | None, grant: Grant) -> Filter | None:
    """A `where` as the grant may ask it: related nodes it cannot see do not count, and a test
    on a masked property holds only where the property is shown."""
    if where is None:
        return None
    return and_filters(_restrict(node_type, where, grant))


def _restrict(node_type: NodeType, where: Filter, grant: Grant) -> Filter:
    if isinstance(where, Compare):
        mask = next((m for m in masks(node_type, grant) if m.prop.name == where.prop.name), None)
        if mask is None:
            return where
        return MATCH_NONE if mask.unless is None else And((mask.unless, where))
    if isinstance(where, And):
        return And(tuple(_restrict(node_type, p, grant) for p in where.parts))
    if isinstance(where, Or):
        return Or(tuple(_restrict(node_type, p, grant) for p in where.parts))
    if isinstance(where, Not):
        return Not(_restrict(node_type, where.part, grant))
    assert isinstance(where, RelFilter)
    inner = None if where.where is None else _restrict(where.target, where.where, grant)
    seen = visible(where.target, grant)
    if seen is None:
        return RelFilter(where.rel, where.target, where.quantifier, inner)
    if where.quantifier == "all":  # every visible related node matches: none is visible and fails
        failing = Not(inner) if inner is not None else MATCH_NONE
        return RelFilter(where.rel, where.target, "none", And((seen, failing)))
    return RelFilter(where.rel, where.target, where.quantifier, And((seen, inner)) if inner is not None else seen)


def check_sort(node_type: NodeType, sort: tuple[SortKey, ...], grant: Grant, path: str) -> None:
    """Refuse an order on a property the grant sees masked anywhere."""
    masked = {m.prop.name for m in masks(node_type, grant)}
    for key in sort:
        if key.prop.name in masked:
            raise Forbidden("personal",
                            Message("{type}.{property} is personal and shown masked to this grant, so it cannot be "
                                        "sorted on", type=node_type.name, property=key.prop.name), path)


def restrict_projection(projection: Projection | None, grant: Grant, path: str) -> Projection | None:
    """The projection with the grant's masks, and every relationship field limited to what the
    grant sees (its filter ANDed with the target's visibility)."""
    if projection is None:
        return None
    node_type = projection.node_type
    selected = {p.name for p in projection.props}
    rels = []
    for sel in projection.rels:
        check_sort(sel.target, sel.sort, grant, f"{path}.{sel.key}.sort")
        where = and_filters(restrict_filter(sel.target, sel.where, grant), visible(sel.target, grant))
        rels.append(replace(sel, where=where,
                            projection=restrict_projection(sel.projection, grant, f"{path}.{sel.key}")))
    own_masks = tuple(m for m in masks(node_type, grant) if m.prop.name in selected)
    return Projection(node_type, projection.props, tuple(rels), own_masks)


def label_access(grant: Grant) -> LabelAccess | None:
    """What the grant sees of every label, for traversal and search; None: everything."""
    if grant.role == ADMIN and not (grant.towns and grant.reads_scoped):
        return None
    return LabelAccess(
        visible=tuple((t.label, visible(t, grant)) for t in NODE_TYPES if visible(t, grant) != MATCH_NONE),
        masks=tuple((t.label, masks(t, grant)) for t in NODE_TYPES if masks(t, grant)),
    )


# -- the pass over reads -------------------------------------------------------------------------

def authorise_read(plan: Any, grant: Grant) -> Any:
    """The plan as this grant may run it. Plans it does not know pass unchanged only for the
    open grant; any other grant is refused them, so a new kind of read cannot skip the pass."""
    if grant.is_open:
        return plan
    handler = _READS.get(type(plan))
    if handler is None:
        raise Forbidden("plan", Message("{plan} reads are not available to this grant", plan=type(plan).__name__))
    return handler(plan, grant)


def _connection(plan: ConnectionQuery, grant: Grant) -> ConnectionQuery:
    check_sort(plan.node_type, plan.sort, grant, "sort")
    where = and_filters(restrict_filter(plan.node_type, plan.where, grant), visible(plan.node_type, grant))
    return replace(plan, where=where, projection=restrict_projection(plan.projection, grant, plan.node_type.plural))


def _node(plan: NodeByUidQuery, grant: Grant) -> NodeByUidQuery:
    return replace(plan, where=and_filters(plan.where, visible(plan.node_type, grant)),
                   projection=restrict_projection(plan.projection, grant, "node"))


_READS: dict[type, Any] = {ConnectionQuery: _connection, NodeByUidQuery: _node}


# Traversal and search: nodes of any label, seen through the grant's LabelAccess.

def _with_access(plan: Any, grant: Grant) -> Any:
    return replace(plan, access=label_access(grant))


def _nodes_by_uid(plan: NodesByUid, grant: Grant) -> NodesByUid:
    groups = tuple((restrict_projection(projection, grant, "node"), uids) for projection, uids in plan.groups)
    return replace(plan, groups=groups, access=label_access(grant))


def _search(plan: Search, grant: Grant) -> Search:
    access = label_access(grant)
    if access is None:
        return plan
    # A search matches names: a type whose name the grant sees masked anywhere is searched only
    # where the name is shown (the grant's towns), never by its hidden value.
    visible_labels = []
    for label, where in access.visible:
        name_mask = next((m for m in access.masks_of(label) if m.prop.name in ("name", "nameEn")), None)
        if name_mask is not None:
            if name_mask.unless is None:
                continue
            where = and_filters(where, name_mask.unless)
        visible_labels.append((label, where))
    return replace(plan, access=LabelAccess(tuple(visible_labels), access.masks))


# Statistics: zone and demand figures over what the grant sees; district-wide figures need
# district-wide reads.

def _zone_composition(plan: ZoneComposition, grant: Grant) -> ZoneComposition:
    zone = TYPES["Zone"]
    return replace(plan, where=and_filters(restrict_filter(zone, plan.where, grant), visible(zone, grant)))


def _demand_statistics(plan: DemandStatistics, grant: Grant) -> DemandStatistics:
    demand = TYPES["Demand"]
    return replace(plan, where=and_filters(restrict_filter(demand, plan.where, grant), visible(demand, grant)))


def _matching(plan: Any, grant: Grant) -> Any:
    """Over the demands the grant sees; its candidates serve their places (their towns or the
    district), and a provider of another town is scored but not named (`access`)."""
    demand = TYPES["Demand"]
    return replace(plan, where=and_filters(restrict_filter(demand, plan.where, grant), visible(demand, grant)),
                   access=label_access(grant))


def _visit_coverage(plan: VisitCoverage, grant: Grant) -> VisitCoverage:
    visit = TYPES["Visit"]
    return replace(plan, where=and_filters(restrict_filter(visit, plan.where, grant), visible(visit, grant)))


def _area_statistics(plan: AreaStatistics, grant: Grant) -> AreaStatistics:
    return replace(plan, towns=grant.towns) if grant.towns and grant.reads_scoped else plan


def _district_wide(plan: Any, grant: Grant) -> Any:
    if grant.towns and grant.reads_scoped:
        raise Forbidden("scope:district",
                        Message("these figures cover the whole district, and this grant reads only its "
                                          "towns ({towns}); ask for townStatistics", towns=", ".join(grant.towns)))
    return plan


def _unchanged(plan: Any, grant: Grant) -> Any:
    return plan


def _admin_only(plan: Any, grant: Grant) -> Any:
    check_admin(grant, Message("reading the audit trail"))
    return plan


_READS.update({
    # The write path's own read: it authorises the write itself (resolvers/writes.py), and only
    # its refusals reach the client.
    Precheck: _unchanged,
    # The undo's read of the entry it reverses (the audit trail: admins only).
    AuditEntryLookup: _admin_only,
    StartNode: _with_access, Expand: _with_access, EscalationPath: _with_access, NodesByUid: _nodes_by_uid, Search: _search,
    # Links between nodes the caller already holds (each seen through the pass when found).
    OutgoingLinks: _unchanged,
    ZoneComposition: _zone_composition, DemandStatistics: _demand_statistics, AreaStatistics: _area_statistics,
    DistrictTotals: _district_wide, CoverageGaps: _district_wide, ZoneLinks: _district_wide,
    OrganisationsByZones: _district_wide,
    # A monthly review is of one town, limited to the grant's towns as townStatistics is.
    VisitCoverage: _visit_coverage, MonthlyReview: _area_statistics,
    # Matching: over the demands the grant sees (a demand's candidates reach its place: its town's or
    # the district's).
    MatchDemand: _matching, MatchingReport: _matching,
})


# -- what only admins do ---------------------------------------------------------------------------

def check_admin(grant: Grant, what: Message) -> None:
    """Admins only, and for the whole district: what they do (read the audit trail, undo, import)
    is not limited by town."""
    if not grant.at_least(ADMIN):
        raise Forbidden("role",
                        Message("{what} needs an admin grant; this grant's role is {role}", what=what, role=grant.role))
    if grant.towns:
        raise Forbidden("scope:district", Message("{what} needs an admin grant for the whole district", what=what))
