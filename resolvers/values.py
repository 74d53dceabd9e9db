"""Value checks as GraphQL errors naming the argument path."""
from __future__ import annotations

from typing import Any

from graph.model import Prop
from graph.validation import text_problem, value_problem
from resolvers.errors import bad_input


def check_text(value: Any, path: str) -> None:
    problem = text_problem(value)
    if problem:
        raise bad_input(path, problem)


def check_prop_value(prop: Prop, value: Any, path: str) -> None:
    problem = value_problem(prop, value)
    if problem:
        raise bad_input(path, problem)
