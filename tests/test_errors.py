"""Errors a client can cause, and the one-statement-per-root-field guarantee, seen through
the dev-mode `extensions.cypher` log."""
from __future__ import annotations

import base64
import json
import re
import time
import uuid

import httpx
import pytest

from graph.limits import cursor_secret
from resolvers.ids import encode_cursor
from schema.operation_shape import MAX_DEPTH
from seed.loader import read_seed

SEED = read_seed()
from resolvers.plans import MAX_PAGE_SIZE as MAX_PAGE


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def only_error(body: dict) -> dict:
    assert len(body.get("errors") or []) == 1, body
    return body["errors"][0]


def assert_bad_input(body: dict, field: str, *words: str) -> None:
    """One BAD_USER_INPUT error naming `field` and the reason; no database call was made."""
    error = only_error(body)
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    assert error["extensions"]["field"] == field
    assert error["message"].startswith(f"{field}: ")
    for word in words:
        assert word in error["message"], error["message"]
    assert body["extensions"]["cypher"] == []


def assert_refused_before_execution(body: dict, *words: str) -> None:
    error = only_error(body)
    for word in words:
        assert word in error["message"], error["message"]
    assert body.get("data") is None
    assert body["extensions"]["cypher"] == []


# --------------------------------------------------------------------------- cursors


@pytest.mark.parametrize("cursor", ["garbage", "!!!", "", b64("not json"), b64("{}"), b64('"uid:ASC"'),
                                    b64("[1, 2, 3]"), b64("null"), "_w"])
def test_garbage_cursor(gql, cursor):
    body = gql("query($a: String) { zones(after: $a) { totalCount } }", {"a": cursor})
    assert_bad_input(body, "after", "invalid cursor")
    assert body["data"] is None


def end_cursor(data, sort: str) -> str:
    return data("{ grids(first: 3, sort: %s) { pageInfo { endCursor } } }" % sort)["grids"]["pageInfo"]["endCursor"]


@pytest.mark.parametrize("issued_for, used_with", [
    ("[{ number: ASC }]", "[{ number: DESC }]"),
    ("[{ number: ASC }]", "[{ uid: ASC }]"),
    ("[{ uid: ASC }]", "[{ number: ASC }]"),
    ("[{ name: ASC }, { number: ASC }]", "[{ name: ASC }]"),
])
def test_cursor_from_another_sort_order(data, gql, issued_for, used_with):
    cursor = end_cursor(data, issued_for)
    body = gql("query($a: String) { grids(first: 3, after: $a, sort: %s) { nodes { uid } } }" % used_with,
               {"a": cursor})
    assert_bad_input(body, "after", "invalid cursor", "another sort order")


def test_cursor_still_works_with_its_own_sort(data):
    cursor = end_cursor(data, "[{ number: DESC }]")
    nodes = data("query($a: String) { grids(first: 2, after: $a, sort: [{ number: DESC }]) { nodes { number } } }",
                 {"a": cursor})["grids"]["nodes"]
    top = sorted((g["number"] for g in SEED.nodes["Grid"]), reverse=True)
    assert [n["number"] for n in nodes] == top[3:5]


@pytest.mark.parametrize("values", [["x", "grid-001"], [True, "grid-001"], [1.5, "grid-001"], [3, 7]])
def test_cursor_values_that_do_not_fit_the_sort(gql, data_dir, values):
    # Signed with the server's key (cursors are signed: resolvers/ids.py), so the values are what is refused.
    cursor = encode_cursor("number:ASC,uid:ASC", values, cursor_secret(data_dir))
    body = gql("query($a: String) { grids(after: $a, sort: [{ number: ASC }]) { totalCount } }", {"a": cursor})
    assert_bad_input(body, "after", "invalid cursor", "do not fit")


# --------------------------------------------------------------------------- page sizes


@pytest.mark.parametrize("first", [MAX_PAGE + 1, -1, 10_000])
def test_root_first_out_of_range(gql, first):
    body = gql("query($f: Int) { zones(first: $f) { totalCount nodes { uid } } }", {"f": first})
    assert_bad_input(body, "first", f"between 0 and {MAX_PAGE}", f"got {first}")
    assert body["data"] is None


