"""Request limits (graph/limits.py) and signed cursors (resolvers/ids.py), over real servers.

Each attack is refused with a coded error naming the limit and its setting, and answered
quickly; `under_attack` also runs it from another thread while a second client times a simple
query, whose p99 must stay under 100 ms. Servers: `plain` (no --dev, default limits, its cursor
secret from DANGJIAN_CURSOR_SECRET), `small` (no --dev, every limit set low) and the session's
dev server, whose `extensions.cypher` shows that nothing reached the engine. Signed cursors
have their own module, tests/test_cursors.py."""
from __future__ import annotations

import json
import math
import select
import socket
import threading
import time
from typing import Callable
from urllib.parse import urlsplit

import httpx
import pytest

from resolvers.ids import encode_cursor
from tests import latency
from tests.conftest import TEST_GRAPH, start_serve

SECRET = "test-limits-secret-7f3c0b9e5d2a4e61"
SMALL = {"DANGJIAN_MAX_BODY_BYTES": "4096", "DANGJIAN_MAX_QUERY_LENGTH": "2000", "DANGJIAN_MAX_TOKENS": "300",
         "DANGJIAN_MAX_VARIABLE_DEPTH": "8", "DANGJIAN_MAX_STRING_LENGTH": "100"}
MB = 1024 * 1024
SIMPLE = {"query": "{ towns { totalCount } }"}
INTERNAL_TEXT = ("Traceback", "recursion", "RecursionError", "Error:", "errMsg", "Invalid input", ".py", "Errno",
                 "codec", "object has no attribute", "Expecting")


def answer_of(body: dict) -> dict:
    """The body without `extensions` (every answer reports its cost there)."""
    return {k: v for k, v in body.items() if k != "extensions"}


def _served(engine, data_dir, env: dict[str, str]):
    process, url = start_serve(data_dir, "--no-seed", graph=TEST_GRAPH, env=env, engine=engine)
    return process, url


@pytest.fixture(scope="module")
def plain(backend, engine, data_dir):
    process, url = _served(engine, data_dir, {"DANGJIAN_CURSOR_SECRET": SECRET})
    yield url
    process.terminate()
    process.wait(30)


@pytest.fixture(scope="module")
def small(backend, engine, data_dir, server):
    """Shares the data directory, and so its cursor-secret file, with the session's dev server,
    as `serve --workers N` does."""
    process, url = _served(engine, data_dir, SMALL)
    yield url
    process.terminate()
    process.wait(30)


# --------------------------------------------------------------------------- helpers


def post(url: str, body: bytes | dict, accept: str | None = None, timeout: float = 30) -> httpx.Response:
    """POST a JSON body (a dict is encoded here: attacks pass big bodies as prebuilt bytes)."""
    content = json.dumps(body).encode() if isinstance(body, dict) else body
    headers = {"content-type": "application/json", **({"accept": accept} if accept else {})}
    return httpx.post(url + "/graphql", content=content, headers=headers, timeout=timeout)


def refused(response: httpx.Response, status: int, code: str, *words: str, field: str | None = None) -> dict:
    """One coded error, no data, no internal text; the message holds `words`."""
    assert response.status_code == status, (response.status_code, response.text[:500])
    body = response.json()
    assert body.get("data") is None, body
    (error,) = body["errors"]
    assert error["extensions"]["code"] == code, error
    if field is not None:
        assert error["extensions"]["field"] == field and error["message"].startswith(f"{field}: "), error
    for word in words:
        assert word in error["message"], error["message"]
    for internal in INTERNAL_TEXT:
        assert internal not in error["message"], error["message"]
    return error


