"""The `dangjian` command: serve the API, or load the seed graph."""
from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

from graph.backend import Settings, connected
from web.cli_neo4j import add_commands as add_neo4j_commands, add_start_options
from web.cli_tokens import add_commands as add_token_commands
from web.cli_persisted import add_commands as add_persisted_commands
from web.cli_reports import add_commands as add_report_commands
from web.cli_common import recover_imports as _recover_imports, settings_of as _settings
from web.cli_import import import_


def _recover_before_serving(settings: Settings) -> None:
    """Only when a journal names this graph: connecting would otherwise start the embedded
    database once more, just to find nothing to do."""
    from seed.journal import Target, journal_directory
    from seed.recovery import pending

    if not pending(journal_directory(settings), Target.of(settings)):
        return

    async def run() -> None:
        async with connected(settings) as backend:
            await _recover_imports(backend, settings, "serve")

    asyncio.run(run())


def serve(args: argparse.Namespace) -> int:
    from web.security import serving_security

    # Before --engine neo4j sets DANGJIAN_DATABASE_URL: only the operator's URL means production.
    args.mode, args.security = serving_security(args.dev, args.production, args.database_url)
    if args.engine == "neo4j":
        from web.cli_neo4j import serving_neo4j

        with serving_neo4j(args, _settings(args)):
            return _serve(args)
    return _serve(args)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from web.protocol import NoDelayH11Protocol

    from web.app import create_app

    dev_mode, page = args.mode == "dev", "GraphiQL" if args.security.graphiql else "GraphQL"
    print(f"dangjian-graph: {args.mode} mode; {page} at http://{args.host}:{args.port}/graphql", file=sys.stderr)
    if args.workers == 1:
        _recover_before_serving(_settings(args))
        app = create_app(_settings(args, serving=True), dev_mode=dev_mode, seed_if_empty=not args.no_seed,
                         security=args.security)
        uvicorn.run(app, host=args.host, port=args.port, log_level="info", http=NoDelayH11Protocol)
        return 0
    return _serve_workers(args, dev_mode)


def _serve_workers(args: argparse.Namespace, dev_mode: bool) -> int:
    """Several worker processes: this process starts (and later stops) the embedded
    database and loads the seed once; each worker attaches to it."""
    import uvicorn

    from graph.backend import start_engine
    from web.app import configure_logging
    from web.protocol import NoDelayH11Protocol

    settings = _settings(args)
    os.environ.update({"DANGJIAN_DATA_DIR": str(settings.data_dir.resolve()), "DANGJIAN_DEV": "1" if dev_mode else "0",
                       "DANGJIAN_MODE": args.mode})
    if settings.database_url:
        os.environ["DANGJIAN_DATABASE_URL"] = settings.database_url
    # This process owns the engine and restarts it if it dies; the workers attach to it, and
    # answer SERVICE_UNAVAILABLE while it is down (graph/embedded.py).
    configure_logging()
    server = start_engine(settings)
    try:
        _recover_before_serving(settings)
        if not args.no_seed:
            asyncio.run(_seed_if_empty(settings))
        uvicorn.run("web.app:app_from_env", factory=True, host=args.host, port=args.port, workers=args.workers,
                    log_level="info", http=NoDelayH11Protocol)
    finally:
        if server:
            server.stop()
    return 0


async def _seed_if_empty(settings: Settings) -> None:
    from seed.load import seed_database

    async with connected(settings) as backend:
        await backend.apply_schema()
        await seed_database(backend, only_if_empty=True)


def _where(args: argparse.Namespace) -> str:
    settings = _settings(args)
    place = settings.database_url or settings.data_dir.resolve()
    return f"graph {settings.graph_name!r} in {place}"


