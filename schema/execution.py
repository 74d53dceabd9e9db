"""The executor: Strawberry's, except that subtrees the resolvers already shaped
(resolvers.shaping.Shaped) are returned as they are, not completed field by field."""
from __future__ import annotations

from typing import Any

from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from resolvers.shaping import Shaped


class ShapedExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def complete_value(self, return_type: Any, field_details_list: Any, info: Any, path: Any, result: Any,
                       position_context: Any) -> Any:
        if type(result) is Shaped:
            return result.value
        return super().complete_value(return_type, field_details_list, info, path, result, position_context)
