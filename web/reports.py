"""Reports as spreadsheets: `GET /reports/{name}.{csv|xlsx}?…` (docs/reports.md).

Each report (web/report_definitions.py) runs GraphQL documents against the app's own schema with
the request's grant (web/auth.py), so authorisation, small-cell suppression and validation apply
exactly as for /graphql. Headers are Chinese by default (i18n/locale/*/LC_MESSAGES/reports.po):

    ?lang=en          English headers (CSV), or the English sheet first (XLSX)
    ?headers=both     CSV: a second header row in the other language

CSV is UTF-8 with a byte-order mark (so Excel reads the Chinese), one header row, then one row per
record; an empty cell is a null (a count withheld, or no value). XLSX (openpyxl) has two sheets,
the same table under Chinese and under English headers; numbers are numbers. Enum values (category,
level, kind, …) are their codes. Lists (`suppressed`) are joined with ", ". Text is never a formula:
the XLSX types it as text; in the CSV, text starting with = + - @ (or a tab or carriage return)
starts with an apostrophe, as Excel's own escape.

Errors are JSON `{error, errorEn, code, field?}` (`error` in the language Accept-Language asks for,
English without one; `errorEn` always English): 400 BAD_USER_INPUT (field: the parameter),
404 NOT_FOUND (no such report), 406 (a format other than csv or xlsx), 401/403 (the grant),
503 SERVICE_UNAVAILABLE, 504 TIMEOUT, 500 INTERNAL (with an errorId).
"""
from __future__ import annotations

import csv
import io
import re
from typing import Any

from openpyxl import Workbook
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

import i18n
from graph.grants import Grant, grant_of_state
from i18n import Message
from schema.schema import INTERNAL, report_internal
from web.report_definitions import BAD_USER_INPUT, REPORTS, Column, Execute, Report, ReportError

FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
_VARIABLE = re.compile(r"\$(\w+)")
_STATUS = {"UNAUTHENTICATED": 401, "FORBIDDEN": 403, "NOT_FOUND": 404, "SERVICE_UNAVAILABLE": 503,
           "TIMEOUT": 504, "RATE_LIMITED": 429, BAD_USER_INPUT: 400}


def graphql_executor(schema: Any, backend: Any, grant: Grant, request: Any = None) -> Execute:
    """An `execute(document, variables) → data` over `schema` as `grant`, as /graphql would run it.
    Errors become ReportError: a bad argument names its variable (the first part of the error's
    `field` that is one: `zoneComposition.first` → `first`, `where.town` → `where`)."""

    async def execute(document: str, variables: dict[str, Any]) -> dict[str, Any]:
        context = {"request": request, "response": None, "backend": backend, "grant": grant, "query_log": None}
        result = await schema.execute(document, variable_values=variables, context_value=context)
        if not result.errors:
            return result.data
        error = result.errors[0]
        extensions = error.extensions or {}
        code = extensions.get("code")
        if code is None and error.path is None:  # a variable's value refused before execution
            named = _VARIABLE.search(error.message)
            raise ReportError(400, error.message, field=named.group(1) if named else None,
                              english=extensions.get("messageEn"))
        if code in _STATUS:
            # `zoneComposition.first`, `where.community`, `$where`: the first part that is a variable
            parts = [p.lstrip("$") for p in re.split(r"[.\[\]]", str(extensions.get("field") or ""))]
            field = next((p for p in parts if p in variables), None)
            raise ReportError(_STATUS[code], error.message, code, field, english=extensions.get("messageEn"))
        error_id = extensions.get("errorId") or report_internal(error.message, error.original_error or error,
                                                                "report")
        raise ReportError(500, Message("internal error (errorId {error_id}): see the server's log",
                                       error_id=error_id), INTERNAL)

    return execute


def _cell(value: Any) -> Any:
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return value


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _text(value: Any) -> str:
    value = _cell(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        # Text (a name someone imported) that Excel would run as a formula: shown as text instead.
        return "'" + value
    return str(value)


def headers(columns: tuple[Column, ...], lang: str) -> list[str]:
    return [i18n.translate(c.header, lang) for c in columns]


def other(lang: str) -> str:
    return "en" if lang == "zh-CN" else "zh-CN"


def render_csv(report: Report, rows: list[dict], lang: str, both: bool = False) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers(report.columns, lang))
    if both:
        writer.writerow(headers(report.columns, other(lang)))
    for row in rows:
        writer.writerow([_text(row.get(c.key)) for c in report.columns])
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")


