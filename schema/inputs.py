"""Filter and sort inputs shared by every node type."""
from __future__ import annotations

import enum
from typing import Optional

import strawberry

from graph.model import ENUMS


@strawberry.enum(description="Sort order.")
class SortDirection(enum.Enum):
    ASC = "ASC"
    DESC = "DESC"


ENUM_TYPES: dict[str, type[enum.Enum]] = {
    name: strawberry.enum(enum.Enum(name, {value: value for value in values}))
    for name, values in ENUMS.items()
}


@strawberry.input(description="Operators on a String field.")
class StringFilter:
    eq: Optional[str] = strawberry.UNSET
    in_: Optional[list[str]] = strawberry.field(default=strawberry.UNSET, name="in")
    contains: Optional[str] = strawberry.UNSET
    startsWith: Optional[str] = strawberry.UNSET
    endsWith: Optional[str] = strawberry.UNSET
    lt: Optional[str] = strawberry.UNSET
    lte: Optional[str] = strawberry.UNSET
    gt: Optional[str] = strawberry.UNSET
    gte: Optional[str] = strawberry.UNSET
    isNull: Optional[bool] = strawberry.UNSET


@strawberry.input(description="Operators on an Int field.")
class IntFilter:
    eq: Optional[int] = strawberry.UNSET
    in_: Optional[list[int]] = strawberry.field(default=strawberry.UNSET, name="in")
    lt: Optional[int] = strawberry.UNSET
    lte: Optional[int] = strawberry.UNSET
    gt: Optional[int] = strawberry.UNSET
    gte: Optional[int] = strawberry.UNSET
    isNull: Optional[bool] = strawberry.UNSET


@strawberry.input(description="Operators on a Float field.")
class FloatFilter:
    eq: Optional[float] = strawberry.UNSET
    in_: Optional[list[float]] = strawberry.field(default=strawberry.UNSET, name="in")
    lt: Optional[float] = strawberry.UNSET
    lte: Optional[float] = strawberry.UNSET
    gt: Optional[float] = strawberry.UNSET
    gte: Optional[float] = strawberry.UNSET
    isNull: Optional[bool] = strawberry.UNSET


@strawberry.input(description="Operators on a Boolean field.")
class BooleanFilter:
    eq: Optional[bool] = strawberry.UNSET
    isNull: Optional[bool] = strawberry.UNSET


def _enum_filter(enum_name: str) -> type:
    enum_type = ENUM_TYPES[enum_name]
    cls = type(f"{enum_name}Filter", (), {
        "__annotations__": {"eq": Optional[enum_type], "in_": Optional[list[enum_type]], "isNull": Optional[bool]},
        "eq": strawberry.UNSET,
        "in_": strawberry.field(default=strawberry.UNSET, name="in"),
        "isNull": strawberry.UNSET,
    })
    return strawberry.input(cls, description=f"Operators on a {enum_name} field.")


SCALAR_FILTERS: dict[str, type] = {
    "String": StringFilter, "Int": IntFilter, "Float": FloatFilter, "Boolean": BooleanFilter,
    **{name: _enum_filter(name) for name in ENUMS},
}

SCALAR_TYPES: dict[str, type] = {
    "String": str, "Int": int, "Float": float, "Boolean": bool, **ENUM_TYPES,
}
