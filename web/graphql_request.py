"""Reading a GraphQL-over-HTTP request: the POST body or the GET query string, checked.

Three kinds of refusal, as the GraphQL-over-HTTP spec and the graphql-http audits distinguish them:

- `Refused` with a status: the HTTP request itself cannot be used (a body that is not UTF-8, not
  JSON or not an object; a Content-Type other than application/json; a wrong method). 4xx always.
- `Refused` without one: a request error in a readable request (a missing or mistyped `query`,
  `variables`, `operationName` or `extensions`; text no UTF-8 encoder accepts). Answered like
  the GraphQL request errors: 400 under application/graphql-response+json, 200 under
  application/json.
- A limit (graph/limits.py) passed, checked before anything it bounds is read or parsed, the
  message naming the limit and its setting: the body or a GET's query string is a 413 (the body
  is not read past the limit); the others are request errors as above: the document's length
  (BAD_REQUEST) or tokens (GRAPHQL_PARSE_FAILED), a variable's nesting or any string's length
  (BAD_USER_INPUT naming `$variable`, its path, or the argument path of a literal).
"""
from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, NoReturn

from cross_web import parse_content_type
from graphql import (
    BREAK, ArgumentNode, GraphQLSyntaxError, ListValueNode, ObjectFieldNode, VariableDefinitionNode,
    Visitor, parse, visit,
)
from strawberry.http import GraphQLRequestData

from graph import limits

BAD_REQUEST = "BAD_REQUEST"
BAD_USER_INPUT = "BAD_USER_INPUT"
PARSE_FAILED = "GRAPHQL_PARSE_FAILED"  # as the schema codes the parser's own refusals
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"  # as the schema codes a literal of the wrong value
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


Receive = Callable[[], Awaitable[dict[str, Any]]]


def check_request_size(method: str, content_length: str | None, query_string: bytes) -> None:
    """Refuse (413) what announces more than MAX_BODY_BYTES before a byte of it is read: a POST
    by its Content-Length, a GET by its query string (which plays the body's part)."""
    limit = limits.MAX_BODY_BYTES
    if method == "GET" and len(query_string) > limit:
        raise Refused(f"the query string is {len(query_string):,} bytes; at most {limit:,} are allowed "
                      "(DANGJIAN_MAX_BODY_BYTES): send large requests by POST", status=413)
    if method != "GET" and content_length and content_length.isdigit() and int(content_length) > limit:
        raise Refused(f"the body is {int(content_length):,} bytes; at most {limit:,} are allowed "
                      "(DANGJIAN_MAX_BODY_BYTES)", status=413)


def limited_receive(receive: Receive) -> Receive:
    """`receive` for a body of at most MAX_BODY_BYTES: refuses (413) at the chunk that crosses the
    limit, so a body sent without Content-Length (chunked) is never held past the limit plus one
    chunk. (Starlette's RequestBodyLimitMiddleware answers in plain text, not a GraphQL error.)"""
    received = 0

    async def receive_within_limit() -> dict[str, Any]:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limits.MAX_BODY_BYTES:
                raise Refused(f"the body is larger than {limits.MAX_BODY_BYTES:,} bytes, the limit "
                              "(DANGJIAN_MAX_BODY_BYTES)", status=413)
        return message

    return receive_within_limit


