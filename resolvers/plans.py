"""Turn `where`, `sort`, `first`/`after` and a selection into query plans."""
from __future__ import annotations

from typing import Any

from graph.filters import MATCH_ALL, normalise, size as filter_size
from graph.limits import MAX_FILTER_DEPTH, MAX_FILTER_TESTS
from graph.model import ACCEPTED_TYPES, TYPES, NodeType
from graph.validation import INT_MAX, INT_MIN
from graph.plan import (
    And, Compare, ConnectionQuery, Cursor, Filter, Not, Or, Projection, RelFilter,
    RelSelection, SortKey,
)
from resolvers.errors import bad_input
from resolvers.ids import decode_cursor, order_signature
from resolvers.selection import SelectedField, SelectionReader
from resolvers.values import check_text

MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 100
_VALUE_TYPES = ACCEPTED_TYPES


def build_filter(node_type: NodeType, where: dict[str, Any] | None, path: str) -> Filter | None:
    """The `where` input as a flat filter tree (graph/filters.py); None when it matches every
    node. The semantics, null included, are tabled in docs/filters.md:

    - `{field: null}` and `{field: {eq: null}}`: the field is absent (null); `{rel: null}`: no
      related node. Null for any other operator, quantifier, `AND`, `OR` or `NOT` is refused.
    - `{}` and `AND: []` match every node; `OR: []`, `NOT: {}` and `in: []` match none.
    - A comparison with an absent field is false, so `NOT` is always the complement.

    Raises BAD_USER_INPUT naming the input path for nulls without a meaning, unknown fields,
    forbidden text, and filters deeper than MAX_FILTER_DEPTH or with more than
    MAX_FILTER_TESTS tests (settings in graph/limits.py)."""
    if where is None:
        return None
    tree = normalise(_filter(node_type, where, path, 1))
    predicates = filter_size(tree)
    if predicates > MAX_FILTER_TESTS:
        raise bad_input(path, "has {predicates} tests; at most {MAX_FILTER_TESTS} are allowed", predicates=predicates,
                        MAX_FILTER_TESTS=MAX_FILTER_TESTS)
    return None if tree == MATCH_ALL else tree


def _filter(node_type: NodeType, where: dict[str, Any], path: str, depth: int) -> Filter:
    if depth > MAX_FILTER_DEPTH:
        raise bad_input(path, "nests filters more than {MAX_FILTER_DEPTH} levels deep",
                              MAX_FILTER_DEPTH=MAX_FILTER_DEPTH)
    parts: list[Filter] = []
    for key, value in where.items():
        here = f"{path}.{key}"
        if key in ("AND", "OR", "NOT") and value is None:
            if key == "NOT":
                raise bad_input(here, "null is not a filter: omit {key}, or give {{}} (NOT: {{}} matches nothing)",
                                      key=key)
            raise bad_input(here, "null is not a filter: omit {key}, or give a list of filters", key=key)
        if key in ("AND", "OR"):
            subs = []
            for i, sub in enumerate(value):
                if sub is None:
                    raise bad_input(f"{here}[{i}]", "null is not a filter; {{}} matches every node")
                subs.append(_filter(node_type, sub, f"{here}[{i}]", depth + 1))
            parts.append(And(tuple(subs)) if key == "AND" else Or(tuple(subs)))
        elif key == "NOT":
            parts.append(Not(_filter(node_type, value, here, depth + 1)))
        elif (prop := node_type.prop(key)) is not None:
            if value is None:  # {field: null}: the field is absent
                parts.append(Compare(prop, "isNull", True))
                continue
            for op, operand in value.items():
                if operand is None:
                    if op != "eq":
                        raise bad_input(f"{here}.{op}", "null has no meaning here; to find nodes without {key}, use "
                                                        "eq: null or isNull: true", key=key)
                    parts.append(Compare(prop, "isNull", True))
                else:
                    check_text(operand, f"{here}.{op}")
                    parts.append(Compare(prop, op, operand))
        elif (rel := node_type.rel(key)) is not None:
            target = TYPES[rel.target]
            if value is None:  # {relationship: null}: no related node
                parts.append(RelFilter(rel, target, "none", None))
            elif rel.many:
                for quantifier, sub in value.items():
                    if sub is None:
                        raise bad_input(f"{here}.{quantifier}", "null is not a filter; {{}} matches any related node")
                    parts.append(RelFilter(rel, target, quantifier,
                                           _filter(target, sub, f"{here}.{quantifier}", depth + 1)))
            else:
                parts.append(RelFilter(rel, target, "some", _filter(target, value, here, depth + 1)))
        else:
            raise bad_input(here, "{type} has no field {key!r} to filter on", type=node_type.name, key=key)
    return And(tuple(parts))


def build_sort(node_type: NodeType, sort: list[dict[str, Any]] | None, path: str = "sort") -> tuple[SortKey, ...]:
    """The requested keys, then uid, so that every order is total and cursors are exact."""
    keys: list[SortKey] = []
    for i, entry in enumerate(sort or []):
        given = [(name, direction) for name, direction in entry.items() if direction is not None]
        if len(given) != 1:
            raise bad_input(f"{path}[{i}]", "give exactly one field per sort entry")
        name, direction = given[0]
        prop = node_type.prop(name)
        if prop is None or prop.pattern is not None:
            raise bad_input(f"{path}[{i}].{name}",
                             "{type} cannot be sorted on {name!r}", type=node_type.name, name=name)
        keys.append(SortKey(prop, direction == "DESC"))
        if name == "uid":
            return tuple(keys)  # uid is unique: later keys could never matter
    return (*keys, SortKey(node_type.prop("uid")))