@pytest.mark.parametrize("first", [MAX_PAGE + 1, -1])
def test_nested_first_out_of_range(gql, first):
    body = gql("query($f: Int) { zones { nodes { uid externalOrganisations(first: $f) { uid } } } }", {"f": first})
    assert_bad_input(body, "zones.externalOrganisations.first", f"between 0 and {MAX_PAGE}", f"got {first}")
    body = gql("query($f: Int) { a: towns { nodes { zones { members: communities(first: $f) { uid } } } } }",
               {"f": first})
    assert_bad_input(body, "a.zones.members.first", f"between 0 and {MAX_PAGE}")


def test_nested_first_out_of_range_under_node(gql, data):
    zone_id = data("{ zones(first: 1) { nodes { id } } }")["zones"]["nodes"][0]["id"]
    body = gql("query($id: ID!) { node(id: $id) { ... on Zone { communities(first: %d) { uid } } } }" % (MAX_PAGE + 1), {"id": zone_id})
    assert_bad_input(body, "node.communities.first", f"between 0 and {MAX_PAGE}")


def test_page_size_limits_are_inclusive(data):
    result = data("{ members(first: %d) { totalCount nodes { uid } } zones(first: 0) { nodes { uid } } }" % MAX_PAGE)
    assert len(result["members"]["nodes"]) == min(MAX_PAGE, len(SEED.nodes["Member"]))
    assert result["zones"]["nodes"] == []


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize("query, variables, words", [
    ("{ organisations(where: { kind: { eq: BOGUS } }) { totalCount } }", None, ("BOGUS", "OrganisationKind")),
    ("{ organisations(where: { kind: { in: [PARK, NOPE] } }) { totalCount } }", None, ("NOPE", "OrganisationKind")),
    ("{ communities(where: { kind: { eq: TOWN } }) { totalCount } }", None, ("TOWN", "CommunityKind")),
    ("{ zones(sort: [{ name: UP }]) { totalCount } }", None, ("UP", "SortDirection")),
    ("query($k: OrganisationKind) { organisations(where: { kind: { eq: $k } }) { totalCount } }",
     {"k": "BOGUS"}, ("$k", "BOGUS", "OrganisationKind")),
    ("{ zones(where: { source: { eq: \"ARTICLE\" } }) { totalCount } }", None, ("Source",)),
])
def test_unknown_enum_value_is_a_validation_error(gql, query, variables, words):
    assert_refused_before_execution(gql(query, variables), *words)


@pytest.mark.parametrize("query, words", [
    ("{ grids(sort: [{ name: ASC, uid: DESC }]) { totalCount } }", ("GridSort", "exactly one")),
    ("{ members(sort: [{ isEntrepreneur: ASC }]) { totalCount } }", ("MemberSort", "isEntrepreneur")),
    ("{ zones(where: { nope: { eq: 1 } }) { totalCount } }", ("ZoneWhere", "nope")),
    ("{ grids(where: { number: { contains: 1 } }) { totalCount } }", ("IntFilter", "contains")),
    ("{ zones(first: \"ten\") { totalCount } }", ("Int",)),
])
def test_other_invalid_arguments_are_refused(gql, query, words):
    assert_refused_before_execution(gql(query), *words)


def parent_chain(levels: int) -> str:
    """organisations is at depth 0 and nodes at 1, so the leaf `uid` is at depth levels + 2."""
    inner = "uid"
    for _ in range(levels):
        inner = f"parent {{ {inner} }}"
    return f"{{ organisations(first: 1) {{ nodes {{ {inner} }} }} }}"


def test_depth_limit(gql):
    allowed = gql(parent_chain(MAX_DEPTH - 2))
    assert not allowed.get("errors") and len(allowed["extensions"]["cypher"]) == 1
    body = gql(parent_chain(MAX_DEPTH - 1))
    assert_refused_before_execution(body, "exceeds maximum operation depth", str(MAX_DEPTH))
    wide = gql(parent_chain(MAX_DEPTH * 3))
    assert_refused_before_execution(wide, "depth")


