"""Search uses FalkorDB's full-text indexes for English and pinyin, substrings for Chinese."""
from __future__ import annotations

from graph.search import fulltext_terms


def test_english_and_pinyin_go_through_the_fulltext_index(gql):
    body = gql('{ search(text: "Nanzhuang Village") { uid rank } }')
    statement = body["extensions"]["cypher"][0]
    assert "db.idx.fulltext.queryNodes" in statement["cypher"]
    assert statement["params"]["terms"] == "nanzhuang village*"
    assert any(hit["uid"].startswith("community-nanzhuang-village") for hit in body["data"]["search"])


def test_chinese_is_matched_as_a_substring(gql):
    body = gql('{ search(text: "培德") { uid } }')
    assert "db.idx.fulltext" not in body["extensions"]["cypher"][0]["cypher"]
    assert {"zone-zumiao-peide", "programme-healthy-peide"} <= {hit["uid"] for hit in body["data"]["search"]}


def test_fulltext_terms_keep_only_words_and_prefix_the_last():
    assert fulltext_terms("Peide") == "peide*"
    assert fulltext_terms("  south-china POWER ") == "south china power*"
    assert fulltext_terms("培德") is None and fulltext_terms("-*@") is None
