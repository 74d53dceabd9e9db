"""Who is writing: the actor recorded in every audit entry. An authenticated grant's name (a
token's, an API key's: web/auth.py); only with the open grant (--dev, no production mode), the
X-Actor request header."""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote_to_bytes

from graph.grants import grant_of
from graph.validation import actor_problem
from resolvers.errors import bad_input
from i18n import Message

DEFAULT_ACTOR = "anonymous"
HEADER = "X-Actor"
# RFC 8187 ext-value: charset'language'value-chars, value-chars being attr-chars and %XX escapes.
# Read as one when the charset is one of ours, or the language is empty (the usual `X''…`);
# a name such as O'Brien's stays a name.
_EXT_VALUE_START = re.compile(r"([A-Za-z0-9!#$%&+^_`{}~-]+)'([A-Za-z0-9-]*)'")
_VALUE_CHARS = re.compile(r"(?:%[0-9A-Fa-f]{2}|[A-Za-z0-9!#$&+.^_`|~-])*")
# RFC 8187 §3.2.1: recipients support these two charsets.
_CHARSETS = {"utf-8": "utf-8", "iso-8859-1": "iso-8859-1"}
_ENCODE_HINT = Message("send it as UTF-8, or percent-encoded as UTF-8''%E6%9D%8E (RFC 8187)")


def actor_of(context: Any) -> str:
    """The name a write is recorded under.

    With any grant but the open one: the grant's name, X-Actor ignored entirely (a client cannot
    write under another name, and a malformed header refuses nothing). With the open grant: the
    X-Actor header decoded, or "anonymous" without one; then raises BAD_USER_INPUT (field
    "X-Actor") for a value that is not UTF-8 (raw header bytes, or an RFC 8187 `UTF-8''…` value),
    is blank, is longer than 200 characters, holds control characters or lone surrogates, or comes
    in more than one header."""
    grant = grant_of(context)
    if not grant.is_open:
        return grant.name or DEFAULT_ACTOR
    request = context.get("request") if isinstance(context, dict) else None
    values = request.headers.getlist("x-actor") if request is not None else []
    if not values:
        return DEFAULT_ACTOR
    if len(values) > 1:
        raise bad_input(HEADER, "give one actor, got {count} X-Actor headers", count=len(values))
    return decode_actor(values[0])


def decode_actor(raw: str) -> str:
    """A header value as Starlette gives it (each byte as one Latin-1 character) → the name."""
    raw = raw.strip(" \t")
    start = _EXT_VALUE_START.match(raw)
    charset = _CHARSETS.get(start.group(1).lower()) if start else None
    if start and (charset or not start.group(2)):
        if charset is None:
            raise bad_input(HEADER, "the charset must be UTF-8, got {charset!r}: {hint}", charset=start.group(1),
                            hint=_ENCODE_HINT)
        encoded = raw[start.end():]
        if not _VALUE_CHARS.fullmatch(encoded):
            raise bad_input(HEADER, "not a valid RFC 8187 value: {hint}", hint=_ENCODE_HINT)
        data = unquote_to_bytes(encoded)
    else:
        charset, data = "utf-8", raw.encode("latin-1")  # back to the bytes as sent
    try:
        name = data.decode(charset)
    except UnicodeDecodeError as error:
        raise bad_input(HEADER, "not valid UTF-8 (byte {byte}): {hint}", byte=error.start,
                        hint=_ENCODE_HINT) from None
    problem = actor_problem(name)  # the same rules as an import's --actor
    if problem:
        if name.strip():
            raise bad_input(HEADER, problem)
        raise bad_input(HEADER, "{problem} (leave the header out to write as anonymous)", problem=problem)
    return name.strip()
