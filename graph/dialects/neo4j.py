"""Neo4j 5's dialect: uniqueness constraints, range and full-text indexes (all IF NOT EXISTS),
and full-text search through `db.index.fulltext.queryNodes`.

Range comparisons need no workaround here: the plain property keeps its index. Relationship
fields are not batched: Neo4j runs them as correlated subqueries well. The MATCH is anchored on
an identifying related node as on FalkorDB: Neo4j's planner does not need it but is not hurt by
it, and both engines then start from the same node (tests/test_filters.py checks the start).
The full-text indexes use Lucene's `standard-no-stop-words` analyzer: ASCII words are split and
lower-cased as RediSearch splits them on FalkorDB, and, as there, no stop words are left out
(`cjk` and `english` drop `and`, `for`, `of`…, which FalkorDB 4.16 finds), so the candidates, and
so the hits, agree. Chinese text is never sent to the index (search scans for it on both
engines: graph/search.py).
"""
from __future__ import annotations

from graph.dialects.base import Dialect
from graph.model import NODE_TYPES, NodeType
from graph.search import MAX_WORD

ANALYZER = "standard-no-stop-words"


def fulltext_index(node_type: NodeType) -> str:
    """The name of a label's full-text index."""
    return f"{node_type.label.lower()}_fulltext"


class Neo4jDialect(Dialect):
    name = "neo4j"
    anchors_on_identifying_nodes = True

    def fulltext_query(self, starts: list[str], prefix: str) -> str | None:
        # Lucene syntax; the words are ASCII letters and digits only, so nothing needs escaping.
        # A text longer than any word the search considers is scanned instead: Lucene refuses
        # very long prefix terms, and such a text can only be found inside a longer name anyway.
        if len(prefix) > MAX_WORD:
            return None
        return " OR ".join([*starts, prefix + "*"])

    def fulltext_source(self, node_type: NodeType, terms: str, var: str) -> str:
        return f"CALL db.index.fulltext.queryNodes('{fulltext_index(node_type)}', {terms}) YIELD node AS {var}"

    def schema_statements(self) -> list[str]:
        """The DDL, in order: per label a uid uniqueness constraint and a range index per
        indexed property; per searched label a full-text index on name and nameEn; then a wait
        until every index is online."""
        statements = []
        for node_type in NODE_TYPES:
            label = node_type.label
            statements.append(
                f"CREATE CONSTRAINT {label.lower()}_uid IF NOT EXISTS FOR (n:`{label}`) REQUIRE n.uid IS UNIQUE")
            for prop in self.indexed(node_type):
                if prop.name == "uid":
                    continue  # the constraint's own index serves it
                statements.append(f"CREATE INDEX {label.lower()}_{prop.name.lower()} IF NOT EXISTS "
                                  f"FOR (n:`{label}`) ON (n.`{prop.name}`)")
        for node_type in self.searched_types():
            statements.append(
                f"CREATE FULLTEXT INDEX {fulltext_index(node_type)} IF NOT EXISTS FOR (n:`{node_type.label}`) "
                f"ON EACH [n.`name`, n.`nameEn`] OPTIONS {{indexConfig: {{`fulltext.analyzer`: '{ANALYZER}'}}}}")
        # New indexes fill in the background; searches must not run against a half-filled one.
        statements.append("CALL db.awaitIndexes(300)")
        return statements
