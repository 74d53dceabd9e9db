"""An operation's shape — depth, expanded field count, aliases — in time linear in its size.

Fields are collected level by level as execution collects them (the spec's CollectFields):
within one selection set each fragment is spread once, however often it is named, and a
field's own subtree is measured once (memoised per field node), so `F1 { ...F0 ...F0 } …
F30` costs 31 steps, not 2^30. Strawberry's depth and alias limiters re-expand a fragment at
every spread (F16: 0.4 s of validation, F30: never finished), which froze the event loop
(issue 10); this rule replaces both.

    MAX_DEPTH    fields nested deeper than this (introspection `__…` fields not counted)
    MAX_ALIASES  aliased fields, as execution collects them
    MAX_FIELDS   fields after fragments are expanded, as execution collects them (DANGJIAN_MAX_FIELDS)
    MAX_REPEATS  fields under one response name in one selection set
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode, FragmentDefinitionNode, FragmentSpreadNode, GraphQLError, InlineFragmentNode, OperationDefinitionNode,
    ValidationRule,
)
from graphql.validation.validate import ValidationAbortedError

from graph.limits import MAX_FIELDS

MAX_DEPTH = 10
MAX_ALIASES = 30
# The same response name repeated in one selection set is merged by execution, but checked
# pairwise by OverlappingFieldsCanBeMergedRule: 100 repeats took 53 ms, 250 took 0.58 s.
MAX_REPEATS = 50


@dataclass(frozen=True)
class Shape:
    depth: int = 0  # 0 for a leaf; 1 + the deepest child for a field with a selection
    fields: int = 0
    aliases: int = 0
    repeats: int = 0  # the most fields under one response name in one selection set


class TooDeep(Exception):
    """Raised as soon as a field lies deeper than the limit: nothing below it is measured."""


class ShapeOf:
    """Measures selection sets of one document; each field node's subtree is measured once."""

    def __init__(self, fragments: dict[str, FragmentDefinitionNode], max_depth: int = MAX_DEPTH) -> None:
        self.fragments = fragments
        self.max_depth = max_depth
        self._fields: dict[int, tuple[FieldNode, Shape]] = {}

    def level(self, selections: Any, depth_so_far: int = 0) -> Shape:
        """The fields of one selection set, through inline fragments and each named fragment once."""
        depth = fields = aliases = repeats = 0
        names: dict[str, int] = {}
        visited: set[str] = set()
        pending = [selections]
        while pending:
            for selection in pending.pop():
                if isinstance(selection, FieldNode):
                    shape = self.field(selection, depth_so_far)
                    key = (selection.alias or selection.name).value
                    names[key] = names.get(key, 0) + 1
                    depth, fields, aliases = max(depth, shape.depth), fields + shape.fields, aliases + shape.aliases
                    repeats = max(repeats, names[key], shape.repeats)
                elif isinstance(selection, InlineFragmentNode):
                    pending.append(selection.selection_set.selections)
                elif isinstance(selection, FragmentSpreadNode):
                    name = selection.name.value
                    if name not in visited and name in self.fragments:
                        visited.add(name)
                        pending.append(self.fragments[name].selection_set.selections)
        return Shape(depth, fields, aliases, repeats)

    def field(self, node: FieldNode, depth_so_far: int) -> Shape:
        if depth_so_far > self.max_depth:
            raise TooDeep
        known = self._fields.get(id(node))
        if known is not None:
            return known[1]
        alias = 1 if node.alias is not None else 0
        if node.name.value.startswith("__") or node.selection_set is None:
            shape = Shape(0, 1, alias)  # introspection is not counted in depth, as in Strawberry
        else:
            inner = self.level(node.selection_set.selections, depth_so_far + 1)
            shape = Shape(inner.depth + 1, inner.fields + 1, inner.aliases + alias, inner.repeats)
        self._fields[id(node)] = (node, shape)  # the node is kept so its id() stays unique
        return shape


class OperationShapeRule(ValidationRule):
    """Refuses operations deeper than MAX_DEPTH, with more than MAX_ALIASES aliases, more than
    MAX_FIELDS fields once fragments are expanded, or more than MAX_REPEATS fields under one
    response name in a selection set; the messages name the limit. It runs first (on the
    document, before any selection set is visited) and, on a violation, stops validation there:
    graphql-core's OverlappingFieldsCanBeMergedRule is quadratic in repeated fields
    (`{ towns { totalCount } }` 1,200 times, within the token limit, took 1.8 s)."""

    def enter_document(self, node: Any, *_: Any) -> None:
        fragments = {d.name.value: d for d in node.definitions if isinstance(d, FragmentDefinitionNode)}
        measure = ShapeOf(fragments)
        aliases, problems = 0, []
        for operation in (d for d in node.definitions if isinstance(d, OperationDefinitionNode)):
            name = operation.name.value if operation.name else "anonymous"
            try:
                shape = measure.level(operation.selection_set.selections)
            except TooDeep:
                problems.append(f"'{name}' exceeds maximum operation depth of {MAX_DEPTH}")
                continue
            if shape.depth > MAX_DEPTH:
                problems.append(f"'{name}' exceeds maximum operation depth of {MAX_DEPTH}")
            if shape.fields > MAX_FIELDS:
                problems.append(f"'{name}' selects {shape.fields} fields once fragments are expanded; at most "
                                f"{MAX_FIELDS} are allowed (DANGJIAN_MAX_FIELDS)")
            if shape.repeats > MAX_REPEATS:
                problems.append(f"'{name}' selects one response name {shape.repeats} times in a selection set; "
                                f"at most {MAX_REPEATS} are allowed")
            aliases += shape.aliases
        if aliases > MAX_ALIASES:
            problems.append(f"{aliases} aliases found. Allowed: {MAX_ALIASES}")
        if problems:
            for problem in problems[:-1]:
                self.report_error(GraphQLError(problem))
            raise ValidationAbortedError(problems[-1])  # nothing else needs to run
