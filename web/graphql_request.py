"""Reading a GraphQL-over-HTTP request: the POST body or the GET query string, checked.

Two kinds of refusal, as the GraphQL-over-HTTP spec and the graphql-http audits distinguish them:

- `Refused` with a status: the HTTP request itself cannot be used (a body that is not UTF-8, not
  JSON or not an object; a Content-Type other than application/json; a wrong method). 4xx always.
- `Refused` without one: a request error in a readable request (a missing or mistyped `query`,
  `variables`, `operationName` or `extensions`; text no UTF-8 encoder accepts). Answered like
  the GraphQL request errors: 400 under application/graphql-response+json, 200 under
  application/json.
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, NoReturn

from cross_web import parse_content_type
from strawberry.http import GraphQLRequestData

BAD_REQUEST = "BAD_REQUEST"
BAD_USER_INPUT = "BAD_USER_INPUT"
# What JSON can hold and no UTF-8 encoder can write: a "\ud800" escape without its pair
# (json.loads joins proper pairs into one character).
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class Refused(Exception):
    """A request answered with one error and no `data`.

    `status` None: a request error, whose status follows the response media type.
    `headers`: sent with the answer (405 gives `Allow`)."""

    def __init__(self, message: str, status: int | None = None, code: str = BAD_REQUEST,
                 field: str | None = None, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.message, self.status, self.code, self.field = message, status, code, field
        self.headers = dict(headers or {})

    def error(self) -> dict[str, Any]:
        extensions: dict[str, Any] = {"code": self.code}
        if self.field:
            extensions["field"] = self.field
        return {"message": self.message, "extensions": extensions}


def request_data(method: str, content_type: str | None, body: bytes,
                 query_params: Mapping[str, str]) -> GraphQLRequestData:
    """The request's `query`, `variables`, `operationName` and `extensions`, checked.

    GET reads the query string (`variables` and `extensions` as JSON text); POST needs
    Content-Type application/json (any case; charset, if given, utf-8) and a UTF-8 JSON object.
    Raises Refused."""
    if method == "GET":
        params: dict[str, Any] = dict(query_params)
        for name in ("variables", "extensions"):
            if isinstance(params.get(name), str):
                params[name] = _json_parameter(f"`{name}`", params[name])
    else:
        _check_content_type(content_type)
        params = _json_body(body)
    return _checked(params)


def _check_content_type(content_type: str | None) -> None:
    media_type, parameters = parse_content_type(content_type or "")
    if media_type != "application/json":
        shown = f"got {media_type!r}" if media_type else "none was given"
        raise Refused(f"Content-Type must be application/json; {shown}", status=415)
    charset = parameters.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise Refused(f"the body must be UTF-8, got charset={charset}", status=415)


def _json_body(body: bytes) -> dict[str, Any]:
    # Decoded here, strictly: json.loads(bytes) would also guess UTF-16 and UTF-32.
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Refused(f"the body is not valid UTF-8 (byte {error.start})", status=400) from None
    if text.startswith("\ufeff"):
        text = text[1:]  # a byte order mark: allowed before JSON text (RFC 8259 §8.1)
    value = _loads(text, "the body")
    if not isinstance(value, dict):
        raise Refused(f"the body must be a JSON object with a query, got {_kind(value)}", status=400)
    return value


def _json_parameter(name: str, text: str) -> Any:
    try:
        return _loads(text, name)
    except Refused as refused:  # a parameter, not the body: a request error
        raise Refused(refused.message) from None


def _refuse_constant(name: str) -> NoReturn:
    raise ValueError(name)


def _loads(text: str, what: str) -> Any:
    try:
        return json.loads(text, parse_constant=_refuse_constant)  # NaN and Infinity are not JSON
    except json.JSONDecodeError as error:
        raise Refused(f"{what} is not valid JSON (line {error.lineno}, column {error.colno})", status=400) from None
    except RecursionError:
        raise Refused(f"{what} is nested too deeply", status=400) from None
    except ValueError:  # NaN, Infinity, or an integer past Python's digit limit
        raise Refused(f"{what} is not valid JSON (NaN, Infinity or an over-long number)", status=400) from None


def _checked(params: dict[str, Any]) -> GraphQLRequestData:
    query, variables = params.get("query"), params.get("variables")
    operation_name, extensions = params.get("operationName"), params.get("extensions")
    if query is None or query == "":
        raise Refused("the request has no query: send the GraphQL document as `query`")
    if not isinstance(query, str):
        raise Refused(f"`query` must be a string, got {_kind(query)}")
    if not isinstance(operation_name, (str, type(None))):
        raise Refused(f"`operationName` must be a string or null, got {_kind(operation_name)}")
    for name, value in (("variables", variables), ("extensions", extensions)):
        if not isinstance(value, (dict, type(None))):
            raise Refused(f"`{name}` must be an object or null, got {_kind(value)}")
    for name, text in (("query", query), ("operationName", operation_name or "")):
        if _LONE_SURROGATE.search(text):
            raise Refused(f"`{name}` contains {_surrogate(text)}, which is not text")
    for name, value in (variables or {}).items():
        if _LONE_SURROGATE.search(name):
            raise Refused(f"a variable's name contains {_surrogate(name)}, which is not text")
        found = _surrogate_in(value)
        if found:
            raise Refused(f"${name}: text must not contain {found}", code=BAD_USER_INPUT, field=f"${name}")
    return GraphQLRequestData(query=query, variables=variables, operation_name=operation_name or None,
                              extensions=extensions)


def _surrogate(text: str) -> str:
    return f"a lone surrogate (U+{ord(_LONE_SURROGATE.search(text).group()):04X})"


def _surrogate_in(value: Any) -> str | None:
    """The first lone surrogate in a JSON value's strings (object keys too), named. A loop, not
    recursion: the value may be nested as deep as json.loads allows."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if _LONE_SURROGATE.search(item):
                return _surrogate(item)
        elif isinstance(item, dict):
            pending += [*item.keys(), *item.values()]
        elif isinstance(item, list):
            pending += item
    return None


def _kind(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number")
