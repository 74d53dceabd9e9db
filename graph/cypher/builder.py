"""The Cypher builder: expressions (patterns, predicates, parameters, projections) that the
renderers in this package put together into one parameterised statement.

Only the portable subset that Neo4j 5 and FalkorDB share is written: importing
`CALL { WITH x ... }` subqueries, map projections, pattern predicates and
`count(CASE ...)`. Labels, relationship types and property names come from the
model; every value becomes a parameter. What differs by engine (range comparisons on text)
is asked of the dialect the builder is given (graph/dialects/).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from graph.model import AUDIT_ENTRY, NODE_TYPES, NodeType, Prop, Rel
from graph.plan import (
    And, Compare, Cursor, Filter, Mask, Not, Or, Projection, ReachesTown, RelFilter, RelSelection, SortKey,
)

if TYPE_CHECKING:
    from graph.dialects.base import Dialect

_COMPARISON = {"eq": "=", "lt": "<", "lte": "<=", "gt": ">", "gte": ">=", "in": "IN",
               "contains": "CONTAINS", "startsWith": "STARTS WITH", "endsWith": "ENDS WITH"}


def quote(identifier: str) -> str:
    """Backtick-quote an identifier from the model or a GraphQL response key."""
    return "`" + identifier.replace("`", "``") + "`"


RANGE_OPERATORS = ("lt", "lte", "gt", "gte")
AUDIT_LABEL = quote(AUDIT_ENTRY.label)


def prop_ref(var: str, prop: Prop) -> str:
    return f"{var}.{quote(prop.name)}"


def node(var: str, node_type: NodeType | None = None, props: str = "") -> str:
    """A node pattern: `(var:Label {props})`; `props` is rendered `key: value` text."""
    label = f":{quote(node_type.label)}" if node_type is not None else ""
    return f"({var}{label}{' {' + props + '}' if props else ''})"


def edge(rel: Rel, var: str = "") -> tuple[str, str]:
    """The two halves of a relationship pattern seen from the field's own node."""
    text = f"[{var}:{quote(rel.type)}]"
    return ("-" + text, "->") if rel.direction == "OUT" else ("<-" + text, "-")


def rel_pattern(source: str, rel: Rel, target_var: str, target: NodeType) -> str:
    left, right = edge(rel)
    return f"({source}){left}{right}{node(target_var, target)}"


