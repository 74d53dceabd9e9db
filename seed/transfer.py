"""Bulk files: one CSV or JSON file per node type or relationship type.

    <Type>.csv | <Type>.json                node rows; columns are the type's properties
    <From>-<TYPE>-<To>.csv | .json          relationship rows; columns `from` and `to` (uids)

CSV cells are text: empty means absent, Booleans are true/false, enums their names.
Rows are validated against graph/model.py; every problem names file, line, column, reason.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import ConfigDict, ValidationError, create_model

from graph.model import ENUMS, NODE_TYPES, TYPES, NodeType, relationship_endpoints
from graph.validation import value_problem

FORMATS = ("csv", "json")
RELATIONSHIP_COLUMNS = ("from", "to")
_PYTHON_TYPES = {"String": str, "Int": int, "Float": float, "Boolean": bool}


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.column}: {self.reason}"


@dataclass
class NodeFile:
    path: Path
    node_type: NodeType
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # (line, properties)


@dataclass
class RelationshipFile:
    path: Path
    triple: tuple[str, str, str]
    pairs: list[tuple[int, tuple[str, str]]] = field(default_factory=list)  # (line, (from, to))


def importable_types() -> list[NodeType]:
    return [t for t in NODE_TYPES if t.writable]


def file_name(kind: str | tuple[str, str, str], fmt: str) -> str:
    return f"{kind if isinstance(kind, str) else '-'.join(kind)}.{fmt}"


def _validators() -> dict[str, Any]:
    models = {}
    for t in importable_types():
        fields: dict[str, Any] = {}
        for prop in t.stored_props:
            python_type = Literal[ENUMS[prop.type]] if prop.is_enum else _PYTHON_TYPES[prop.type]
            fields[prop.name] = (python_type, ...) if prop.required and prop.name != "source" else (python_type | None, None)
        models[t.name] = create_model(f"Import{t.name}", __config__=ConfigDict(extra="forbid"), **fields)
    return models


VALIDATORS = _validators()


def classify(path: Path) -> NodeType | tuple[str, str, str]:
    """What a file holds, from its name; ValueError names the accepted forms."""
    stem = path.name.rsplit(".", 1)[0]
    if stem in TYPES and TYPES[stem].writable:
        return TYPES[stem]
    parts = tuple(stem.split("-"))
    if len(parts) == 3 and parts in relationship_endpoints():
        return parts
    raise ValueError(f"{path.name}: name it <Type>.csv|json (one of {', '.join(t.name for t in importable_types())})"
                     " or <From>-<TYPE>-<To>.csv|json for a relationship in the model")


def _raw_rows(path: Path) -> list[tuple[int, dict[str, Any]]]:
    fmt = path.suffix.lstrip(".").lower()
    if fmt == "csv":
        reader = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline=""))
        rows = []
        for row in reader:
            if None in row:
                raise ValueError(f"{path.name}:{reader.line_num}: more cells than header columns")
            rows.append((reader.line_num, {k: v for k, v in row.items() if v not in ("", None)}))
        return rows
    if fmt == "json":
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            raise ValueError(f"{path.name}: a JSON file holds a list of objects")
        return [(i + 1, {k: v for k, v in item.items() if v is not None}) for i, item in enumerate(data)]
    raise ValueError(f"{path.name}: use a .csv or .json file")


def read_file(path: Path, problems: list[Problem]) -> NodeFile | RelationshipFile | None:
    """Parse and validate one file; append every bad row to `problems`."""
    try:
        kind = classify(path)
        rows = _raw_rows(path)
    except (ValueError, UnicodeDecodeError, json.JSONDecodeError) as error:
        problems.append(Problem(path.name, 0, "-", str(error)))
        return None
    if isinstance(kind, NodeType):
        return _node_file(path, kind, rows, problems)
    return _relationship_file(path, kind, rows, problems)


def _node_file(path: Path, node_type: NodeType, rows, problems: list[Problem]) -> NodeFile:
    result = NodeFile(path, node_type)
    validator = VALIDATORS[node_type.name]
    seen: dict[str, int] = {}
    for line, raw in rows:
        raw = {k: _json_booleans(v) for k, v in raw.items()}
        uid = raw.get("uid")
        if isinstance(uid, str) and uid in seen:
            problems.append(Problem(path.name, line, "uid", f"repeats line {seen[uid]}"))
            continue
        if isinstance(uid, str):
            seen[uid] = line
        try:
            clean = validator(**raw).model_dump(exclude_none=True)
        except ValidationError as error:
            for issue in error.errors():
                column = ".".join(str(part) for part in issue["loc"]) or "-"
                reason = "is not a column of " + node_type.name if issue["type"] == "extra_forbidden" else issue["msg"]
                problems.append(Problem(path.name, line, column, reason))
            continue
        clean.setdefault("source", "IMPORTED")
        bad = [(name, value_problem(node_type.prop(name), value)) for name, value in clean.items()]
        bad = [(name, reason) for name, reason in bad if reason]
        for name, reason in bad:
            problems.append(Problem(path.name, line, name, reason))
        if not bad:
            result.rows.append((line, clean))
    return result


def _json_booleans(value: Any) -> Any:
    # CSV says true/false; pydantic's lax bool also takes yes/1, which a file should not.
    return {"true": True, "false": False}.get(value, value) if isinstance(value, str) else value


def _relationship_file(path: Path, triple, rows, problems: list[Problem]) -> RelationshipFile:
    result = RelationshipFile(path, triple)
    seen: set[tuple[str, str]] = set()
    for line, raw in rows:
        extra = set(raw) - set(RELATIONSHIP_COLUMNS)
        for column in sorted(extra):
            problems.append(Problem(path.name, line, column, "is not a column; use from and to"))
        missing = [c for c in RELATIONSHIP_COLUMNS if not isinstance(raw.get(c), str) or not raw[c].strip()]
        for column in missing:
            problems.append(Problem(path.name, line, column, "needs the uid of a node"))
        if extra or missing:
            continue
        pair = (raw["from"], raw["to"])
        if pair not in seen:  # a repeated edge is the same edge
            seen.add(pair)
            result.pairs.append((line, pair))
    return result


def write_rows(path: Path, columns: list[str], rows: list[dict[str, Any]]) -> None:
    """Write rows in the file's format, which import reads back unchanged."""
    if path.suffix == ".json":
        path.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
        return
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _csv_cell(row.get(k)) for k in columns})


def _csv_cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value
