"""Errors every backend raises alike, so the layers above need not know which one ran."""
from __future__ import annotations

# A read the engine has not finished by then is stopped, so one runaway query cannot hold
# the engine's threads (two here) and stall every other client behind it.
DEFAULT_READ_TIMEOUT_MS = 30_000


class DatabaseError(RuntimeError):
    """A statement the engine refused; the message is the engine's."""


class QueryTimeout(DatabaseError):
    """The engine stopped a read that ran past the read timeout."""

    def __init__(self, timeout_ms: int) -> None:
        super().__init__(f"the database stopped this read after {timeout_ms / 1000:g} s")
        self.timeout_ms = timeout_ms
