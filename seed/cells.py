"""What an imported value stands for, by the property's type, before graph/validation.py
checks it as it checks a mutation's argument.

- A CSV cell is always text, so numbers and Booleans are parsed here, as strictly as GraphQL
  reads a literal: Python's int() also takes "١٢" (Arabic-Indic digits), "1_000" and " 12 ",
  and float() takes "nan" and "inf", none of which a GraphQL Int or Float admits.
- A JSON value is coerced as GraphQL coerces a variable: 5.0 is the Int 5, and the Int 5 given
  for a Float is stored as 5.0 (so a Float property never holds an integer); nothing else.
"""
from __future__ import annotations

import math
import re
from typing import Any

from i18n import Message
from graph.model import Prop

INT = re.compile(r"[+-]?[0-9]+")
FLOAT = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")
BOOLEANS = {"true": True, "false": False}
LONGEST_NUMBER = 100  # digits; int() refuses past 4,300, and no count needs more than ten


LIST_SEPARATOR = "|"  # a list-valued cell: TRANSPORT|HEALTH (export writes it so)


def parse_cell(prop: Prop, text: str) -> tuple[Any, str | None]:
    """(value, None), or (None, the reason the text is no value of the property's type). A
    list-valued property's cell holds its items separated by `|`."""
    if prop.many:
        return _each(prop, [item.strip() for item in text.split(LIST_SEPARATOR)], parse_cell)
    if prop.type == "Int":
        if not INT.fullmatch(text):
            return None, Message("must be a whole number written with the digits 0-9, got {text!r}", text=text)
        if len(text) > LONGEST_NUMBER:
            return None, Message("must be a 32-bit integer, got a number of {digits} digits",
                                 digits=len(text.lstrip('+-')))
        return int(text), None
    if prop.type == "Float":
        if not FLOAT.fullmatch(text):
            return None, Message("must be a decimal number such as 1200 or 0.85, got {text!r}", text=text)
        value = float(text)
        if not math.isfinite(value):
            return None, Message("must be a finite number, got {text!r}", text=text)
        return value, None
    if prop.type == "Boolean":
        # Excel writes TRUE and FALSE; GraphQL's true and false are the same words.
        if text.lower() not in BOOLEANS:
            return None, Message("must be true or false, got {text!r}", text=text)
        return BOOLEANS[text.lower()], None
    return text, None  # text and enum names are checked as they are


def json_value(prop: Prop, value: Any) -> tuple[Any, str | None]:
    """(value, None), or (None, the reason) for a JSON value, coerced as a GraphQL variable."""
    if prop.many:  # GraphQL coerces one value given for a list to a list of that value
        return _each(prop, value if isinstance(value, list) else [value], json_value)
    if isinstance(value, bool):
        return value, None  # true is no number, even though Python's bool is an int
    if prop.type == "Int" and isinstance(value, float) and value.is_integer():
        return int(value), None
    if prop.type == "Float" and isinstance(value, int):
        try:
            return float(value), None
        except OverflowError:
            return None, Message("must be a finite number, got {value}", value=value)
    return value, None


def _each(prop: Prop, items: list[Any], parse) -> tuple[Any, str | None]:
    """Each item of a list-valued property, parsed as a value of the single property."""
    single = Prop(prop.name, prop.type, True)
    values = []
    for i, item in enumerate(items):
        value, problem = parse(single, item)
        if problem:
            return None, Message("item {i}: {problem}", i=i, problem=problem)
        values.append(value)
    return values, None
