"""JWTs verified with keys fetched from a JWKS URL (a real HTTP server on loopback, serving the
RSA key of tests/auth_support.py), and the grant a token's claims give. No database: these are
the verifier's own rules (web/jwt_auth.py); the HTTP tests are in tests/test_auth*.py."""
from __future__ import annotations

import asyncio
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.auth_support import AUDIENCE, ISSUER, claims, sign, write_jwks
from web.jwt_auth import ClaimNames, JwtVerifier, KeysUnavailable, Unauthenticated, grant_from_claims


@pytest.fixture(scope="module")
def jwks_url(tmp_path_factory):
    """http://127.0.0.1:PORT/jwks.json; `fetches` counts the requests, `delay` slows each down."""
    body = write_jwks(tmp_path_factory.mktemp("jwks-url") / "jwks.json").read_bytes()
    state = {"fetches": 0, "delay": 0.0}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            state["fetches"] += 1
            time.sleep(state["delay"])
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/jwks.json", state
    server.shutdown()


def verifier(url: str) -> JwtVerifier:
    return JwtVerifier.from_env({"DANGJIAN_JWT_JWKS_URL": url, "DANGJIAN_JWT_ISSUER": ISSUER,
                                 "DANGJIAN_JWT_AUDIENCE": AUDIENCE})


async def test_keys_come_from_the_url_once_and_unknown_kids_do_not_refetch_each_time(jwks_url):
    url, state = jwks_url
    state["fetches"] = 0
    check = verifier(url)
    grant = await check.verify(sign(claims(dangjian_role="editor", dangjian_towns=["town-zumiao"])))
    assert (grant.role, grant.towns, grant.reads_scoped, grant.name) == ("editor", ("town-zumiao",), True, "王编辑")
    assert grant.subject == f"jwt:{ISSUER}|user-42" and grant.authenticated and not grant.is_open
    for _ in range(3):
        await check.verify(sign(claims()))
    assert state["fetches"] == 1  # cached
    for _ in range(5):
        with pytest.raises(Unauthenticated, match="kid"):
            await check.verify(sign(claims(), kid="rotated-away"))
    assert state["fetches"] <= 2  # one refetch at most within PyJWKClient's 30 s cooldown


async def test_fetching_keys_never_holds_the_event_loop(jwks_url):
    url, state = jwks_url
    state["delay"] = 1.0
    try:
        gaps, last = [], time.perf_counter()

        async def tick():
            nonlocal last
            while True:
                await asyncio.sleep(0.01)
                now = time.perf_counter()
                gaps.append(now - last)
                last = now

        ticker = asyncio.create_task(tick())
        grant = await verifier(url).verify(sign(claims()))  # a fresh verifier: the set is fetched
        ticker.cancel()
        assert grant.role == "admin" and len(gaps) > 50 and max(gaps) < 0.2, max(gaps)
    finally:
        state["delay"] = 0.0


async def test_an_unreachable_provider_is_not_the_clients_fault():
    with pytest.raises(KeysUnavailable):
        await verifier("http://127.0.0.1:9/jwks.json").verify(sign(claims()))


@pytest.mark.parametrize("overrides, expected", [
    ({}, ("王编辑", (), True)),
    ({"name": None, "preferred_username": "wang"}, ("wang", (), True)),
    ({"name": None}, ("user-42", (), True)),
    ({"dangjian_towns": "town-shiwan", "dangjian_reads": "district"}, ("王编辑", ("town-shiwan",), False)),
    ({"dangjian_towns": ["town-a", "town-a", "town-b"]}, ("王编辑", ("town-a", "town-b"), True)),
])
def test_the_grant_of_a_tokens_claims(overrides, expected):
    grant = grant_from_claims(claims(**overrides), ClaimNames())
    assert (grant.name, grant.towns, grant.reads_scoped) == expected


@pytest.mark.parametrize("overrides, claim", [
    ({"dangjian_reads": "everything"}, "dangjian_reads"),
    ({"dangjian_towns": [1, 2]}, "dangjian_towns"),
    ({"dangjian_towns": ["town\x00"]}, "dangjian_towns"),
    ({"name": "a\nb"}, "name"),
    ({"name": "x" * 201}, "name"),
])
def test_malformed_claims_are_refused_naming_the_claim(overrides, claim):
    with pytest.raises(Unauthenticated, match=claim):
        grant_from_claims(claims(**overrides), ClaimNames())


def test_claim_names_can_be_configured():
    names = JwtVerifier.from_env({"DANGJIAN_JWT_SECRET": "s" * 32, "DANGJIAN_JWT_ROLE_CLAIM": "https://dj/role",
                                  "DANGJIAN_JWT_TOWNS_CLAIM": "https://dj/towns"}).names
    grant = grant_from_claims({"sub": "u", "https://dj/role": "researcher", "https://dj/towns": ["town-zumiao"]}, names)
    assert (grant.role, grant.towns, grant.name) == ("researcher", ("town-zumiao",), "u")
    assert names.reads == "dangjian_reads"
