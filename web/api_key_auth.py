"""API keys presented as bearer tokens (`dj_<id>_<secret>`, graph/api_keys.py), verified against
the graph, with a short per-process cache.

A key's node is read at most once per KEY_CACHE_S seconds per process (and once for any number of
requests arriving together), so a revocation (`dangjian token revoke`) takes effect within 5 s in
every process. The secret is hashed and compared (hmac.compare_digest) on every request; the
cache holds only what the graph holds, never a secret.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import time
from typing import Any, Callable

from graph.api_keys import ApiKeyById, StoredKey, split_key
from graph.grants import Grant
from web.jwt_auth import Unauthenticated

KEY_CACHE_S = 5.0
# Unknown ids are cached too (as None), so a flood of one bogus key costs one read per 5 s; the
# cache is emptied when it reaches this size rather than grow with a flood of distinct ids.
MAX_CACHED = 10_000


class ApiKeyVerifier:
    """`await verify(token)` → the key's grant. `backend()` gives the backend to read with."""

    def __init__(self, backend: Callable[[], Any], ttl: float = KEY_CACHE_S) -> None:
        self.backend, self.ttl = backend, ttl
        self._cache: dict[str, tuple[float, StoredKey | None]] = {}
        self._reading: dict[str, asyncio.Future] = {}

    async def verify(self, token: str) -> Grant:
        """Raises Unauthenticated with the reason; the backend's own errors (the database down)
        pass through."""
        parts = split_key(token)
        if parts is None:
            raise Unauthenticated("not a well-formed API key (dj_<id>_<secret>)")
        key_id, secret = parts
        stored = await self._stored(key_id)
        problem = "unknown API key" if stored is None else stored.problem(secret, dt.datetime.now(dt.timezone.utc))
        if problem:
            raise Unauthenticated(problem)
        return stored.grant()

    async def _stored(self, key_id: str) -> StoredKey | None:
        cached = self._cache.get(key_id)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        reading = self._reading.get(key_id)
        if reading is None:
            # A task of its own, shared by every request that asks meanwhile: one client going
            # away does not cancel the read the others wait for.
            reading = self._reading[key_id] = asyncio.ensure_future(self._read(key_id))
        return await asyncio.shield(reading)

    async def _read(self, key_id: str) -> StoredKey | None:
        try:
            rows = await self.backend().read(ApiKeyById(key_id))
        finally:
            del self._reading[key_id]
        stored = StoredKey.from_row(rows[0]["key"]) if rows else None
        if len(self._cache) >= MAX_CACHED:
            self._cache.clear()
        self._cache[key_id] = (time.monotonic() + self.ttl, stored)
        return stored