@pytest.mark.parametrize("bad_id", ["!!!", "", "not an id", "12345", b64("Zone"), "_w", "☃"])
def test_malformed_node_id(gql, bad_id):
    body = gql("query($id: ID!) { node(id: $id) { id } }", {"id": bad_id})
    assert_bad_input(body, "id", "is not an id this API issued")
    assert body["data"] == {"node": None}


# --------------------------------------------------------------------------- one statement per root field

DEEP = """{ zones(where: { externalOrganisations: { some: {} } }, first: 50) { totalCount
  edges { cursor node { uid town { nameEn }
    externalOrganisations { uid members { uid isEntrepreneur secretaryOf { uid community { uid town { uid } } } } } } } } }"""


def test_four_level_read_is_one_database_call(gql):
    body = gql(DEEP)
    assert not body.get("errors"), body["errors"]
    assert len(body["extensions"]["cypher"]) == 1
    zones = body["data"]["zones"]
    serves = SEED.relationships[("Organisation", "SERVES", "Zone")]
    assert zones["totalCount"] == len({zone for _, zone in serves})
    served = {(org, zone) for org, zone in serves}
    for edge in zones["edges"]:
        assert {o["uid"] for o in edge["node"]["externalOrganisations"]} == {
            org for org, zone in served if zone == edge["node"]["uid"]}
    secretaries = [s for e in zones["edges"] for o in e["node"]["externalOrganisations"]
                   for m in o["members"] for s in m["secretaryOf"]]
    assert secretaries, "the read reaches the fourth level"


def test_two_root_fields_are_two_database_calls(gql):
    body = gql(DEEP.replace("{ zones", "{ first: zones", 1)[:-1] + " grids(first: 3) { nodes { departments { name } } } }")
    assert not body.get("errors"), body["errors"]
    assert len(body["extensions"]["cypher"]) == 2
    assert len(body["data"]["grids"]["nodes"]) == 3 and body["data"]["first"]["totalCount"] > 0


@pytest.mark.parametrize("query, calls", [
    ("{ zones { totalCount } }", 1),
    ("{ zones { pageInfo { hasNextPage } } }", 1),
    ("{ a: zones { totalCount } b: zones { nodes { uid } } c: towns { totalCount nodes { zones { uid } } } }", 3),
    ("{ __typename }", 0),
    ("{ __schema { queryType { name } } }", 0),
])
def test_database_calls_per_root_field(gql, query, calls):
    body = gql(query)
    assert not body.get("errors"), body["errors"]
    assert len(body["extensions"]["cypher"]) == calls


def test_node_lookup_is_one_database_call(gql, data):
    org_id = data('{ organisations(where: { secretaries: { some: {} } }, first: 1) { nodes { id } } }'
                  )["organisations"]["nodes"][0]["id"]
    body = gql("query($id: ID!) { node(id: $id) { ... on Organisation { uid secretaries { secretaryOf {"
               " community { town { uid } } } } } } }", {"id": org_id})
    assert not body.get("errors") and body["data"]["node"]["secretaries"]
    assert len(body["extensions"]["cypher"]) == 1


def test_cypher_log_entries(gql):
    body = gql('{ zones(where: { name: { contains: "片区" } }, first: 2) { nodes { uid } } towns { totalCount } }')
    entries = body["extensions"]["cypher"]
    assert len(entries) == 2
    for entry in entries:
        assert set(entry) == {"cypher", "params", "ms"}
        assert isinstance(entry["cypher"], str) and entry["cypher"].lstrip().startswith(("MATCH", "CALL", "WITH"))
        assert isinstance(entry["params"], dict)
        assert isinstance(entry["ms"], (int, float)) and not isinstance(entry["ms"], bool) and entry["ms"] >= 0
    zones = next(e for e in entries if "`Zone`" in e["cypher"])
    assert "片区" in zones["params"].values() and 3 in zones["params"].values()


def test_one_key_under_nodes_and_edges_with_different_arguments_is_refused(gql):
    body = gql("{ zones(first: 2) { nodes { x: externalOrganisations(first: 1) { uid } }"
               " edges { node { x: externalOrganisations(first: 2) { uid } } } } }")
    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "zones.x" in error["message"] and "different" in error["message"]


# --------------------------------------------------------------------------- timeouts


