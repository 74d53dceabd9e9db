"""Errors every backend raises alike, so the layers above need not know which one ran."""
from __future__ import annotations

import logging
import time

from i18n import Message, message as i18n_message

LOG = logging.getLogger("dangjian")

# A read the engine has not finished by then is stopped, so one runaway query cannot hold
# the engine's threads (two here) and stall every other client behind it.
DEFAULT_READ_TIMEOUT_MS = 30_000


class DatabaseError(RuntimeError):
    """A statement the engine refused; the message is the engine's."""


class ConstraintViolation(DatabaseError):
    """The engine refused a write that would break a uniqueness constraint. Recognised by the
    driver's error class (Neo4j: Neo.ClientError.Schema.ConstraintValidationFailed), never by
    message text. Writes check uniqueness in the statement itself (graph/writes.py), so this
    reaches a client only when two transactions race on Neo4j; FalkorDB runs one write at a time."""


class QueryTimeout(DatabaseError):
    """The engine stopped a read that ran past the read timeout."""

    def __init__(self, timeout_ms: int) -> None:
        self.reason = Message("the database stopped this read after {seconds:g} s", seconds=timeout_ms / 1000)
        super().__init__(self.reason)
        self.timeout_ms = timeout_ms


class DatabaseUnavailable(DatabaseError):
    """The engine could not be reached: down, restarting, still loading, refusing connections.

    Not the statement's fault: the same request may succeed a moment later. `str()` is safe to
    show a client (no socket path, host or engine text); `detail` is what the driver said, for
    the log only.
    """

    MESSAGE = "the database is unavailable; try again shortly"

    def __init__(self, detail: str) -> None:
        super().__init__(self.MESSAGE)
        self.detail = detail


class OutageLog:
    """One WARNING line when the database stops answering, then at most one per `every` seconds
    while it stays away (with how many statements failed meanwhile), and one INFO line when it
    answers again: an outage under load would otherwise log every request."""

    def __init__(self, every: float = 10.0) -> None:
        self.every = every
        self.down_since: float | None = None
        self.last_logged = 0.0
        self.failed = 0

    def failure(self, detail: str) -> None:
        now = time.monotonic()
        self.failed += 1
        if self.down_since is None:
            self.down_since = now
        elif now - self.last_logged < self.every:
            return
        LOG.warning("database unavailable (%d statement%s failed): %s", self.failed,
                    "" if self.failed == 1 else "s", detail)
        self.last_logged, self.failed = now, 0

    def success(self) -> None:
        if self.down_since is not None:
            LOG.info("database available again after %.1f s", time.monotonic() - self.down_since)
            self.down_since = None
            self.failed = 0


class Forbidden(Exception):
    """The grant does not allow this (graph/authorise.py). `rule` names the rule that refused it
    (role, scope:node, scope:district, personal, ...); `field` the input it concerns, when one
    does. The message is safe to show a client; `reason` keeps it as an i18n.Message (a plain
    str message is taken as its msgid), to be said in the client's language."""

    def __init__(self, rule: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.reason = i18n_message(message)
        self.rule = rule
        self.field = field
