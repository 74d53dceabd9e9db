"""The `dangjian` command: serve the API, or load the seed graph."""
from __future__ import annotations

import argparse
import asyncio
import os
import sys

from graph.backend import Settings, open_backend


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env(database_url=args.database_url, data_dir=args.data_dir)


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from web.app import create_app

    dev_mode = args.dev or os.environ.get("DANGJIAN_DEV") == "1"
    app = create_app(_settings(args), dev_mode=dev_mode, seed_if_empty=not args.no_seed)
    print(f"dangjian-graph: GraphiQL at http://{args.host}:{args.port}/graphql", file=sys.stderr)
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")
    return 0


def seed(args: argparse.Namespace) -> int:
    from rich.progress import Progress

    from seed.load import seed_database
    from seed.loader import read_seed

    async def run() -> dict[str, int]:
        backend = await open_backend(_settings(args))
        try:
            await backend.apply_schema()
            graph = read_seed()
            total = sum(map(len, graph.nodes.values())) + sum(map(len, graph.relationships.values()))
            with Progress() as progress:
                task = progress.add_task("Loading seed", total=total)
                return await seed_database(backend, reset=args.reset,
                                           progress=lambda n: progress.advance(task, n))
        finally:
            await backend.close()

    written = asyncio.run(run())
    print(f"seed: merged {written['nodes']} nodes and {written['relationships']} relationships")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dangjian", description="GraphQL API over Chancheng's 1+N+X party-building graph.")
    parser.add_argument("--database-url", help="bolt://, neo4j:// or falkordb://host:port; default: the embedded FalkorDB (env DANGJIAN_DATABASE_URL)")
    parser.add_argument("--data-dir", help="embedded database directory (env DANGJIAN_DATA_DIR, default ./data)")
    commands = parser.add_subparsers(dest="command", required=True)

    serve_parser = commands.add_parser("serve", help="serve /graphql with GraphiQL, loading the seed into an empty graph")
    serve_parser.add_argument("--host", default="127.0.0.1")
    serve_parser.add_argument("--port", type=int, default=8000)
    serve_parser.add_argument("--dev", action="store_true", help="show the Cypher that ran in each response's extensions")
    serve_parser.add_argument("--no-seed", action="store_true", help="do not load the seed into an empty graph")
    serve_parser.set_defaults(run=serve)

    seed_parser = commands.add_parser("seed", help="load (MERGE) the seed graph")
    seed_parser.add_argument("--reset", action="store_true", help="delete the whole graph first")
    seed_parser.set_defaults(run=seed)

    args = parser.parse_args(argv)
    if args.data_dir is not None:
        from pathlib import Path

        args.data_dir = Path(args.data_dir)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
