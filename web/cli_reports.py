"""`dangjian report NAME --format csv|xlsx --out FILE [-p key=value …]`: a report (docs/reports.md)
written to a file, the same as `GET /reports/NAME.FORMAT?key=value…` gives (web/reports.py).

It runs the report's GraphQL documents in process with the open grant (whoever runs the command
reads the database directly). Parameters are the URL's: `-p groupBy=MONTH -p town=town-nanzhuang`.
Exit status 0 when written; 1 for a bad parameter or an unknown report (the reason on stderr).
"""
from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path


def add_commands(commands, settings) -> None:
    """Add `report` to the `dangjian` sub-parsers; `settings(args)` gives the database settings."""
    from web.report_definitions import REPORTS

    parser = commands.add_parser("report", help="write a research report as CSV or XLSX (see docs/reports.md)")
    parser.add_argument("name", help="the report: " + ", ".join(REPORTS))
    parser.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    parser.add_argument("--out", required=True, help="the file to write")
    parser.add_argument("-p", "--param", action="append", default=[], metavar="KEY=VALUE",
                        help="a parameter as in the URL (repeat): groupBy=MONTH, town=town-nanzhuang, from=2015-01-01")
    parser.add_argument("--lang", choices=("zh-CN", "en"), default=None,
                        help="the headers' language (default zh-CN) and the messages' (default: the locale's)")
    parser.add_argument("--headers", choices=("one", "both"), default="one",
                        help="CSV: both adds a header row in the other language")
    parser.set_defaults(run=lambda args: report(args, settings(args)))


def report(args, settings) -> int:
    from graph.backend import connected
    from graph.errors import DatabaseUnavailable
    from graph.grants import OPEN
    from schema.schema import build_schema
    from web.report_definitions import ReportError
    from web.import_language import locale_language
    from web.reports import find, graphql_executor, render

    said_in = args.lang or locale_language()  # messages; the headers are zh-CN unless --lang says

    params: dict[str, str] = {}
    for pair in args.param:
        key, equals, value = pair.partition("=")
        if not equals:
            print(f"dangjian report: -p takes KEY=VALUE, got {pair!r}", file=sys.stderr)
            return 1
        params[key.strip()] = value
    try:
        chosen = find(args.name)
        arguments = chosen.arguments(params)
    except ReportError as error:
        print(f"dangjian report: {error.say(said_in)}", file=sys.stderr)
        return 1

    async def run() -> list[dict]:
        async with connected(settings) as backend:
            return await chosen.rows(graphql_executor(build_schema(), backend, OPEN), arguments)

    try:
        rows = asyncio.run(run())
    except ReportError as error:
        print(f"dangjian report: {error.say(said_in)}", file=sys.stderr)
        return 1
    except DatabaseUnavailable as error:
        print(f"dangjian report: the database did not answer ({error})", file=sys.stderr)
        return 1
    out = Path(args.out)
    draft = out.with_name(f".{out.name}.{os.getpid()}")
    draft.write_bytes(render(chosen, rows, args.format, args.lang or "zh-CN", args.headers == "both"))
    draft.replace(out)
    print(f"report {chosen.name}: {len(rows)} rows in {out}")
    return 0
