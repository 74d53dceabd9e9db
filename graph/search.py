"""Bilingual name search over every type: one UNION ALL statement, ranked.

A Chinese substring matches `name`; English or pinyin matches `nameEn` in any case.
Rank 0 is an exact match, 1 a prefix, 2 a substring.
"""
from __future__ import annotations

from graph.cypher import quote
from graph.model import NODE_TYPES
from graph.plan import CompiledQuery


def search_query(text: str, limit_per_type: int) -> CompiledQuery:
    parts = []
    for node_type in NODE_TYPES:
        if not node_type.writable:
            continue
        parts.append(
            f"MATCH (n:{quote(node_type.label)}) "
            "WHERE n.name CONTAINS $text OR toLower(n.nameEn) CONTAINS $lower "
            "RETURN labels(n)[0] AS label, n.uid AS uid, n.name AS name, n.nameEn AS nameEn, n.source AS source, "
            "CASE WHEN n.name = $text OR toLower(n.nameEn) = $lower THEN 0 "
            "WHEN n.name STARTS WITH $text OR toLower(n.nameEn) STARTS WITH $lower THEN 1 ELSE 2 END AS rank "
            # Each branch keeps its best rows, in the order the caller ranks the union by.
            "ORDER BY rank, size(name), name, uid LIMIT $limit"
        )
    return CompiledQuery(" UNION ALL ".join(parts),
                         {"text": text, "lower": text.lower(), "limit": limit_per_type})