def raw_request(url: str, head: str, chunks, timeout: float = 10) -> tuple[int, dict, int]:
    """Send a request head, then body chunks until the server answers (or stops reading);
    returns the status, the JSON body and how many body bytes were sent."""
    parts = urlsplit(url)
    sent = 0
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as sock:
        sock.sendall(head.encode())
        sock.settimeout(2)
        for chunk in chunks:
            if select.select([sock], [], [], 0)[0]:
                break  # the server has answered (or closed): stop sending
            try:
                sock.sendall(chunk)
            except OSError:  # it stopped reading (timeout), or closed
                break
            sent += len(chunk)
        sock.settimeout(timeout)
        received = b""
        while b"\r\n\r\n" not in received:
            data = sock.recv(65536)
            assert data, received
            received += data
        head_bytes, _, rest = received.partition(b"\r\n\r\n")
        lines = head_bytes.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        length = int(headers["content-length"])
        while len(rest) < length:
            data = sock.recv(65536)
            assert data
            rest += data
    return status, json.loads(rest[:length]), sent


def post_head(url: str, length: int | None) -> str:
    host = urlsplit(url).netloc
    framing = f"content-length: {length}" if length is not None else "transfer-encoding: chunked"
    return f"POST /graphql HTTP/1.1\r\nhost: {host}\r\ncontent-type: application/json\r\n{framing}\r\n\r\n"


def timed(attack: Callable[[str], None], url: str, within: float) -> None:
    started = time.perf_counter()
    attack(url)
    elapsed = time.perf_counter() - started
    assert elapsed < within, f"answered in {elapsed:.2f} s"


def under_attack(url: str, attack: Callable[[str], None], requests: int = 100) -> tuple[float, int]:
    """A second client's p99 latency (s) for SIMPLE over `requests` requests while `attack` runs
    in a loop (at most 300 times) from another thread; and how many attacks ran meanwhile."""
    stop, failures, runs = threading.Event(), [], [0]

    def attacking() -> None:
        while not stop.is_set() and runs[0] < 300:
            try:
                attack(url)
            except BaseException as error:  # reported by the test, not lost in the thread
                failures.append(error)
                return
            runs[0] += 1

    times: list[float] = []
    with httpx.Client(base_url=url, timeout=10) as client:
        assert answer_of(client.post("/graphql", json=SIMPLE).json()) == {"data": {"towns": {"totalCount": 4}}}
        thread = threading.Thread(target=attacking, daemon=True)
        thread.start()
        try:
            for _ in range(requests):
                started = time.perf_counter()
                answer = client.post("/graphql", json=SIMPLE).json()
                times.append(time.perf_counter() - started)
                assert answer_of(answer) == {"data": {"towns": {"totalCount": 4}}}
                time.sleep(0.002)
        finally:
            stop.set()
            thread.join(60)
    if failures:
        raise failures[0]
    times.sort()
    return times[math.ceil(0.99 * len(times)) - 1], runs[0]


def assert_fast_for_others(url: str, attack: Callable[[str], None]) -> None:
    with httpx.Client(base_url=url, timeout=10) as client:
        before = latency.baseline(lambda: client.post("/graphql", json=SIMPLE))
    p99, runs = under_attack(url, attack)
    print(f"{attack.__name__}: simple query p99 {p99 * 1000:.1f} ms over 100 requests ({before * 1000:.1f} ms "
          f"before), {runs} attacks meanwhile")
    assert runs >= 1
    assert p99 < latency.bound(before), f"p99 {p99 * 1000:.0f} ms while {attack.__name__} ran {runs} times"


# --------------------------------------------------------------------------- attacks


def announced_100_mb_body(url: str) -> None:
    status, body, sent = raw_request(url, post_head(url, 100_000_000), [b"{" + b" " * 1023] * 4)
    assert status == 413 and body["errors"][0]["extensions"]["code"] == "BAD_REQUEST", body
    assert "100,000,000 bytes" in body["errors"][0]["message"] and sent <= 4096


def chunked_100_mb_body(url: str) -> None:
    chunk = b"%x\r\n%s\r\n" % (65536, b" " * 65536)
    status, body, sent = raw_request(url, post_head(url, None), (chunk for _ in range(1600)))
    assert status == 413 and "DANGJIAN_MAX_BODY_BYTES" in body["errors"][0]["message"], body
    assert sent < 16 * MB, f"the server read {sent} bytes before refusing"


TEN_MB_COMMENT = json.dumps({"query": "{ towns { totalCount } } #" + "x" * (10 * MB)}).encode()