class CypherBuilder:
    """Collects parameters and fresh variable names while one statement is rendered.

    `dialect` (graph/dialects/) makes the engine's choices; None renders the portable base."""

    def __init__(self, dialect: "Dialect | None" = None) -> None:
        self.params: dict[str, Any] = {}
        self._count = 0
        self.dialect = dialect

    def range_ref(self, var: str, prop: Prop) -> str:
        """`var.prop` as the left side of <, <=, >, >=, as the dialect compares it."""
        ref = prop_ref(var, prop)
        return self.dialect.range_ref(ref, prop) if self.dialect is not None else ref

    def param(self, value: Any) -> str:
        name = f"p{len(self.params)}"
        # Plans hold tuples where they must be hashable (graph/authorise.py's town lists).
        self.params[name] = list(value) if isinstance(value, tuple) else value
        return "$" + name

    def var(self, prefix: str) -> str:
        self._count += 1
        return f"{prefix}{self._count}"

    # -- filters -----------------------------------------------------------------

    def predicate(self, var: str, where: Filter | None, calls: list[str], in_value: bool = False) -> str:
        """A two-valued boolean expression on `var`; relationship counts it needs go into `calls`.

        `in_value` marks an expression used as a value (inside CASE) rather than in WHERE:
        FalkorDB reads a bare pattern there as a list, not a test. Filters come normalised
        (graph/filters.py), so NOT wraps a single test; under it, a comparison with an absent
        property must be false, not null (NOT null is null: the node would be dropped, not kept).
        """
        if where is None:
            return "true"
        if isinstance(where, Compare):
            return self._compare(var, where, in_value)
        if isinstance(where, (And, Or)):
            if not where.parts:  # the empty AND matches everything, the empty OR nothing
                return "true" if isinstance(where, And) else "false"
            joiner = " AND " if isinstance(where, And) else " OR "
            return "(" + joiner.join(self.predicate(var, part, calls, in_value) for part in where.parts) + ")"
        if isinstance(where, Not):
            if isinstance(where.part, Compare):
                return f"(NOT {self._compare(var, where.part, in_value, negated=True)})"
            return f"(NOT {self.predicate(var, where.part, calls, in_value)})"
        if isinstance(where, RelFilter):
            return self._rel_filter(var, where, calls, in_value)
        if isinstance(where, ReachesTown):
            return self._reaches_town(var, where, calls, in_value)
        raise TypeError(f"unknown filter {where!r}")

    def _reaches_town(self, var: str, rt: ReachesTown, calls: list[str], in_value: bool) -> str:
        """One variable-length pattern along the relationships that lead to a town: a pattern
        per town in WHERE (FalkorDB refuses pattern comprehensions there), a comprehension as a
        value, and a count in a subquery for "a town other than these"."""
        path = f"-[:{'|'.join(quote(t) for t in rt.rel_types)}*1..{rt.depth}]->"
        if rt.outside:
            town, found = self.var("t"), self.var("elsewhere")
            calls.append(f"CALL {{ WITH {var} MATCH ({var}){path}({town}:`Town`) WHERE NOT {town}.uid IN "
                         f"{self.param(list(rt.towns or ()))} RETURN count({town}) AS {found} }}")
            return f"{found} > 0"
        if in_value:
            town = self.var("t")
            among = f" WHERE {town}.uid IN {self.param(list(rt.towns))}" if rt.towns is not None else ""
            return f"size([({var}){path}({town}:`Town`){among} | 1]) > 0"
        if rt.towns is None:
            return f"({var}){path}(:`Town`)"
        return "(" + " OR ".join(f"({var}){path}(:`Town` {{uid: {self.param(t)}}})" for t in rt.towns) + ")"

    def _node_pattern(self, var: str, node_type: NodeType, equalities: list[Compare]) -> str:
        props = ", ".join(f"{quote(c.prop.name)}: {self.param(c.value)}" for c in equalities)
        return f"({var}:{quote(node_type.label)}{' {' + props + '}' if props else ''})"

    def _path_pattern(self, var: str, rf: RelFilter, bound: tuple[int, str] | None = None) -> str:
        """The chain as a pattern from `var`; `bound` names the step already matched as an anchor."""
        pattern = f"({var})"
        for i, (rel, target, equalities) in enumerate(path_steps(rf)):
            node = f"({bound[1]})" if bound and bound[0] == i else self._node_pattern("", target, equalities)
            pattern += (f"-[:{quote(rel.type)}]->" if rel.direction == "OUT" else f"<-[:{quote(rel.type)}]-") + node
        return pattern

    def _compare(self, var: str, cmp: Compare, in_value: bool, negated: bool = False) -> str:
        prop, op, value = cmp.prop, cmp.op, cmp.value
        if prop.pattern is not None:  # a computed Boolean: does the pattern match?
            if op == "isNull":
                return "false" if value else "true"
            test = computed_value(var, prop) if in_value else prop.pattern.format(n=var)
            return test if bool(value) else f"(NOT {test})"
        ref = prop_ref(var, prop)
        if op == "isNull":
            return f"{ref} IS NULL" if value else f"{ref} IS NOT NULL"
        if prop.many:  # under NOT, and for includesAll (all over [] is true), an absent list is false
            x = self.var("x")
            test = (f"{self.param(value)} IN {ref}" if op == "includes" else
                    f"{'any' if op == 'includesAny' else 'all'}({x} IN {self.param(value)} WHERE {x} IN {ref})")
            return f"({ref} IS NOT NULL AND {test})" if negated or op == "includesAll" else test
        if op in RANGE_OPERATORS:
            ref = self.range_ref(var, prop)
        test = f"{ref} {_COMPARISON[op]} {self.param(value)}"
        if negated and not prop.required:  # absent: false, so that NOT makes it true
            return f"({prop_ref(var, prop)} IS NOT NULL AND {test})"
        return test

    def _rel_filter(self, var: str, rf: RelFilter, calls: list[str], in_value: bool = False) -> str:
        if path_steps(rf) is not None:
            # An existence test along one path with equality tests only: a pattern, which the
            # engine answers as it matches instead of counting in a subquery (bench: contract
            # 03 0.64 → 0.2 ms in FalkorDB).
            pattern = self._path_pattern(var, rf)
            test = f"size([{pattern} | 1]) > 0" if in_value else pattern
            return test if rf.quantifier == "some" else f"(NOT {test})"
        related = self.var("r")
        inner_calls: list[str] = []
        inner = self.predicate(related, rf.where, inner_calls, in_value=True)
        total, matched = self.var("total"), self.var("matched")
        calls.append(
            f"CALL {{ WITH {var} MATCH {rel_pattern(var, rf.rel, related, rf.target)} "
            + "".join(c + " " for c in inner_calls)
            + f"RETURN count({related}) AS {total}, count(CASE WHEN {inner} THEN 1 END) AS {matched} }}"
        )
        return {
            "some": f"{matched} > 0",
            "none": f"{matched} = 0",
            "single": f"{matched} = 1",
            "all": f"{matched} = {total}",
        }[rf.quantifier]

    def filtered_match(self, var: str, node_type: NodeType, where: Filter | None,
                       extra: str | None = None, carry: tuple[str, ...] = ()) -> list[str]:
        """MATCH nodes of a type that pass `where` (and the extra predicate, if any)."""
        plain, related = _split_plain(where)
        # `some` along a path of equality tests, and computed Booleans that must be true,
        # join the MATCH itself: FalkorDB traverses from the most selective end instead of
        # scanning the label and testing each node (city scale: contract 02 17 s → 0.1 s).
        # A bare `(this:Label)` pattern would force that scan, so the label rides on a path.
        chains = [p for p in plain if isinstance(p, RelFilter) and p.quantifier == "some"]
        required = [p for p in plain if isinstance(p, Compare) and p.prop.pattern is not None
                    and p.op == "eq" and p.value is True]
        plain = [p for p in plain if p not in chains and p not in required]
        anchors = self.dialect is not None and self.dialect.anchors_on_identifying_nodes
        lines, bound = self._anchor(var, plain, chains, carry) if anchors else ([], {})
        paths = [self._path_pattern(var, c, bound.get(i)) for i, c in enumerate(chains)]
        paths += [c.prop.pattern.format(n=var) for c in required]
        labelled = f"({var}:{quote(node_type.label)})"
        patterns = [paths[0].replace(f"({var})", labelled, 1), *paths[1:]] if paths else [labelled]
        lines.append("MATCH " + ", ".join(patterns))
        calls: list[str] = []
        if plain:
            lines.append("WHERE " + self.predicate(var, And(tuple(plain)), calls))
        if required or any(rel.many for c in chains for rel, _, _ in path_steps(c)):
            lines.append(f"WITH DISTINCT {', '.join((*carry, var))}")
        tests = [self.predicate(var, part, calls) for part in related]
        if extra:
            tests.append(extra)
        if tests:
            lines.extend(calls)
            lines.append(f"WITH {', '.join((*carry, var))} WHERE " + " AND ".join(tests))
        return lines

    def _anchor(self, var: str, plain: list[Filter], chains: list[RelFilter],
                carry: tuple[str, ...]) -> tuple[list[str], dict[int, tuple[int, str]]]:
        """Match first the chain node that an identifying equality picks out, when the root has
        none as selective: FalkorDB otherwise starts from any indexed equality, enum ones
        included (city scale: 1,964 villages walked to find Nanzhuang's 18; 7 → 0.3 ms)."""
        root = _selectivity([p for p in plain if isinstance(p, Compare)])
        steps = [(_selectivity(eqs), ci, si, target, eqs)
                 for ci, chain in enumerate(chains) for si, (_, target, eqs) in enumerate(path_steps(chain))]
        best = max(steps, key=lambda step: step[0], default=None)
        if best is None or best[0] <= root:
            return [], {}
        _, chain_index, step_index, target, equalities = best
        anchor = self.var("a")
        lines = [f"MATCH {self._node_pattern(anchor, target, equalities)}", f"WITH {', '.join((*carry, anchor))}"]
        return lines, {chain_index: (step_index, anchor)}

    # -- projections ---------------------------------------------------------------

    def projection(self, var: str, projection: Projection, calls: list[str],
                   done: dict[str, str] | None = None) -> str:
        """`var` as a list of values in `projection.columns` order; relationship fields become
        CALLs (into `calls`) unless `done` names the variable that already holds them."""
        values = [f"{var}.uid"]
        for prop in projection.value_props:
            value = computed_value(var, prop) if prop.pattern is not None else prop_ref(var, prop)
            mask = projection.mask(prop) if projection.masks else None
            values.append(self.masked(var, value, mask, calls) if mask is not None else value)
        for selection in projection.rels:
            values.append((done or {}).get(selection.key) or self._rel_selection(var, selection, calls))
        return f"[{', '.join(values)}]"

    def masked(self, var: str, value: str, mask: Mask, calls: list[str]) -> str:
        """A personal property's value as the grant sees it (graph/authorise.py): the first
        character and two stars, or null; the stored value where `mask.unless` holds."""
        shown = "null" if mask.how == "hidden" else \
            f"CASE WHEN {value} IS NULL THEN null ELSE substring({value}, 0, 1) + {self.param('**')} END"
        if mask.unless is None:
            return shown
        return f"CASE WHEN {self.predicate(var, mask.unless, calls, in_value=True)} THEN {value} ELSE {shown} END"

    def batched_selections(self, var: str, projection: Projection, order: str) -> tuple[list[str], dict[str, str]]:
        """A page's plain relationship fields (no filter, order or limit) for all its rows at
        once, when the dialect batches them: OPTIONAL MATCH, then collect per row. FalkorDB runs
        a CALL once per row, a traversal per row (bench, 100 zones' organisations at city scale:
        2.6 → 0.8 ms). Aggregating loses the page's order, so `order` (an ORDER BY clause)
        restores it. Without batching, every field is a CALL (`projection`)."""
        lines: list[str] = []
        done: dict[str, str] = {}
        if self.dialect is None or not self.dialect.batches_relationship_fields:
            return lines, done
        for sel in projection.rels:
            if sel.where is not None or sel.sort or sel.limit is not None:
                continue
            related, result = self.var("n"), self.var("f")
            nested: list[str] = []
            # A null node's values are nulls, not null: collect() would keep them.
            mapped = f"CASE WHEN {related} IS NULL THEN null ELSE {self.projection(related, sel.projection, nested)} END"
            collected = _collected(sel, mapped)
            carried = ", ".join([var, *done.values()])
            lines += [f"OPTIONAL MATCH {rel_pattern(var, sel.rel, related, sel.target)}",
                      # The default order of every list: ascending uid, as at the root.
                      f"WITH {carried}, {related}" + self.order_by(related, DEFAULT_ORDER[sel.target.name]),
                      *nested,
                      f"WITH {carried}, {collected} AS {result}"]
            done[sel.key] = result
        if done:
            lines.append(f"WITH {', '.join([var, *done.values()])}{order}")
        return lines, done

    def _rel_selection(self, var: str, sel: RelSelection, calls: list[str]) -> str:
        related, result = self.var("n"), self.var("f")
        lines = [f"CALL {{ WITH {var}", f"MATCH {rel_pattern(var, sel.rel, related, sel.target)}"]
        plain, with_rels = _split_plain(sel.where)
        filter_calls: list[str] = []
        if plain:
            lines.append("WHERE " + self.predicate(related, And(tuple(plain)), filter_calls))
        if with_rels:
            tests = [self.predicate(related, part, filter_calls) for part in with_rels]
            lines += filter_calls + [f"WITH {related} WHERE " + " AND ".join(tests)]
        # Without a sort of its own, a list comes in ascending uid order, as at the root.
        lines.append(f"WITH {related}" + self.order_by(related, sel.sort or DEFAULT_ORDER[sel.target.name]))
        if sel.limit is not None:
            lines.append(f"LIMIT {self.param(sel.limit)}")
        nested: list[str] = []
        mapped = self.projection(related, sel.projection, nested)
        lines += nested
        collected = _collected(sel, mapped)
        lines.append(f"RETURN {collected} AS {result} }}")
        calls.append(" ".join(lines))
        return result

    @staticmethod
    def order_by(var: str, sort: tuple[SortKey, ...]) -> str:
        if not sort:
            return ""
        keys = ", ".join(f"{var}.{quote(k.prop.name)}{' DESC' if k.descending else ''}" for k in sort)
        return f" ORDER BY {keys}"

    # -- keyset pagination ---------------------------------------------------------

    def after(self, var: str, sort: tuple[SortKey, ...], cursor: Cursor) -> str:
        """Rows strictly after the cursor, in the order ORDER BY gives (nulls last ascending)."""

        def after_from(i: int) -> str:
            key, value = sort[i], cursor.values[i]
            ref = prop_ref(var, key.prop)
            ranged = self.range_ref(var, key.prop)
            last = i == len(sort) - 1
            rest = "false" if last else after_from(i + 1)
            if value is None:
                if key.descending:  # nulls come first descending
                    return f"({ref} IS NOT NULL OR ({ref} IS NULL AND {rest}))"
                return f"({ref} IS NULL AND {rest})"
            p = self.param(value)
            beyond = f"{ranged} < {p}" if key.descending else f"{ranged} > {p}"
            if not key.descending and not key.prop.required:
                beyond += f" OR {ref} IS NULL"
            if last:
                return f"({beyond})"
            return f"({beyond} OR ({ref} = {p} AND {rest}))"

        return after_from(0)


