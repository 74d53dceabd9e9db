"""POST /import: `dangjian import` over HTTP, for admins; and the server's import undoer.

The request is multipart/form-data with one part per file, whatever the parts' names: each part's
filename is the file's name, which says what it holds, as for the CLI (Zone.csv,
Zone-IN_TOWN-Town.json; seed/transfer.py). Optional fields: `dryRun` and `allowArticleSource`
(true or false) and `encoding` (as --encoding). The files go through the CLI's importer
(seed/importer.py): every row is validated first, and nothing is written when any is bad; then
the batches, the journal, the audit entry and the undo records, all or nothing. Who imports is
the grant's name, else the X-Actor header (as for mutations).

    curl -F files=@Zone.csv -F files=@Zone-IN_TOWN-Town.csv http://localhost:8000/import

Answers, as JSON:
    200  {batchId, written, dryRun, files: [{file, created, updated, unchanged}], encodings, problems: []}
    422  the same, with problems [{file, line, column, reason, reasonEn}] as the CLI prints them;
         nothing written. `reason` (and `encodings`) follow Accept-Language like /graphql's errors
         (zh → Chinese; no header → English); `reasonEn` is always the English
    400  {error, code: BAD_REQUEST}: not multipart, no file, a file name that is no plain name, a bad
         option or X-Actor
    403  {error, errorEn, code: FORBIDDEN, rule: role}: not an admin (error in the Accept-Language)
    413  {error, code: PAYLOAD_TOO_LARGE}: past DANGJIAN_MAX_IMPORT_BYTES or MAX_IMPORT_FILES files
    503  {error, code: SERVICE_UNAVAILABLE}; 500 {error, code, errorId}: the database failed midway,
         and what the import wrote was undone (or will be, by recovery); the text is in the log

An import is undone by its batch id with the GraphQL mutation undoImport (resolvers/undo.py),
which runs `import_undoer` (seed/import_undo.py) with this server's journal directory.
"""
from __future__ import annotations

import json
import tempfile
import uuid
from pathlib import Path
from typing import Any

from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import JSONResponse

from graph.authorise import check_admin
from graph.bulk import RecordAudit
from graph.errors import DatabaseUnavailable, Forbidden
from graph.grants import Grant, grant_of_state
from graph.limits import MAX_IMPORT_BYTES, MAX_IMPORT_FILES
from graph.validation import text_problem
from graph.write_plan import Audit, utc_now
from i18n import Message, error_language, message
from resolvers.actor import actor_of
from resolvers.errors import conflict, not_found
from resolvers.undo import UndoOutcome
from schema.schema import SERVICE_UNAVAILABLE, report_internal
from seed.encoding import check_encoding_name
from seed.import_undo import NOT_FOUND, UndoFailed, UndoRefused, undo_import
from seed.importer import ImportFailed, Importer, ImportReport
from seed.journal import Target, journal_directory
from seed.recovery import pending, recover
from web.import_language import problem_json

MAX_NAME = 255


class _Refused(Exception):
    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.body = status, {"error": message, "code": code, **extra}


async def import_files(request: Request) -> JSONResponse:
    grant = grant_of_state(request.state)
    lang = error_language(request.headers.get("accept-language"))  # as /graphql's errors
    try:
        try:
            check_admin(grant, Message("importing"))
        except Forbidden as refused:  # recorded like every refused write (resolvers/writes.py)
            await _record_refusal(request, grant, refused)
            raise _Refused(403, "FORBIDDEN", refused.reason.say(lang), rule=refused.rule,
                           errorEn=str(refused)) from None
        actor = grant.name or _actor(request)
        with tempfile.TemporaryDirectory(prefix="dangjian-import-") as directory:
            paths, options = await _files(request, Path(directory))
            report = await _run(request, paths, actor, options)
    except _Refused as refused:
        return JSONResponse(refused.body, status_code=refused.status)
    body = _report(report, options["dryRun"], lang)
    return JSONResponse(body, status_code=422 if report.problems else 200)


async def _record_refusal(request: Request, grant: Grant, refused: Forbidden) -> None:
    """The audit entry of a refused import: who, and the rule that refused it."""
    at, _ = utc_now()
    changes = json.dumps({"refused": "import", "rule": refused.rule, "reason": str(refused)}, ensure_ascii=False,
                         sort_keys=True)
    audit = Audit(grant.name or "anonymous", at, "refused", "Import", None, changes)
    await request.app.state.backend.write(RecordAudit(audit.properties(f"audit-{uuid.uuid4().hex}")))


def _actor(request: Request) -> str:
    try:
        return actor_of({"request": request})
    except GraphQLError as error:
        raise _Refused(400, "BAD_REQUEST", error.message) from None


def _limited(request: Request) -> Request:
    """The request, with a body that stops at MAX_IMPORT_BYTES (chunked bodies included)."""
    length = request.headers.get("content-length", "")
    too_large = _Refused(413, "PAYLOAD_TOO_LARGE", f"the files are larger than {MAX_IMPORT_BYTES:,} bytes, the "
                                                   "limit (DANGJIAN_MAX_IMPORT_BYTES)")
    if length.isdigit() and int(length) > MAX_IMPORT_BYTES:
        raise too_large
    received = 0

    async def receive() -> dict[str, Any]:
        nonlocal received
        message = await request.receive()
        received += len(message.get("body", b""))
        if received > MAX_IMPORT_BYTES:
            raise too_large
        return message

    return Request(request.scope, receive)