def ten_mb_comment(url: str) -> None:
    status, body, sent = raw_request(url, post_head(url, len(TEN_MB_COMMENT)),
                                     (TEN_MB_COMMENT[i:i + 65536] for i in range(0, len(TEN_MB_COMMENT), 65536)))
    assert status == 413 and "DANGJIAN_MAX_BODY_BYTES" in body["errors"][0]["message"], body


LONGEST_COMMENT = {"query": "{ towns { totalCount } } #" + "x" * (100_000 - 26)}


def longest_document(url: str) -> None:  # at the limit: parsed, and answered
    assert answer_of(post(url, LONGEST_COMMENT).json()) == {"data": {"towns": {"totalCount": 4}}}


def document_past_its_length(url: str) -> None:
    refused(post(url, {"query": LONGEST_COMMENT["query"] + "x"}), 200, "BAD_REQUEST", "100,001 characters",
            "at most 100,000", "DANGJIAN_MAX_QUERY_LENGTH")


TOKENS = {"query": "{ " + "towns " * 5001 + "}"}


def too_many_tokens(url: str) -> None:
    refused(post(url, TOKENS), 200, "GRAPHQL_PARSE_FAILED", "5,000 tokens", "DANGJIAN_MAX_TOKENS")


def nested(levels: int) -> object:
    value: object = "x"
    for i in range(levels):
        value = [value] if i % 2 else {"a": value}
    return value


DEEP = {"query": "query($w: ZoneWhere) { zones(where: $w) { totalCount } }", "variables": {"w": nested(500)}}


def variables_500_deep(url: str) -> None:
    refused(post(url, json.dumps(DEEP).encode()), 200, "BAD_USER_INPUT", "more than 64 levels", "DANGJIAN_MAX_VARIABLE_DEPTH", field="$w")


SEARCH = "query($t: String!) { search(text: $t) { id } }"
# Built once: encoding 3 MB in the attacking thread would hold this process's GIL from the
# client being timed.
MEGABYTE_SEARCH = json.dumps({"query": SEARCH, "variables": {"t": "培德" * 500_000}}, ensure_ascii=False).encode()


def megabyte_search_text(url: str) -> None:  # 3 MB of UTF-8: past the body limit
    chunks = (MEGABYTE_SEARCH[i:i + 65536] for i in range(0, len(MEGABYTE_SEARCH), 65536))
    status, body, _ = raw_request(url, post_head(url, len(MEGABYTE_SEARCH)), chunks)
    assert status == 413, body


LONG_SEARCH = {"query": SEARCH, "variables": {"t": "p" * 1_000_000}}  # under the body limit


LONG_SEARCH_BODY = json.dumps(LONG_SEARCH).encode()


def long_search_text(url: str) -> None:
    refused(post(url, LONG_SEARCH_BODY), 200, "BAD_USER_INPUT", "1,000,000 characters", "at most 10,000",
            "DANGJIAN_MAX_STRING_LENGTH", field="$t")


LONG_LITERAL = {"query": '{ zones(where: { OR: [{ uid: { eq: "a" } }, { name: { in: ["b", "%s"] } }] }) '
                         '{ totalCount } }' % ("z" * 90_000)}


def long_inline_literal(url: str) -> None:
    refused(post(url, LONG_LITERAL), 200, "BAD_USER_INPUT", "90,000 characters", "DANGJIAN_MAX_STRING_LENGTH",
            field="where.OR[1].name.in[1]")


def bracket_cursor(url: str) -> None:
    body = post(url, {"query": "query($a: String) { zones(after: $a) { totalCount } }", "variables": {"a": "[" * 5000}})
    refused(body, 200, "BAD_USER_INPUT", "invalid cursor", "longer than 2048", field="after")


ATTACKS = [announced_100_mb_body, chunked_100_mb_body, ten_mb_comment, longest_document, document_past_its_length,
           too_many_tokens, variables_500_deep, megabyte_search_text, long_search_text, long_inline_literal,
           bracket_cursor]


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.__name__ for a in ATTACKS])
def test_each_attack_is_answered_quickly(plain, attack):
    timed(attack, plain, within=1.0)


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.__name__ for a in ATTACKS])
def test_other_clients_stay_fast_during_each_attack(plain, attack):
    assert_fast_for_others(plain, attack)



