"""The server's mode and the settings of its front door, read once at start-up (a bad value stops
start-up, naming the setting).

Modes (`dangjian serve`):

    dev         --dev (or DANGJIAN_DEV=1): the open grant, Cypher in `extensions`, internal errors'
                own messages; introspection and GraphiQL on
    open        neither flag, no database URL (or DANGJIAN_MODE=open): the open grant, as before
                authentication existed; introspection and GraphiQL on
    production  --production, DANGJIAN_MODE=production, or a database URL without --dev:
                anonymous requests refused (401) unless DANGJIAN_PUBLIC_READ=1, which lets them
                read as a viewer; introspection and GraphiQL off unless DANGJIAN_INTROSPECTION=1
                and DANGJIAN_GRAPHIQL=1; with DANGJIAN_PERSISTED_QUERIES, only registered
                operations run

In every mode a bearer token, if sent, is verified (a bad one is a 401) and its grant is used.
"""
from __future__ import annotations

import math
import os
import re
import time
from dataclasses import dataclass, field
from typing import Mapping

from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from graph.grants import ROLES
from web.jwt_auth import JwtVerifier
from web.persisted import PersistedQueries

DEV, OPEN, PRODUCTION = "dev", "open", "production"
MODES = (DEV, OPEN, PRODUCTION)
# Requests per role and grant (its subject; an anonymous reader's client address): a person
# clicking through the explorer sends well under a request a second; an editor's form, a
# researcher's notebook and an admin's scripts more.
DEFAULT_RATES = {"viewer": "120/minute", "researcher": "300/minute", "editor": "600/minute", "admin": "1200/minute"}
# Failed authentications per client address: enough for someone mistyping a key, few enough that
# guessing key ids cannot keep the database reading.
DEFAULT_FAILED_AUTH_RATE = "30/minute"
_ORIGIN = re.compile(r"https?://[^/\s?#,]+")


def resolve_mode(dev: bool = False, production: bool = False, database_url: str | None = None,
                 env: Mapping[str, str] | None = None) -> str:
    """The mode of `dangjian serve` from its flags and the environment (DANGJIAN_MODE,
    DANGJIAN_DEV, DANGJIAN_DATABASE_URL). Raises ValueError for a contradiction or a bad value."""
    env = os.environ if env is None else env
    named = env.get("DANGJIAN_MODE", "").strip().lower()
    if named and named not in MODES:
        raise ValueError(f"DANGJIAN_MODE must be one of {', '.join(MODES)}, got {named!r}")
    dev = dev or env.get("DANGJIAN_DEV") == "1"
    if dev and (production or named == PRODUCTION):
        raise ValueError("choose one mode: --dev (DANGJIAN_DEV=1) and --production (DANGJIAN_MODE=production) "
                         "contradict each other")
    if dev:
        return DEV
    if production:
        return PRODUCTION
    if named:
        return named
    return PRODUCTION if database_url or env.get("DANGJIAN_DATABASE_URL") else OPEN


def serving_security(dev: bool, production: bool, database_url: str | None) -> tuple[str, Security]:
    """The mode and settings of `dangjian serve`; raises SystemExit with the setting at fault."""
    try:
        mode = resolve_mode(dev, production, database_url)
        return mode, Security.from_env(mode)
    except ValueError as error:
        raise SystemExit(f"dangjian serve: {error}") from None


def _flag(env: Mapping[str, str], name: str) -> bool | None:
    text = env.get(name, "").strip().lower()
    if not text:
        return None
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name} must be 1 or 0, got {text!r}")


def _rate(env: Mapping[str, str], name: str, default: str) -> list[RateLimitItem]:
    text = env.get(name, "").strip() or default
    try:
        return parse_many(text)
    except ValueError:
        raise ValueError(f"{name} must be a rate such as 120/minute (or several: 10/second;300/minute), "
                         f"got {text!r}") from None


def cors_origins(env: Mapping[str, str]) -> tuple[str, ...]:
    """DANGJIAN_CORS_ORIGINS: comma-separated origins (scheme://host[:port]), or *; none when unset."""
    text = env.get("DANGJIAN_CORS_ORIGINS", "").strip()
    origins = tuple(o.strip().rstrip("/") for o in text.split(",") if o.strip())
    for origin in origins:
        if origin != "*" and not _ORIGIN.fullmatch(origin):
            raise ValueError(f"DANGJIAN_CORS_ORIGINS: {origin!r} is not an origin such as https://app.example.org")
    return origins


class RateLimits:
    """Moving-window limits in this process's memory (`limits`): per role, and per client address
    for failed authentications. Each check is a few microseconds; nothing waits."""

    def __init__(self, per_role: dict[str, list[RateLimitItem]], failed: list[RateLimitItem]) -> None:
        self.per_role, self.failed = per_role, failed
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "RateLimits":
        return cls({role: _rate(env, f"DANGJIAN_RATE_{role.upper()}", DEFAULT_RATES[role]) for role in ROLES},
                   _rate(env, "DANGJIAN_RATE_FAILED_AUTH", DEFAULT_FAILED_AUTH_RATE))

    def hit(self, items: list[RateLimitItem], key: str) -> int | None:
        """Count one request against `items` for `key`; None if allowed, else the seconds to wait
        (Retry-After; a refused request is not counted)."""
        if all(self.limiter.test(item, key) for item in items):
            for item in items:
                self.limiter.hit(item, key)
            return None
        return self.retry_after(items, key)

    def over(self, items: list[RateLimitItem], key: str) -> int | None:
        """The seconds to wait if `key` has no room left under `items`, else None (counts nothing)."""
        return None if all(self.limiter.test(item, key) for item in items) else self.retry_after(items, key)

    def retry_after(self, items: list[RateLimitItem], key: str) -> int:
        now = time.time()
        waits = [self.limiter.get_window_stats(item, key).reset_time - now for item in items
                 if not self.limiter.test(item, key)]
        return max(1, math.ceil(max(waits, default=1)))

    @staticmethod
    def describe(items: list[RateLimitItem]) -> str:
        """"120 per 1 minute", as a person reads it."""
        return ", ".join(repr(item) for item in items)


@dataclass
class Security:
    """What the front door does in one mode (see the module docstring)."""

    mode: str = OPEN
    public_read: bool = False
    introspection: bool = True
    graphiql: bool = True
    persisted: PersistedQueries = field(default_factory=PersistedQueries)
    cors_origins: tuple[str, ...] = ()
    jwt: JwtVerifier | None = None
    rates: RateLimits = field(default_factory=lambda: RateLimits.from_env({}))

    @property
    def production(self) -> bool:
        return self.mode == PRODUCTION

    @property
    def dev(self) -> bool:
        return self.mode == DEV

    @classmethod
    def from_env(cls, mode: str, env: Mapping[str, str] | None = None) -> "Security":
        """Every setting of the front door for `mode`. Raises ValueError naming a bad setting."""
        env = os.environ if env is None else env
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; modes are {', '.join(MODES)}")
        production = mode == PRODUCTION
        introspection, graphiql = _flag(env, "DANGJIAN_INTROSPECTION"), _flag(env, "DANGJIAN_GRAPHIQL")
        return cls(
            mode=mode,
            public_read=bool(_flag(env, "DANGJIAN_PUBLIC_READ")),
            introspection=not production if introspection is None else introspection,
            graphiql=not production if graphiql is None else graphiql,
            persisted=PersistedQueries.from_env(env).enforced(production),
            cors_origins=cors_origins(env),
            jwt=JwtVerifier.from_env(env),
            rates=RateLimits.from_env(env),
        )
