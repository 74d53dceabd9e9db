"""GraphQL errors that name the field and the reason."""
from __future__ import annotations

from graphql import GraphQLError


def bad_input(field: str, reason: str) -> GraphQLError:
    return GraphQLError(f"{field}: {reason}", extensions={"code": "BAD_USER_INPUT", "field": field})
