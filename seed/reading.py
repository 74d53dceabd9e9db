"""Reading an import file into rows, each with the line it starts on.

    CSV   the first line names the columns; each later record is a row. Cells are text; an
          empty cell is absent. Trailing records with every cell empty (Excel writes `,,` for
          rows it once formatted) are skipped.
    JSON  a list of objects, one per row; null is absent.

Problems with the file's shape (encoding, header, a cell beyond the header, a repeated key)
are reported here, each with the real line; the values are checked in seed/transfer.py.
"""
from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from i18n import Message
from seed.encoding import EncodingProblem, decode, describe

FORMATS = ("csv", "json")


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    column: str  # a column name, or "-" when the problem is not one column's
    reason: str  # an i18n.Message (said in the reader's language by web/import_language.py), or a msgid

    def __str__(self) -> str:
        # A header may name a column with a control character: show it escaped, not raw.
        column = self.column if self.column.isprintable() else repr(self.column)
        return f"{self.file}:{self.line}: {column}: {self.reason}"


@dataclass
class RawFile:
    name: str
    encoding: str = ""  # "read as GB18030", for the report
    columns: list[str] | None = None  # a CSV header's named columns; None for JSON
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # (line, cells)
    problems: list[Problem] = field(default_factory=list)

    def problem(self, line: int, column: str, reason: str) -> None:
        self.problems.append(Problem(self.name, line, column, reason))


def read_raw(path: Path, encoding: str | None = None) -> RawFile:
    """The file's rows; shape problems are in `.problems` (a file that cannot be read has no rows)."""
    raw = RawFile(path.name)
    fmt = path.suffix.lstrip(".").lower()
    if fmt not in FORMATS:
        raw.problem(1, "-", "is neither .csv nor .json")
        return raw
    try:
        data = path.read_bytes()  # bytes: text mode would turn a quoted "\r\n" in a cell into "\n"
    except OSError as error:
        raw.problem(1, "-", Message("cannot be read: {value}", value=error.strerror or error))
        return raw
    try:
        decoded = decode(data, encoding)
    except EncodingProblem as error:
        raw.problem(error.line, "-", error.reason)
        return raw
    raw.encoding = describe(decoded)
    (_csv_rows if fmt == "csv" else _json_rows)(raw, decoded.text)
    return raw


def _csv_rows(raw: RawFile, text: str) -> None:
    records: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1
    try:
        for cells in reader:
            records.append((start, cells))  # a quoted cell may span lines: a row starts where it starts
            start = reader.line_num + 1
    except csv.Error as error:
        raw.problem(reader.line_num, "-", Message("is not valid CSV here: {error}", error=error))
        return
    if not records or not any(records[0][1]):
        raw.problem(1, "-", "has no header; the first line names the columns, e.g. uid,name")
        return
    header = records[0][1]
    raw.columns = [name for name in header if name]
    first_at: dict[str, int] = {}
    for position, name in enumerate(header, 1):
        if name in first_at:
            raw.problem(1, name, Message("is repeated in the header (columns {first} and {position}); give each "
                                         "column once", first=first_at[name], position=position))
        elif name:
            first_at[name] = position
    body = records[1:]
    while body and not any(body[-1][1]):
        body.pop()
    for line, cells in body:
        if not any(cells):
            raw.problem(line, "-", "the row is empty; delete it or fill it in")
            continue
        row: dict[str, Any] = {}
        for position, cell in enumerate(cells, 1):
            if cell == "":
                continue
            if position > len(header):
                raw.problem(line, "-", Message("cell {position} holds {cell!r}, but the header names only {columns} "
                                               "columns", position=position, cell=cell, columns=len(header)))
            elif not header[position - 1]:
                raw.problem(line, "-", Message("cell {position} holds {cell!r}, but its column has no name in the "
                                               "header", position=position, cell=cell))
            elif header[position - 1] not in row:  # a repeated column is refused above
                row[header[position - 1]] = cell
        raw.rows.append((line, row))


class _Object(dict):
    """A JSON object that remembers keys it was given twice (plain dicts keep the last)."""

    repeated: tuple[str, ...] = ()


def _object(pairs: list[tuple[str, Any]]) -> _Object:
    result = _Object(pairs)
    if len(result) < len(pairs):
        keys = [k for k, _ in pairs]
        result.repeated = tuple(k for i, k in enumerate(keys) if k in keys[:i])
    return result


_SPACE = re.compile(r"[ \t\n\r]*")  # JSON's whitespace


def _json_rows(raw: RawFile, text: str) -> None:
    decoder = json.JSONDecoder(object_pairs_hook=_object)
    try:
        data = decoder.decode(text)
    except json.JSONDecodeError as error:
        raw.problem(error.lineno, "-", Message("is not valid JSON: {error} (column {column})",
                                               error=error.msg, column=error.colno))
        return
    except ValueError as error:  # e.g. an integer of thousands of digits
        raw.problem(1, "-", Message("cannot be read as JSON: {error}", error=error))
        return
    start = _SPACE.match(text).end()
    if not isinstance(data, list):
        raw.problem(_line(text, start), "-", Message('must hold a list of objects, one per row: [{{"uid": …}}, …]'))
        return
    # Decode the list again item by item, to know the line each object starts on.
    index = _SPACE.match(text, start + 1).end()
    for item in data:
        line = _line(text, index)
        _, end = decoder.raw_decode(text, index)
        index = _SPACE.match(text, end).end()
        index = _SPACE.match(text, index + 1).end() if text.startswith(",", index) else index
        if not isinstance(item, dict):
            raw.problem(line, "-", Message('{item} is not an object; each row is an object {{"uid": …}}',
                                           item=_brief(item)))
            continue
        for key in getattr(item, "repeated", ()):
            raw.problem(line, key, "is given twice in this object")
        raw.rows.append((line, {k: v for k, v in item.items() if v is not None}))


def _line(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def _brief(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "…"
