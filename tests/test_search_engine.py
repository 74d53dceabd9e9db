"""Search uses the engine's full-text indexes for English and pinyin (FalkorDB's in RediSearch
syntax, Neo4j's in Lucene syntax), substrings for Chinese; the text is folded (NFKC, case,
spaces) before either."""
from __future__ import annotations

import pytest

from graph.search import fold
from graph.dialects.falkordb import fulltext_terms

# The full-text procedure and how alternative terms are joined, per engine.
PROCEDURE = {"falkordb": "db.idx.fulltext.queryNodes", "neo4j": "db.index.fulltext.queryNodes"}
OR = {"falkordb": "|", "neo4j": " OR "}


def test_english_and_pinyin_go_through_the_fulltext_index(gql, engine):
    body = gql('{ search(text: "Nanzhuang Village") { uid rank } }')
    statement = body["extensions"]["cypher"][0]
    assert PROCEDURE[engine.name] in statement["cypher"]
    # Any word that starts the folded text, or starts with it.
    assert statement["params"]["terms"] == OR[engine.name].join(
        ["nanzhuangvillage"[:i] for i in range(1, 16)] + ["nanzhuangvillage*"])
    assert statement["params"]["text"] == "nanzhuangvillage"
    assert any(hit["uid"].startswith("community-nanzhuang-village") for hit in body["data"]["search"])


@pytest.mark.parametrize("text", ["nan zhuang", "ＮＡＮ ｚｈｕａｎｇ", "NanZhuang"])
def test_folded_pinyin_still_goes_through_the_index(gql, engine, text):
    statement = gql("query($t: String!) { search(text: $t) { uid } }", {"t": text})["extensions"]["cypher"][0]
    assert PROCEDURE[engine.name] in statement["cypher"]
    assert statement["params"]["terms"] == OR[engine.name].join(
        ["n", "na", "nan", "nanz", "nanzh", "nanzhu", "nanzhua", "nanzhuan", "nanzhuang*"])


@pytest.mark.parametrize("text", ["培德", "南 庄", "party-member", "Internet+"])
def test_chinese_and_punctuation_are_matched_as_substrings(gql, text):
    body = gql("query($t: String!) { search(text: $t) { uid } }", {"t": text})
    assert "fulltext" not in body["extensions"]["cypher"][0]["cypher"]
    assert body["extensions"]["cypher"][0]["params"]["text"] == fold(text)


def test_chinese_is_matched_as_a_substring(gql):
    body = gql('{ search(text: "培德") { uid } }')
    assert {"zone-zumiao-peide", "programme-healthy-peide"} <= {hit["uid"] for hit in body["data"]["search"]}


@pytest.mark.parametrize("text, folded", [
    ("Peide", "peide"), ("Ｐｅｉｄｅ", "peide"), ("nan zhuang", "nanzhuang"), ("南 庄", "南庄"),
    ("\u3000Peide\u00a0", "peide"), ("Nan\tZhuang\n", "nanzhuang"), ("ＰＥＩ　ＤＥ", "peide"), ("①", "1"),
    ("  south-china POWER ", "south-chinapower"),
])
def test_fold(text, folded):
    assert fold(text) == folded


def test_fulltext_terms_are_the_starts_of_the_text_and_a_prefix():
    assert fulltext_terms("peide") == "p|pe|pei|peid|peide*"
    assert fulltext_terms("p") == "p*"
    assert fulltext_terms("village01") == "v|vi|vil|vill|villa|villag|village|village0|village01*"
    # Only ASCII letters and digits go to the index; the rest is scanned.
    assert fulltext_terms("培德") is None and fulltext_terms("-*@") is None
    assert fulltext_terms("south-chinapower") is None and fulltext_terms("lü") is None
    # A word of the index is at most MAX_WORD long: longer texts add no more alternatives.
    assert len(fulltext_terms("a" * 200).split("|")) == 65
