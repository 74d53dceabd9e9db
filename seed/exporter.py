"""`dangjian export`: the whole graph as import files, one per node and relationship type."""
from __future__ import annotations

from pathlib import Path

from graph import transfer
from graph.backend import Backend
from graph.model import relationship_endpoints
from seed.transfer import RELATIONSHIP_COLUMNS, file_name, importable_types, write_rows

PAGE = 5000


async def export_graph(backend: Backend, directory: Path, fmt: str = "csv") -> dict[str, int]:
    """Write every node and relationship (not the audit trail); returns rows per file."""
    directory.mkdir(parents=True, exist_ok=True)
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
            write_rows(directory / name, [p.name for p in node_type.stored_props], rows)
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
            write_rows(directory / name, list(RELATIONSHIP_COLUMNS), rows)
            written[name] = len(rows)
    return written
