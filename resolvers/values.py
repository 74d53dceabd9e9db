"""Value checks as GraphQL errors naming the argument path."""
from __future__ import annotations

from typing import Any

from graph.model import NodeType, Prop
from graph.validation import record_problems, text_problem, value_problem
from resolvers.errors import bad_input


def check_text(value: Any, path: str) -> None:
    problem = text_problem(value)
    if problem:
        raise bad_input(path, problem)


def check_prop_value(prop: Prop, value: Any, path: str) -> None:
    problem = value_problem(prop, value)
    if problem:
        raise bad_input(path, problem)


def check_record(node_type: NodeType, record: dict[str, Any], given: dict[str, Any]) -> None:
    """Rules across a node's properties, on the record as it will be stored; the error names
    the input field the client gave (`input.raisedOn`), or the property a workflow sets."""
    for name, reason in record_problems(node_type, record, set(given)):
        raise bad_input(f"input.{name}" if name in given else name, reason)
