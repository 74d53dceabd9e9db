"""Bulk files: one CSV or JSON file per node type or relationship type.

    <Type>.csv | <Type>.json                node rows; columns are the type's properties
    <From>-<TYPE>-<To>.csv | .json          relationship rows; columns `from` and `to` (uids)

Every value goes through the same rules as a mutation's arguments (graph/validation.py):
each cell through value_problem, each row through record_problems. CSV cells are text and
are parsed first (seed/cells.py); JSON values are taken as they are, as GraphQL variables
would be. Every problem names file, line, column and reason.
"""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, ConfigDict, ValidationError, ValidationInfo, create_model
from pydantic_core import PydanticCustomError

from i18n import Message
from graph.model import NODE_TYPES, TYPES, NodeType, Prop, relationship_endpoints
from graph.validation import record_problems, value_problem
from seed.cells import LIST_SEPARATOR, json_value, parse_cell
from seed.reading import FORMATS, Problem, RawFile, read_raw

__all__ = ["FORMATS", "Problem", "NodeFile", "RelationshipFile", "read_file", "write_rows", "file_name",
           "importable_types", "classify", "RELATIONSHIP_COLUMNS"]

RELATIONSHIP_COLUMNS = ("from", "to")
ARTICLE = "ARTICLE"


@dataclass
class NodeFile:
    path: Path
    node_type: NodeType
    encoding: str = ""  # "read as UTF-8", for the report
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # (line, properties)
    refused: dict[str, int] = field(default_factory=dict)  # uid → line of a row refused here


@dataclass
class RelationshipFile:
    path: Path
    triple: tuple[str, str, str]
    encoding: str = ""
    pairs: list[tuple[int, tuple[str, str]]] = field(default_factory=list)  # (line, (from, to))


def importable_types() -> list[NodeType]:
    return [t for t in NODE_TYPES if t.is_data]


def file_name(kind: str | tuple[str, str, str], fmt: str) -> str:
    return f"{kind if isinstance(kind, str) else '-'.join(kind)}.{fmt}"


def _checked(prop: Prop) -> Any:
    """A field that admits exactly what graph/validation.py admits for `prop` (pydantic's
    own coercions, such as "1.0" or true for an Int, never apply: the type is Any)."""

    def check(value: Any, info: ValidationInfo) -> Any:
        parse = parse_cell if (info.context or {}).get("text_cells") else json_value
        value, problem = parse(prop, value)
        problem = problem or value_problem(prop, value)
        if problem:
            raise PydanticCustomError("value", "{reason}", {"reason": problem})
        return value

    return Annotated[Any, AfterValidator(check)]


def _validators() -> dict[str, Any]:
    """One pydantic model per type: it reports missing required fields and unknown columns,
    and runs each present value through `_checked`, collecting every problem of a row."""
    models = {}
    for t in importable_types():
        fields: dict[str, Any] = {}
        for prop in t.stored_props:
            required = prop.required and prop.name != "source"  # source defaults to IMPORTED
            fields[prop.name] = (_checked(prop), ...) if required else (_checked(prop), None)
        models[t.name] = create_model(f"Import{t.name}", __config__=ConfigDict(extra="forbid"), **fields)
    return models


VALIDATORS = _validators()


def classify(path: Path) -> NodeType | tuple[str, str, str]:
    """What a file holds, from its name; ValueError names the accepted forms."""
    stem = path.name.rsplit(".", 1)[0]
    if stem in TYPES and TYPES[stem].is_data:
        return TYPES[stem]
    parts = tuple(stem.split("-"))
    if len(parts) == 3 and parts in relationship_endpoints():
        return parts
    raise ValueError(Message("the file name must be <Type>.csv|json (one of {types}) or <From>-<TYPE>-<To>.csv|json "
                             "for a relationship in the model, such as Zone-IN_TOWN-Town.csv",
                             types=", ".join(t.name for t in importable_types())))


def read_file(path: Path, problems: list[Problem], encoding: str | None = None,
              allow_article_source: bool = False) -> NodeFile | RelationshipFile | None:
    """Parse and validate one file; append every bad row to `problems`. Returns None when the
    file cannot be read at all."""
    try:
        kind = classify(path)
    except ValueError as error:
        problems.append(Problem(path.name, 1, "-", error.args[0]))
        return None
    raw = read_raw(path, encoding)
    problems += raw.problems
    if isinstance(kind, NodeType):
        return _node_file(path, kind, raw, problems, allow_article_source)
    return _relationship_file(path, kind, raw, problems)


def _check_header(raw: RawFile, allowed: list[str], required: list[str], owner: str) -> set[str]:
    """Unknown and missing columns of a CSV header, reported once at line 1; returns the
    columns the rows may be checked for (a missing one is not reported again on every row)."""
    if raw.columns is None:  # JSON: each object is checked whole
        return set(allowed)
    for column in raw.columns:
        if column not in allowed:
            raw.problem(1, column, Message("is not a column of {owner}; its columns are {columns}",
                                           owner=owner, columns=', '.join(allowed)))
    for column in required:
        if column not in raw.columns:
            raw.problem(1, column, Message("is missing from the header; {owner} needs {columns}",
                                           owner=owner, columns=', '.join(required)))
    return set(raw.columns) & set(allowed)


