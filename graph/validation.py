"""What makes a property value valid, beyond its type: shared by mutations and imports."""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

from graph.model import Prop

MAX_TEXT = 10_000
# Python accepts more ISO forms (20240115, 2024-W03-1); stored dates keep one sortable form.
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")


def text_problem(value: Any) -> str | None:
    # The FalkorDB client inlines parameters into the query header, where NUL ends the text.
    values = value if isinstance(value, list) else [value]
    if any(isinstance(v, str) and "\x00" in v for v in values):
        return "text must not contain NUL (U+0000) characters"
    return None


def value_problem(prop: Prop, value: Any) -> str | None:
    """Why `value` does not fit `prop`, or None when it does."""
    if value is None:
        return "is required and cannot be null" if prop.required else None
    problem = text_problem(value)
    if problem:
        return problem
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            return f"is longer than {MAX_TEXT} characters"
        if prop.name in ("uid", "name") and not value.strip():
            return "must not be empty"
        if prop.name == "uid" and (len(value) > 200 or any(c.isspace() for c in value)):
            return "must be at most 200 characters, without spaces"
        if prop.format == "date" and not (DATE.fullmatch(value) and _parses(dt.date.fromisoformat, value)):
            return f"must be an ISO date, YYYY-MM-DD, got {value!r}"
        if prop.format == "datetime" and not (DATETIME.fullmatch(value) and _parses(dt.datetime.fromisoformat, value)):
            return f"must be an ISO 8601 timestamp, YYYY-MM-DDTHH:MM:SS with Z or an offset, got {value!r}"
    if prop.name == "householdVisitRate" and not 0 <= value <= 1:
        return "is a share between 0 and 1"
    return None


def _parses(parser, value: str) -> bool:
    try:
        parser(value)
        return True
    except ValueError:
        return False
