"""Production with public reads, an HS256 secret, a persisted-query allow-list, CORS, and
introspection and GraphiQL turned back on, over real HTTP. The allow-list is built with the real
`dangjian persisted build` from the frontend's documents (web/examples/*.graphql) and a few of
the tests' own."""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import uuid

import httpx
import pytest

from tests.auth_support import SECRET, bearer, claims, production_server, sign
from tests.conftest import REPO, TEST_GRAPH

GRAPH = f"{TEST_GRAPH}_public"
EXAMPLES = sorted((REPO / "web" / "examples").glob("*.graphql"))
GRIDS = (REPO / "web" / "examples" / "04-grids.graphql").read_text()
OWN = {
    "create.graphql": 'mutation CreateZone($u: String!) { createZone(input: { uid: $u, name: "示例公开片区", '
                      "isDemonstration: false }) { uid } }",
    "audit.graphql": "query Audit($u: String!) { auditEntries(where: { targetUid: { eq: $u } }) { nodes { actor } } }",
    "zone.graphql": "query Zone($u: String!) { zones(where: { uid: { eq: $u } }) { totalCount } }",
    "introspect.graphql": "query Introspect { __schema { queryType { name } } }",
}
ORIGIN = "https://app.example.org"
GRAPHQL_RESPONSE = "application/graphql-response+json"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def build(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "web.cli", "persisted", "build", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    directory = tmp_path_factory.mktemp("persisted")
    for name, text in OWN.items():
        (directory / name).write_text(text)
    out = directory / "registry.json"
    done = build(*map(str, EXAMPLES), *(str(directory / name) for name in OWN), "--out", str(out))
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="module")
async def b(engine, data_dir, registry):
    env = {"DANGJIAN_JWT_SECRET": SECRET, "DANGJIAN_PUBLIC_READ": "1", "DANGJIAN_PERSISTED_QUERIES": str(registry),
           "DANGJIAN_CORS_ORIGINS": f"{ORIGIN}, http://localhost:5173", "DANGJIAN_INTROSPECTION": "1",
           "DANGJIAN_GRAPHIQL": "1", "DANGJIAN_RATE_FAILED_AUTH": "5/minute"}
    async with production_server(engine, data_dir, GRAPH, env) as (url, _):
        yield url


def post(url: str, body: dict, headers: dict | None = None) -> httpx.Response:
    return httpx.post(url + "/graphql", json=body, headers=headers or {}, timeout=30)


def test_the_registry_holds_each_document_under_its_hash(registry, tmp_path):
    documents = json.loads(registry.read_text())
    assert all(sha(document) == key for key, document in documents.items())
    for path in EXAMPLES:
        assert sha(path.read_text()) in documents, path.name
    (tmp_path / "bad.graphql").write_text("{ towns { noSuchField } }")
    done = build(str(tmp_path / "bad.graphql"), "--out", str(tmp_path / "out.json"))
    assert done.returncode == 1 and "bad.graphql" in done.stderr and "noSuchField" in done.stderr
    assert not (tmp_path / "out.json").exists()


def test_registered_documents_run_by_text_or_by_hash(b):
    expected = post(b, {"query": GRIDS}).json()
    assert "errors" not in expected and expected["data"], expected
    persisted = {"persistedQuery": {"version": 1, "sha256Hash": sha(GRIDS)}}
    assert post(b, {"extensions": persisted}).json()["data"] == expected["data"]
    assert post(b, {"query": GRIDS, "extensions": persisted}).json()["data"] == expected["data"]
    by_get = httpx.get(b + "/graphql", params={"extensions": json.dumps(persisted)}, headers={"accept": "*/*"})
    assert by_get.status_code == 200 and by_get.json()["data"] == expected["data"], by_get.text
    assert httpx.get(b + "/graphql", params={"query": GRIDS}).json()["data"] == expected["data"]