def confirm_reset(args: argparse.Namespace, command: str) -> bool:
    """Ask before `--reset` deletes the graph: on a terminal, a yes/no question; otherwise
    (CI, a pipe) only `--yes` confirms, since there is no one to answer."""
    what = f"every node and relationship of {_where(args)}" + (
        ", the audit trail included" if args.include_audit else ", except the audit trail (AuditEntry nodes)")
    if args.yes:
        return True
    if sys.stdin is None or not sys.stdin.isatty():
        print(f"dangjian {command}: --reset would delete {what}. There is no terminal to ask, so add --yes "
              "to confirm.", file=sys.stderr)
        return False
    print(f"dangjian {command} --reset deletes {what}.", file=sys.stderr)
    try:
        answer = input("Type yes to continue: ")
    except EOFError:
        answer = ""
    if answer.strip().lower() != "yes":
        print(f"dangjian {command}: nothing was deleted", file=sys.stderr)
        return False
    return True


def seed(args: argparse.Namespace) -> int:
    from rich.progress import Progress

    from seed.load import seed_database
    from seed.loader import read_seed

    if args.reset and not confirm_reset(args, "seed"):
        return 1

    async def run() -> dict[str, int]:
        async with connected(_settings(args)) as backend:
            await backend.apply_schema()
            await _recover_imports(backend, _settings(args), "seed")
            graph = read_seed()
            total = sum(map(len, graph.nodes.values())) + sum(map(len, graph.relationships.values()))
            with Progress() as progress:
                task = progress.add_task("Loading seed", total=total)
                return await seed_database(backend, reset=args.reset, keep_audit=not args.include_audit,
                                           progress=lambda n: progress.advance(task, n))

    written = asyncio.run(run())
    print(f"seed: merged {written['nodes']} nodes and {written['relationships']} relationships")
    return 0


def export(args: argparse.Namespace) -> int:
    from seed.exporter import export_graph

    replaced: list[str] = []

    async def run():
        async with connected(_settings(args)) as backend:
            return await export_graph(backend, Path(args.directory), args.format, bom=not args.no_bom,
                                      replaced=replaced)

    for name, count in asyncio.run(run()).items():
        print(f"{name}: {_count(count, 'row')}")
    for line in replaced:
        print(f"export: {line}", file=sys.stderr)
    return 0


def generate(args: argparse.Namespace) -> int:
    import time

    from rich.progress import Progress

    from graph.loading import count_nodes
    from graph.reset import reset_graph
    from seed.city import PRESETS, load_city

    shape = PRESETS[args.preset] if args.scale is None else PRESETS["seed"].scaled(args.scale)

    if args.reset and not confirm_reset(args, "generate"):
        return 1

    async def run() -> tuple[int, int, float]:
        async with connected(_settings(args)) as backend:
            # First: a dead import's undo must not later land on the generated graph.
            await _recover_imports(backend, _settings(args), "generate")
            if args.reset:
                await reset_graph(backend, keep_audit=not args.include_audit)
            elif await count_nodes(backend) > 0:
                raise SystemExit("generate: the graph is not empty; use --reset to replace it")
            await backend.apply_schema()
            started = time.perf_counter()
            with Progress() as progress:
                task = progress.add_task("Generating", total=None)
                nodes, rels = await load_city(
                    backend, shape, args.seed, args.batch_size,
                    lambda kind, n: progress.update(task, advance=n, description=f"Generating {kind}"))
            return nodes, rels, time.perf_counter() - started

    nodes, rels, seconds = asyncio.run(run())
    print(f"generate: {nodes:,} nodes and {rels:,} relationships in {seconds:.1f} s "
          f"({(nodes + rels) / seconds:,.0f} rows/s)")
    return 0


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _positive(text: str) -> int:
    if not text.isascii() or not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, got {text!r}")
    return int(text)


