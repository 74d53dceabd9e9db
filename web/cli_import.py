"""`dangjian import FILE…` and `dangjian import --recover` (the parser is web/cli.py's)."""
from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from graph.backend import connected
from web.cli_common import recover_imports, settings_of


def import_(args: argparse.Namespace) -> int:
    from rich.progress import Progress

    from seed.encoding import check_encoding_name
    from graph.validation import actor_problem
    from seed.importer import ImportFailed, Importer
    from seed.journal import Target, journal_directory

    from i18n import Message
    from web.import_language import file_summary, locale_language, problem_line, problems_summary, said

    lang = args.lang or locale_language()

    def refuse(message: str) -> int:
        print(f"dangjian import: {said(message, lang)}", file=sys.stderr)
        return 1

    if args.recover:
        return refuse(Message("--recover takes no files: it only finishes unfinished imports")) if args.files \
            else _recover(args)
    if not args.files:
        return refuse(Message("name the files to import (or --recover)"))
    missing = [f for f in args.files if not Path(f).is_file()]
    for name in missing:
        refuse(Message("no such file: {name}", name=name) if not Path(name).exists()
               else Message("not a file: {name}", name=name))
    if missing:
        return 1
    problem = actor_problem(args.actor)
    if problem:
        return refuse(Message("--actor: {problem}", problem=problem))
    if args.encoding:
        try:
            check_encoding_name(args.encoding)
        except ValueError as error:
            return refuse(Message("--encoding: {error}", error=error.args[0]))

    settings = settings_of(args)

    async def run():
        async with connected(settings) as backend:
            await backend.apply_schema()
            # Before validating: a dead import's rows must not count as "unchanged".
            await recover_imports(backend, settings, "import")
            with Progress(disable=args.dry_run) as progress:
                task = progress.add_task("Importing", total=None)
                importer = Importer(backend, args.actor, args.batch_size, lambda n: progress.advance(task, n),
                                    allow_article_source=args.allow_article_source, encoding=args.encoding,
                                    journal_dir=journal_directory(settings), target=Target.of(settings))
                return await importer.run([Path(f) for f in args.files], dry_run=args.dry_run)

    try:
        report = asyncio.run(run())
    except ImportFailed as error:
        return refuse(str(error))
    except KeyboardInterrupt:
        refuse(Message("interrupted; anything already written is undone by the next dangjian serve, seed or "
                       "import, or by dangjian import --recover"))
        return 130
    for name, encoding in report.encodings.items():
        print(f"{name}: {said(encoding, lang)}")
    for problem in report.problems:
        print(problem_line(problem, lang), file=sys.stderr)
    if report.problems:
        rows = len({(p.file, p.line) for p in report.problems})
        return refuse(problems_summary(len(report.problems), rows))
    for f in report.files:
        print(file_summary(f).say(lang))
    if args.dry_run:
        print("import: " + Message("dry run; the files are valid and nothing was written").say(lang))
    elif report.written:
        print("import: " + Message("written as batch {batch}", batch=report.batch_id).say(lang))
    else:
        print("import: " + Message("nothing to change").say(lang))
    return 0


def _recover(args: argparse.Namespace) -> int:
    """`dangjian import --recover`: only roll back (or confirm) imports whose process died."""
    from seed.journal import Target
    from seed.recovery import RUNNING, UNREADABLE

    settings = settings_of(args)

    async def run() -> list:
        async with connected(settings) as backend:
            return await recover_imports(backend, settings, "import --recover")

    outcomes = {result.outcome for result in asyncio.run(run())}
    if UNREADABLE in outcomes:
        print("import --recover: a journal could not be read; see above", file=sys.stderr)
        return 1
    running = " (except imports still running)" if RUNNING in outcomes else ""
    print(f"import --recover: no unfinished import of {Target.of(settings).describe()} is left{running}")
    return 0
