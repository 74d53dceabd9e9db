"""A running server rolls back imports whose process died, without waiting for a restart.

`dangjian serve` recovers at start-up (web/cli.py); this task looks again every 30 s, so the
partial rows of an import killed while the server runs are visible for at most that long. The
look is a directory listing; the database is read only when a journal names this graph. A
running import holds a lock on its journal and is left alone, so several workers may all watch.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from graph.backend import Settings
from graph.errors import DatabaseError
from graph.limits import IMPORT_WATCH_S
from seed.journal import Target, journal_directory
from seed.recovery import RUNNING, pending, recover

LOG = logging.getLogger("dangjian")


async def watch(backend: Any, settings: Settings, interval: float = IMPORT_WATCH_S) -> None:
    directory, target = journal_directory(settings), Target.of(settings)
    told: set[tuple[str, str]] = set()  # journals left in place, reported once each
    while True:
        await asyncio.sleep(interval)
        try:
            if not pending(directory, target):
                continue
            for result in await recover(backend, directory, target):
                if result.outcome == RUNNING or (result.batch_id, result.outcome) in told:
                    continue
                if result.left:
                    told.add((result.batch_id, result.outcome))
                LOG.warning("unfinished import: %s", result)
        except DatabaseError as error:  # down or restarting: the journal stays; look again later
            LOG.warning("import recovery postponed: %s", type(error).__name__)
        except Exception:  # a watcher that died would leave dead imports visible until a restart
            LOG.exception("import recovery failed; trying again in %g s", interval)


@contextlib.asynccontextmanager
async def watching(backend: Any, settings: Settings):
    task = asyncio.create_task(watch(backend, settings))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
