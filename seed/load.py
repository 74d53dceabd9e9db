"""Load the seed graph into a backend."""
from __future__ import annotations

from pathlib import Path

from graph.backend import Backend
from graph.loading import count_nodes, load_graph
from graph.reset import reset_graph
from seed.loader import DEFAULT_SEED_DIR, read_seed


async def seed_database(backend: Backend, only_if_empty: bool = False, reset: bool = False,
                        directory: Path = DEFAULT_SEED_DIR, progress=None,
                        keep_audit: bool = True) -> dict[str, int]:
    """Validate the seed files, then MERGE them in; returns what was written. `reset` first
    deletes the graph, except the audit trail (AuditEntry nodes) when `keep_audit`."""
    graph = read_seed(directory)  # validate everything before writing anything
    if reset:
        await reset_graph(backend, keep_audit=keep_audit)
        await backend.apply_schema()
    elif only_if_empty and await count_nodes(backend) > 0:
        return {"nodes": 0, "relationships": 0}
    return await load_graph(backend, graph.nodes, graph.relationships, progress=progress)
