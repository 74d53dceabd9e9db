"""GraphQL errors that name the field and the reason, with a machine-readable code."""
from __future__ import annotations

from graphql import GraphQLError


def _error(code: str, field: str, reason: str) -> GraphQLError:
    return GraphQLError(f"{field}: {reason}", extensions={"code": code, "field": field})


def bad_input(field: str, reason: str) -> GraphQLError:
    return _error("BAD_USER_INPUT", field, reason)


def not_found(field: str, reason: str) -> GraphQLError:
    return _error("NOT_FOUND", field, reason)


def conflict(field: str, reason: str) -> GraphQLError:
    return _error("CONFLICT", field, reason)


def timeout(reason: str) -> GraphQLError:
    """Not the client's mistake as such, but theirs to act on: narrow the request."""
    return GraphQLError(f"{reason}: narrow the filter or ask for a smaller page",
                        extensions={"code": "TIMEOUT"})
