"""Bilingual name search over every type, as a plan: one UNION ALL statement, ranked
(graph/cypher/search.py renders it; the dialect picks how candidates are found).

Text is folded the way people type it, on both sides: NFKC (full-width `Ｐｅｉｄｅ` is `Peide`),
lower case, and no whitespace (`nan zhuang` is `nanzhuang`, `南 庄` is `南庄`). The search text is
folded in Python (`fold`); a stored `name` and `nameEn` are lower-cased and stripped of
`SPACES` in Cypher (stored names are not NFKC-normalised again: the seed's already are).

Rank 0: the folded name or nameEn equals the folded text; 1: it starts with it; 2: it contains it.

Candidates come one of two ways:
- with full-text indexes (both engines; graph/dialects/), when the folded text is ASCII letters
  and digits (English, pinyin): the per-label indexes on name and nameEn give the nodes with a
  word that starts with the text or is itself a start of it (`nan` or `nanzhuang` for
  `nanzhuangvillage`); of those, the ones whose folded name or nameEn contains the text. A match
  therefore begins at a word: `zhuang` does not find Nanzhuang there.
- otherwise (Chinese, punctuation, no indexes): every label is scanned, and the folded name or
  nameEn must contain the folded text.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from graph.plan import LabelAccess

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


def fulltext_words(folded: str) -> tuple[list[str], str] | None:
    """What a full-text index is asked for a folded text of ASCII letters and digits, or None
    (Chinese and punctuation are scanned instead): the words that are a start of the text, and
    the prefix that other words may start with (`peide` → ['p', 'pe', 'pei', 'peid'], 'peide').
    Each dialect writes them in its engine's query syntax."""
    if not _FULLTEXT_TEXT.fullmatch(folded):
        return None
    return [folded[:i] for i in range(1, min(len(folded), MAX_WORD + 1))], folded


@dataclass(frozen=True)
class Search:
    """Rows {label, uid, name, nameEn, source, rank}: at most `limit_per_type` hits of each
    label for the folded text (see `fold`), best first within a label. `fulltext`: the backend
    has full-text indexes (Backend.fulltext_search), so ASCII text may use them."""

    folded: str
    limit_per_type: int
    fulltext: bool = False
    # What the grant sees (graph/authorise.py): labels it cannot read, or whose names it sees
    # masked, are not searched; None: everything.
    access: LabelAccess | None = None
