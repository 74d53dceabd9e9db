"""Cypher: the builder (builder.py) and one renderer module per kind of plan. Only the backends'
dialects (graph/dialects/) call `render`; everything else hands plans to Backend.read/write."""
from __future__ import annotations

# Each renderer module registers the plans it renders when imported.
from graph.cypher import (  # noqa: F401
    api_keys, bulk, escalation, import_undo, matching, reads, review, search, statistics, traversal, undo,
    visits, writes,
)
from graph.cypher.builder import CypherBuilder, quote
from graph.cypher.registry import RENDERERS, render

__all__ = ["CypherBuilder", "RENDERERS", "quote", "render"]
