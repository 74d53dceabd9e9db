"""What makes a value valid: one set of rules, shared by mutations, filters and imports.

- `text_problem`: text every entry refuses (GraphQL arguments and variables, import cells,
  X-Actor): NUL, lone surrogates, and the control characters XML 1.0 forbids, which would make
  the GraphML and GEXF exports unreadable.
- `value_problem`: one property's value against its declared type (32-bit `Int`, finite `Float`,
  `Boolean`, the enum's names, `String`), its format (ISO dates) and its bounds (`Prop.minimum`,
  `Prop.maximum` in graph/model.py).
- `record_problems`: rules across a node's properties (`NodeType.orderings`: a demand's
  raisedOn ≤ assignedOn ≤ resolvedOn), checked on the record as it will be stored.

Each returns a reason in plain words (an i18n.Message: the English text, with its msgid and params
to say it in Chinese), or None; callers add the field (mutations: the argument
path; imports: file, line and column).
"""
from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from typing import Any

from graph.model import ENUMS, NodeType, Prop
from i18n import Message

MAX_TEXT = 10_000
INT_MIN, INT_MAX = -(2 ** 31), 2 ** 31 - 1  # GraphQL's Int is a signed 32-bit integer
# Python accepts more ISO forms (20240115, 2024-W03-1); stored dates keep one sortable form.
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
# Characters XML 1.0 does not allow (§2.2), and lone UTF-16 surrogates, which no UTF-8 encoder
# accepts. Tab, line feed and carriage return are allowed.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _char_name(char: str) -> str:
    code = ord(char)
    if code == 0:
        return Message("NUL (U+0000)")
    if 0xD800 <= code <= 0xDFFF:
        return Message("a lone surrogate (U+{code:04X})", code=code)
    return Message("the control character U+{code:04X}", code=code)


def text_problem(value: Any) -> str | None:
    """Why a text (or any text inside a list or dict) cannot be accepted, or None."""
    if isinstance(value, str):
        found = _FORBIDDEN.search(value)
        if found:
            return Message("text must not contain {character}", character=_char_name(found.group()))
        return None
    if isinstance(value, dict):
        value = list(value.keys()) + list(value.values())
    if isinstance(value, (list, tuple)):
        for item in value:
            problem = text_problem(item)
            if problem:
                return problem
    return None


MAX_ACTOR = 200


def actor_problem(actor: str) -> str | None:
    """Why `actor` (the X-Actor header, or an import's --actor) cannot be recorded as who wrote:
    forbidden text, any control character (tabs and line breaks too: the name is one line),
    blank, or longer than MAX_ACTOR once trimmed; else None. The name recorded is trimmed."""
    problem = text_problem(actor)
    if problem:
        return problem
    control = next((c for c in actor if unicodedata.category(c) == "Cc"), None)
    if control is not None:
        return Message("must not contain the control character U+{code:04X}", code=ord(control))
    name = actor.strip()
    if not name:
        return Message("must name who is writing: it must not be blank")
    if len(name) > MAX_ACTOR:
        return Message("must be at most {MAX_ACTOR} characters, got {length}", MAX_ACTOR=MAX_ACTOR,
                       length=len(name))
    return None


def xml_safe(text: str) -> str:
    """`text` without the characters XML 1.0 forbids (for exports of whatever is stored)."""
    return _FORBIDDEN.sub("\ufffd", text)


def type_problem(prop: Prop, value: Any) -> str | None:
    """Why a non-null value is not of the property's GraphQL type, or None."""
    kind = prop.type
    if prop.is_enum:
        if not isinstance(value, str) or value not in ENUMS[kind]:
            return Message("{value!r} is not one of {values}", value=value, values=", ".join(ENUMS[kind]))
    elif kind == "Boolean":
        if not isinstance(value, bool):
            return Message("must be true or false, got {value!r}", value=value)
    elif kind == "Int":
        if isinstance(value, bool) or not isinstance(value, int):
            return Message("must be a whole number, got {value!r}", value=value)
        if not INT_MIN <= value <= INT_MAX:
            return Message("must be a 32-bit integer, between {INT_MIN} and {INT_MAX}, got {value}",
                           INT_MIN=INT_MIN, INT_MAX=INT_MAX, value=value)
    elif kind == "Float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return Message("must be a number, got {value!r}", value=value)
        if not math.isfinite(value):
            return Message("must be a finite number, got {value!r}", value=value)
    elif not isinstance(value, str):
        return Message("must be text, got {value!r}", value=value)
    return None