async def _files(request: Request, directory: Path) -> tuple[list[Path], dict[str, Any]]:
    """The uploaded files, saved under their own names in `directory`, and the options."""
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        raise _Refused(400, "BAD_REQUEST", "send the files as multipart/form-data, one part per file "
                                           "(curl -F files=@Zone.csv …)")
    try:
        form = await _limited(request).form(max_files=MAX_IMPORT_FILES, max_fields=10)
    except _Refused:
        raise
    except Exception as error:  # the multipart parser's refusals (too many files, a broken body)
        raise _Refused(400, "BAD_REQUEST", f"the form cannot be read: {_plain(error)}") from None
    paths: list[Path] = []
    options = {"dryRun": False, "allowArticleSource": False, "encoding": None}
    try:
        for key, value in form.multi_items():
            if isinstance(value, str):
                _option(options, key, value)
                continue
            name = value.filename or ""
            problem = _name_problem(name)
            if problem:
                raise _Refused(400, "BAD_REQUEST", f"file name {name!r}: {problem}")
            path = directory / name
            if path.exists():
                raise _Refused(400, "BAD_REQUEST", f"file name {name!r} is given twice")
            path.write_bytes(await value.read())
            paths.append(path)
    finally:
        await form.close()
    if not paths:
        raise _Refused(400, "BAD_REQUEST", "no file: send one part per file, with its name (Zone.csv)")
    return paths, options


def _option(options: dict[str, Any], key: str, value: str) -> None:
    if key in ("dryRun", "allowArticleSource"):
        if value not in ("true", "false"):
            raise _Refused(400, "BAD_REQUEST", f"{key} must be true or false, got {value[:40]!r}")
        options[key] = value == "true"
    elif key == "encoding":
        try:
            check_encoding_name(value)
        except ValueError as error:
            raise _Refused(400, "BAD_REQUEST", f"encoding: {error}") from None
        options[key] = value
    else:
        raise _Refused(400, "BAD_REQUEST", f"unknown field {key[:40]!r}: the options are dryRun, encoding and "
                                           "allowArticleSource; files are parts with a filename")


def _name_problem(name: str) -> str | None:
    """Why an uploaded file's name cannot be saved as given: only a plain file name is."""
    if not name:
        return "a file part needs a filename"
    if text_problem(name) or any(c in name for c in "/\\") or name in (".", "..") or len(name) > MAX_NAME:
        return "must be a plain file name such as Zone.csv"
    return None


def _plain(error: Exception) -> str:
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return text[:200]


async def _run(request: Request, paths: list[Path], actor: str, options: dict[str, Any]) -> ImportReport:
    settings, backend = request.app.state.settings, request.app.state.backend
    directory, target = journal_directory(settings), Target.of(settings)
    try:
        if pending(directory, target):  # a dead import's rows must not count as "unchanged"
            await recover(backend, directory, target)
        importer = Importer(backend, actor, allow_article_source=options["allowArticleSource"],
                            encoding=options["encoding"], journal_dir=directory, target=target)
        return await importer.run(paths, dry_run=options["dryRun"])
    except ValueError as error:  # the actor
        raise _Refused(400, "BAD_REQUEST", str(error)) from None
    except Exception as error:
        undone = "everything it wrote was undone" if not isinstance(error, ImportFailed) or \
            "could not be undone now" not in str(error) else "what it wrote will be undone by the server's recovery"
        if _unavailable(error) is not None:
            raise _Refused(503, SERVICE_UNAVAILABLE, f"the database could not be reached; {undone}") from None
        error_id = report_internal(str(error), error, "/import")
        shown = str(error) if request.app.state.dev_mode else f"the import failed; {undone}"
        raise _Refused(500, "INTERNAL_SERVER_ERROR", shown, errorId=error_id) from None


def _unavailable(error: BaseException | None) -> DatabaseUnavailable | None:
    """The database outage behind `error`, if one is."""
    while error is not None:
        if isinstance(error, DatabaseUnavailable):
            return error
        error = error.__cause__
    return None


def _report(report: ImportReport, dry_run: bool, lang: str = "en") -> dict[str, Any]:
    return {
        "batchId": report.batch_id if report.written else None,
        "written": report.written,
        "dryRun": dry_run,
        "files": [{"file": f.file, "created": f.created, "updated": f.updated, "unchanged": f.unchanged}
                  for f in report.files],
        "encodings": {name: message(said).say(lang) for name, said in report.encodings.items()},
        "problems": [problem_json(p, lang) for p in report.problems],
    }


def import_undoer(settings: Any):
    """The server's `undo_import` for resolvers/undo.py (app.state.undo_import): with its journal
    directory, so that an undo whose process dies is rolled back like an import."""

    async def run(context: dict[str, Any], batch_id: str, actor: str, field: str) -> UndoOutcome:
        try:
            done = await undo_import(context["backend"], batch_id, actor, journal_dir=journal_directory(settings),
                                     target=Target.of(settings))
        except UndoRefused as refused:
            raise (not_found if refused.code == NOT_FOUND else conflict)(field, refused.reason) from None
        except UndoFailed as failed:
            outage = _unavailable(failed)
            if outage is not None:  # answered SERVICE_UNAVAILABLE, as any outage is
                raise outage from None
            raise
        return UndoOutcome(done.audit_uid, done.undoes, "import", "Import", None, None,
                           nodes_deleted=done.nodes_deleted, nodes_restored=done.nodes_restored,
                           relationships_deleted=done.relationships_deleted)

    return run

