"""The portable dialect: what Neo4j 5 and FalkorDB share. Engine subclasses override the few
choices that differ; renderers (graph/cypher/) ask the dialect they are given, never an engine name."""
from __future__ import annotations

from typing import Any

from graph import cypher
from graph.model import NODE_TYPES, NodeType, Prop
from graph.plan import CompiledQuery


class Dialect:
    name = "portable"
    # Match first the related node an identifying equality picks out, then the root from it
    # (CypherBuilder._anchor), for planners that would otherwise start from a weaker index.
    anchors_on_identifying_nodes = False
    # Fetch a page's plain relationship fields with one OPTIONAL MATCH each for all its rows,
    # instead of a CALL per row (CypherBuilder.batched_selections).
    batches_relationship_fields = False

    def render(self, plan: Any) -> CompiledQuery:
        """The statement for a plan (graph/plan.py, write_plan.py, statistics.py, traversal.py,
        search.py, bulk.py); a CompiledQuery is passed through. TypeError for anything else."""
        return cypher.render(plan, self)

    def range_ref(self, ref: str, prop: Prop) -> str:
        """The left side of <, <=, >, >= for the property expression `ref`."""
        return ref

    def fulltext_query(self, starts: list[str], prefix: str) -> str | None:
        """The full-text query for words equal to one of `starts` or starting with `prefix`
        (graph/search.fulltext_words); None: this dialect has no full-text indexes."""
        return None

    def fulltext_source(self, node_type: NodeType, terms: str, var: str) -> str:
        """A clause binding `var` to the nodes of `node_type` the full-text query `terms` (a
        parameter) finds."""
        raise NotImplementedError(f"{self.name} has no full-text indexes")

    @staticmethod
    def indexed(node_type: NodeType) -> list[Prop]:
        """The properties of a type that get a range index (graph/model.Prop.indexed)."""
        return [p for p in node_type.stored_props if p.indexed]

    @staticmethod
    def searched_types() -> list[NodeType]:
        """The types search covers (and so the ones with full-text indexes)."""
        return [t for t in NODE_TYPES if t.is_data]
