"""What an operation may cost, estimated before anything runs, and refused above a budget.

The estimate counts the objects an operation can return, from its arguments alone:

    a field with `first` or `limit`     that many (its default when not given: a root
                                        connection's page is 100, neighbourhood's limit 200)
    × `depth` or `maxHops`              for traversals, one expansion per level
    a list inside a page (`nodes`, `edges`, a subgraph's `nodes`)   1: the page counted it
    any other list (a nested relationship without `first`)          NESTED_ESTIMATE
    an object                           1

and cost(field) = multiplier × (1 + the cost of its object sub-fields); scalars are free. So
`members(first: 1000) { nodes { memberOf { name } } }` costs 1000 × (1 + 1 + 10) = 12,000, and
30 aliases of `members(first: 1000) { nodes { memberOf { members { name } } } }` 3,330,000. A page
size past its maximum counts as nothing: the planner refuses it, naming the argument. Fields are collected as execution collects them (each fragment once
per selection set, each field's subtree once), so the estimate takes time linear in the document.

Every response carries `extensions.cost` = {estimated, budget}; above the budget of the
request's role (graph/limits.py MAX_COST_BY_ROLE: `DANGJIAN_MAX_COST_<ROLE>`, admins and the open
grant `DANGJIAN_MAX_COST`, default 500,000) the operation is refused with BAD_USER_INPUT naming the
costliest root field and the budget, before any database call. The same walk sees every `first`
(root or nested, literal or variable): one larger than the role's page (MAX_PAGE_BY_ROLE) is
refused with BAD_USER_INPUT naming its path (`members.nodes.memberOf.first`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import (
    ExecutionResult, FieldNode, FragmentDefinitionNode, FragmentSpreadNode, GraphQLList, GraphQLNonNull,
    InlineFragmentNode, OperationDefinitionNode, Undefined, get_named_type,
    value_from_ast_untyped,
)
from strawberry.extensions import SchemaExtension

from graph.grants import grant_of
from graph.limits import MAX_COST, MAX_COST_BY_ROLE, MAX_PAGE_BY_ROLE
from resolvers.errors import bad_input
from resolvers.network import MAX_DEPTH as MAX_TRAVERSAL_DEPTH, MAX_HOPS, MAX_NODES
from resolvers.plans import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from i18n import Message

NESTED_ESTIMATE = 10
_PAGE_ARGUMENTS = ("first", "limit")
_LEVEL_ARGUMENTS = ("depth", "maxHops")
# Past these the resolvers refuse the argument with a precise error; the estimate must not
# refuse it first with a vaguer one.
_CAPS = {"first": MAX_PAGE_SIZE, "limit": MAX_NODES, "depth": MAX_TRAVERSAL_DEPTH, "maxHops": MAX_HOPS}


def _is_list(type_: Any) -> bool:
    while isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return isinstance(type_, GraphQLList)


class CostOf:
    """Estimates the cost of one operation; see the module docstring for the model."""

    def __init__(self, schema: Any, fragments: dict[str, FragmentDefinitionNode], variables: dict[str, Any]) -> None:
        self.schema, self.fragments, self.variables = schema, fragments, variables or {}
        self._memo: dict[tuple[int, bool], tuple[FieldNode, int]] = {}
        # The largest whole-number `first` of the operation and its path, as given (caps aside).
        self.largest_page: tuple[int, str] | None = None

    def roots(self, operation: OperationDefinitionNode) -> dict[str, int]:
        """Cost by root response key."""
        root_type = self.schema.get_root_type(operation.operation)
        costs: dict[str, int] = {}
        for node, parent in self._fields(root_type, operation.selection_set.selections):
            key = node.alias.value if node.alias else node.name.value
            costs[key] = costs.get(key, 0) + self.field(parent, node, paged=False, path=key)
        return costs

    def _fields(self, parent: Any, selections: Any):
        """The field nodes of one selection set (each named fragment once), with the type each
        is a field of (a fragment's type condition, under an interface such as Node)."""
        visited: set[str] = set()
        pending = [(selections, parent)]
        while pending:
            nodes, owner = pending.pop()
            for selection in nodes:
                if isinstance(selection, FieldNode):
                    yield selection, owner
                elif isinstance(selection, InlineFragmentNode):
                    pending.append((selection.selection_set.selections, self._condition(selection, owner)))
                elif isinstance(selection, FragmentSpreadNode):
                    name = selection.name.value
                    if name not in visited and name in self.fragments:
                        visited.add(name)
                        fragment = self.fragments[name]
                        pending.append((fragment.selection_set.selections, self._condition(fragment, owner)))

    def _condition(self, fragment: Any, owner: Any) -> Any:
        condition = fragment.type_condition
        return self.schema.type_map.get(condition.name.value, owner) if condition is not None else owner

    def _argument(self, node: FieldNode, definition: Any, name: str, path: str = "") -> int | None:
        for argument in node.arguments or ():
            if argument.name.value == name:
                value = value_from_ast_untyped(argument.value, self.variables)
                if not isinstance(value, int) or isinstance(value, bool):
                    return None  # not an Int: coercion refuses it, naming the argument
                if name == "first" and (self.largest_page is None or value > self.largest_page[0]):
                    self.largest_page = (value, f"{path}.first")
                # Out of range: the resolver refuses it with a precise error; count nothing here.
                return value if value <= _CAPS.get(name, value) else 0
        declared = definition.args.get(name)
        default = declared.default_value if declared is not None else Undefined
        return default if isinstance(default, int) and default is not Undefined else None

    def field(self, parent: Any, node: FieldNode, paged: bool, path: str) -> int:
        """The cost of one field; `path` (response keys from the root) names it in refusals."""
        known = self._memo.get((id(node), paged))
        if known is not None:
            return known[1]
        definition = getattr(parent, "fields", {}).get(node.name.value)
        named = get_named_type(definition.type) if definition is not None else None
        if not hasattr(named, "fields"):
            cost = 0  # a scalar, an enum, __typename, or an unknown field (validation refuses it)
        else:
            page = next((v for a in _PAGE_ARGUMENTS if (v := self._argument(node, definition, a, path)) is not None),
                        None)
            if page is not None:
                multiplier, children_paged = max(page, 0), True
            elif named.name.endswith("Connection"):
                multiplier, children_paged = DEFAULT_PAGE_SIZE, True
            elif _is_list(definition.type):
                multiplier, children_paged = (1 if paged else NESTED_ESTIMATE), False
            else:
                multiplier, children_paged = 1, paged and named.name.endswith("Edge")
            for name in _LEVEL_ARGUMENTS:
                levels = self._argument(node, definition, name)
                if levels is not None:
                    multiplier *= max(levels, 1)
            inner = 0
            if node.selection_set is not None:
                for child, owner in self._fields(named, node.selection_set.selections):
                    key = child.alias.value if child.alias else child.name.value
                    inner += self.field(owner, child, children_paged, f"{path}.{key}")
            cost = multiplier * (1 + inner)
        self._memo[(id(node), paged)] = (node, cost)
        return cost


@dataclass(frozen=True)
class Estimate:
    """`costs`: cost by root response key. `largest_page`: the largest `first` as given, and
    its path (`members.first`), or None when no field takes one."""

    costs: dict[str, int]
    largest_page: tuple[int, str] | None = None


def estimate(schema: Any, document: Any, operation_name: str | None, variables: dict[str, Any] | None
             ) -> Estimate:
    """The estimate of the operation that will run (not cached: see `cached`)."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = next((o for o in operations if operation_name and o.name and o.name.value == operation_name),
                  operations[0] if operations else None)
    if chosen is None:
        return Estimate({})
    walk = CostOf(schema, fragments, variables or {})
    return Estimate(walk.roots(chosen), walk.largest_page)


_CACHE: dict[tuple, Estimate] = {}
_CACHE_SIZE = 512


def cached(schema: Any, query: str | None, document: Any, operation_name: str | None,
           variables: dict[str, Any] | None) -> Estimate:
    """`estimate`, remembered by document text, operation and the whole-number variables (the
    only ones the model reads: `first`, `limit`, `depth` and `maxHops` are Int arguments). The
    same documents come again and again, and an attack repeated by many clients must cost the
    server as little as possible."""
    if query is None:
        return estimate(schema, document, operation_name, variables)
    numbers = tuple(sorted((k, v) for k, v in (variables or {}).items() if isinstance(v, int)))
    key = (query, operation_name, numbers)
    found = _CACHE.get(key)
    if found is None:
        found = estimate(schema, document, operation_name, variables)
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))  # the oldest entry
        _CACHE[key] = found
    return found


class CostGuard(SchemaExtension):
    """Estimates each operation's cost before it executes; refuses it above the budget of the
    request's role, or when a `first` asks for more than the role's page (graph/limits.py)."""

    def on_execute(self):
        context = self.execution_context
        self.estimated = None
        if context.graphql_document is not None and context.result is None:
            grant = grant_of(context.context)
            role = grant.role
            if grant.is_open:  # --dev, or no production mode: today's one budget and page maximum
                self.budget, page_limit = MAX_COST, MAX_PAGE_SIZE
                whose, setting = Message("the budget"), "DANGJIAN_MAX_COST"
            else:
                self.budget, page_limit = MAX_COST_BY_ROLE[role], MAX_PAGE_BY_ROLE[role]
                whose, setting = Message("the {role} budget", role=role), f"DANGJIAN_MAX_COST_{role.upper()}"
            found = cached(context.schema._schema, context.query, context.graphql_document,
                           context.operation_name, context.variables)
            costs, self.estimated = found.costs, sum(found.costs.values())
            largest = found.largest_page
            # A page past the planner's own maximum is left to it: it names the argument and the
            # maximum, which holds for every role (a role's page may be set as high, not higher).
            if largest is not None and largest[0] > page_limit and page_limit < MAX_PAGE_SIZE:
                context.result = ExecutionResult(data=None, errors=[bad_input(
                    largest[1], "asks for {rows:,} rows; a {role}'s pages hold at most {page_limit:,} "
                                "(DANGJIAN_MAX_PAGE_{setting}): page with after", rows=largest[0], role=role,
                    page_limit=page_limit, setting=role.upper())])
            elif self.estimated > self.budget:
                worst = max(costs, key=costs.get)
                context.result = ExecutionResult(data=None, errors=[bad_input(
                    worst, "this operation would cost about {estimated:,} objects, over {whose} of {budget:,} "
                           "({setting}); ask for smaller pages (first, limit) or fewer nested lists",
                    estimated=self.estimated, whose=whose, budget=self.budget, setting=setting)])
        yield

    def get_results(self) -> dict[str, Any]:
        if getattr(self, "estimated", None) is None:
            return {}
        return {"cost": {"estimated": self.estimated, "budget": self.budget}}
