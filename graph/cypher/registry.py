"""Which renderer turns which plan into Cypher: each renderer module registers its plans."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graph.plan import CompiledQuery

RENDERERS: dict[type, Callable[..., CompiledQuery]] = {}


def renders(plan_type: type) -> Callable:
    """Register the decorated `function(plan, dialect) -> CompiledQuery` for `plan_type`."""

    def register(function: Callable[..., CompiledQuery]) -> Callable[..., CompiledQuery]:
        RENDERERS[plan_type] = function
        return function

    return register


def render(plan: Any, dialect: Any) -> CompiledQuery:
    """The statement for a plan in `dialect`; a CompiledQuery (hand-written, as tests and the
    backends' own housekeeping use) is passed through unchanged. Raises TypeError for an object
    that is no known plan."""
    if isinstance(plan, CompiledQuery):
        return plan
    renderer = RENDERERS.get(type(plan))
    if renderer is None:
        raise TypeError(f"no Cypher renderer for {type(plan).__name__}")
    return renderer(plan, dialect)
