"""The search plan rendered (graph/search.py): one UNION ALL statement, a branch per label.

Each branch finds its candidates through the dialect's full-text call when the plan allows it
and the text suits the index (Dialect.fulltext_source), or by scanning the label; then keeps
those whose folded name or nameEn contains the text, ranked."""
from __future__ import annotations

from graph.cypher.builder import CypherBuilder, quote
from graph.cypher.registry import renders
from graph.model import NODE_TYPES
from graph.plan import CompiledQuery
from graph.search import SPACES, Search, fulltext_words


def _folded(expression: str, params: dict[str, str]) -> str:
    """`expression` lower-cased and without SPACES, in Cypher (each space a parameter)."""
    folded = f"toLower({expression})"
    for i, space in enumerate(SPACES):
        params[f"space{i}"] = space
        folded = f"replace({folded}, $space{i}, '')"
    return folded


@renders(Search)
def search_query(plan: Search, dialect=None) -> CompiledQuery:
    """Hits for the folded text, at most `limit_per_type` of each label, best first."""
    words = fulltext_words(plan.folded) if plan.fulltext and dialect is not None else None
    terms = dialect.fulltext_query(*words) if words else None
    params: dict[str, object] = {"text": plan.folded, "terms": terms, "limit": plan.limit_per_type}
    name, name_en = _folded("n.name", params), _folded("n.nameEn", params)
    b = CypherBuilder(dialect)  # the grant's filters (graph/authorise.py), as parameters p0, p1…
    parts = []
    for node_type in NODE_TYPES:
        if not node_type.is_data:
            continue
        granted = ""
        if plan.access is not None:
            readable, where = plan.access.filter_of(node_type.label)
            if not readable:
                continue
            if where is not None:
                calls: list[str] = []
                test = b.predicate("n", where, calls)
                granted = " ".join([*calls, f"WITH n WHERE {test} "])
        if terms:
            source = dialect.fulltext_source(node_type, "$terms", "n") + " "
        else:
            source = f"MATCH (n:{quote(node_type.label)}) "
        parts.append(
            source + granted + f"WITH n, {name} AS fn, {name_en} AS fe WHERE fn CONTAINS $text OR fe CONTAINS $text "
            "RETURN labels(n)[0] AS label, n.uid AS uid, n.name AS name, n.nameEn AS nameEn, n.source AS source, "
            "CASE WHEN fn = $text OR fe = $text THEN 0 "
            "WHEN fn STARTS WITH $text OR fe STARTS WITH $text THEN 1 ELSE 2 END AS rank "
            # Each branch keeps its best rows, in the order the caller ranks the union by.
            "ORDER BY rank, size(name), name, uid LIMIT $limit"
        )
    if not parts:  # nothing the grant may search: a statement that finds nothing
        parts = ["MATCH (n) WHERE false RETURN null AS label, null AS uid, null AS name, null AS nameEn, "
                 "null AS source, 0 AS rank"]
    return CompiledQuery(" UNION ALL ".join(parts), {**params, **b.params})