@pytest.fixture(scope="module")
def impatient_server(backend, engine, data_dir):
    """`dangjian serve` whose reads may take 1 ms: every real read runs past it."""
    from tests.conftest import TEST_GRAPH, start_serve

    process, url = start_serve(data_dir, "--no-seed", graph=TEST_GRAPH, env={"DANGJIAN_READ_TIMEOUT_MS": "1"},
                               engine=engine)
    yield url
    process.terminate()
    process.wait(30)


def test_a_read_past_the_timeout_is_stopped_with_a_clear_error(impatient_server):
    import httpx

    query = "{ zoneComposition(first: 50) { zones { zone { name } membersReachable } } }"
    body = httpx.post(impatient_server + "/graphql", json={"query": query}, timeout=30).json()
    error = only_error(body)
    assert error["extensions"]["code"] == "TIMEOUT", error
    assert error["path"] == ["zoneComposition"]
    assert "stopped this read after 0.001 s" in error["message"]
    assert "narrow the filter" in error["message"]


# --------------------------------------------------------------------------- codes, masking and the log


def test_a_cached_validation_failure_keeps_its_code(gql):
    for _ in range(3):  # the validation cache hands back the same error objects each time
        error = only_error(gql("{ zones { cachedNope } }"))
        assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


def new_log(data_dir, start: int, until: str) -> str:
    """What `dangjian serve` logged (data_dir/serve.log) after byte `start`, once `until` is in it."""
    path = data_dir / "serve.log"
    deadline = time.monotonic() + 10
    while True:
        text = path.read_bytes()[start:].decode("utf-8", "replace")
        if until in text or time.monotonic() > deadline:
            return text
        time.sleep(0.05)


def log_size(data_dir) -> int:
    return (data_dir / "serve.log").stat().st_size


@pytest.mark.parametrize("body, needle", [
    ({"query": "query($f: Int) { zones(first: $f) { totalCount } }", "variables": {"f": "MARK"}}, "MARK"),
    ({"query": "query($k: OrganisationKind) { organisations(where: { kind: { eq: $k } }) { totalCount } }",
      "variables": {"k": "MARK"}}, "MARK"),
    ({"query": "{ zones { MARK } }"}, "MARK"),
    ({"query": "{ zones(first: 1) { totalCount } } } # MARK"}, "GRAPHQL_PARSE_FAILED"),
    ({"query": "query($id: ID!) { node(id: $id) { id } }", "variables": {"id": "MARK"}}, "MARK"),
])
def test_a_client_mistake_logs_one_info_line_and_no_traceback(server, data_dir, body, needle):
    marker = f"mark{uuid.uuid4().hex[:10]}"
    needle = needle.replace("MARK", marker)
    start = log_size(data_dir)
    response = httpx.post(server + "/graphql", json=json.loads(json.dumps(body).replace("MARK", marker)), timeout=30)
    assert response.json()["errors"][0]["extensions"]["code"] != "INTERNAL_SERVER_ERROR", response.text
    text = new_log(data_dir, start, needle)
    lines = [line for line in text.splitlines() if needle in line]
    assert len(lines) == 1 and lines[0].startswith("INFO:") and "client error" in lines[0], text
    assert "Traceback" not in text and "ERROR" not in text, text


def test_a_refused_request_logs_one_info_line(server, data_dir):
    start = log_size(data_dir)
    assert httpx.post(server + "/graphql", content=b"[1, 2]", headers={"content-type": "application/json"}).status_code == 400
    text = new_log(data_dir, start, "client error BAD_REQUEST")
    assert [line for line in text.splitlines() if "client error" in line] == [
        "INFO:     dangjian: client error BAD_REQUEST (POST /graphql): the body must be a JSON object with a query,"
        " got an array"], text
    assert "Traceback" not in text


