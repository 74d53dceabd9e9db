"""Neo4j 5 DDL: uniqueness constraints and range indexes, all IF NOT EXISTS."""
from __future__ import annotations

from graph.dialects.falkordb import INDEXED
from graph.model import NODE_TYPES


def schema_statements() -> list[str]:
    statements = []
    for node_type in NODE_TYPES:
        label = node_type.label
        statements.append(
            f"CREATE CONSTRAINT {label.lower()}_uid IF NOT EXISTS FOR (n:`{label}`) REQUIRE n.uid IS UNIQUE"
        )
        for prop in node_type.stored_props:
            if prop.name in INDEXED:
                statements.append(
                    f"CREATE INDEX {label.lower()}_{prop.name.lower()} IF NOT EXISTS FOR (n:`{label}`) ON (n.`{prop.name}`)"
                )
    return statements
