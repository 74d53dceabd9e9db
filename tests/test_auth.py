"""Identity in production mode, over real HTTP: JWTs verified against a JWKS file (RS256 and
ES256 keys generated here), API keys made with the real `dangjian token` CLI, anonymous requests
refused, and the actor of every write the authenticated name, whatever X-Actor says."""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import time
import uuid

import httpx
import pytest

from graph.api_keys import create_plan, new_key
from resolvers.ids import to_global_id
from tests.auth_support import (
    AUDIENCE, AUDIT, CREATE_ZONE, EC_KEY, ISSUER, OTHER_RSA_KEY, RSA_KEY, SECRET, TOWNS, bearer, claims, dangjian,
    make_key, post, production_server, sign, unsigned, write_jwks,
)
from tests.conftest import TEST_GRAPH

GRAPH = f"{TEST_GRAPH}_auth"
INTERNAL_TEXT = ("Traceback", "jwt.", "PyJWT", "Signature verification", ".py", "Errno", "Error:")


@pytest.fixture(scope="module")
async def a(engine, data_dir, tmp_path_factory):
    """Production, JWTs from a JWKS file, no public reads; researchers limited to 5 requests a
    minute (test_a_grant_past_its_rate_is_told_when_to_retry)."""
    jwks = write_jwks(tmp_path_factory.mktemp("jwks") / "jwks.json")
    env = {"DANGJIAN_JWT_JWKS_FILE": str(jwks), "DANGJIAN_JWT_ISSUER": ISSUER, "DANGJIAN_JWT_AUDIENCE": AUDIENCE,
           "DANGJIAN_RATE_RESEARCHER": "5/minute", "DANGJIAN_RATE_FAILED_AUTH": "1000/minute"}
    async with production_server(engine, data_dir, GRAPH, env) as (url, backend):
        keys = {"admin": make_key(engine, GRAPH, "李研究员", "admin"),
                "viewer": make_key(engine, GRAPH, "viewer-bot", "viewer"),
                "researcher": make_key(engine, GRAPH, "notebook", "researcher", "--town", "town-zumiao")}
        yield url, keys, engine, backend


def refused(response: httpx.Response, reason: str | None = None) -> str:
    """Assert a 401 UNAUTHENTICATED without internal text; returns the message."""
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"].startswith('Bearer realm="dangjian"')
    body = response.json()
    assert "data" not in body and body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", body
    message = body["errors"][0]["message"]
    assert not any(text in message for text in INTERNAL_TEXT), message
    if reason is not None:
        assert reason in message, message
    return message


def test_anonymous_reads_and_writes_are_refused_in_production(a):
    url, *_ = a
    refused(post(url, TOWNS), "needs a token")
    refused(post(url, CREATE_ZONE, {"u": "zone-anonymous"}))
    assert httpx.get(url + "/export/town/town-zumiao.json").status_code == 401
    assert httpx.get(url + "/healthz").status_code == 200  # probes need no token


@pytest.mark.parametrize("key, algorithm, kid", [(RSA_KEY, "RS256", "rsa-1"), (EC_KEY, "ES256", "ec-1")],
                         ids=["RS256", "ES256"])
def test_a_valid_jwt_reads_and_writes_under_its_name(a, key, algorithm, kid):
    url, *_ = a
    token = sign(claims(name="王编辑"), key=key, algorithm=algorithm, kid=kid)
    body = post(url, TOWNS, headers=bearer(token)).json()
    assert body["data"] == {"towns": {"totalCount": 4}}, body
    uid = f"zone-jwt-{uuid.uuid4().hex[:8]}"
    written = post(url, CREATE_ZONE, {"u": uid}, headers={**bearer(token), "x-actor": "someone-else"}).json()
    assert written["data"] == {"createZone": {"uid": uid}}, written
    audit = post(url, AUDIT, {"u": uid}, headers=bearer(token)).json()["data"]["auditEntries"]["nodes"]
    assert audit == [{"actor": "王编辑", "action": "create"}]


