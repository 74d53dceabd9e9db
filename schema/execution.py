"""The executor: Strawberry's, except that subtrees the resolvers already shaped
(resolvers.shaping.Shaped) are returned as they are, not completed field by field.

Skipping graphql-core's completion also skips its checks, so a test mode
(`DANGJIAN_CHECK_OUTPUT=1`, on in the test suite) walks every shaped subtree against the
schema's output types: non-null fields, 32-bit Int, finite Float, Boolean, String, enum
names, and every selected key present. A violation is an INTERNAL_SERVER_ERROR naming the
response path, so a test fails where production would have sent a wrong value.
"""
from __future__ import annotations

import math
import os
from typing import Any

from graphql import (
    GraphQLEnumType, GraphQLError, GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLScalarType,
)
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from graph.validation import INT_MAX, INT_MIN
from resolvers.ids import from_global_id
from resolvers.shaping import Shaped

_SCALARS = {
    "Int": lambda v: type(v) is int and INT_MIN <= v <= INT_MAX,
    "Float": lambda v: type(v) in (int, float) and math.isfinite(v),
    "String": lambda v: type(v) is str,
    "ID": lambda v: type(v) is str,
    "Boolean": lambda v: type(v) is bool,
}


class ShapedExecutionContext(StrawberryGraphQLCoreExecutionContext):
    check_output = os.environ.get("DANGJIAN_CHECK_OUTPUT") == "1"

    def complete_value(self, return_type: Any, field_details_list: Any, info: Any, path: Any, result: Any,
                       position_context: Any) -> Any:
        if type(result) is Shaped:
            if self.check_output:
                self._check(return_type, field_details_list, result.value, path.as_list())
            return result.value
        return super().complete_value(return_type, field_details_list, info, path, result, position_context)

    def _check(self, type_: Any, field_details_list: Any, value: Any, path: list) -> None:
        if isinstance(type_, GraphQLNonNull):
            if value is None:
                raise _violation(path, f"null for the non-null type {type_}")
            type_ = type_.of_type
        if value is None:
            return
        if isinstance(type_, GraphQLList):
            if not isinstance(value, list):
                raise _violation(path, f"{value!r} for the list type {type_}")
            for i, item in enumerate(value):
                self._check(type_.of_type, field_details_list, item, [*path, i])
        elif isinstance(type_, GraphQLEnumType):
            if value not in type_.values:
                raise _violation(path, f"{value!r} is not a value of {type_.name}")
        elif isinstance(type_, GraphQLScalarType):
            valid = _SCALARS.get(type_.name)
            if valid is not None and not valid(value):
                raise _violation(path, f"{value!r} is not a valid {type_.name}")
        else:
            object_type = type_ if isinstance(type_, GraphQLObjectType) else self._runtime_type(type_, value)
            if object_type is not None:
                self._check_object(object_type, field_details_list, value, path)

    def _check_object(self, object_type: GraphQLObjectType, field_details_list: Any, value: Any,
                      path: list) -> None:
        if not isinstance(value, dict):
            raise _violation(path, f"{value!r} for the object type {object_type.name}")
        for key, details in self.collect_subfields(object_type, field_details_list).grouped_field_set.items():
            name = details[0].node.name.value
            if key not in value:
                raise _violation([*path, key], "selected but missing from the response")
            if name == "__typename":
                if value[key] != object_type.name:
                    raise _violation([*path, key], f"{value[key]!r} for {object_type.name}")
                continue
            self._check(object_type.fields[name].type, details, value[key], [*path, key])

    def _runtime_type(self, abstract: Any, value: Any) -> GraphQLObjectType | None:
        """The object type of an interface's value: the one whose name the id carries."""
        possible = self.schema.get_possible_types(abstract)
        if isinstance(value, dict) and isinstance(value.get("id"), str):
            name = from_global_id(value["id"])[0]
            return next((t for t in possible if t.name == name), None)
        return possible[0] if len(possible) == 1 else None


def _violation(path: list, reason: str) -> GraphQLError:
    where = ".".join(str(p) for p in path)
    return GraphQLError(f"response does not match the schema at {where}: {reason}",
                        extensions={"code": "INTERNAL_SERVER_ERROR", "field": where})