# --------------------------------------------------------------------------- each limit at its edge


def test_a_body_at_the_limit_is_read_and_one_byte_more_is_refused(plain):
    query = json.dumps(SIMPLE).encode()
    exact = query[:-1] + b" " * (MB - len(query)) + b"}"
    status, body, _ = raw_request(plain, post_head(plain, MB), [exact])
    assert status == 200 and answer_of(body) == {"data": {"towns": {"totalCount": 4}}}
    status, body, sent = raw_request(plain, post_head(plain, MB + 1), [exact + b" "])
    assert status == 413, (status, sent)
    assert body["errors"][0]["message"] == ("the body is 1,048,577 bytes; at most 1,048,576 are allowed "
                                            "(DANGJIAN_MAX_BODY_BYTES)")


def test_every_limit_is_read_from_its_setting(small):
    big = {"query": "{ towns { totalCount } }", "variables": {"pad": "x" * 4100}}
    refused(post(small, big), 413, "BAD_REQUEST", "4,096", "DANGJIAN_MAX_BODY_BYTES")
    response = httpx.get(small + "/graphql", params={"query": "{ towns { totalCount } }", "x": "y" * 4100})
    refused(response, 413, "BAD_REQUEST", "query string", "4,096", "DANGJIAN_MAX_BODY_BYTES")
    refused(post(small, {"query": "{ towns { totalCount } } #" + "x" * 2000}), 200, "BAD_REQUEST",
            "2,026 characters", "at most 2,000", "DANGJIAN_MAX_QUERY_LENGTH")
    refused(post(small, {"query": "{ " + "towns { totalCount } " * 80 + "}"}), 200, "GRAPHQL_PARSE_FAILED",
            "more than 300 tokens", "DANGJIAN_MAX_TOKENS")
    refused(post(small, {**SIMPLE, "variables": {"x": nested(9)}}), 200, "BAD_USER_INPUT", "more than 8 levels",
            "DANGJIAN_MAX_VARIABLE_DEPTH", field="$x")
    assert answer_of(post(small, {**SIMPLE, "variables": {"x": nested(8)}}).json()) == {"data": {"towns": {"totalCount": 4}}}
    refused(post(small, {"query": SEARCH, "variables": {"t": "x" * 101}}), 200, "BAD_USER_INPUT", "101 characters",
            "at most 100", "DANGJIAN_MAX_STRING_LENGTH", field="$t")
    assert answer_of(post(small, {"query": SEARCH, "variables": {"t": "x" * 100}}).json()) == {"data": {"search": []}}


@pytest.mark.parametrize("accept, status", [("application/graphql-response+json", 400), ("application/json", 200)])
def test_limit_refusals_are_request_errors_by_media_type(plain, accept, status):
    refused(post(plain, LONG_SEARCH, accept), status, "BAD_USER_INPUT", field="$t")
    refused(post(plain, DEEP, accept), status, "BAD_USER_INPUT", field="$w")
    refused(post(plain, TOKENS, accept), status, "GRAPHQL_PARSE_FAILED")
    refused(post(plain, {"query": LONGEST_COMMENT["query"] + "x"}, accept), status, "BAD_REQUEST")
    status_413, _, _ = raw_request(plain, post_head(plain, 2 * MB), [b"{"])
    assert status_413 == 413


def test_variable_depth_edge(plain):
    assert answer_of(post(plain, {**SIMPLE, "variables": {"x": nested(64)}}).json()) == {"data": {"towns": {"totalCount": 4}}}
    refused(post(plain, {**SIMPLE, "variables": {"x": nested(65)}}), 200, "BAD_USER_INPUT", "64", field="$x")
    # Within the depth limit, a filter past its own bound is refused by the planner, naming its path.
    where: object = {"name": {"eq": "x"}}
    for _ in range(20):
        where = {"NOT": where}
    body = post(plain, {"query": "query($w: ZoneWhere) { zones(where: $w) { totalCount } }", "variables": {"w": where}})
    assert body.json()["errors"][0]["extensions"]["field"].startswith("where.NOT")