DEFAULT_ORDER = {t.name: (SortKey(t.prop("uid")),) for t in NODE_TYPES}


def _collected(sel: RelSelection, mapped: str) -> str:
    """A relationship field's values: a list, or the one node (or null) of a single field."""
    return f"collect({mapped})" if sel.rel.many else f"head(collect({mapped}))"


def computed_value(var: str, prop: Prop) -> str:
    """A computed Boolean as a value: a pattern comprehension, valid outside WHERE."""
    return f"size([{prop.pattern.format(n=var)} | 1]) > 0"


def path_steps(rf: RelFilter) -> list[tuple[Rel, NodeType, list[Compare]]] | None:
    """A `some`/`none` filter as a chain of hops, each with equality tests on stored
    properties and at most one further `some` hop; None when it is not such a chain."""
    if rf.quantifier not in ("some", "none"):
        return None
    steps: list[tuple[Rel, NodeType, list[Compare]]] = []
    current: RelFilter | None = rf
    while current is not None:
        parts = [] if current.where is None else (
            list(current.where.parts) if isinstance(current.where, And) else [current.where])
        equalities = [p for p in parts if isinstance(p, Compare) and p.op == "eq" and p.prop.pattern is None
                      and not isinstance(p.value, (list, dict))]
        hops = [p for p in parts if isinstance(p, RelFilter) and p.quantifier == "some"]
        if len(equalities) + len(hops) != len(parts) or len(hops) > 1:
            return None
        steps.append((current.rel, current.target, equalities))
        current = hops[0] if hops else None
    return steps


def _selectivity(compares: list) -> int:
    """How few nodes the equalities pick out (graph/model.Prop.identifying)."""
    return max((c.prop.identifying for c in compares if c.op == "eq" and c.prop.pattern is None), default=0)


def _split_plain(where: Filter | None) -> tuple[list[Filter], list[Filter]]:
    """Split top-level AND parts into tests that fit in WHERE and tests that need subqueries."""
    if where is None:
        return [], []
    parts = list(where.parts) if isinstance(where, And) else [where]
    plain = [p for p in parts if not _needs_subquery(p)]
    return plain, [p for p in parts if _needs_subquery(p)]


def _needs_subquery(where: Filter) -> bool:
    if isinstance(where, RelFilter):
        return path_steps(where) is None
    if isinstance(where, ReachesTown):
        return where.outside
    if isinstance(where, (And, Or)):
        return any(_needs_subquery(p) for p in where.parts)
    if isinstance(where, Not):
        return _needs_subquery(where.part)
    return False
