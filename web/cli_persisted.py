"""`dangjian persisted build FILE.graphql… --out registry.json`: the persisted-query registry
(web/persisted.py) of the frontend's documents, for DANGJIAN_PERSISTED_QUERIES."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def add_commands(commands) -> None:
    """Add `persisted build` to the `dangjian` sub-parsers."""
    parser = commands.add_parser("persisted", help="build the persisted-query registry (DANGJIAN_PERSISTED_QUERIES)")
    actions = parser.add_subparsers(dest="action", required=True)
    build_parser = actions.add_parser("build", help="hash the frontend's .graphql documents into a registry")
    build_parser.add_argument("files", nargs="+", help="GraphQL documents (.graphql), each valid against the schema")
    build_parser.add_argument("--out", required=True, help="the registry to write (JSON)")
    build_parser.set_defaults(run=build)


def build(args) -> int:
    from web.persisted import build as build_registry

    try:
        registry = build_registry([Path(f) for f in args.files])
    except ValueError as error:
        print(f"dangjian persisted build: {error}", file=sys.stderr)
        return 1
    out = Path(args.out)
    draft = out.with_name(f".{out.name}.{os.getpid()}")
    draft.write_text(json.dumps(registry, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    draft.replace(out)  # whole or not at all: a server starting meanwhile never reads half a file
    print(f"persisted: {len(registry)} documents from {len(args.files)} files in {out}")
    return 0