def request_data(method: str, content_type: str | None, body: bytes, query_params: Mapping[str, str],
                 prepare: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> GraphQLRequestData:
    """The request's `query`, `variables`, `operationName` and `extensions`, checked.

    GET reads the query string (`variables` and `extensions` as JSON text); POST needs
    Content-Type application/json (any case; charset, if given, utf-8) and a UTF-8 JSON object.
    `prepare`, if given, then sees the parameters first (persisted queries: web/persisted.py).
    Then the limits: the document's length and tokens, each variable's nesting, every string's
    length (variables, their names, and literals in the document). Raises Refused."""
    if method == "GET":
        params: dict[str, Any] = dict(query_params)
        for name in ("variables", "extensions"):
            if isinstance(params.get(name), str):
                params[name] = _json_parameter(f"`{name}`", params[name])
    else:
        _check_content_type(content_type)
        params = _json_body(body)
    return _checked(prepare(params) if prepare is not None else params)


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


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999: json.loads would give infinity without a word
        raise ValueError(text)
    return value


def _loads(text: str, what: str) -> Any:
    try:
        return json.loads(text, parse_constant=_refuse_constant, parse_float=_finite)  # NaN and Infinity are not JSON
    except json.JSONDecodeError as error:
        raise Refused(f"{what} is not valid JSON (line {error.lineno}, column {error.colno})", status=400) from None
    except RecursionError:
        raise Refused(f"{what} is nested too deeply", status=400) from None
    except ValueError:  # NaN, Infinity, a number past a double's range, an integer past Python's digit limit
        raise Refused(f"{what} is not valid JSON (NaN, Infinity, or a number out of range)", status=400) from None


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
    if len(query) > limits.MAX_QUERY_LENGTH:
        raise Refused(f"`query` is {len(query):,} characters long; at most {limits.MAX_QUERY_LENGTH:,} are "
                      "allowed (DANGJIAN_MAX_QUERY_LENGTH)")
    for name, text in (("query", query), ("operationName", operation_name or "")):
        if _LONE_SURROGATE.search(text):
            raise Refused(f"`{name}` contains {_surrogate(text)}, which is not text")
    if len(operation_name or "") > limits.MAX_STRING_LENGTH:
        raise Refused(f"`operationName` is {_too_long(operation_name)}")
    for name in variables or {}:
        if _LONE_SURROGATE.search(name):
            raise Refused(f"a variable's name contains {_surrogate(name)}, which is not text")
        if len(name) > limits.MAX_STRING_LENGTH:
            raise Refused(f"a variable's name is {_too_long(name)}")
    refusal = _variables_refusal(variables or {})
    if refusal is None:
        refusal = _document_refusal(query)
    if refusal is not None:
        raise refusal
    return GraphQLRequestData(query=query, variables=variables, operation_name=operation_name or None,
                              extensions=extensions)


def _too_long(text: str) -> str:
    return (f"{len(text):,} characters long; at most {limits.MAX_STRING_LENGTH:,} are allowed "
            "(DANGJIAN_MAX_STRING_LENGTH)")


def _surrogate(text: str) -> str:
    return f"a lone surrogate (U+{ord(_LONE_SURROGATE.search(text).group()):04X})"


def _variables_refusal(variables: dict[str, Any]) -> Refused | None:
    """The first problem in the variables' values (object keys too), as a refusal naming the
    variable: a lone surrogate (a request error, as ever), nesting past MAX_VARIABLE_DEPTH, or
    a string past MAX_STRING_LENGTH (with its path, `$w.name.eq`). A loop, not recursion: the
    value may be nested as deep as json.loads allows, and graphql-core's coercion and the text
    guard recurse."""
    # Entries are (value, depth, parent entry, key): the path is only spelled out for a refusal.
    pending: list[tuple[Any, int, Any, Any]] = [(value, 1, None, name) for name, value in variables.items()]
    while pending:
        entry = pending.pop()
        value, depth = entry[0], entry[1]
        if isinstance(value, str):
            problem = _string_refusal(value, entry)
            if problem:
                return problem
        elif isinstance(value, (dict, list)):
            if depth > limits.MAX_VARIABLE_DEPTH:
                root = _root(entry)
                return Refused(f"{root}: nests arrays and objects more than {limits.MAX_VARIABLE_DEPTH} levels deep "
                               "(DANGJIAN_MAX_VARIABLE_DEPTH)", code=BAD_USER_INPUT, field=root)
            if isinstance(value, dict):
                for key, item in value.items():
                    problem = _string_refusal(key, entry)
                    if problem:
                        return problem
                    pending.append((item, depth + 1, entry, key))
            else:
                pending += [(item, depth + 1, entry, index) for index, item in enumerate(value)]
    return None


def _string_refusal(text: str, entry: tuple) -> Refused | None:
    if _LONE_SURROGATE.search(text):
        root = _root(entry)
        return Refused(f"{root}: text must not contain {_surrogate(text)}", code=BAD_USER_INPUT, field=root)
    if len(text) > limits.MAX_STRING_LENGTH:
        path = _path(entry)
        return Refused(f"{path}: is {_too_long(text)}", code=BAD_USER_INPUT, field=path)
    return None


def _root(entry: tuple) -> str:
    while entry[2] is not None:
        entry = entry[2]
    return f"${entry[3]}"


def _path(entry: tuple) -> str:
    keys = []
    while entry[2] is not None:
        keys.append(f"[{entry[3]}]" if isinstance(entry[3], int) else f".{entry[3]}")
        entry = entry[2]
    return f"${entry[3]}" + "".join(reversed(keys))


class _LongString(Visitor):
    """Finds the argument path of the first string literal that starts at one of `starts`
    (offset → the length of the literal it stands for)."""

    def __init__(self, starts: dict[int, int]) -> None:
        super().__init__()
        self.starts = starts
        self.found: tuple[str | None, int] | None = None

    def enter_string_value(self, node: Any, key: Any, parent: Any, path: Any, ancestors: Any) -> Any:
        if node.loc.start not in self.starts:
            return None
        # path[i] is the key under chain[i]: a list's index follows its ListValueNode's "values".
        chain, parts = [*ancestors, parent], []
        for i, item in enumerate(chain):
            if isinstance(item, VariableDefinitionNode):
                parts = [f"${item.variable.name.value}"]
            elif isinstance(item, ArgumentNode):
                parts = [item.name.value]
            elif isinstance(item, ObjectFieldNode):
                parts.append(f".{item.name.value}")
            elif isinstance(item, ListValueNode):
                parts.append(f"[{path[i + 1]}]")
        self.found = ("".join(parts) or None, self.starts[node.loc.start])
        return BREAK


# GraphQL's lexical tokens (spec §2.1), matched by `re` in C: counting them this way costs ~1 ms
# where graphql-core's parser takes ~50 ms for 5,000 tokens. Whitespace and commas are skipped
# between matches; comments are matched so that their text is not counted, as the parser skips them.
# Strings match possessively and to the end of their line (or, for a block string, of the
# document) even when unterminated, so no text is scanned twice: the parser refuses those anyway.
_TOKENS = re.compile(r"""
    (?P<comment>(?:\#[^\n\r]*[\s,]*)+)
  | (?P<string>\"\"\"(?:[^"\\]++|\\\"\"\"|\\|"(?!""))*+(?:\"\"\")?|"(?:[^"\\\n\r]++|\\.)*+"?)
  | [_A-Za-z][_0-9A-Za-z]* | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?) | \.\.\. | [!$&()\[\]{}:=@|]
""", re.VERBOSE)


@functools.lru_cache(maxsize=512)
def _document_refusal(query: str) -> Refused | None:
    """The document past MAX_TOKENS, with a number no double holds (1e999), or with a string
    literal longer than MAX_STRING_LENGTH as written (quotes aside; escapes count as written), as
    a refusal; else None (a document that does not parse is the schema's to report, as ever:
    GRAPHQL_PARSE_FAILED). A scan, not a parse: a literal too long is named by its argument path
    (`where.name.eq`) by parsing the document with `""` in its place, so no parser ever reads
    the long text. Cached by text: clients send the same documents again and again."""
    tokens, long_literals = 0, []
    for match in _TOKENS.finditer(query):
        kind = match.lastgroup
        if kind == "comment":
            continue
        tokens += 1
        if tokens > limits.MAX_TOKENS:
            return Refused(f"the document has more than {limits.MAX_TOKENS:,} tokens, the limit (DANGJIAN_MAX_TOKENS)",
                           code=PARSE_FAILED)
        if kind == "number" and not math.isfinite(float(match.group())):
            # graphql-core 3.3.2 reads a Float literal such as 1e999 as infinity, unchecked.
            return Refused(f"the number {_shown(match.group())} is out of range: a Float must be finite",
                           code=VALIDATION_FAILED)
        if kind == "string":
            length = match.end() - match.start() - (6 if query.startswith('"""', match.start()) else 2)
            if length > limits.MAX_STRING_LENGTH:
                long_literals.append((match, length))
    if not long_literals:
        return None
    pieces, starts, offset, written = [], {}, 0, 0
    for match, length in long_literals:
        pieces += [query[written:match.start()], '""']
        offset += match.start() - written
        starts[offset] = length
        offset += 2
        written = match.end()
    pieces.append(query[written:])
    finder = _LongString(starts)
    try:
        visit(parse("".join(pieces), max_tokens=limits.MAX_TOKENS), finder)
    except GraphQLSyntaxError:
        pass
    path, length = finder.found or (None, long_literals[0][1])
    where = f"{path}: is" if path else "`query` holds a string"
    return Refused(f"{where} {length:,} characters long; at most {limits.MAX_STRING_LENGTH:,} are allowed "
                   "(DANGJIAN_MAX_STRING_LENGTH)", code=BAD_USER_INPUT if path else BAD_REQUEST, field=path)


def _shown(number: str) -> str:
    return number if len(number) <= 40 else f"{number[:20]}…{number[-10:]} ({len(number):,} characters)"


def _kind(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number")
