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


def forbidden(field: str, reason: str, rule: str) -> GraphQLError:
    """The grant does not allow this (graph/authorise.py): `rule` names the rule that refused it
    (role, scope:node, scope:target, ...), so a client can tell refusals apart. Writes nothing."""
    return GraphQLError(f"{field}: {reason}", extensions={"code": "FORBIDDEN", "field": field, "rule": rule})