@pytest.fixture(scope="module")
def broken(backend, engine, data_dir, tmp_path_factory):
    """Servers without and with --dev on a database in trouble after they started: every
    statement fails with the engine's own error. On FalkorDB the graph key stops being a graph
    (WRONGTYPE …). On Neo4j, a server of the test's own is restarted on the same port with a
    password the servers do not have (Neo.ClientError.Security.Unauthorized …): Community has no
    way to stop or break one database under a running server. Yields the URLs and the engine's
    words, which the log must hold and a client must never see."""
    from tests.conftest import TEST_GRAPH, free_port, start_serve

    graph = f"{TEST_GRAPH}_broken"
    cleanup = []
    if engine.name == "neo4j":
        from graph.neo4j_local import LocalNeo4j

        home, port = tmp_path_factory.mktemp("broken-neo4j"), free_port()
        neo = LocalNeo4j(home, None, port=port, heap_mb=512, page_cache_mb=64)
        url = neo.start(die_with_parent=True).url
        started = [start_serve(data_dir, "--no-seed", *flags, graph=graph, env={"DANGJIAN_DATABASE_URL": url})
                   for flags in ((), ("--dev",))]
        neo.stop(30)
        locked = LocalNeo4j(home, "a-password-the-servers-lack", port=port, heap_mb=512, page_cache_mb=64)
        locked.start(die_with_parent=True)
        cleanup.append(lambda: locked.stop(30))
        engine_text = "Unauthorized"
    else:
        from redis import Redis

        started = [start_serve(data_dir, "--no-seed", *flags, graph=graph, engine=engine)
                   for flags in ((), ("--dev",))]
        redis = Redis(unix_socket_path=str(engine.server.socket_path))
        redis.set(graph, "not a graph")
        cleanup += [lambda: redis.delete(graph), redis.close]
        engine_text = "WRONGTYPE"
    yield {"plain": started[0][1], "dev": started[1][1], "engine_text": engine_text}
    for process, _ in started:
        process.terminate()
        process.wait(30)
    for step in cleanup:
        step()


BROKEN_READS = [
    "{ zones { totalCount } }",
    "{ a: zones(first: 1) { nodes { uid } } b: towns { totalCount } }",
    '{ node(id: "Wm9uZTp6b25lLXg") { id } }',
    '{ search(text: "peide") { id } }',
    "{ demandStatistics(groupBy: STATUS) { collected } }",
    'mutation { createZone(input: { uid: "zone-broken", name: "示例", isDemonstration: false }) { uid } }',
]
LEAKS = ("WRONGTYPE", "wrong kind", "redis", "falkordb", ".sock", "Traceback", ".py", "DatabaseError",
         "Unauthorized", "Neo.", "neo4j", "bolt")


@pytest.mark.parametrize("query", BROKEN_READS)
@pytest.mark.parametrize("accept", ["application/json", "application/graphql-response+json"])
def test_internal_errors_are_masked_and_logged_with_their_id(broken, data_dir, query, accept):
    start = log_size(data_dir)
    response = httpx.post(broken["plain"] + "/graphql", json={"query": query}, headers={"accept": accept}, timeout=30)
    assert response.status_code == 200 and "data" in response.json(), response.text
    for leak in LEAKS:
        assert leak.lower() not in response.text.lower(), response.text
    errors = response.json()["errors"]
    ids = [error["extensions"]["errorId"] for error in errors]
    for error in errors:
        assert error["message"] == "Internal server error" and error["path"], error
        assert set(error["extensions"]) == {"code", "errorId"} and error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
        assert re.fullmatch(r"[0-9a-f]{32}", error["extensions"]["errorId"])
    assert len(set(ids)) == len(ids)
    text = new_log(data_dir, start, ids[-1])
    for error_id in ids:
        logged = text[text.index(f"ERROR:     dangjian: internal error {error_id}"):]
        assert "Traceback (most recent call last)" in logged and broken["engine_text"] in logged


def test_dev_mode_shows_internal_messages(broken):
    response = httpx.post(broken["dev"] + "/graphql", json={"query": BROKEN_READS[0]}, timeout=30)
    error = only_error(response.json())
    assert broken["engine_text"] in error["message"] and error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert re.fullmatch(r"[0-9a-f]{32}", error["extensions"]["errorId"])


def test_healthz_names_the_engine_error_only_in_dev_mode(broken):
    plain = httpx.get(broken["plain"] + "/healthz", timeout=30)
    assert plain.status_code == 503 and plain.json()["status"] == "error" and plain.json()["errorId"]
    assert broken["engine_text"] not in plain.text
    assert broken["engine_text"] in httpx.get(broken["dev"] + "/healthz", timeout=30).json()["error"]