MAX_LIST = 50  # items in a list-valued property: a resource serves at most the ten categories


def list_problem(prop: Prop, value: Any) -> str | None:
    """Why a list-valued property's value is not a list of distinct values of its type."""
    if not isinstance(value, list):
        return Message("must be a list, got {value!r}", value=value)
    if prop.required and not value:
        return Message("must hold at least one value")
    if len(value) > MAX_LIST:
        return Message("must hold at most {MAX_LIST} values, got {count}", MAX_LIST=MAX_LIST, count=len(value))
    if len(set(map(repr, value))) != len(value):
        return Message("must not hold the same value twice")
    single = Prop(prop.name, prop.type, True, minimum=prop.minimum, maximum=prop.maximum, format=prop.format)
    for i, item in enumerate(value):
        problem = value_problem(single, item)
        if problem is None and isinstance(item, str) and "|" in item:
            problem = Message("must not contain | (it separates a list's items in a CSV cell)")
        if problem:
            return Message("item {i}: {problem}", i=i, problem=problem)
    return None


def value_problem(prop: Prop, value: Any) -> str | None:
    """Why `value` does not fit `prop`, or None when it does."""
    if value is None:
        return Message("is required and cannot be null") if prop.required else None
    if prop.many:
        return list_problem(prop, value)
    problem = type_problem(prop, value) or text_problem(value)
    if problem:
        return problem
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            return Message("is longer than {MAX_TEXT} characters", MAX_TEXT=MAX_TEXT)
        if prop.name in ("uid", "name") and not value.strip():
            return Message("must not be empty")
        if prop.name == "uid" and (len(value) > 200 or any(c.isspace() for c in value)):
            return Message("must be at most 200 characters, without spaces")
        if prop.format == "date" and not (DATE.fullmatch(value) and _parses(dt.date.fromisoformat, value)):
            return Message("must be an ISO date, YYYY-MM-DD, got {value!r}", value=value)
        if prop.format == "datetime" and not (DATETIME.fullmatch(value) and _parses(dt.datetime.fromisoformat, value)):
            return Message("must be an ISO 8601 timestamp, YYYY-MM-DDTHH:MM:SS with Z or an offset, "
                           "got {value!r}", value=value)
    elif not isinstance(value, bool):
        if prop.minimum is not None and value < prop.minimum:
            return Message("must be at least {minimum}, got {value}", minimum=_number(prop.minimum), value=value)
        if prop.maximum is not None and value > prop.maximum:
            return Message("must be at most {maximum}, got {value}", maximum=_number(prop.maximum), value=value)
    return None


def record_problems(node_type: NodeType, record: dict[str, Any],
                    changed: frozenset[str] | set[str] = frozenset()) -> list[tuple[str, str]]:
    """(property, reason) for each rule across properties that `record` (the node's properties
    as they will be stored) breaks; each is reported at the property of the pair that is being
    `changed`, if any, else at the later one. Dates compare as ISO text; timestamps with offsets
    as instants."""
    problems = []
    for names in node_type.orderings:
        present = [(n, record[n]) for n in names if record.get(n) is not None]
        for (earlier, a), (later, b) in zip(present, present[1:]):
            if _instant(a) > _instant(b):
                at = earlier if earlier in changed and later not in changed else later
                problems.append((at, Message("{later} ({b}) must not be before {earlier} ({a})", later=later, b=b,
                                                     earlier=earlier, a=a)))
    return problems


def _instant(value: Any) -> Any:
    if isinstance(value, str) and "T" in value:
        try:
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(dt.timezone.utc).isoformat()
        except ValueError:
            return value
    return value


def _number(bound: float) -> str:
    return str(int(bound)) if float(bound).is_integer() else str(bound)


def _parses(parser, value: str) -> bool:
    try:
        parser(value)
        return True
    except ValueError:
        return False