def _node_file(path: Path, node_type: NodeType, raw: RawFile, problems: list[Problem],
               allow_article_source: bool) -> NodeFile:
    result = NodeFile(path, node_type, raw.encoding)
    columns = [p.name for p in node_type.stored_props]
    required = [p.name for p in node_type.stored_props if p.required and p.name != "source"]
    before = len(raw.problems)
    present = _check_header(raw, columns, required, node_type.name)
    problems += raw.problems[before:]
    validator = VALIDATORS[node_type.name]
    context = {"text_cells": raw.columns is not None}
    seen: dict[str, int] = {}
    for line, cells in raw.rows:
        if raw.columns is not None:
            cells = {k: v for k, v in cells.items() if k in present}
        found: list[Problem] = []
        valid = True
        try:
            clean = validator.model_validate(cells, context=context).model_dump(exclude_none=True)
        except ValidationError as error:
            clean, valid = {}, False
            for issue in error.errors():
                column = str(issue["loc"][0]) if issue["loc"] else "-"
                if issue["type"] == "missing" and column not in present:
                    continue  # reported once, at the header
                found.append(Problem(path.name, line, column, _reason(issue, node_type)))
        clean.setdefault("source", "IMPORTED")
        if not found:
            # An import row replaces the stored node whole (graph/transfer.set_nodes: SET n = row),
            # so the row is the record as it will be stored: the cross-field rules apply to it.
            found += [Problem(path.name, line, column, reason)
                      for column, reason in record_problems(node_type, clean)]
        if cells.get("source") == ARTICLE and not allow_article_source:
            found.append(Problem(path.name, line, "source", ARTICLE_REFUSED))
        uid = cells.get("uid")
        if isinstance(uid, str) and uid in seen:
            found.insert(0, Problem(path.name, line, "uid", Message("{uid!r} repeats line {first}",
                                                                    uid=uid, first=seen[uid])))
        elif isinstance(uid, str):
            seen[uid] = line
        if found or not valid:  # not valid, yet nothing found: a column the header lacks
            problems += found
            if isinstance(uid, str):
                result.refused.setdefault(uid, line)
        else:
            result.rows.append((line, clean))
    return result


ARTICLE_REFUSED = Message("'ARTICLE' is kept for facts the 2015 report states, and an imported row is IMPORTED "
                   "(or ILLUSTRATIVE); to restore the article's own facts, as from an export, import with "
                   "--allow-article-source")


def _reason(issue: dict[str, Any], node_type: NodeType) -> str:
    if issue["type"] == "missing":
        return Message("is required")
    if issue["type"] == "extra_forbidden":
        return Message("is not a property of {type}; its properties are {properties}", type=node_type.name,
                       properties=", ".join(p.name for p in node_type.stored_props))
    reason = (issue.get("ctx") or {}).get("reason")  # ours (_checked), kept as the Message it was
    return reason if isinstance(reason, Message) else issue["msg"]


def _relationship_file(path: Path, triple: tuple[str, str, str], raw: RawFile,
                       problems: list[Problem]) -> RelationshipFile:
    result = RelationshipFile(path, triple, raw.encoding)
    before = len(raw.problems)
    owner = Message("a {rel} file", rel=triple[1])
    present = _check_header(raw, list(RELATIONSHIP_COLUMNS), list(RELATIONSHIP_COLUMNS), owner)
    problems += raw.problems[before:]
    if present != set(RELATIONSHIP_COLUMNS):
        return result  # the header is reported; every row would repeat it
    seen: set[tuple[str, str]] = set()
    for line, cells in raw.rows:
        found = [Problem(path.name, line, column, Message("is not a column of {owner}; use from and to", owner=owner))
                 for column in sorted(set(cells) - set(RELATIONSHIP_COLUMNS))]
        for column, label in zip(RELATIONSHIP_COLUMNS, (triple[0], triple[2])):
            value = cells.get(column)
            problem = ("needs the uid of a " + label if value is None
                       else value_problem(TYPES[label].prop("uid"), value))
            if problem:
                found.append(Problem(path.name, line, column, problem))
        if found:
            problems += found
            continue
        pair = (cells["from"], cells["to"])
        if pair not in seen:  # a repeated edge is the same edge
            seen.add(pair)
            result.pairs.append((line, pair))
    return result


def write_rows(path: Path, columns: list[str], rows: list[dict[str, Any]], bom: bool = True) -> None:
    """Write rows in the file's format, which import reads back unchanged. A CSV file starts
    with a UTF-8 byte-order mark unless `bom` is False: without it, Excel reads it in the
    machine's code page (GB18030 in China) and garbles every Chinese name."""
    if path.suffix == ".json":
        path.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
        return
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _csv_cell(row.get(k)) for k in columns})


def _csv_cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):  # a list-valued property, as seed/cells.parse_cell reads it back
        return LIST_SEPARATOR.join(str(_csv_cell(item)) for item in value)
    return "" if value is None else value
