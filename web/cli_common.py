"""What the `dangjian` commands share: their settings, and the recovery of dead imports."""
from __future__ import annotations

import argparse
import sys

from graph.backend import Settings


def settings_of(args: argparse.Namespace, serving: bool = False) -> Settings:
    # The read timeout guards the server from runaway client queries; the batch commands run
    # known long reads (an export page over a million members) and are not cut short.
    return Settings.from_env(database_url=args.database_url, data_dir=args.data_dir,
                             read_timeout_ms=None if serving else 0)


async def recover_imports(backend, settings: Settings, command: str) -> list:
    """Roll back imports whose process died (seed/recovery.py) before this command touches the
    graph; says what it did, and returns what recovery found (seed.recovery.Recovered)."""
    from seed.journal import Target, journal_directory
    from seed.recovery import recover

    results = await recover(backend, journal_directory(settings), Target.of(settings))
    for result in results:
        print(f"dangjian {command}: unfinished import {result}", file=sys.stderr)
    return results
