"""GraphQL errors that name the field and the reason, with a machine-readable code.

A reason is a msgid (its English text, with `{placeholders}`) and its params, never a formatted
f-string: `bad_input("to", "{to} is before from ({from_})", to=..., from_=...)`, or an
`i18n.Message` the caller built (graph/validation.py's reasons are). The error's message is the
English text ("to: 2024-01-01 is before from (…)"); the error keeps the msgid and params
(`CodedError.reason`), and the response boundary (schema/schema.py `process_errors`) says it in
the request's Accept-Language, keeping the English in `extensions.messageEn`.
"""
from __future__ import annotations

from typing import Any

from graphql import GraphQLError

from i18n import Message, message


class CodedError(GraphQLError):
    """A GraphQL error of ours: `reason` (an i18n.Message) said after `prefix` ("to: " or "")."""

    def __init__(self, prefix: str, reason: Message, extensions: dict[str, Any]) -> None:
        super().__init__(f"{prefix}{reason}", extensions=extensions)
        self.prefix, self.reason = prefix, reason

    def say(self, lang: str | None) -> str:
        """The message in `lang`: the same field prefix, the reason translated."""
        return f"{self.prefix}{self.reason.say(lang)}"


def coded(error: GraphQLError) -> CodedError | None:
    """The CodedError an error is, or wraps (graphql-core locates a raised error in a new one)."""
    seen = 0
    while error is not None and seen < 5:
        if isinstance(error, CodedError):
            return error
        error, seen = getattr(error, "original_error", None), seen + 1
    return None


def _error(code: str, field: str, reason: str, params: dict[str, object]) -> CodedError:
    return CodedError(f"{field}: ", message(reason, **params), {"code": code, "field": field})


def bad_input(field: str, reason: str, /, **params: object) -> CodedError:
    return _error("BAD_USER_INPUT", field, reason, params)


def not_found(field: str, reason: str, /, **params: object) -> CodedError:
    return _error("NOT_FOUND", field, reason, params)


def conflict(field: str, reason: str, /, **params: object) -> CodedError:
    return _error("CONFLICT", field, reason, params)


def timeout(reason: str, /, **params: object) -> CodedError:
    """Not the client's mistake as such, but theirs to act on: narrow the request."""
    said = Message("{reason}: narrow the filter or ask for a smaller page", reason=message(reason, **params))
    return CodedError("", said, {"code": "TIMEOUT"})


def forbidden(field: str, reason: str, rule: str, /, **params: object) -> CodedError:
    """The grant does not allow this (graph/authorise.py): `rule` names the rule that refused it
    (role, scope:node, scope:target, ...), so a client can tell refusals apart. Writes nothing."""
    return CodedError(f"{field}: ", message(reason, **params), {"code": "FORBIDDEN", "field": field, "rule": rule})
