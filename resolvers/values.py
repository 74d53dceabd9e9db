"""Checks on property values that GraphQL's types cannot express."""
from __future__ import annotations

import datetime as dt
from typing import Any

from graph.model import Prop
from resolvers.errors import bad_input

MAX_TEXT = 10_000


def check_text(value: Any, path: str) -> None:
    # The FalkorDB client inlines parameters into the query header, where NUL ends the text.
    values = value if isinstance(value, list) else [value]
    for v in values:
        if isinstance(v, str) and "\x00" in v:
            raise bad_input(path, "text must not contain NUL (U+0000) characters")


def check_prop_value(prop: Prop, value: Any, path: str) -> None:
    """Raise a BAD_USER_INPUT error naming `path` unless `value` fits `prop`."""
    if value is None:
        if prop.required:
            raise bad_input(path, "is required and cannot be null")
        return
    check_text(value, path)
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise bad_input(path, f"is longer than {MAX_TEXT} characters")
        if prop.name in ("uid", "name") and not value.strip():
            raise bad_input(path, "must not be empty")
        if prop.name == "uid" and (len(value) > 200 or any(c.isspace() for c in value)):
            raise bad_input(path, "must be at most 200 characters, without spaces")
        if prop.format == "date":
            _parse(dt.date.fromisoformat, value, path, "an ISO date, YYYY-MM-DD")
        elif prop.format == "datetime":
            _parse(dt.datetime.fromisoformat, value, path, "an ISO 8601 timestamp")
    if prop.name == "householdVisitRate" and not 0 <= value <= 1:
        raise bad_input(path, "is a share between 0 and 1")


def _parse(parser, value: str, path: str, expected: str) -> None:
    try:
        parser(value)
    except ValueError:
        raise bad_input(path, f"must be {expected}, got {value!r}") from None


def utc_now() -> tuple[str, str]:
    """The current UTC timestamp and date, as ISO strings."""
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    return now.isoformat().replace("+00:00", "Z"), now.date().isoformat()