@pytest.mark.parametrize("token, reason", [
    (lambda: sign(claims(exp=int(time.time()) - 3600)), "expired"),
    (lambda: sign(claims(aud="another-app")), "not meant for this API"),
    (lambda: sign(claims(iss="https://evil.example.org")), "issuer"),
    (lambda: sign(claims(exp=None)), "no exp claim"),
    (lambda: sign(claims(aud=None)), "no aud claim"),
    (lambda: unsigned(claims()), "algorithm"),
    (lambda: sign(claims(), key=OTHER_RSA_KEY), "signature does not verify"),
    (lambda: sign(claims(), kid="unknown-kid"), "key (kid)"),
    (lambda: sign(claims(), key=SECRET, algorithm="HS256"), "algorithm"),  # HS256 with no secret set
    (lambda: "not.a.jwt", "not a well-formed JWT"),
    (lambda: sign(claims(dangjian_role=None)), "no dangjian_role claim"),
    (lambda: sign(claims(dangjian_role="superuser")), "must be one of viewer, researcher, editor, admin"),
    (lambda: sign(claims(dangjian_towns={"town": "x"})), "dangjian_towns"),
])
def test_a_bad_jwt_is_refused_with_the_reason(a, token, reason):
    url, *_ = a
    refused(post(url, TOWNS, headers=bearer(token())), reason)


def test_a_tampered_jwt_is_refused(a):
    url, *_ = a
    header, payload, signature = sign(claims(dangjian_role="viewer")).split(".")
    raised = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    raised["dangjian_role"] = "admin"
    forged = base64.urlsafe_b64encode(json.dumps(raised).encode()).rstrip(b"=").decode()
    refused(post(url, TOWNS, headers=bearer(f"{header}.{forged}.{signature}")), "signature does not verify")


def test_other_schemes_and_malformed_keys_are_refused(a):
    url, keys, *_ = a
    refused(post(url, TOWNS, headers={"authorization": "Basic dXNlcjpwYXNz"}), "Bearer")
    refused(post(url, TOWNS, headers={"authorization": "Bearer"}), "Bearer")
    refused(post(url, TOWNS, headers=bearer(keys["admin"][:-1])), "not a well-formed API key")
    refused(post(url, TOWNS, headers=bearer(keys["admin"][:-1] + ("A" if keys["admin"][-1] != "A" else "B"))),
            "unknown API key")
    refused(post(url, TOWNS, headers=bearer("dj_0123456789abcdef_" + "x" * 43)), "unknown API key")


def test_an_api_key_named_in_chinese_writes_as_that_name_and_x_actor_is_ignored(a):
    url, keys, *_ = a
    for actor in (b"mallory", b"\xff\xfe not utf-8", b""):  # even a malformed X-Actor changes nothing
        uid = f"zone-key-{uuid.uuid4().hex[:8]}"
        response = httpx.post(url + "/graphql", content=json.dumps({"query": CREATE_ZONE, "variables": {"u": uid}}),
                              headers=[(b"content-type", b"application/json"), (b"x-actor", actor),
                                       (b"authorization", f"Bearer {keys['admin']}".encode())], timeout=30)
        assert response.json()["data"] == {"createZone": {"uid": uid}}, response.text
        audit = post(url, AUDIT, {"u": uid}, headers=bearer(keys["admin"])).json()
        assert audit["data"]["auditEntries"]["nodes"] == [{"actor": "李研究员", "action": "create"}]


def test_api_keys_are_not_in_the_graphql_api(a):
    url, keys, *_ = a
    key_id = keys["admin"].split("_")[1]
    body = post(url, "query($id: ID!) { node(id: $id) { id } }", {"id": to_global_id("ApiKey", key_id)},
                headers=bearer(keys["admin"])).json()
    assert body["data"] == {"node": None}, body
    search = post(url, '{ search(text: "李研究员") { label } }', headers=bearer(keys["admin"])).json()
    assert all(hit["label"] != "ApiKey" for hit in search["data"]["search"]), search


def test_token_list_shows_every_key_but_never_a_secret(a):
    url, keys, engine, _ = a
    listed = dangjian(engine, GRAPH, "token", "list")
    as_json = dangjian(engine, GRAPH, "token", "list", "--json")
    assert listed.returncode == as_json.returncode == 0, listed.stderr + as_json.stderr
    for key in keys.values():
        _, key_id, secret = key.split("_", 2)
        assert key_id in listed.stdout and key_id in as_json.stdout
        for text in (secret, hashlib.sha256(secret.encode()).hexdigest()):
            assert text not in listed.stdout + listed.stderr + as_json.stdout + as_json.stderr
    rows = {row["id"]: row for row in json.loads(as_json.stdout)}
    admin = rows[keys["admin"].split("_")[1]]
    assert admin["name"] == "李研究员" and admin["role"] == "admin" and admin["revoked"] is None
    assert set(admin) == {"id", "name", "role", "towns", "created", "expires", "revoked", "readsWholeDistrict"}
    assert rows[keys["researcher"].split("_")[1]]["towns"] == ["town-zumiao"]
    assert "李研究员\tadmin" in listed.stdout  # the name exactly as given