@pytest.mark.parametrize("variables, field", [
    ({"w": {"OR": [{"uid": {"eq": "a"}}, {"name": {"in": ["b", "x" * 10_001]}}]}}, "$w.OR[1].name.in[1]"),
    ({"w": {"name": {"eq": "x" * 10_001}}}, "$w.name.eq"),
])
def test_a_long_string_in_a_variable_is_named_by_its_path(plain, variables, field):
    body = post(plain, {"query": "query($w: ZoneWhere) { zones(where: $w) { totalCount } }", "variables": variables})
    refused(body, 200, "BAD_USER_INPUT", "10,001 characters", "DANGJIAN_MAX_STRING_LENGTH", field=field)


@pytest.mark.parametrize("query, field", [
    ('{ search(text: "%s") { id } }', "text"),
    ('{ search(text: """%s""") { id } }', "text"),
    ('query($t: String = "%s") { search(text: $t) { id } }', "$t"),
    ('{ zones(where: { name: { in: ["a", "%s"] } }) { totalCount } }', "where.name.in[1]"),
])
def test_a_long_literal_is_named_by_its_argument_path(plain, query, field):
    refused(post(plain, {"query": query % ("y" * 10_001)}), 200, "BAD_USER_INPUT", "10,001 characters", field=field)
    answer = post(plain, {"query": query % ("y" * 10_000)}).json()
    assert "errors" not in answer, answer


def test_the_longest_search_text_is_answered_quickly(plain):
    started = time.perf_counter()
    assert answer_of(post(plain, {"query": SEARCH, "variables": {"t": "培" * 10_000}}).json()) == {"data": {"search": []}}
    assert time.perf_counter() - started < 1.0


ZONES_AFTER = "query($a: String) { zones(first: 3, after: $a, sort: [{ uid: ASC }]) { nodes { uid } } }"


def test_servers_sharing_a_data_directory_accept_each_others_cursors(data, small, plain):
    """As `serve --workers N` does; another DANGJIAN_CURSOR_SECRET is another deployment."""
    cursor = data("{ zones(first: 2, sort: [{ uid: ASC }]) { pageInfo { endCursor } } }")["zones"]["pageInfo"]["endCursor"]
    expected = data(ZONES_AFTER, {"a": cursor})
    assert answer_of(post(small, {"query": ZONES_AFTER, "variables": {"a": cursor}}).json()) == {"data": expected}
    # `plain` signs with DANGJIAN_CURSOR_SECRET: another deployment, as far as cursors go.
    refused(post(plain, {"query": ZONES_AFTER, "variables": {"a": cursor}}), 200, "BAD_USER_INPUT",
            "not a cursor this API issued", field="after")
    own = encode_cursor("uid:ASC", [json.loads(json.dumps(expected))["zones"]["nodes"][0]["uid"]], SECRET.encode())
    assert post(plain, {"query": ZONES_AFTER, "variables": {"a": own}}).json()["data"]["zones"]["nodes"][:2] == \
        expected["zones"]["nodes"][1:]


# --------------------------------------------------------------------------- NaN and Infinity


@pytest.mark.parametrize("raw", ["NaN", "Infinity", "-Infinity", "1e999", "-1e400"])
def test_non_finite_numbers_in_json_are_refused(gql, server, raw):
    query = "query($x: Float) { programmes(where: { budgetYuan: { gt: $x } }) { totalCount } }"
    body = ('{"query": %s, "variables": {"x": %s}}' % (json.dumps(query), raw)).encode()
    response = post(server, body, "application/graphql-response+json")
    error = refused(response, 400, "BAD_REQUEST", "not valid JSON")
    assert "NaN, Infinity" in error["message"]


@pytest.mark.parametrize("literal", ["1e999", "-1e999", "1" + "0" * 400, "NaN", "Infinity"])
def test_non_finite_float_literals_are_refused_before_the_engine(gql, literal):
    body = gql("{ programmes(where: { budgetYuan: { gt: %s } }) { totalCount } }" % literal)
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED", body
    assert body.get("extensions", {}).get("cypher", []) == []


