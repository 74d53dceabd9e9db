"""Bilingual name search over every type: one UNION ALL statement, ranked.

Text is folded the way people type it, on both sides: NFKC (full-width `Ｐｅｉｄｅ` is `Peide`),
lower case, and no whitespace (`nan zhuang` is `nanzhuang`, `南 庄` is `南庄`). The search text is
folded in Python (`fold`); a stored `name` and `nameEn` are lower-cased and stripped of
`SPACES` in Cypher (stored names are not NFKC-normalised again: the seed's already are).

Rank 0: the folded name or nameEn equals the folded text; 1: it starts with it; 2: it contains it.

Candidates come one of two ways:
- FalkorDB, when the folded text is ASCII letters and digits (English, pinyin): the per-label
  full-text indexes (graph/dialects/falkordb.py) give the nodes with a word that starts with the
  text or is itself a start of it (`nan` or `nanzhuang` for `nanzhuangvillage`); of those, the
  ones whose folded name or nameEn contains the text. A match therefore begins at a word:
  `zhuang` does not find Nanzhuang there, and neither does a text that starts with a stop word
  the index leaves out (`of`, `the`).
- otherwise (Chinese, punctuation, other engines): every label is scanned, and the folded name or
  nameEn must contain the folded text.
"""
from __future__ import annotations

import re
import unicodedata

from graph.cypher import quote
from graph.model import NODE_TYPES
from graph.plan import CompiledQuery

# Whitespace a stored name may hold, removed in Cypher (the text loses all whitespace in Python;
# NFKC has already turned U+3000 and U+00A0 in it into plain spaces).
SPACES = (" ", "\u3000", "\u00a0", "\t")
# The full-text index's words are this long at most, as far as the search is concerned: a text
# longer than that adds no further "start of the text" alternatives to the index query.
MAX_WORD = 64
_FULLTEXT_TEXT = re.compile(r"[a-z0-9]+")


def fold(text: str) -> str:
    """The text as it is compared: NFKC, lower case, no whitespace ('Ｎａｎ ｚｈｕａｎｇ' → 'nanzhuang')."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).lower() if not ch.isspace())


def fulltext_terms(folded: str) -> str | None:
    """The full-text query for a folded text of ASCII letters and digits, or None (Chinese and
    punctuation are scanned instead): any word that is a start of the text, or that starts with it
    (`peide` → `p|pe|pei|peid|peide*`)."""
    if not _FULLTEXT_TEXT.fullmatch(folded):
        return None
    starts = [folded[:i] for i in range(1, min(len(folded), MAX_WORD + 1))]
    return "|".join([*starts, folded + "*"])


def _folded(expression: str, params: dict[str, str]) -> str:
    """`expression` lower-cased and without SPACES, in Cypher (each space a parameter)."""
    folded = f"toLower({expression})"
    for i, space in enumerate(SPACES):
        params[f"space{i}"] = space
        folded = f"replace({folded}, $space{i}, '')"
    return folded


def search_query(folded: str, limit_per_type: int, fulltext: bool = False) -> CompiledQuery:
    """Hits for the folded text (see `fold`), at most `limit_per_type` of each label, best first.
    With `fulltext`, ASCII text goes through FalkorDB's full-text indexes; otherwise every label
    is scanned."""
    terms = fulltext_terms(folded) if fulltext else None
    params: dict[str, object] = {"text": folded, "terms": terms, "limit": limit_per_type}
    name, name_en = _folded("n.name", params), _folded("n.nameEn", params)
    parts = []
    for node_type in NODE_TYPES:
        if not node_type.writable:
            continue
        if terms:
            source = (f"CALL db.idx.fulltext.queryNodes({quote_string(node_type.label)}, $terms) "
                      "YIELD node AS n ")
        else:
            source = f"MATCH (n:{quote(node_type.label)}) "
        parts.append(
            source + f"WITH n, {name} AS fn, {name_en} AS fe WHERE fn CONTAINS $text OR fe CONTAINS $text "
            "RETURN labels(n)[0] AS label, n.uid AS uid, n.name AS name, n.nameEn AS nameEn, n.source AS source, "
            "CASE WHEN fn = $text OR fe = $text THEN 0 "
            "WHEN fn STARTS WITH $text OR fe STARTS WITH $text THEN 1 ELSE 2 END AS rank "
            # Each branch keeps its best rows, in the order the caller ranks the union by.
            "ORDER BY rank, size(name), name, uid LIMIT $limit"
        )
    return CompiledQuery(" UNION ALL ".join(parts), params)


def quote_string(label: str) -> str:
    """A label from the model as a string literal (procedure arguments take index names)."""
    return "'" + label.replace("\\", "").replace("'", "") + "'"
