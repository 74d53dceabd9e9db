"""`dangjian neo4j start|stop|status` and `dangjian serve --engine neo4j`: the local Neo4j of
graph/neo4j_local.py, from the command line. Its home is `DANGJIAN_DATA_DIR/neo4j/`.

The password of user neo4j comes from NEO4J_PASSWORD (at least 8 characters); `--no-auth`
starts it without authentication instead.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys

# Exit status of `status` when nothing runs, as LSB init scripts answer "program is not running".
NOT_RUNNING = 3


def add_commands(commands, settings) -> None:
    """Add `neo4j start|stop|status` to the `dangjian` sub-parsers; `settings(args)` gives the
    Settings (data directory, NEO4J_PASSWORD) of a parsed command line."""
    parser = commands.add_parser("neo4j", help="start, stop or check the local Neo4j (needs Java 17 and Maven)")
    actions = parser.add_subparsers(dest="action", required=True)
    start_parser = actions.add_parser("start", help="build the launcher if needed, start Neo4j, wait until it answers")
    add_start_options(start_parser)
    start_parser.set_defaults(run=lambda args: start(args, settings(args)))
    stop_parser = actions.add_parser("stop", help="stop the local Neo4j (SIGTERM, then wait)")
    stop_parser.set_defaults(run=lambda args: stop(args, settings(args)))
    status_parser = actions.add_parser("status", help=f"print its Bolt URL and pid; exit {NOT_RUNNING} if it is not running")
    status_parser.set_defaults(run=lambda args: status(args, settings(args)))


def add_start_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--neo4j-port", type=int, help="Bolt port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--no-auth", action="store_true", help="start Neo4j without authentication")
    parser.add_argument("--heap-mb", type=int, default=1024, help="JVM heap cap (default 1024)")
    parser.add_argument("--page-cache-mb", type=int, default=256, help="Neo4j page cache (default 256)")


def local_neo4j(args: argparse.Namespace, settings):
    """The LocalNeo4j of the command line. Raises SystemExit when a password is needed and
    NEO4J_PASSWORD is unset or too short."""
    from graph.neo4j_local import LocalNeo4j

    no_auth = getattr(args, "no_auth", False)
    password = None if no_auth else settings.neo4j_password
    if not no_auth and (password is None or len(password) < 8):
        raise SystemExit("dangjian neo4j: set NEO4J_PASSWORD (at least 8 characters) for user neo4j, "
                         "or pass --no-auth")
    return LocalNeo4j(settings.data_dir, password, port=getattr(args, "neo4j_port", None),
                      heap_mb=getattr(args, "heap_mb", 1024), page_cache_mb=getattr(args, "page_cache_mb", 256))


def start(args: argparse.Namespace, settings) -> int:
    from graph.neo4j_local import LocalNeo4jError

    server = local_neo4j(args, settings)
    try:
        running = server.start()
    except LocalNeo4jError as error:
        print(f"dangjian neo4j start: {error}", file=sys.stderr)
        return 1
    print(f"Neo4j runs at {running.url} (pid {running.pid}); data and log in {server.home}")
    user = "NEO4J_USERNAME=neo4j " if server.password is not None else ""
    print(f"use it with: DANGJIAN_DATABASE_URL={running.url} {user}dangjian …")
    return 0


def stop(args: argparse.Namespace, settings) -> int:
    from graph.neo4j_local import LocalNeo4j

    server = LocalNeo4j(settings.data_dir, None)  # stopping needs no password
    print("Neo4j stopped" if server.stop() else f"no Neo4j was running on {server.home}")
    return 0


def status(args: argparse.Namespace, settings) -> int:
    from graph.neo4j_local import LocalNeo4j

    server = LocalNeo4j(settings.data_dir, None)
    state = server.status()
    if not state.running:
        print(f"no Neo4j is running on {server.home}")
        return NOT_RUNNING
    print(f"Neo4j runs at {state.url} (pid {state.pid})")
    return 0


@contextlib.contextmanager
def serving_neo4j(args: argparse.Namespace, settings):
    """For `serve --engine neo4j`: start the local Neo4j unless it runs, point this process (and
    its workers, through the environment) at it, and stop it afterwards if this process started
    it. Raises SystemExit when it cannot start."""
    from graph.neo4j_local import LocalNeo4jError

    if settings.database_url:
        raise SystemExit("dangjian serve: --engine neo4j serves the local Neo4j; it takes no --database-url "
                         "(or DANGJIAN_DATABASE_URL)")
    server = local_neo4j(args, settings)
    started = not server.status().running
    try:
        # A server this process starts dies with it (a kill -9 of serve leaves no JVM behind).
        running = server.start(die_with_parent=started)
    except LocalNeo4jError as error:
        raise SystemExit(f"dangjian serve: the local Neo4j did not start: {error}") from error
    print(f"dangjian-graph: serving Neo4j at {running.url}", file=sys.stderr)
    args.database_url = running.url
    os.environ["DANGJIAN_DATABASE_URL"] = running.url
    if server.password is not None:
        os.environ["NEO4J_USERNAME"] = "neo4j"
        os.environ["NEO4J_PASSWORD"] = server.password
    else:
        os.environ.pop("NEO4J_USERNAME", None)
        os.environ.pop("NEO4J_USER", None)
    # uvicorn re-raises the SIGTERM it caught once it has shut down; by default that would end
    # this process before `finally`, leaving Neo4j to stop on its own (the parent-death signal)
    # and its pid file behind. As an exception instead, it unwinds through `finally` below.
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        yield running
    finally:
        signal.signal(signal.SIGTERM, previous)
        if started:
            server.stop()


def _exit_on_sigterm(signum, frame) -> None:
    raise SystemExit(128 + signum)

