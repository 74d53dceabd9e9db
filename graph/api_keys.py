"""API keys for service accounts: their format, their hash, and the plans that keep them.

A key is `dj_<id>_<secret>`: `id` is 16 hex digits that find the key's node, `secret` 43
URL-safe characters (32 random bytes). Only the SHA-256 of the secret is stored, so a copy of
the database gives no usable key. Keys live in the graph as `ApiKey` nodes, a label that is not
in graph/model.py: no GraphQL type, filter, export or import can reach them, only these plans
(rendered by graph/cypher/api_keys.py) and `dangjian token` (web/cli_tokens.py).

Stored properties (null ones are left out, never written as null):

    id          16 hex digits
    name        who the key acts as, the actor of its writes (李研究员), as given
    role        one of graph/grants.py ROLES
    towns       the town uids it is limited to (absent: the whole district)
    readsWholeDistrict   true: reads are not limited to `towns` (absent: they are)
    secretHash  SHA-256 of the secret, hex
    created     ISO 8601 UTC timestamp, e.g. 2026-12-01T09:30:00Z
    expires     ISO 8601 UTC timestamp; absent: never
    revoked     ISO 8601 UTC timestamp of `dangjian token revoke`; absent: valid
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Any

from graph.grants import Grant

LABEL = "ApiKey"
PREFIX = "dj_"
_KEY = re.compile(r"dj_([0-9a-f]{16})_([A-Za-z0-9_-]{43})")
# The properties a key's node may have, in the order they are written and listed.
PROPERTIES = ("id", "name", "role", "towns", "readsWholeDistrict", "secretHash", "created", "expires", "revoked")


def new_key() -> tuple[str, str, str]:
    """A fresh key: (id, secret, the whole key to hand out once)."""
    key_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    return key_id, secret, f"{PREFIX}{key_id}_{secret}"


def split_key(token: str) -> tuple[str, str] | None:
    """(id, secret) of a well-formed key, else None."""
    match = _KEY.fullmatch(token)
    return (match.group(1), match.group(2)) if match else None


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def timestamp(moment: dt.datetime) -> str:
    """A UTC timestamp as stored: 2026-12-01T09:30:00Z (sorts as text)."""
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_timestamp(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)


@dataclass(frozen=True)
class StoredKey:
    """A key's node as read back (never with its secret, only the hash when verifying)."""

    id: str
    name: str
    role: str
    towns: tuple[str, ...] = ()
    reads_whole_district: bool = False
    secret_hash: str | None = None
    created: str | None = None
    expires: str | None = None
    revoked: str | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "StoredKey":
        return cls(id=row["id"], name=row["name"], role=row["role"], towns=tuple(row.get("towns") or ()),
                   reads_whole_district=bool(row.get("readsWholeDistrict")), secret_hash=row.get("secretHash"),
                   created=row.get("created"), expires=row.get("expires"), revoked=row.get("revoked"))

    def problem(self, secret: str, now: dt.datetime) -> str | None:
        """Why this key does not authenticate a request presenting `secret`, or None. The secret
        is compared first, so only its holder learns that a key expired or was revoked."""
        if self.secret_hash is None or not hmac.compare_digest(secret_hash(secret), self.secret_hash):
            return "unknown API key"
        if self.revoked is not None:
            return f"the API key was revoked at {self.revoked}"
        if self.expires is not None and parse_timestamp(self.expires) <= now:
            return f"the API key expired at {self.expires}"
        return None

    def grant(self) -> Grant:
        return Grant(self.role, name=self.name, towns=self.towns, reads_scoped=not self.reads_whole_district,
                     subject=f"key:{self.id}")


# Plans (rendered by graph/cypher/api_keys.py).

@dataclass(frozen=True)
class CreateApiKey:
    """Create one key's node unless a node has its id; one row {created: 0 or 1}. `properties`
    holds only non-null values, under names in PROPERTIES."""

    properties: tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class ApiKeyById:
    """Rows {key: every stored property} of the key `id` (none or one)."""

    id: str


@dataclass(frozen=True)
class ListApiKeys:
    """Rows of every key, oldest first, without `secretHash`: {id, name, role, towns,
    readsWholeDistrict, created, expires, revoked} (absent ones null)."""


@dataclass(frozen=True)
class RevokeApiKey:
    """Stamp `revoked` = `at` on the key `id` unless it is revoked already; rows {revoked: the
    stamp now stored, newly: whether this revoked it} (none when no key has the id)."""

    id: str
    at: str


def create_plan(key_id: str, secret: str, name: str, role: str, towns: tuple[str, ...] = (),
                reads_whole_district: bool = False, created: dt.datetime | None = None,
                expires: dt.datetime | None = None) -> CreateApiKey:
    """The plan that stores a new key (the caller validated name, role and towns)."""
    values = {
        "id": key_id, "name": name, "role": role,
        "towns": list(towns) or None,
        "readsWholeDistrict": True if reads_whole_district else None,
        "secretHash": secret_hash(secret),
        "created": timestamp(created or dt.datetime.now(dt.timezone.utc)),
        "expires": timestamp(expires) if expires is not None else None,
    }
    # FalkorDB mis-applies several null properties in one SET: nulls are simply not written.
    return CreateApiKey(tuple((name, value) for name, value in values.items() if value is not None))