def test_a_revoked_key_is_refused_within_seconds(a):
    url, _, engine, _ = a
    key = make_key(engine, GRAPH, "短期密钥", "viewer")
    assert post(url, TOWNS, headers=bearer(key)).status_code == 200  # now in the server's cache
    done = dangjian(engine, GRAPH, "token", "revoke", key.split("_")[1])
    assert done.returncode == 0 and "revoked key" in done.stdout, done.stderr
    revoked_at, deadline = time.monotonic(), time.monotonic() + 10
    while post(url, TOWNS, headers=bearer(key)).status_code == 200:
        assert time.monotonic() < deadline, "the revoked key was still accepted after 10 s"
        time.sleep(0.25)
    assert time.monotonic() - revoked_at < 6.5  # KEY_CACHE_S = 5, plus the polling
    refused(post(url, TOWNS, headers=bearer(key)), "revoked")
    again = dangjian(engine, GRAPH, "token", "revoke", key.split("_")[1])
    assert again.returncode == 0 and "already" in again.stdout


def test_creating_and_revoking_a_key_are_in_the_audit_trail(a):
    url, keys, engine, _ = a
    key = make_key(engine, GRAPH, "审计密钥", "researcher", "--town", "town-shiwan")
    key_id, secret = key.split("_")[1], key.split("_", 2)[2]
    assert dangjian(engine, GRAPH, "token", "revoke", key_id).returncode == 0
    assert dangjian(engine, GRAPH, "token", "revoke", key_id).returncode == 0  # a repeat records nothing
    query = "query($u: String) { auditEntries(where: {targetUid: {eq: $u}}) { nodes { action targetType actor changes } } }"
    entries = post(url, query, {"u": key_id}, headers=bearer(keys["admin"])).json()["data"]["auditEntries"]["nodes"]
    assert sorted(e["action"] for e in entries) == ["token-create", "token-revoke"]
    assert all(e["targetType"] == "ApiKey" and e["actor"].startswith("dangjian token") for e in entries)
    created = json.loads(next(e for e in entries if e["action"] == "token-create")["changes"])
    assert created["name"] == "审计密钥" and created["role"] == "researcher" and created["towns"] == ["town-shiwan"]
    assert secret not in json.dumps(entries) and hashlib.sha256(secret.encode()).hexdigest() not in json.dumps(entries)


async def test_an_expired_key_is_refused_and_the_cli_mints_none(a):
    url, _, engine, backend = a
    done = dangjian(engine, GRAPH, "token", "create", "--name", "x", "--role", "viewer", "--expires", "2020-01-01")
    assert done.returncode == 1 and "not in the future" in done.stderr and not done.stdout
    for bad in (("--expires", "tomorrow"), ("--town", "town-nowhere"), ("--read-whole-district",), ("--name", " ")):
        done = dangjian(engine, GRAPH, "token", "create", "--name", "x", "--role", "viewer", *bad)
        assert done.returncode == 1 and not done.stdout.strip(), (bad, done.stdout)
    # Expiry is checked on every request: a key stored (as `create` stores it) with one just past.
    key_id, secret, key = new_key()
    past = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)
    await backend.write(create_plan(key_id, secret, "过期", "viewer", expires=past))
    refused(post(url, TOWNS, headers=bearer(key)), "expired")


def test_introspection_and_graphiql_are_off_in_production(a):
    url, keys, *_ = a
    body = post(url, "{ __schema { queryType { name } } }", headers=bearer(keys["admin"])).json()
    assert "data" not in body and body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED", body
    assert post(url, "{ __typename }", headers=bearer(keys["admin"])).json()["data"] == {"__typename": "Query"}
    page = httpx.get(url + "/graphql", headers={"accept": "text/html"})
    assert page.status_code == 404 and "GraphiQL" not in page.headers.get("content-type", "")


def test_no_cors_headers_without_the_setting(a):
    url, *_ = a
    preflight = httpx.options(url + "/graphql", headers={
        "origin": "https://app.example.org", "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type"})
    assert preflight.status_code == 405 and "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-origin" not in post(url, TOWNS, headers={"origin": "https://app.example.org"}).headers


COSTLY = "{ " + " ".join(f"{alias}: members(first: 200) {{ nodes {{ memberOf {{ members {{ uid }} }} }} }}"
                         for alias in "abc") + " }"  # about 67,200 objects


