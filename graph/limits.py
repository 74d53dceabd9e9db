"""Request limits and the cursor secret, read once from the environment.

Every limit is checked before the work it bounds (reading, parsing, decoding, the database),
so one client's oversized request costs the server little and stalls no one else. Each has a
setting; `docs/security.md` tables them with the answer a client gets.

    DANGJIAN_MAX_BODY_BYTES        a POST body, or a GET's query string (bytes)
    DANGJIAN_MAX_QUERY_LENGTH      the GraphQL document (characters)
    DANGJIAN_MAX_TOKENS            the GraphQL document (lexical tokens, comments excluded)
    DANGJIAN_MAX_VARIABLE_DEPTH    nesting of arrays and objects in one variable's value
    DANGJIAN_MAX_STRING_LENGTH     any one string in the variables or the document (characters)
    DANGJIAN_MAX_FIELDS            fields of one operation once fragments are expanded
    DANGJIAN_MAX_COST              objects an operation may return, estimated (schema/cost.py)
    DANGJIAN_MAX_COST_<ROLE>       the same for one role's grants (VIEWER, RESEARCHER, EDITOR, ADMIN)
    DANGJIAN_MAX_PAGE_<ROLE>       the largest `first` a role's grants may ask for
    DANGJIAN_MAX_FILTER_DEPTH      nesting of one `where` (AND, OR, NOT, relationship filters)
    DANGJIAN_MAX_FILTER_TESTS      tests in one `where`, after simplification
    DANGJIAN_IMPORT_WATCH_S        how often a running server looks for imports that died (s)
    DANGJIAN_MAX_IMPORT_BYTES      the files of one POST /import, together (bytes)
    DANGJIAN_CURSOR_SECRET         the key cursors are signed with (see `cursor_secret`)
    DANGJIAN_SUPPRESSION_K         small cells: counts of people and demands under it are withheld
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from graph.grants import ADMIN, EDITOR, RESEARCHER, VIEWER
from graph.validation import MAX_TEXT


def _setting(name: str, default: int) -> int:
    """A positive whole number from the environment; a bad value stops start-up with its name
    rather than leaving a limit silently off."""
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    if not text.isascii() or not text.isdigit() or int(text) < 1:
        raise ValueError(f"{name} must be a positive whole number, got {text!r}")
    return int(text)


# 1 MB: the largest legitimate request (a document at its length limit, or an import-sized
# variables object) is far smaller; reading stops at the limit, so a 100 MB body costs 1 MB.
MAX_BODY_BYTES = _setting("DANGJIAN_MAX_BODY_BYTES", 1024 * 1024)
# graphql-core lexes ~8 MB/s here, on the event loop: 100,000 characters is ~15 ms, a 1 MB
# comment was ~130 ms of every other client's time. Real documents are a few kilobytes.
MAX_QUERY_LENGTH = _setting("DANGJIAN_MAX_QUERY_LENGTH", 100_000)
MAX_TOKENS = _setting("DANGJIAN_MAX_TOKENS", 5000)
# A `where` may nest 16 filters (resolvers/plans.py), two JSON levels each (`{AND: [...]}`):
# 64 leaves that refusal, which names the filter path, to the planner.
MAX_VARIABLE_DEPTH = _setting("DANGJIAN_MAX_VARIABLE_DEPTH", 64)
# The longest text the model stores (graph/validation.py): nothing longer can match or be written.
MAX_STRING_LENGTH = _setting("DANGJIAN_MAX_STRING_LENGTH", MAX_TEXT)
# Validation (schema/operation_shape.py) counts fields as execution collects them.
MAX_FIELDS = _setting("DANGJIAN_MAX_FIELDS", 2000)
# 500,000 objects: the 4-level read of the tests (~155,000) passes, 30 aliases of a 1,000-member
# page with two nested lists (~3.3 million) do not (schema/cost.py has the model).
MAX_COST = _setting("DANGJIAN_MAX_COST", 500_000)
# Per role (graph/grants.py; the open grant of --dev is an admin): readers get less than writers.
# Every contract query and README example costs under 3,500 and the explorer's under 1,000, so
# a viewer's 50,000 leaves them 15× room while 10 viewers at their budget cost what one admin
# may; a researcher's 200,000 admits the suite's 4-level read (~155,000). Editors and admins
# keep DANGJIAN_MAX_COST, today's budget.
MAX_COST_BY_ROLE = {
    role: _setting(f"DANGJIAN_MAX_COST_{role.upper()}", default)
    for role, default in ((VIEWER, min(50_000, MAX_COST)), (RESEARCHER, min(200_000, MAX_COST)),
                          (EDITOR, MAX_COST), (ADMIN, MAX_COST))
}
# FalkorDB's parser slows ~4× per level of nested NOT; filters are flattened (graph/filters.py)
# and bounded before rendering.
MAX_FILTER_DEPTH = _setting("DANGJIAN_MAX_FILTER_DEPTH", 16)
MAX_FILTER_TESTS = _setting("DANGJIAN_MAX_FILTER_TESTS", 200)
# A running server rolls back an import whose process died within this many seconds.
IMPORT_WATCH_S = _setting("DANGJIAN_IMPORT_WATCH_S", 30)
# POST /import (web/import_http.py): an import's files are saved to a temporary directory and
# validated whole before anything is written; 64 MB is ~500,000 rows of CSV.
MAX_IMPORT_BYTES = _setting("DANGJIAN_MAX_IMPORT_BYTES", 64 * 1024 * 1024)
MAX_IMPORT_FILES = 100
# Cursors this API issues are under 200 characters; the bound is checked before any decoding.
MAX_CURSOR_LENGTH = 2048
# The page a person reads is 100 rows (the default); a viewer may ask for twice that, a researcher
# for half of resolvers/plans.py's maximum (1,000), editors and admins (bulk tools) for all of it.
# A setting above that maximum changes nothing: the planner refuses larger pages for every grant.
MAX_PAGE_BY_ROLE = {
    role: _setting(f"DANGJIAN_MAX_PAGE_{role.upper()}", default)
    for role, default in ((VIEWER, 200), (RESEARCHER, 500), (EDITOR, 1000), (ADMIN, 1000))
}

SECRET_FILE = "cursor-secret"


def cursor_secret(data_dir: Path | None = None) -> bytes:
    """The key cursors are signed with: DANGJIAN_CURSOR_SECRET if set (give every server behind
    one address the same), else 32 random bytes kept in `data_dir`/cursor-secret (default
    DANGJIAN_DATA_DIR, `./data`), created once, so workers sharing the data directory agree and
    cursors survive restarts. Raises OSError when the file can be neither read nor created."""
    given = os.environ.get("DANGJIAN_CURSOR_SECRET", "")
    if given:
        return given.encode("utf-8", "surrogatepass")
    directory = Path(data_dir or os.environ.get("DANGJIAN_DATA_DIR") or "data")
    path = directory / SECRET_FILE
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        # Written whole under another name, then linked into place: os.link fails if the file
        # exists, so of several workers starting at once exactly one secret wins and nobody
        # reads a half-written file.
        draft = directory / f".{SECRET_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(secrets.token_bytes(32))
                file.flush()
                os.fsync(file.fileno())
            try:
                os.link(draft, path)
            except FileExistsError:
                pass
        finally:
            draft.unlink(missing_ok=True)
    secret = path.read_bytes()
    if len(secret) < 16:
        raise OSError(f"{path} holds {len(secret)} bytes, too few for a secret: delete it or set DANGJIAN_CURSOR_SECRET")
    return secret
# Small-cell suppression (resolvers/suppression.py): counts of people and of residents' demands
# under this many are withheld from viewers and researchers, and larger ones rounded to a
# multiple of it, so no difference of two answers shows a count under it either.
SUPPRESSION_K = _setting("DANGJIAN_SUPPRESSION_K", 5)
