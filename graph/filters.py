"""Filter trees in their simplest equivalent form, and their size.

The planner builds a tree that mirrors the `where` input; this module folds it before it is
rendered, so that the Cypher is no larger than the logic it expresses:

- `NOT` is pushed down to the tests (`NOT (p OR q)` is `NOT p AND NOT q`; `NOT NOT p` is `p`);
  a single-part `AND`/`OR` is its part; nested `AND`s (and `OR`s) merge.
- The empty `AND` is true (`MATCH_ALL`), the empty `OR` is false (`MATCH_NONE`); constants
  fold (`p AND false` is false, `NOT true` is false), and a quantifier over a constant becomes
  a plain existence test.

FalkorDB parses nested `NOT (… OR NOT (…))` in time exponential in its depth (issue 10: depth
10 took 19.5 s in GRAPH.EXPLAIN; `NOT {OR: [NOT {OR: …}]}` 7 deep, 0.48 s), so no NOT may wrap
another connective.
"""
from __future__ import annotations

from graph.plan import And, Compare, Filter, Not, Or, ReachesTown, RelFilter

MATCH_ALL: Filter = And(())  # true: every node
MATCH_NONE: Filter = Or(())  # false: no node


def normalise(where: Filter) -> Filter:
    """An equivalent, flat filter; MATCH_ALL or MATCH_NONE when it is a constant."""
    if isinstance(where, Not):
        return _negate(normalise(where.part))
    if isinstance(where, (And, Or)):
        kind = type(where)
        absorbing = MATCH_NONE if kind is And else MATCH_ALL  # false in AND, true in OR
        parts: list[Filter] = []
        for part in (normalise(p) for p in where.parts):
            if part == absorbing:
                return absorbing
            if isinstance(part, kind):  # flatten, dropping the neutral element (empty parts)
                parts.extend(p for p in part.parts if p not in parts)
            elif part not in parts:
                parts.append(part)
        return parts[0] if len(parts) == 1 else kind(tuple(parts))
    if isinstance(where, RelFilter):
        return _quantifier(where)
    return where


def _negate(where: Filter) -> Filter:
    """NOT of a normalised filter, pushed down to the tests (De Morgan): `NOT` never wraps an
    AND or OR, so no `NOT (… NOT (…))` reaches the engine (negation normal form)."""
    if where == MATCH_ALL:
        return MATCH_NONE
    if where == MATCH_NONE:
        return MATCH_ALL
    if isinstance(where, Not):
        return where.part
    if isinstance(where, And):
        return normalise(Or(tuple(_negate(p) for p in where.parts)))
    if isinstance(where, Or):
        return normalise(And(tuple(_negate(p) for p in where.parts)))
    return Not(where)


def _quantifier(rf: RelFilter) -> Filter:
    inner = None if rf.where is None else normalise(rf.where)
    if inner == MATCH_ALL:
        inner = None  # any related node
    if inner == MATCH_NONE:  # no related node can match
        if rf.quantifier in ("some", "single"):
            return MATCH_NONE
        if rf.quantifier == "none":
            return MATCH_ALL
        return RelFilter(rf.rel, rf.target, "none", None)  # all: true only with no related node
    if inner is None and rf.quantifier == "all":
        return MATCH_ALL
    return RelFilter(rf.rel, rf.target, rf.quantifier, inner)


def size(where: Filter | None) -> int:
    """How many tests (comparisons and relationship filters) the filter holds."""
    if where is None:
        return 0
    if isinstance(where, (Compare, ReachesTown)):
        return 1
    if isinstance(where, Not):
        return size(where.part)
    if isinstance(where, RelFilter):
        return 1 + size(where.where)
    return sum(size(p) for p in where.parts)
