"""Dialects: how each engine is spoken to. A portable base (base.py) renders every plan through
graph/cypher/; one subclass per engine makes that engine's choices (range comparisons, full-text
calls, DDL, how a statement and its parameters are sent)."""
