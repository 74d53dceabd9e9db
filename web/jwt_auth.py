"""Bearer JWTs from an identity provider, verified with PyJWT, and the grant they carry.

Settings (read once at start-up; a bad value stops it, naming the setting):

    DANGJIAN_JWT_JWKS_URL     the provider's JWKS (https://…/.well-known/jwks.json), fetched when
                              first needed and cached 5 minutes; a token naming an unknown key id
                              refetches it at most once per 30 s (PyJWKClient's cooldown)
    DANGJIAN_JWT_JWKS_FILE    the same keys from a file, read at start-up
    DANGJIAN_JWT_SECRET       or an HS256 secret shared with the token issuer (32 bytes or more)
    DANGJIAN_JWT_ISSUER       tokens must carry this `iss`
    DANGJIAN_JWT_AUDIENCE     tokens must carry this `aud` (comma-separated: any of them); required
                              with a JWKS, whose provider issues tokens for other applications too
    DANGJIAN_JWT_ROLE_CLAIM   the claim holding the role (default dangjian_role)
    DANGJIAN_JWT_TOWNS_CLAIM  the claim holding the town uids (default dangjian_towns)
    DANGJIAN_JWT_READS_CLAIM  the claim that, as "district", leaves reads unscoped (default dangjian_reads)

Algorithms come from the key, never from the token: RS256, ES256 or EdDSA for a JWKS key (by its
`kty`/`crv`, or its `alg` if it names one of these), HS256 for the secret; `alg: none` never
verifies. `exp` and `sub` are required, `iss` and `aud` when set; clocks may differ by 30 s.
"""
from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt

from graph.grants import ROLES, Grant
from graph.validation import actor_problem, text_problem

JWKS_ALGORITHMS = ("RS256", "ES256", "EdDSA")
SECRET_ALGORITHMS = ("HS256",)
LEEWAY_S = 30
MAX_TOKEN_LENGTH = 8192
MAX_TOWNS = 1000
MAX_TOWN_LENGTH = 200
JWKS_LIFESPAN_S = 300
JWKS_TIMEOUT_S = 5


class Unauthenticated(Exception):
    """The request's credentials do not authenticate it; the message is the reason a client
    may read (never a library's or the database's text)."""


class KeysUnavailable(Exception):
    """The identity provider's keys could not be fetched: not the client's fault (503)."""


def _claim_problem(name: str, what: str) -> str:
    return f"the token's {name} claim {what}"


@dataclass(frozen=True)
class ClaimNames:
    role: str = "dangjian_role"
    towns: str = "dangjian_towns"
    reads: str = "dangjian_reads"


def grant_from_claims(claims: dict[str, Any], names: ClaimNames) -> Grant:
    """The grant a verified token's claims give. Raises Unauthenticated naming the claim that
    is missing or malformed."""
    role = claims.get(names.role)
    if role is None:
        raise Unauthenticated(f"the token has no {names.role} claim: the identity provider must send one of "
                              f"{', '.join(ROLES)}")
    if role not in ROLES:
        raise Unauthenticated(_claim_problem(names.role, f"must be one of {', '.join(ROLES)}"))
    towns = claims.get(names.towns) or []
    if isinstance(towns, str):  # providers send a one-valued claim as a string
        towns = [towns]
    if not isinstance(towns, list) or len(towns) > MAX_TOWNS or not all(
            isinstance(t, str) and t and len(t) <= MAX_TOWN_LENGTH and not text_problem(t) for t in towns):
        raise Unauthenticated(_claim_problem(names.towns, f"must be a list of at most {MAX_TOWNS} town uids"))
    reads = claims.get(names.reads)
    if reads not in (None, "district"):
        raise Unauthenticated(_claim_problem(names.reads, 'may only be "district"'))
    name_claim = next((c for c in ("name", "preferred_username", "sub") if isinstance(claims.get(c), str)
                       and claims[c].strip()), "sub")
    name = claims.get(name_claim)
    problem = actor_problem(name) if isinstance(name, str) else "must be text"
    if problem:
        raise Unauthenticated(_claim_problem(name_claim, problem))
    issuer = claims.get("iss") if isinstance(claims.get("iss"), str) else ""
    return Grant(role, name=name.strip(), towns=tuple(dict.fromkeys(towns)), reads_scoped=reads != "district",
                 subject=f"jwt:{issuer}|{claims['sub']}")


