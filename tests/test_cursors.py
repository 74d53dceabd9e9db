"""Signed cursors (resolvers/ids.py) on the session's dev server: only cursors this API issued
are decoded; forged, altered and over-long ones are refused as BAD_USER_INPUT naming `after`,
before the engine (`extensions.cypher` stays empty), in root connections and research fields."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os

import pytest

from graph.limits import SECRET_FILE, cursor_secret
from resolvers.ids import encode_cursor
from tests.test_limits import INTERNAL_TEXT


def dev_key(data_dir) -> bytes:
    return cursor_secret(data_dir)


ZONES_AFTER = "query($a: String) { zones(first: 3, after: $a, sort: [{ uid: ASC }]) { nodes { uid } } }"


def assert_cursor_refused(gql, query: str, cursor: str, *words: str) -> None:
    body = gql(query, {"a": cursor})
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and error["extensions"]["field"] == "after", error
    for word in words:
        assert word in error["message"], error["message"]
    for internal in INTERNAL_TEXT:
        assert internal not in error["message"], error["message"]
    assert body["extensions"]["cypher"] == []  # nothing reached the engine


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.skipif(bool(os.environ.get("DANGJIAN_CURSOR_SECRET")), reason="the servers sign with the given secret")
def test_the_secret_file_is_made_once_and_private(data, data_dir):
    data("{ zones(first: 1) { pageInfo { endCursor } } }")  # the server signs its first cursor
    path = data_dir / SECRET_FILE
    assert path.stat().st_mode & 0o077 == 0 and len(path.read_bytes()) == 32
    assert cursor_secret(data_dir) == path.read_bytes()


def test_a_cursor_signed_with_the_key_pages_on(data, data_dir):
    first = data(ZONES_AFTER, {"a": None})["zones"]["nodes"]
    forged = encode_cursor("uid:ASC", [first[0]["uid"]], dev_key(data_dir))
    assert data(ZONES_AFTER, {"a": forged})["zones"]["nodes"][:2] == first[1:]


@pytest.mark.parametrize("cursor, words", [
    ("[" * 5000, ["longer than 2048"]),
    ("A" * 2049, ["longer than 2048"]),
    (b64(json.dumps(["uid:ASC", ["zone-x"]]).encode()), ["not a cursor this API issued"]),  # unsigned, as before
    (b64(b"[" * 1500), ["not a cursor this API issued"]),
    (encode_cursor("uid:ASC", ["zone-x"], b"another deployment's key"), ["not a cursor this API issued"]),
    ("!!", ["not a cursor this API issued"]),
    ("", ["not a cursor this API issued"]),
])
def test_cursors_not_issued_here_are_refused_before_decoding(gql, cursor, words):
    assert_cursor_refused(gql, ZONES_AFTER, cursor, *words)


def test_an_altered_cursor_is_refused(data, gql):
    cursor = data("{ zones(first: 2, sort: [{ uid: ASC }]) { pageInfo { endCursor } } }")["zones"]["pageInfo"]["endCursor"]
    raw = bytearray(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    for position in (0, len(raw) - 3):  # the tag, the payload
        altered = raw.copy()
        altered[position] ^= 1
        assert_cursor_refused(gql, ZONES_AFTER, b64(bytes(altered)), "not a cursor this API issued")


SIGNED_BAD_VALUES = [  # (field, order, the values as JSON text, the reason), signed with the server's key
    ("grids(after: $a, sort: [{ number: ASC }])", "number:ASC,uid:ASC", '2147483648,"grid-001"', "do not fit"),
    ("grids(after: $a, sort: [{ number: ASC }])", "number:ASC,uid:ASC", '1.5,"grid-001"', "do not fit"),
    ("grids(after: $a, sort: [{ number: ASC }])", "number:ASC,uid:ASC", 'true,"grid-001"', "do not fit"),
    ("zones(after: $a)", "uid:ASC", '"zone\\u0000x"', "do not fit"),
    ("zones(after: $a)", "uid:ASC", '"zone\\u0001x"', "do not fit"),
    ("zones(after: $a)", "uid:ASC", '["nested"]', "do not fit"),
    ("zones(after: $a)", "uid:ASC", "[" * 700 + "]" * 700, "invalid cursor"),
    ("programmes(after: $a, sort: [{ budgetYuan: ASC }])", "budgetYuan:ASC,uid:ASC", 'NaN,"p"', "not a cursor this API issued"),
    ("programmes(after: $a, sort: [{ budgetYuan: ASC }])", "budgetYuan:ASC,uid:ASC", '-Infinity,"p"', "not a cursor this API issued"),
    ("programmes(after: $a, sort: [{ budgetYuan: ASC }])", "budgetYuan:ASC,uid:ASC", '1e999,"p"', "do not fit"),
    ("programmes(after: $a, sort: [{ budgetYuan: ASC }])", "budgetYuan:ASC,uid:ASC", '"x","p"', "do not fit"),
    ("zoneComposition(after: $a)", "uid:ASC", '"zone\\u0000x"', "do not fit"),
    ("coverageGaps(after: $a)", "uid:ASC", "7", "do not fit"),
    ("bridgingOrganisations(by: BETWEENNESS, after: $a)", "bridging:BETWEENNESS", 'NaN,"org-x"', "not a cursor this API issued"),
    ("bridgingOrganisations(after: $a)", "bridging:ZONES_SERVED", '1,1,"org\\u0000x"', "do not fit"),
]


@pytest.mark.parametrize("field, order, values, reason", SIGNED_BAD_VALUES)
def test_signed_cursors_with_bad_values_never_reach_the_engine(gql, data_dir, field, order, values, reason):
    """What a leaked key could forge: refused all the same, before the engine."""
    payload = f'["{order}",[{values}]]'.encode()
    tag = hmac.new(dev_key(data_dir), payload, hashlib.sha256).digest()[:16]
    query = "query($a: String) { %s { __typename } }" % field
    assert_cursor_refused(gql, query, b64(tag + payload), "invalid cursor", reason)


