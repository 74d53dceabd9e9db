"""Filter and sort inputs shared by every node type."""
from __future__ import annotations

import enum
from typing import Any, Optional

import strawberry

from graph.model import ENUMS, NODE_TYPES, PYTHON_TYPES, Prop
from schema.labels import enum_value_description


@strawberry.enum(description="Sort order.")
class SortDirection(enum.Enum):
    ASC = "ASC"
    DESC = "DESC"


ENUM_TYPES: dict[str, type[enum.Enum]] = {
    name: strawberry.enum(
        enum.Enum(name, {value: strawberry.enum_value(value, description=enum_value_description(name, value))
                         for value in values}),
        description=f"{name}: each value's description is its label, 简体中文 · English (schema/labels.py); "
                    "statistics groups have label(lang:).")
    for name, values in ENUMS.items()
}


_DOCS = {
    "eq": "Equal. null: the field is absent (as isNull: true).",
    "in_": "Equal to one of these; [] matches nothing.",
    "contains": "Contains this text (case-sensitive).",
    "startsWith": "Starts with this text.",
    "endsWith": "Ends with this text.",
    "lt": "Less than.", "lte": "Less than or equal.", "gt": "Greater than.", "gte": "Greater than or equal.",
    "isNull": "true: the field is absent; false: present.",
    "includes": "The list holds this value.",
    "includesAny": "The list holds at least one of these; [] matches nothing.",
    "includesAll": "The list holds every one of these; [] matches every node where the list is present.",
}
_NULL_NOTE = " An absent field makes every operator but isNull false; null is refused except in eq (docs/filters.md)."


def _documented(cls: type) -> type:
    """Each operator's meaning, null included, in the schema's descriptions."""
    for name in cls.__annotations__:
        graphql_name = "in" if name == "in_" else None
        setattr(cls, name, strawberry.field(default=strawberry.UNSET, name=graphql_name, description=_DOCS[name]))
    return cls


@strawberry.input(description="Operators on a String field." + _NULL_NOTE)
@_documented
class StringFilter:
    eq: Optional[str]
    in_: Optional[list[str]]
    contains: Optional[str]
    startsWith: Optional[str]
    endsWith: Optional[str]
    lt: Optional[str]
    lte: Optional[str]
    gt: Optional[str]
    gte: Optional[str]
    isNull: Optional[bool]


@strawberry.input(description="Operators on an Int field." + _NULL_NOTE)
@_documented
class IntFilter:
    eq: Optional[int]
    in_: Optional[list[int]]
    lt: Optional[int]
    lte: Optional[int]
    gt: Optional[int]
    gte: Optional[int]
    isNull: Optional[bool]


@strawberry.input(description="Operators on a Float field." + _NULL_NOTE)
@_documented
class FloatFilter:
    eq: Optional[float]
    in_: Optional[list[float]]
    lt: Optional[float]
    lte: Optional[float]
    gt: Optional[float]
    gte: Optional[float]
    isNull: Optional[bool]


@strawberry.input(description="Operators on a Boolean field." + _NULL_NOTE)
@_documented
class BooleanFilter:
    eq: Optional[bool]
    isNull: Optional[bool]


def _enum_filter(enum_name: str) -> type:
    enum_type = ENUM_TYPES[enum_name]
    cls = type(f"{enum_name}Filter", (), {
        "__annotations__": {"eq": Optional[enum_type], "in_": Optional[list[enum_type]], "isNull": Optional[bool]},
    })
    return strawberry.input(_documented(cls), description=f"Operators on a {enum_name} field." + _NULL_NOTE)


def _list_filter(type_name: str) -> type:
    item = ENUM_TYPES.get(type_name) or PYTHON_TYPES[type_name]
    cls = type(f"{type_name}ListFilter", (), {"__annotations__": {
        "includes": Optional[item], "includesAny": Optional[list[item]], "includesAll": Optional[list[item]],
        "isNull": Optional[bool],
    }})
    return strawberry.input(_documented(cls), description=f"Operators on a list of {type_name} values." + _NULL_NOTE)


SCALAR_FILTERS: dict[str, type] = {
    "String": StringFilter, "Int": IntFilter, "Float": FloatFilter, "Boolean": BooleanFilter,
    **{name: _enum_filter(name) for name in ENUMS},
}

SCALAR_TYPES: dict[str, type] = {
    **PYTHON_TYPES, **ENUM_TYPES,
}
# Only the types some list-valued property has, so the schema holds no unused inputs.
LIST_FILTERS: dict[str, type] = {
    name: _list_filter(name) for name in sorted({p.type for t in NODE_TYPES for p in t.props if p.many})
}


def filter_input(prop: Prop) -> type:
    """The `where` operators of a property."""
    return LIST_FILTERS[prop.type] if prop.many else SCALAR_FILTERS[prop.type]


def value_type(prop: Prop) -> Any:
    """The GraphQL type of a property's value (without nullability): [T!] for a list."""
    return list[SCALAR_TYPES[prop.type]] if prop.many else SCALAR_TYPES[prop.type]