def _sheet_title(text: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", " ", text)[:31]


def render_xlsx(report: Report, rows: list[dict], lang: str) -> bytes:
    workbook = Workbook()
    for index, sheet_lang in enumerate((lang, other(lang))):
        sheet = workbook.active if index == 0 else workbook.create_sheet()
        sheet.title = _sheet_title(f"{i18n.translate(report.title, sheet_lang)} ({sheet_lang})")
        sheet.append(headers(report.columns, sheet_lang))
        for number, row in enumerate(rows, start=2):
            for column, spec in enumerate(report.columns, start=1):
                value = _cell(row.get(spec.key))
                cell = sheet.cell(number, column, value)
                if isinstance(value, str) and value.startswith("="):
                    cell.data_type = "s"  # openpyxl would write text starting with "=" as a formula
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def render(report: Report, rows: list[dict], file_format: str, lang: str, both: bool = False) -> bytes:
    return render_csv(report, rows, lang, both) if file_format == "csv" else render_xlsx(report, rows, lang)


def file_options(params: Any) -> tuple[str, bool]:
    """(lang, both) from `lang` (zh-CN by default) and `headers` (one or both)."""
    lang = params.get("lang") or i18n.DEFAULT
    if lang.replace("_", "-").split("-")[0].lower() not in ("zh", "en"):
        raise ReportError(400, Message("lang: zh-CN or en, got {got!r}", got=lang[:20]), field="lang")
    both = params.get("headers") or "one"
    if both not in ("one", "both"):
        raise ReportError(400, Message("headers: one or both, got {got!r}", got=both[:20]), field="headers")
    return i18n.language(lang), both == "both"


def find(name: str) -> Report:
    report = REPORTS.get(name)
    if report is None:
        raise ReportError(404, Message("no report {name!r}; reports: {reports}", name=name, reports=", ".join(REPORTS)),
                          "NOT_FOUND")
    return report


def error_response(error: ReportError, request: Request) -> JSONResponse:
    """`{error, errorEn, code, field?}`: `error` in the request's Accept-Language (English without
    one, as /graphql's errors), `errorEn` always English."""
    lang = i18n.error_language(request.headers.get("accept-language"))
    body: dict[str, Any] = {"error": error.say(lang), "errorEn": error.english, "code": error.code}
    if error.field:
        body["field"] = error.field
    headers = {"Retry-After": "1"} if error.status == 503 else None
    return JSONResponse(body, status_code=error.status, headers=headers)


async def report_file(request: Request) -> Response:
    """GET /reports/{name}.{csv|xlsx}: the report as a file (see the module docstring)."""
    stem, dot, extension = request.path_params["name"].rpartition(".")
    if not dot:
        stem, extension = extension, ""
    try:
        report = find(stem)
        if extension.lower() not in FORMATS:
            raise ReportError(406, Message("unknown report format {extension!r}; supported: .csv, .xlsx",
                                           extension=extension), "NOT_ACCEPTABLE")
        params = request.query_params
        lang, both = file_options(params)
        arguments = report.arguments(params)
        execute = graphql_executor(request.app.state.schema, request.app.state.backend,
                                   grant_of_state(request.state), request)
        rows = await report.rows(execute, arguments)
    except ReportError as error:
        return error_response(error, request)
    file_format = extension.lower()
    body = render(report, rows, file_format, lang, both)
    return Response(body, media_type=FORMATS[file_format],
                    headers={"Content-Disposition": f'attachment; filename="{report.name}.{file_format}"'})


async def report_index(request: Request) -> JSONResponse:
    """GET /reports: every report's name, title, parameters and columns (JSON)."""
    try:
        lang, _ = file_options(request.query_params)
    except ReportError as error:
        return error_response(error, request)
    return JSONResponse({"reports": [
        {"name": r.name, "title": i18n.translate(r.title, lang), "formats": list(FORMATS),
         "parameters": [{"name": p.name, "kind": p.kind, "choices": list(p.choices), "required": p.required,
                         "default": p.default} for p in r.parameters],
         "columns": [{"key": c.key, "header": i18n.translate(c.header, lang)} for c in r.columns]}
        for r in REPORTS.values()]})

