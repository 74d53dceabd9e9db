"""Opaque global ids and signed keyset cursors.

A cursor is base64url(tag + payload): the payload is the JSON `[order, values]` (the sort
signature and the last row's sort values), the tag the first 16 bytes of its HMAC-SHA256 under
the deployment's secret (graph/limits.py). Only cursors this API issued verify, so a forged or
altered one is refused before its JSON is read: no deep nesting, NaN or NUL of a client's
making reaches the decoder, the planner or the engine. Values are still checked after decoding,
against any key that leaked."""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
import re
from typing import Any

from graph.limits import MAX_CURSOR_LENGTH, cursor_secret
from graph.plan import SortKey
from graph.validation import text_problem
from i18n import Message
from resolvers.errors import bad_input

TAG_BYTES = 16  # 128 bits: forging takes ~2^128 tries; the full 32 would only lengthen cursors
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
# Integers a cursor may hold: GraphQL's 32-bit Int for Int keys (checked by the caller); any
# count or score we rank on fits in a double exactly.
_SAFE_INTEGER = 2 ** 53
_secret: bytes | None = None

NOT_ISSUED = Message("invalid cursor: it is not a cursor this API issued")


def _encode(payload: str) -> str:
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def _decode(token: str) -> str:
    padded = token + "=" * (-len(token) % 4)
    return base64.urlsafe_b64decode(padded.encode()).decode()


def to_global_id(type_name: str, uid: str) -> str:
    return _encode(f"{type_name}:{uid}")


def from_global_id(global_id: str, field: str = "id") -> tuple[str, str]:
    try:
        type_name, uid = _decode(global_id).split(":", 1)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise bad_input(field, "{global_id!r} is not an id this API issued", global_id=global_id) from None
    if text_problem(uid):  # NUL would cut the statement short; no stored uid has control characters
        raise bad_input(field, "{global_id!r} is not an id this API issued", global_id=global_id)
    return type_name, uid


def order_signature(sort: tuple[SortKey, ...]) -> str:
    return ",".join(f"{k.prop.name}:{'DESC' if k.descending else 'ASC'}" for k in sort)


def use_cursor_secret(secret: bytes) -> None:
    """Sign and verify with `secret` from now on (start-up, or a test's own key)."""
    global _secret
    _secret = secret


def _tag(payload: bytes, key: bytes | None) -> bytes:
    global _secret
    if key is None:
        if _secret is None:  # read once; graph/limits.py says where it comes from
            _secret = cursor_secret()
        key = _secret
    return hmac.new(key, payload, hashlib.sha256).digest()[:TAG_BYTES]


def encode_cursor(order: str, values: list[Any], key: bytes | None = None) -> str:
    """A signed cursor. It names the order it belongs to, so it can't be replayed on another
    sort. `key`: sign with this instead of the server's secret (tests forging cursors)."""
    payload = json.dumps([order, values], ensure_ascii=False, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(_tag(payload, key) + payload).decode().rstrip("=")


def _refuse_constant(name: str) -> Any:
    raise ValueError(name)


def decode_cursor(cursor: str, order: str, size: int, field: str = "after") -> list[Any]:
    """The `size` sort values of a cursor issued for `order`.

    Each value is null, a Boolean, an integer within ±2^53, a finite number, or text
    without NUL or control characters (graph/validation.py); whether it fits its sort field's
    type is the caller's to check. Raises BAD_USER_INPUT naming `field` for a cursor longer than
    MAX_CURSOR_LENGTH, one this API did not issue (or that was altered), or one of another
    order."""
    if not isinstance(cursor, str) or len(cursor) > MAX_CURSOR_LENGTH:
        raise bad_input(field, "invalid cursor: longer than {MAX_CURSOR_LENGTH} characters",
                               MAX_CURSOR_LENGTH=MAX_CURSOR_LENGTH)
    if not _BASE64URL.fullmatch(cursor) or len(cursor) % 4 == 1:
        raise bad_input(field, NOT_ISSUED)
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    tag, payload = raw[:TAG_BYTES], raw[TAG_BYTES:]
    if len(tag) < TAG_BYTES or not hmac.compare_digest(tag, _tag(payload, None)):
        raise bad_input(field, NOT_ISSUED)
    try:  # ours, so well-formed; refused all the same should a leaked key have signed it
        cursor_order, values = json.loads(payload.decode(), parse_constant=_refuse_constant)
    except (ValueError, TypeError, RecursionError, UnicodeDecodeError):
        raise bad_input(field, NOT_ISSUED) from None
    if cursor_order != order or not isinstance(values, list) or len(values) != size:
        raise bad_input(field, "invalid cursor: it belongs to another sort order or query")
    if not all(_plain_value(value) for value in values):
        raise bad_input(field, "invalid cursor: its values do not fit the sort fields")
    return values


def _plain_value(value: Any) -> bool:
    if value is None or isinstance(value, bool):
        return True
    if isinstance(value, int):
        return -_SAFE_INTEGER <= value <= _SAFE_INTEGER
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, str) and text_problem(value) is None
