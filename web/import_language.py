"""The language of import reports: `dangjian import` (web/cli.py) and POST /import
(web/import_http.py) say their problems and summary lines from the message catalogue (i18n/).

- The CLI speaks `--lang` (zh-CN or en), else the locale: the first of LC_ALL, LC_MESSAGES and LANG
  that is set; `zh*` → zh-CN, `en*` → en, C or POSIX (the untranslated locale, as gettext has it)
  → en, anything else or nothing → zh-CN (a person at a terminal here reads Chinese).
- POST /import follows Accept-Language like /graphql: no header, or none we speak → en.
- A problem's reason is an i18n.Message (seed/reading.py Problem); a plain str is its own msgid.
  In English every line is exactly what it was before the catalogue.
"""
from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from typing import Any

from i18n import DEFAULT, Message, language, message

LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")


def locale_language(environ: Mapping[str, str] | None = None) -> str:
    """zh-CN or en from the locale variables (see the module docstring)."""
    environ = os.environ if environ is None else environ
    for name in LOCALE_VARIABLES:
        value = environ.get(name)
        if value:
            tag = value.split(".")[0].split("@")[0]
            return "en" if tag in ("C", "POSIX") else language(tag)
    return DEFAULT


def language_option(text: str) -> str:
    """`--lang`: zh-CN or en (zh, zh_CN, zh-Hans, en-GB… are read as one of them)."""
    tag = text.strip().replace("_", "-").lower()
    if tag.split("-")[0] not in ("zh", "en"):
        raise argparse.ArgumentTypeError(f"must be zh-CN or en, got {text!r}")
    return language(tag)


def said(text: str, lang: str) -> str:
    """A Message in `lang`; any other text (an engine's or a library's) as it is."""
    return text.say(lang) if isinstance(text, Message) else str(text)


def reason(problem: Any, lang: str) -> str:
    """A problem's reason in `lang`."""
    return message(problem.reason).say(lang)


def problem_line(problem: Any, lang: str) -> str:
    """`file:line: column: reason`, as seed/reading.py Problem prints it, the reason in `lang`."""
    column = problem.column if problem.column.isprintable() else repr(problem.column)
    return f"{problem.file}:{problem.line}: {column}: {reason(problem, lang)}"


def problem_json(problem: Any, lang: str) -> dict[str, Any]:
    """A problem for POST /import's report: `reason` in `lang`, `reasonEn` in English."""
    return {"file": problem.file, "line": problem.line, "column": problem.column,
            "reason": reason(problem, lang), "reasonEn": reason(problem, "en")}


def problems_summary(problems: int, rows: int) -> Message:
    """"3 problems in 2 rows; nothing was written"."""
    return Message("{problems} in {rows}; nothing was written",
                   problems=Message("{count} problem", count=problems) if problems == 1
                   else Message("{count} problems", count=problems),
                   rows=Message("{count} row", count=rows) if rows == 1 else Message("{count} rows", count=rows))


def file_summary(result: Any) -> Message:
    """One file's counts: "Town.csv: 2 to create, 0 to update, 5 unchanged"."""
    return Message("{file}: {created} to create, {updated} to update, {unchanged} unchanged", file=result.file,
                   created=result.created, updated=result.updated, unchanged=result.unchanged)