def test_each_role_has_its_budget(a):
    url, keys, *_ = a
    viewer = post(url, COSTLY, headers=bearer(keys["viewer"])).json()
    assert "data" not in viewer and viewer["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", viewer
    message = viewer["errors"][0]["message"]
    assert "viewer budget of 50,000" in message and "DANGJIAN_MAX_COST_VIEWER" in message, message
    assert viewer["extensions"]["cost"] == {"estimated": 67_200, "budget": 50_000}
    admin = post(url, COSTLY, headers=bearer(keys["admin"])).json()
    assert "errors" not in admin and admin["extensions"]["cost"]["budget"] == 500_000, admin


@pytest.mark.parametrize("query, variables, field", [
    ("{ zones(first: 201) { nodes { uid } } }", {}, "zones.first"),
    ("query($n: Int) { z: zones(first: $n) { nodes { uid } } }", {"n": 250}, "z.first"),
    ("{ zones(first: 5) { nodes { externalOrganisations(first: 300) { name } } } }", {},
     "zones.nodes.externalOrganisations.first"),
    ("{ coverageGaps(first: 300) { villagesWithoutSecretary { count } } }", {}, "coverageGaps.first"),
])
def test_each_role_has_its_page_size(a, query, variables, field):
    url, keys, *_ = a
    viewer = post(url, query, variables, headers=bearer(keys["viewer"])).json()
    assert "data" not in viewer, viewer
    error = viewer["errors"][0]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": field, "messageEn": error["message"]}, error
    assert "at most 200" in error["message"] and "DANGJIAN_MAX_PAGE_VIEWER" in error["message"], error
    admin = post(url, query, variables, headers=bearer(keys["admin"])).json()
    assert "errors" not in admin, admin
    at_limit = post(url, "{ zones(first: 200) { nodes { uid } } }", headers=bearer(keys["viewer"])).json()
    assert "errors" not in at_limit, at_limit


def test_a_grant_past_its_rate_is_told_when_to_retry(a):
    """DANGJIAN_RATE_RESEARCHER=5/minute: the sixth request is a 429, answered at once, while
    other grants are served as before."""
    url, keys, *_ = a
    answers = [post(url, TOWNS, headers=bearer(keys["researcher"])) for _ in range(5)]
    assert [r.status_code for r in answers] == [200] * 5, [r.text for r in answers]
    started = time.perf_counter()
    limited = post(url, TOWNS, headers=bearer(keys["researcher"]))
    assert time.perf_counter() - started < 0.5
    assert limited.status_code == 429 and 1 <= int(limited.headers["retry-after"]) <= 60, limited.text
    error = limited.json()["errors"][0]
    assert error["extensions"]["code"] == "RATE_LIMITED" and "DANGJIAN_RATE_RESEARCHER" in error["message"], error
    assert "data" not in limited.json()
    assert post(url, TOWNS, headers=bearer(keys["viewer"])).status_code == 200
    export = httpx.get(url + "/export/town/town-zumiao.json", headers=bearer(keys["researcher"]))
    assert export.status_code == 429 and export.json()["code"] == "RATE_LIMITED" and export.headers["retry-after"]


def test_the_towns_of_a_token_or_key_reach_the_authorisation_pass(a):
    """A grant limited to Zumiao reads only Zumiao's nodes (and the district's), unless its reads
    are district-wide, and writes only there; the same from a JWT's claims and from a key."""
    url, _, engine, _ = a
    zumiao = {"dangjian_role": "viewer", "dangjian_towns": ["town-zumiao"]}
    grants = {
        sign(claims(**zumiao)): 1,
        sign(claims(**zumiao, dangjian_reads="district")): 4,
        make_key(engine, GRAPH, "祖庙查看", "viewer", "--town", "town-zumiao"): 1,
        make_key(engine, GRAPH, "祖庙全区", "viewer", "--town", "town-zumiao", "--read-whole-district"): 4,
    }
    for token, towns in grants.items():
        body = post(url, TOWNS, headers=bearer(token)).json()
        assert body["data"] == {"towns": {"totalCount": towns}}, body
    editor = make_key(engine, GRAPH, "祖庙编辑", "editor", "--town", "town-zumiao")
    create = ('mutation($u: String!, $t: String!) { createZone(input: { uid: $u, name: "示例片区", '
              "isDemonstration: false, town: $t }) { uid } }")
    inside = post(url, create, {"u": f"zone-z-{uuid.uuid4().hex[:8]}", "t": "town-zumiao"}, headers=bearer(editor))
    assert "errors" not in inside.json(), inside.text
    outside = post(url, create, {"u": f"zone-n-{uuid.uuid4().hex[:8]}", "t": "town-nanzhuang"}, headers=bearer(editor))
    assert outside.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN", outside.text
