"""FalkorDB's dialect: its workarounds, full-text calls and DDL, and how a statement is sent.

- Anchoring and batching (graph/dialects/base.py): its planner needs both.
- Range comparisons on strings and enums go through toString(): FalkorDB 4.16's range index
  on them answers <, <=, >, >= wrongly; no index serves toString(), so the answers are right.
- Full-text: one RediSearch index per searched label on name and nameEn, queried with
  `db.idx.fulltext.queryNodes` in RediSearch syntax (`p|pe|pei*`).
- DDL: range indexes and uid uniqueness constraints (GRAPH.CONSTRAINT), then the full-text indexes.
- Parameters travel in a `CYPHER name=value …` header in front of the statement.
"""
from __future__ import annotations

import asyncio

from falkordb.helpers import stringify_param_value
from redis.exceptions import ResponseError

from graph.dialects.base import Dialect
from graph.model import NODE_TYPES, NodeType, Prop
from graph.plan import CompiledQuery
from graph.search import fulltext_words


def fulltext_terms(folded: str) -> str | None:
    """The RediSearch query for a folded text, or None when it is not for the index
    (graph/search.fulltext_words): `peide` → `p|pe|pei|peid|peide*`."""
    words = fulltext_words(folded)
    return FalkorDialect().fulltext_query(*words) if words else None


def quote_string(label: str) -> str:
    """A label from the model as a string literal (procedure arguments take index names)."""
    return "'" + label.replace("\\", "").replace("'", "") + "'"


class FalkorDialect(Dialect):
    name = "falkordb"
    # Left to itself FalkorDB starts from any indexed equality, enum ones included (city scale:
    # 1,964 villages walked to find Nanzhuang's 18; 7 → 0.3 ms), and runs a CALL once per row.
    anchors_on_identifying_nodes = True
    batches_relationship_fields = True

    def range_ref(self, ref: str, prop: Prop) -> str:
        return f"toString({ref})" if prop.text_ordered else ref

    def fulltext_query(self, starts: list[str], prefix: str) -> str | None:
        return "|".join([*starts, prefix + "*"])

    def fulltext_source(self, node_type: NodeType, terms: str, var: str) -> str:
        return f"CALL db.idx.fulltext.queryNodes({quote_string(node_type.label)}, {terms}) YIELD node AS {var}"

    @staticmethod
    def encode(query: CompiledQuery) -> str:
        """The statement as GRAPH.QUERY takes it: the parameters in a header, values quoted by
        the client's own (public) helper."""
        if not query.params:
            return query.text
        for key in query.params:
            if not key or "`" in key:  # the header cannot escape a backtick
                raise ValueError(f"invalid parameter name {key!r}")
        return "CYPHER " + "".join(f"`{k}`={stringify_param_value(v)} " for k, v in query.params.items()) + query.text

    async def apply_schema(self, graph) -> None:
        """Range indexes, uid uniqueness constraints (waiting until they hold) and full-text
        indexes, each created only if missing. `graph`: the client's AsyncGraph."""
        existing = await _existing_indexes(graph)
        for node_type in NODE_TYPES:
            missing = [p.name for p in self.indexed(node_type) if (node_type.label, p.name) not in existing]
            if missing:
                await graph.create_node_range_index(node_type.label, *missing)
        constrained = await _existing_unique(graph)
        for node_type in NODE_TYPES:
            if node_type.label not in constrained:
                try:
                    await graph.create_node_unique_constraint(node_type.label, "uid")
                except ResponseError as error:
                    if "already exists" not in str(error).lower():
                        raise
        await _wait_until_operational(graph)
        await self._fulltext_indexes(graph)

    async def _fulltext_indexes(self, graph) -> None:
        """Full-text indexes on name and nameEn, which search uses for English and pinyin."""
        result = await graph.ro_query("CALL db.indexes() YIELD label, types RETURN label, types")
        have = {label for label, types in result.result_set if any("FULLTEXT" in t for t in _flatten(types))}
        for node_type in self.searched_types():
            if node_type.label not in have:
                await graph.query(f"CALL db.idx.fulltext.createNodeIndex({quote_string(node_type.label)}, "
                                  "'name', 'nameEn')")


def _flatten(types) -> list[str]:
    if isinstance(types, dict):
        return [str(t) for values in types.values() for t in values]
    return [str(t) for t in types]


async def _wait_until_operational(graph, timeout: float = 900.0) -> None:
    """Constraints are built in the background; writes must not start before they hold."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        rows = await graph.list_constraints()
        pending = [row["label"] for row in rows if row.get("status") != "OPERATIONAL"]
        if not pending:
            return
        if any(row.get("status") == "FAILED" for row in rows):
            raise RuntimeError(f"uid uniqueness constraints failed for {pending}: duplicate uids in the graph?")
        if asyncio.get_running_loop().time() > deadline:
            raise RuntimeError(f"uid uniqueness constraints still pending for {pending}")
        await asyncio.sleep(0.05)


async def _existing_indexes(graph) -> set[tuple[str, str]]:
    try:
        result = await graph.ro_query("CALL db.indexes() YIELD label, properties RETURN label, properties")
    except ResponseError:
        return set()  # no graph yet
    return {(label, prop) for label, props in result.result_set for prop in props}


async def _existing_unique(graph) -> set[str]:
    try:
        rows = await graph.list_constraints()
    except ResponseError:
        return set()
    return {row["label"] for row in rows if row.get("type") == "UNIQUE" and row.get("properties") == ["uid"]}