def _reset_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--yes", action="store_true", help="confirm --reset without asking (needed without a terminal)")
    parser.add_argument("--include-audit", action="store_true", help="with --reset, delete the audit trail too")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dangjian", description="GraphQL API over Chancheng's 1+N+X party-building graph.")
    parser.add_argument("--database-url", help="bolt://, neo4j:// or falkordb://host:port; default: the embedded FalkorDB (env DANGJIAN_DATABASE_URL)")
    parser.add_argument("--data-dir", help="embedded database directory (env DANGJIAN_DATA_DIR, default ./data)")
    commands = parser.add_subparsers(dest="command", required=True)

    serve_parser = commands.add_parser("serve", help="serve /graphql with GraphiQL, loading the seed into an empty graph")
    serve_parser.add_argument("--host", default="127.0.0.1")
    serve_parser.add_argument("--port", type=int, default=8000)
    serve_parser.add_argument("--dev", action="store_true", help="no token needed (the open grant); show the Cypher that ran in each response's extensions")
    serve_parser.add_argument("--production", action="store_true", help="require tokens (the default with a database URL); see docs/security.md")
    serve_parser.add_argument("--no-seed", action="store_true", help="do not load the seed into an empty graph")
    serve_parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    serve_parser.add_argument("--engine", choices=("falkordb", "neo4j"), default="falkordb",
                              help="falkordb: the embedded FalkorDB (default); neo4j: the local Neo4j, started "
                                   "if it is not running (Java 17 and Maven; NEO4J_PASSWORD)")
    add_start_options(serve_parser)
    serve_parser.set_defaults(run=serve)

    seed_parser = commands.add_parser("seed", help="load (MERGE) the seed graph")
    seed_parser.add_argument("--reset", action="store_true",
                             help="delete the graph first, except the audit trail; asks for confirmation")
    _reset_options(seed_parser)
    seed_parser.set_defaults(run=seed)

    from web.import_language import language_option

    import_parser = commands.add_parser("import", help="import CSV/JSON files, all or nothing (see README)")
    import_parser.add_argument("files", nargs="*", help="<Type>.csv|json or <From>-<TYPE>-<To>.csv|json")
    import_parser.add_argument("--dry-run", action="store_true", help="validate and report; write nothing")
    import_parser.add_argument("--actor", default=os.environ.get("USER", "cli"), help="who is importing, for the audit trail")
    import_parser.add_argument("--batch-size", type=_positive, default=1000, help="rows per statement (default 1000)")
    import_parser.add_argument("--encoding", help="the files' encoding, e.g. gb18030 or utf-8; default: detected "
                               "(UTF-8, with or without BOM, or GB18030 as Chinese Excel saves)")
    import_parser.add_argument("--allow-article-source", action="store_true",
                               help="accept rows whose source is ARTICLE (restoring the article's own facts)")
    import_parser.add_argument("--lang", type=language_option, help="zh-CN or en for the report; default: the locale "
                               "(LC_ALL, LC_MESSAGES, LANG; C → en; none → zh-CN)")
    import_parser.add_argument("--recover", action="store_true",
                               help="only roll back imports whose process died (every start does this too)")
    import_parser.set_defaults(run=import_)

    export_parser = commands.add_parser("export", help="write the whole graph as import files")
    export_parser.add_argument("directory")
    export_parser.add_argument("--format", choices=("csv", "json"), default="csv")
    export_parser.add_argument("--no-bom", action="store_true",
                               help="CSV without the UTF-8 byte-order mark (Excel needs it to read Chinese)")
    export_parser.set_defaults(run=export)

    generate_parser = commands.add_parser("generate", help="build a synthetic city of the seed's shape (ILLUSTRATIVE)")
    generate_parser.add_argument("--preset", choices=("seed", "x10", "x100", "city"), default="x10")
    generate_parser.add_argument("--scale", type=float, help="a multiple of the seed's counts, instead of a preset")
    generate_parser.add_argument("--seed", type=int, default=0, help="random seed (the city is deterministic)")
    generate_parser.add_argument("--batch-size", type=_positive, default=5000)
    generate_parser.add_argument("--reset", action="store_true",
                                 help="delete the graph first, except the audit trail; asks for confirmation")
    _reset_options(generate_parser)
    generate_parser.set_defaults(run=generate)

    add_neo4j_commands(commands, _settings)
    add_token_commands(commands, _settings)
    add_persisted_commands(commands)
    add_report_commands(commands, _settings)

    args = parser.parse_args(argv)
    if args.data_dir is not None:
        args.data_dir = Path(args.data_dir)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
