"""Bilingual name search over every type: one UNION ALL statement, ranked.

A Chinese substring matches `name`; English or pinyin matches `nameEn` in any case.
Rank 0 is an exact match, 1 a prefix, 2 a substring.
"""
from __future__ import annotations

import re

from graph.cypher import quote
from graph.model import NODE_TYPES
from graph.plan import CompiledQuery


def fulltext_terms(text: str) -> str | None:
    """English or pinyin words as a full-text query (each word, the last as a prefix), or
    None when the text has no such words (Chinese is matched as a substring instead)."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    if not words or not text.isascii():
        return None
    return " ".join(words[:-1] + [words[-1] + "*"])


def search_query(text: str, limit_per_type: int, fulltext: bool = False) -> CompiledQuery:
    """With `fulltext`, ASCII text goes through FalkorDB's per-label full-text indexes
    (graph/dialects/falkordb.py); otherwise every label is scanned with CONTAINS."""
    terms = fulltext_terms(text) if fulltext else None
    parts = []
    for node_type in NODE_TYPES:
        if not node_type.writable:
            continue
        if terms:
            source = (f"CALL db.idx.fulltext.queryNodes({quote_string(node_type.label)}, $terms) "
                      "YIELD node AS n ")
        else:
            source = (f"MATCH (n:{quote(node_type.label)}) "
                      "WHERE n.name CONTAINS $text OR toLower(n.nameEn) CONTAINS $lower ")
        parts.append(
            source +
            "RETURN labels(n)[0] AS label, n.uid AS uid, n.name AS name, n.nameEn AS nameEn, n.source AS source, "
            "CASE WHEN n.name = $text OR toLower(n.nameEn) = $lower THEN 0 "
            "WHEN n.name STARTS WITH $text OR toLower(n.nameEn) STARTS WITH $lower THEN 1 ELSE 2 END AS rank "
            # Each branch keeps its best rows, in the order the caller ranks the union by.
            "ORDER BY rank, size(name), name, uid LIMIT $limit"
        )
    return CompiledQuery(" UNION ALL ".join(parts),
                         {"text": text, "lower": text.lower(), "terms": terms, "limit": limit_per_type})


def quote_string(label: str) -> str:
    """A label from the model as a string literal (procedure arguments take index names)."""
    return "'" + label.replace("\\", "").replace("'", "") + "'"