@pytest.mark.parametrize("body, code", [
    ({"query": "{ towns { totalCount } }"}, "PERSISTED_QUERY_NOT_ALLOWED"),
    ({"query": GRIDS + " "}, "PERSISTED_QUERY_NOT_ALLOWED"),  # a document is its exact text
    ({"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}}, "PERSISTED_QUERY_NOT_FOUND"),
    ({"query": "{ towns { totalCount } }", "extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha(GRIDS)}}},
     "BAD_REQUEST"),
    ({"extensions": {"persistedQuery": {"version": 2, "sha256Hash": sha(GRIDS)}}}, "BAD_REQUEST"),
])
def test_anything_else_is_refused_before_it_runs(b, body, code):
    for response in (post(b, body, {"accept": GRAPHQL_RESPONSE}),
                     httpx.get(b + "/graphql", headers={"accept": GRAPHQL_RESPONSE}, params={
                         k: json.dumps(v) if isinstance(v, dict) else v for k, v in body.items()})):
        answer = response.json()
        assert response.status_code == 400 and "data" not in answer, response.text
        assert answer["errors"][0]["extensions"]["code"] == code, answer


def test_anonymous_clients_read_as_viewers_and_may_not_write(b):
    read = post(b, {"query": GRIDS}).json()
    assert read["extensions"]["cost"]["budget"] == 50_000, read  # the viewer's budget
    assert httpx.get(b + "/export/town/town-zumiao.json").status_code == 200
    uid = f"zone-public-{uuid.uuid4().hex[:8]}"
    write = post(b, {"query": OWN["create.graphql"], "variables": {"u": uid}}, {"accept": GRAPHQL_RESPONSE})
    assert write.status_code == 401 and write.headers["www-authenticate"].startswith("Bearer"), write.text
    assert write.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED" and "data" not in write.json()
    count = post(b, {"query": OWN["zone.graphql"], "variables": {"u": uid}}).json()
    assert count["data"] == {"zones": {"totalCount": 0}}


def test_an_hs256_token_writes_under_its_name(b):
    token = sign(claims(name="陈管理员", iss=None, aud=None), key=SECRET, algorithm="HS256", kid=None)
    uid = f"zone-hs256-{uuid.uuid4().hex[:8]}"
    written = post(b, {"query": OWN["create.graphql"], "variables": {"u": uid}}, bearer(token)).json()
    assert written["data"] == {"createZone": {"uid": uid}}, written
    audit = post(b, {"query": OWN["audit.graphql"], "variables": {"u": uid}}, bearer(token)).json()
    assert audit["data"]["auditEntries"]["nodes"] == [{"actor": "陈管理员"}]
    hidden = post(b, {"query": OWN["audit.graphql"], "variables": {"u": uid}}).json()  # not for viewers
    assert hidden["data"]["auditEntries"]["nodes"] == [], hidden
    assert written["extensions"]["cost"]["budget"] == 500_000  # an admin's


def test_introspection_and_graphiql_come_back_with_their_settings(b):
    introspected = post(b, {"query": OWN["introspect.graphql"]}).json()
    assert introspected["data"] == {"__schema": {"queryType": {"name": "Query"}}}, introspected
    page = httpx.get(b + "/graphql", headers={"accept": "text/html"})  # a page: no token needed
    assert page.status_code == 200 and "graphiql" in page.text.lower()


def test_cors_preflight_and_answers_carry_the_allowed_origin(b):
    preflight = httpx.options(b + "/graphql", headers={
        "origin": ORIGIN, "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type, accept, accept-language"})
    assert preflight.status_code == 200, preflight.text
    assert preflight.headers["access-control-allow-origin"] == ORIGIN
    allowed = {h.strip().lower() for h in preflight.headers["access-control-allow-headers"].split(",")}
    assert {"authorization", "content-type", "accept", "accept-language"} <= allowed
    assert "POST" in preflight.headers["access-control-allow-methods"]
    other = httpx.options(b + "/graphql", headers={"origin": "https://evil.example.org",
                                                    "access-control-request-method": "POST"})
    assert other.status_code == 400 and "access-control-allow-origin" not in other.headers
    answer = post(b, {"query": GRIDS}, {"origin": ORIGIN})
    assert answer.status_code == 200 and answer.headers["access-control-allow-origin"] == ORIGIN
    refused = post(b, {"query": GRIDS}, {"origin": ORIGIN, **bearer("dj_0123456789abcdef_" + "y" * 43)})
    assert refused.status_code == 401 and refused.headers["access-control-allow-origin"] == ORIGIN
    assert "www-authenticate" in refused.headers["access-control-expose-headers"].lower()


def test_a_token_for_another_algorithm_is_refused(b):
    from tests.auth_support import RSA_KEY

    response = post(b, {"query": GRIDS}, bearer(sign(claims(), key=RSA_KEY)))
    assert response.status_code == 401 and "must be HS256" in response.json()["errors"][0]["message"]


def test_failed_authentications_from_one_address_are_rate_limited(b):
    """Last in the module: DANGJIAN_RATE_FAILED_AUTH=5/minute, and the tests above failed twice."""
    statuses = [post(b, {"query": GRIDS}, bearer("dj_0123456789abcdef_" + "z" * 43)).status_code for _ in range(6)]
    assert statuses[-1] == 429 and set(statuses) == {401, 429}, statuses
    limited = post(b, {"query": GRIDS}, bearer(sign(claims(iss=None, aud=None), key=SECRET, algorithm="HS256", kid=None)))
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    assert limited.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert post(b, {"query": GRIDS}).status_code == 200  # reading anonymously is another matter
