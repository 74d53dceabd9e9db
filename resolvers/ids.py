"""Opaque global ids and keyset cursors."""
from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from graph.plan import SortKey
from resolvers.errors import bad_input


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
        raise bad_input(field, f"{global_id!r} is not an id this API issued") from None
    if "\x00" in uid:
        raise bad_input(field, f"{global_id!r} is not an id this API issued")
    return type_name, uid


def order_signature(sort: tuple[SortKey, ...]) -> str:
    return ",".join(f"{k.prop.name}:{'DESC' if k.descending else 'ASC'}" for k in sort)


def encode_cursor(order: str, values: list[Any]) -> str:
    """A cursor names the order it belongs to, so it can't be replayed on another sort."""
    return _encode(json.dumps([order, values], ensure_ascii=False, separators=(",", ":")))


def decode_cursor(cursor: str, order: str, size: int, field: str = "after") -> list[Any]:
    try:
        cursor_order, values = json.loads(_decode(cursor))
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise bad_input(field, "invalid cursor: it is not a cursor this API issued") from None
    if cursor_order != order or not isinstance(values, list) or len(values) != size:
        raise bad_input(field, "invalid cursor: it belongs to another sort order or query")
    return values