def check_limit(first: int | None, path: str, default: int | None) -> int | None:
    if first is None:
        return default
    if not 0 <= first <= MAX_PAGE_SIZE:
        raise bad_input(path, "must be between 0 and {MAX_PAGE_SIZE}, got {first}",
                              MAX_PAGE_SIZE=MAX_PAGE_SIZE, first=first)
    return first


def build_projection(reader: SelectionReader, parents: list[SelectedField], node_type: NodeType,
                     path: str) -> Projection:
    """What to return for each node, from the sub-selections of one or more fields."""
    props: list = []
    rels: dict[str, RelSelection] = {}
    seen_props: set[str] = set()
    for parent in parents:
        for key, child in reader.children(parent, node_type.name).items():
            prop = node_type.prop(child.name)
            if prop is not None:
                if prop.name not in seen_props:
                    seen_props.add(prop.name)
                    props.append(prop)
                continue
            rel = node_type.rel(child.name)
            if rel is None:
                continue  # id and __typename are derived from uid and the type
            target = TYPES[rel.target]
            here = f"{path}.{key}"
            selection = RelSelection(
                key=key, rel=rel, target=target,
                projection=build_projection(reader, [child], target, here),
                where=build_filter(target, child.args.get("where"), f"{here}.where"),
                sort=build_sort(target, child.args["sort"], f"{here}.sort") if child.args.get("sort") else (),
                limit=check_limit(child.args.get("first"), f"{here}.first", None),
            )
            rels[key] = _merge_selections(rels[key], selection, here) if key in rels else selection
    return Projection(node_type, tuple(props), tuple(rels.values()))


def _merge_selections(a: RelSelection, b: RelSelection, path: str) -> RelSelection:
    """`nodes { k }` and `edges { node { k } }` share one node object, so one `k` must serve both."""
    if (a.rel, a.where, a.sort, a.limit) != (b.rel, b.where, b.sort, b.limit):
        raise bad_input(path, "selected twice (under nodes and edges) with different fields or arguments; "
                              "give one of them another alias")
    props = a.projection.props + tuple(p for p in b.projection.props if p not in a.projection.props)
    merged = {r.key: r for r in a.projection.rels}
    for r in b.projection.rels:
        merged[r.key] = _merge_selections(merged[r.key], r, f"{path}.{r.key}") if r.key in merged else r
    return RelSelection(a.key, a.rel, a.target, Projection(a.target, props, tuple(merged.values())),
                        a.where, a.sort, a.limit)


def cursor_after(after: str | None, sort: tuple[SortKey, ...]) -> Cursor | None:
    """The position `after` names in `sort`, or None for the first page. The cursor is verified
    (resolvers/ids.py: signed by this API, of this order, plain values), then each value must
    have its sort field's type: a 32-bit integer for Int, a finite number for Float, text for
    String, enums and dates, or null. Raises BAD_USER_INPUT naming `after`."""
    if after is None:
        return None
    values = decode_cursor(after, order_signature(sort), len(sort))
    for key, value in zip(sort, values):
        expected = _VALUE_TYPES.get(key.prop.type, str)
        if value is None:
            continue
        if (not isinstance(value, expected) or isinstance(value, bool) != (expected is bool)
                or (expected is int and not INT_MIN <= value <= INT_MAX)):
            raise bad_input("after", "invalid cursor: its values do not fit the sort fields")
    return Cursor(tuple(values))


def plan_connection(reader: SelectionReader, root: SelectedField, node_type: NodeType) -> tuple[ConnectionQuery, int]:
    """The plan for a root connection field, and the page size asked for."""
    args = root.args
    first = check_limit(args.get("first"), "first", DEFAULT_PAGE_SIZE)
    sort = build_sort(node_type, args.get("sort"))
    after = cursor_after(args.get("after"), sort)
    children = reader.children(root, f"{node_type.name}Connection")
    node_parents = [c for c in children.values() if c.name == "nodes"]
    for edges in (c for c in children.values() if c.name == "edges"):
        node_parents += [c for c in reader.children(edges, f"{node_type.name}Edge").values() if c.name == "node"]
    wants_page = any(c.name in ("nodes", "edges", "pageInfo") for c in children.values())
    projection = build_projection(reader, node_parents, node_type, root.key) if node_parents else None
    if wants_page:  # each node carries its sort values, from which its cursor is made
        projection = projection or Projection(node_type)
        missing = tuple(k.prop for k in sort if k.prop not in projection.props)
        projection = Projection(node_type, projection.props + missing, projection.rels)
    query = ConnectionQuery(
        node_type=node_type,
        where=build_filter(node_type, args.get("where"), "where"),
        sort=sort,
        limit=first + 1 if wants_page else 0,  # one extra row tells whether a next page exists
        after=after,
        projection=projection,
        want_total=any(c.name == "totalCount" for c in children.values()),
    )
    return query, first
