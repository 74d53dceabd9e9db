"""Text no argument may carry, refused before anything runs.

Every argument of the operation (inline literals and variables alike, in fields, nested
fields and fragments) is read once, linearly in the document's size, and checked with
graph/validation.py's `text_problem`: NUL, lone surrogates and the control characters XML 1.0
forbids. Such text would reach the engine (which a NUL cuts short), the JSON encoder (which
refuses a lone surrogate with a raw codec message) or an export (which would not be
well-formed XML). The error is BAD_USER_INPUT naming the argument path, e.g. `where.name.eq`.
"""
from __future__ import annotations

import functools
from typing import Any, Iterator

from graphql import ExecutionResult, FieldNode, GraphQLError, value_from_ast_untyped, visit, Visitor
from strawberry.extensions import SchemaExtension

from graph.validation import text_problem
from resolvers.errors import bad_input


def _problems(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        problem = text_problem(value)
        if problem:
            yield path, problem
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _problems(key, path)
            yield from _problems(item, f"{path}.{key}")
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _problems(item, f"{path}[{i}]")


class _Arguments(Visitor):
    def __init__(self, variables: dict[str, Any]) -> None:
        super().__init__()
        self.variables = variables
        self.found: list[GraphQLError] = []

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        for argument in node.arguments or ():
            value = value_from_ast_untyped(argument.value, self.variables)
            for path, problem in _problems(value, argument.name.value):
                self.found.append(bad_input(path, problem))
                return


def text_errors(document: Any, variables: dict[str, Any] | None) -> list[GraphQLError]:
    """The first forbidden text in the arguments (named by argument path, variables read in
    place), else in any variable (`$name`), as a BAD_USER_INPUT error."""
    arguments = _Arguments(variables or {})
    visit(document, arguments)
    if arguments.found:
        return arguments.found[:1]
    for name, value in (variables or {}).items():
        for path, problem in _problems(value, name):
            return [bad_input(f"${path}", problem)]
    return []


class _Keyed:
    """A document, hashed by its text, for the cache below."""

    __slots__ = ("query", "document")

    def __init__(self, query: str, document: Any) -> None:
        self.query, self.document = query, document

    def __hash__(self) -> int:
        return hash(self.query)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Keyed) and other.query == self.query


@functools.lru_cache(maxsize=512)
def _literals_clean(key: _Keyed) -> bool:
    """Do the document's own literals hold no forbidden text? Once per document text: clients
    send the same documents again and again (the walk was ~0.05 ms of each request)."""
    return not text_errors(key.document, {})


class TextGuard(SchemaExtension):
    """Refuses the operation, before it executes, when any argument holds forbidden text."""

    def on_execute(self):
        context = self.execution_context
        document, variables = context.graphql_document, context.variables
        if document is not None:
            clean = _literals_clean(_Keyed(context.query, document)) if context.query else False
            if not clean or (variables and text_problem(variables)):
                errors = text_errors(document, variables)  # find the argument path
                if errors:
                    context.result = ExecutionResult(data=None, errors=errors)
        yield
