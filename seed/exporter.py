"""`dangjian export`: the whole graph as import files, one per node and relationship type."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from graph import transfer
from graph.backend import Backend
from graph.model import relationship_endpoints
from graph.validation import text_problem, xml_safe
from seed.transfer import RELATIONSHIP_COLUMNS, file_name, importable_types, write_rows

PAGE = 5000


async def export_graph(backend: Backend, directory: Path, fmt: str = "csv", bom: bool = True,
                       replaced: list[str] | None = None) -> dict[str, int]:
    """Write every node and relationship (not the audit trail); returns rows per file.

    CSV files start with a UTF-8 BOM unless `bom` is False. Text an import would refuse (NUL,
    control characters, lone surrogates: stored before the rules, or by another writer) is
    written with U+FFFD in their place, so every file can be read and imported again; each
    such value is described in `replaced` ("Town.csv: town-x: name …")."""
    directory.mkdir(parents=True, exist_ok=True)
    replaced = [] if replaced is None else replaced
    written: dict[str, int] = {}
    for node_type in importable_types():
        rows, after = [], None
        while True:
            page = await backend.read(transfer.export_nodes(node_type.label, after, PAGE))
            rows += [dict(row["node"]) for row in page]
            if len(page) < PAGE:
                break
            after = page[-1]["node"]["uid"]
        if rows:
            name = file_name(node_type.name, fmt)
            rows = [_importable(row, name, row.get("uid"), replaced) for row in rows]
            write_rows(directory / name, [p.name for p in node_type.stored_props], rows, bom)
            written[name] = len(rows)
    for triple in sorted(relationship_endpoints()):
        rows, after = [], None
        while True:
            page = await backend.read(transfer.export_links(*triple, after, PAGE))
            rows += [{"from": row["source"], "to": row["target"]} for row in page]
            if len(page) < PAGE:
                break
            after = [page[-1]["source"], page[-1]["target"]]
        if rows:
            name = file_name(triple, fmt)
            rows = [_importable(row, name, f"{row['from']} → {row['to']}", replaced) for row in rows]
            write_rows(directory / name, list(RELATIONSHIP_COLUMNS), rows, bom)
            written[name] = len(rows)
    return written


def _importable(row: dict[str, Any], file: str, where: Any, replaced: list[str]) -> dict[str, Any]:
    for key, value in row.items():
        problem = text_problem(value) if isinstance(value, str) else None
        if problem:
            row[key] = xml_safe(value)
            replaced.append(f"{file}: {xml_safe(str(where))}: {key}: {problem}, which an import refuses; "
                            "written with U+FFFD in its place")
    return row
