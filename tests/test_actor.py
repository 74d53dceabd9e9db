"""The X-Actor header through real HTTP: raw UTF-8 bytes and RFC 8187 values are stored as the
name they encode in the audit trail; anything else is refused with BAD_USER_INPUT on X-Actor,
and nothing is written."""
from __future__ import annotations

import json
import uuid

import httpx
import pytest

from graph.validation import MAX_ACTOR
from tests.conftest import TEST_GRAPH, served_scratch_graph

NAME = "李研究员"
CREATE = 'mutation($u: String!) { createZone(input: { uid: $u, name: "示例审计片区", isDemonstration: false }) { uid } }'
AUDIT = "query($u: String!) { auditEntries(where: { targetUid: { eq: $u } }) { nodes { actor action } } }"
ZONE = "query($u: String!) { zones(where: { uid: { eq: $u } }) { totalCount } }"


@pytest.fixture(scope="module")
async def client(engine, data_dir):
    """A client of `dangjian serve` on a seeded scratch graph (its writes vanish with it)."""
    async with served_scratch_graph(engine, data_dir, f"{TEST_GRAPH}_actor") as url:
        with httpx.Client(base_url=url, timeout=30) as http:
            yield http


def create_zone(client: httpx.Client, actors: list[bytes]) -> tuple[str, dict]:
    """createZone on a fresh uid, sending each of `actors` as a raw X-Actor header value."""
    uid = f"zone-actor-{uuid.uuid4().hex[:8]}"
    headers = [(b"content-type", b"application/json")] + [(b"x-actor", actor) for actor in actors]
    response = client.post("/graphql", content=json.dumps({"query": CREATE, "variables": {"u": uid}}), headers=headers)
    assert response.status_code == 200, response.text
    return uid, response.json()


def read(client: httpx.Client, query: str, uid: str) -> dict:
    body = client.post("/graphql", json={"query": query, "variables": {"u": uid}}).json()
    assert "errors" not in body, body
    return body["data"]


@pytest.mark.parametrize("sent, stored", [
    (NAME.encode(), NAME),
    (b"UTF-8''%E6%9D%8E%E7%A0%94%E7%A9%B6%E5%91%98", NAME),
    (b"utf-8''%e6%9d%8e%e7%a0%94%e7%a9%b6%e5%91%98", NAME),
    (b"UTF-8'zh-Hans'%E6%9D%8E%E7%A0%94%E7%A9%B6%E5%91%98", NAME),
    (b"UTF-8''Li%20%E7%A0%94%E7%A9%B6%E5%91%98", "Li 研究员"),
    (b"iso-8859-1''Jos%E9", "José"),
    ("José Müller".encode(), "José Müller"),
    ("\u3000李\u3000".encode(), "李"),
    (b"alice", "alice"),
    (b"O'Brien's", "O'Brien's"),
    ("😀 emoji".encode(), "😀 emoji"),
    (("李" * MAX_ACTOR).encode(), "李" * MAX_ACTOR),
])
def test_the_audit_trail_stores_the_decoded_name(client, sent, stored):
    uid, body = create_zone(client, [sent])
    assert body["data"] == {"createZone": {"uid": uid}} and "errors" not in body
    assert read(client, AUDIT, uid)["auditEntries"]["nodes"] == [{"actor": stored, "action": "create"}]


def test_without_the_header_the_actor_is_anonymous(client):
    uid, body = create_zone(client, [])
    assert "errors" not in body
    assert read(client, AUDIT, uid)["auditEntries"]["nodes"] == [{"actor": "anonymous", "action": "create"}]


@pytest.mark.parametrize("sent, words", [
    ([b"\xff\xfe"], "UTF-8"),
    ([b"Jos\xe9"], "UTF-8"),  # Latin-1 bytes
    ([NAME.encode()[:-1]], "UTF-8"),  # cut inside a character
    ([NAME.encode("gb18030")], "UTF-8"),
    ([b"\xed\xa0\x80"], "UTF-8"),  # an encoded surrogate
    ([b"UTF-8''%ED%A0%80"], "UTF-8"),
    ([b"UTF-8''%E6%9D"], "UTF-8"),
    ([b"UTF-8''%ZZ"], "RFC 8187"),
    ([b"UTF-8''\xe6\x9d\x8e"], "RFC 8187"),  # raw bytes where escapes belong
    ([b"GBK''%C0%EE"], "charset"),
    ([b"a\x01b"], "control character"),
    ([b"a\x7fb"], "control character"),
    ([b"a\tb"], "control character"),
    ([b"UTF-8''a%0Ab"], "control character"),
    ([b"UTF-8''%00"], "NUL"),
    ([b"UTF-8''a%C2%85"], "control character"),  # C1 NEXT LINE, which str.strip() would eat
    ([b"UTF-8''%09a"], "control character"),
    ([b"UTF-8''%EF%BF%BF"], "U+FFFF"),
    (["\u3000".encode()], "blank"),  # an ideographic space
    ([b"UTF-8''"], "blank"),
    ([b"UTF-8''%20%20"], "blank"),
    ([("李" * (MAX_ACTOR + 1)).encode()], f"at most {MAX_ACTOR}"),
    ([b"x" * 1000], f"at most {MAX_ACTOR}"),
    ([b"alice", b"bob"], "one actor"),
])
def test_other_values_are_refused_and_nothing_is_written(client, sent, words):
    uid, body = create_zone(client, sent)
    assert body["data"] is None, body
    assert len(body["errors"]) == 1, body
    error = body["errors"][0]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "X-Actor", "messageEn": error["message"]}, error
    assert error["message"].startswith("X-Actor: ") and words in error["message"], error["message"]
    assert read(client, ZONE, uid) == {"zones": {"totalCount": 0}}
    assert read(client, AUDIT, uid)["auditEntries"]["nodes"] == []


def test_reads_do_not_look_at_the_header(client):
    response = client.post("/graphql", json={"query": "{ towns { totalCount } }"}, headers=[(b"x-actor", b"\xff")])
    assert response.json()["data"] == {"towns": {"totalCount": 4}} and "errors" not in response.json()
