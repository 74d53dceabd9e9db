"""Real credentials for the authentication tests: API keys made with the real `dangjian token`
CLI, JWTs signed here with an RSA and an EC key published in a JWKS file (or an HS256 secret),
and a `dangjian serve` in production mode on a seeded scratch graph."""
from __future__ import annotations

import base64
import contextlib
import json
import subprocess
import sys
import time
from pathlib import Path

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from tests.conftest import REPO, cli_env, scratch_graph, start_serve

ISSUER = "https://id.example.org/realms/dangjian"
AUDIENCE = "dangjian-graph"
SECRET = "test-hs256-secret-0b1c2d3e4f5a6b7c8d9e"
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
OTHER_RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
CREATE_ZONE = ('mutation($u: String!) { createZone(input: { uid: $u, name: "示例认证片区", isDemonstration: false }) '
               '{ uid } }')
AUDIT = "query($u: String!) { auditEntries(where: { targetUid: { eq: $u } }) { nodes { actor action } } }"
TOWNS = "{ towns { totalCount } }"


def dangjian(engine, graph: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    """The real `dangjian` command on `graph` of `engine`."""
    return subprocess.run([sys.executable, "-m", "web.cli", *args], cwd=REPO, env=cli_env(engine, graph, **env),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)


def make_key(engine, graph: str, name: str, role: str, *flags: str) -> str:
    """A new API key from `dangjian token create` (printed alone on stdout)."""
    done = dangjian(engine, graph, "token", "create", "--name", name, "--role", role, *flags)
    assert done.returncode == 0, done.stderr
    key = done.stdout.strip()
    assert key.startswith("dj_") and "\n" not in key, done.stdout
    return key


def write_jwks(path: Path) -> Path:
    """A JWKS file with the RSA key (kid rsa-1) and the EC P-256 key (kid ec-1), public halves only."""
    keys = []
    for kid, key, algorithm in (("rsa-1", RSA_KEY, jwt.algorithms.RSAAlgorithm),
                                ("ec-1", EC_KEY, jwt.algorithms.ECAlgorithm)):
        jwk = json.loads(algorithm.to_jwk(key.public_key()))
        keys.append({**jwk, "kid": kid, "use": "sig"})
    path.write_text(json.dumps({"keys": keys}))
    return path


def claims(**overrides) -> dict:
    now = int(time.time())
    base = {"iss": ISSUER, "aud": AUDIENCE, "sub": "user-42", "iat": now, "exp": now + 600,
            "dangjian_role": "admin", "name": "王编辑"}
    return {k: v for k, v in {**base, **overrides}.items() if v is not None}


def sign(payload: dict, key=RSA_KEY, algorithm: str = "RS256", kid: str | None = "rsa-1") -> str:
    return jwt.encode(payload, key, algorithm=algorithm, headers={"kid": kid} if kid else None)


def unsigned(payload: dict) -> str:
    """An `alg: none` token: no signature at all."""
    part = lambda value: base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()  # noqa: E731
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(payload)}."


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def post(url: str, query: str, variables: dict | None = None, headers: dict | None = None,
         **options) -> httpx.Response:
    return httpx.post(url + "/graphql", json={"query": query, "variables": variables or {}},
                      headers=headers or {}, timeout=30, **options)


@contextlib.asynccontextmanager
async def production_server(engine, data_dir: Path, graph: str, env: dict[str, str], *args: str):
    """`dangjian serve --production` on a seeded scratch graph of its own; yields the base URL."""
    async with scratch_graph(engine, graph) as backend:
        process, url = start_serve(data_dir, "--no-seed", "--production", *args, graph=graph, engine=engine, env=env)
        try:
            yield url, backend
        finally:
            process.terminate()
            process.wait(30)