# PyJWT's refusals, in words a client can act on (its own messages may quote the token).
_REASONS = (
    (jwt.ExpiredSignatureError, "the token has expired"),
    (jwt.ImmatureSignatureError, "the token is not valid yet (nbf)"),
    (jwt.InvalidAudienceError, "the token is not meant for this API (aud)"),
    (jwt.InvalidIssuerError, "the token's issuer (iss) is not the one this API trusts"),
    (jwt.InvalidIssuedAtError, "the token's issue time (iat) is not valid"),
    (jwt.InvalidAlgorithmError, "the token's algorithm (alg) is not the one of its key"),
    (jwt.InvalidSignatureError, "the token's signature does not verify"),
    (jwt.exceptions.InvalidSubjectError, "the token's sub claim must be text"),
    (jwt.DecodeError, "not a well-formed JWT"),
)


def _reason(error: jwt.PyJWTError) -> str:
    if isinstance(error, jwt.MissingRequiredClaimError):
        return f"the token has no {error.claim} claim"
    return next((reason for kind, reason in _REASONS if isinstance(error, kind)), "the token is not valid")


class JwtVerifier:
    """Verifies a bearer JWT and returns its grant (`await verify(token)`)."""

    def __init__(self, issuer: str | None, audience: list[str] | None, names: ClaimNames,
                 secret: bytes | None = None, jwks: jwt.PyJWKSet | None = None, jwks_url: str | None = None) -> None:
        self.issuer, self.audience, self.names = issuer, audience, names
        self.secret = secret
        self.keys = {key.key_id: key for key in jwks.keys if key.algorithm_name in JWKS_ALGORITHMS} if jwks else {}
        self.client = jwt.PyJWKClient(jwks_url, lifespan=JWKS_LIFESPAN_S, timeout=JWKS_TIMEOUT_S) if jwks_url else None
        # Fetching keys is blocking I/O: one thread of its own, so a slow provider holds neither
        # the event loop nor the default executor's threads.
        self._fetcher = ThreadPoolExecutor(1, thread_name_prefix="jwks") if jwks_url else None
        required = ["exp", "sub"] + (["iss"] if issuer else []) + (["aud"] if audience else [])
        self.options = {"require": required}

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "JwtVerifier | None":
        """The verifier the settings describe, or None when no key source is set (JWTs are then
        refused). Raises ValueError naming the setting at fault."""
        env = os.environ if env is None else env
        get = lambda name: env.get(name, "").strip() or None  # noqa: E731
        url, file, secret = get("DANGJIAN_JWT_JWKS_URL"), get("DANGJIAN_JWT_JWKS_FILE"), env.get("DANGJIAN_JWT_SECRET")
        issuer, audience = get("DANGJIAN_JWT_ISSUER"), get("DANGJIAN_JWT_AUDIENCE")
        sources = [name for name, value in (("DANGJIAN_JWT_JWKS_URL", url), ("DANGJIAN_JWT_JWKS_FILE", file),
                                            ("DANGJIAN_JWT_SECRET", secret)) if value]
        if len(sources) > 1:
            raise ValueError(f"set one of {', '.join(sources)}: tokens are verified with one kind of key")
        if not sources:
            if issuer or audience:
                raise ValueError("DANGJIAN_JWT_ISSUER and DANGJIAN_JWT_AUDIENCE need a key: set DANGJIAN_JWT_JWKS_URL, "
                                 "DANGJIAN_JWT_JWKS_FILE or DANGJIAN_JWT_SECRET")
            return None
        if (url or file) and not audience:
            raise ValueError(f"{sources[0]} needs DANGJIAN_JWT_AUDIENCE: an identity provider's keys also sign "
                             "tokens meant for other applications")
        names = ClaimNames(*(get(f"DANGJIAN_JWT_{part}_CLAIM") or default for part, default in
                             (("ROLE", "dangjian_role"), ("TOWNS", "dangjian_towns"), ("READS", "dangjian_reads"))))
        audiences = [a.strip() for a in audience.split(",") if a.strip()] if audience else None
        if secret is not None:
            encoded = secret.encode("utf-8")
            if len(encoded) < 32:
                raise ValueError(f"DANGJIAN_JWT_SECRET must be at least 32 bytes (HS256 with a shorter key can be "
                                 f"guessed), got {len(encoded)}")
            return cls(issuer, audiences, names, secret=encoded)
        if url:
            try:
                return cls(issuer, audiences, names, jwks_url=url)
            except jwt.PyJWKClientError as error:
                raise ValueError(f"DANGJIAN_JWT_JWKS_URL: {error}") from None
        try:
            jwks = jwt.PyJWKSet.from_json(Path(file).read_text(encoding="utf-8"))
        except OSError as error:
            raise ValueError(f"DANGJIAN_JWT_JWKS_FILE: cannot read {file}: {error.strerror}") from None
        except (jwt.PyJWTError, ValueError) as error:
            raise ValueError(f"DANGJIAN_JWT_JWKS_FILE: {file} is not a JWK set with a usable key: {error}") from None
        verifier = cls(issuer, audiences, names, jwks=jwks)
        if not verifier.keys:
            raise ValueError(f"DANGJIAN_JWT_JWKS_FILE: {file} has no {', '.join(JWKS_ALGORITHMS)} key")
        return verifier

    async def verify(self, token: str) -> Grant:
        """The grant of a valid token. Raises Unauthenticated with the reason, or KeysUnavailable
        when the provider's keys cannot be fetched."""
        if len(token) > MAX_TOKEN_LENGTH:
            raise Unauthenticated(f"the token is longer than {MAX_TOKEN_LENGTH:,} characters")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthenticated("not a well-formed JWT") from None
        key, algorithms = await self._key(header)
        try:
            claims = jwt.decode(token, key, algorithms=algorithms, audience=self.audience, issuer=self.issuer,
                                leeway=LEEWAY_S, options=self.options)
        except jwt.PyJWTError as error:
            raise Unauthenticated(_reason(error)) from None
        return grant_from_claims(claims, self.names)

    async def _key(self, header: dict[str, Any]) -> tuple[Any, list[str]]:
        alg = header.get("alg")
        accepted = SECRET_ALGORITHMS if self.secret is not None else JWKS_ALGORITHMS
        if alg not in accepted:
            raise Unauthenticated(f"the token's algorithm (alg) must be {' or '.join(accepted)}, got {str(alg)[:20]!r}")
        if self.secret is not None:
            return self.secret, list(SECRET_ALGORITHMS)
        kid = header.get("kid")
        key = await self._jwk(kid if isinstance(kid, str) else None)
        if key.algorithm_name not in JWKS_ALGORITHMS:
            raise Unauthenticated("the token's key is not one this API accepts")
        return key, [key.algorithm_name]

    async def _jwk(self, kid: str | None) -> jwt.PyJWK:
        keys = self.keys
        if self.client is not None:
            cached = self.client.jwk_set_cache.get() if self.client.jwk_set_cache else None
            if cached is None or (kid is not None and all(k.key_id != kid for k in cached.keys)):
                cached = await self._fetch(kid)
            keys = {k.key_id: k for k in cached.keys if k.algorithm_name in JWKS_ALGORITHMS}
        if kid is None:
            if len(keys) == 1:
                return next(iter(keys.values()))
            raise Unauthenticated("the token names no key (kid), and there are several")
        if kid not in keys:
            raise Unauthenticated("the token's key (kid) is not one this API knows")
        return keys[kid]

    async def _fetch(self, kid: str | None) -> jwt.PyJWKSet:
        """The JWK set, fetched in the key thread (the set cached, or refetched for an unknown kid
        at most once per cooldown)."""
        def fetch() -> jwt.PyJWKSet:
            if kid is not None:
                try:
                    self.client.get_signing_key(kid)
                except jwt.PyJWKClientConnectionError:
                    raise
                except jwt.PyJWKClientError:
                    pass  # unknown kid: answered from the set below
            return self.client.get_jwk_set()

        try:
            return await asyncio.get_running_loop().run_in_executor(self._fetcher, fetch)
        except (jwt.PyJWKClientError, jwt.PyJWKSetError) as error:
            raise KeysUnavailable(str(error)) from None
