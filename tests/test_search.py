"""Search over the real endpoint: ranking, `first`, bad arguments, and every hit a node.

Expected values come from `seed_search`, the documented ranking over read_seed()."""
from __future__ import annotations

import re
import unicodedata

import pytest

from tests.test_research import NAMES, PEIDE, SEED, one_error, uid_of

SEARCH = ("query($text: String!, $first: Int! = 20) { r: search(text: $text, first: $first) {"
          " id nodeId label uid name nameEn rank } }")


def folded(text: str) -> str:
    """How the documentation says text is compared: NFKC, lower case, no whitespace."""
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


def seed_search(text: str, fulltext: bool = True) -> list[tuple[str, int]]:
    """The documented ranking over every seeded node: the folded name or nameEn equals (0),
    starts with (1) or contains (2) the folded text; then shorter names, name, uid. With
    `fulltext` (FalkorDB) and a text of ASCII letters and digits, a match must also begin at a
    word: some word of the name starts with the text or is a start of it."""
    key, hits = folded(text), []
    for node in NAMES.values():
        name, name_en = folded(node["name"]), folded(node.get("nameEn") or "")
        if key not in name and key not in name_en:
            continue
        if fulltext and re.fullmatch(r"[a-z0-9]+", key):
            words = re.findall(r"[a-z0-9]+", f"{node['name']} {node.get('nameEn') or ''}".lower())
            if not any(w.startswith(key) or key.startswith(w) for w in words):
                continue
        rank = 0 if key in (name, name_en) else 1 if name.startswith(key) or name_en.startswith(key) else 2
        hits.append((rank, len(node["name"]), node["name"], node["uid"]))
    return [(uid, rank) for rank, _, _, uid in sorted(hits)]


def hits(data, text: str, first: int = 20) -> list[tuple[str, int]]:
    rows = data(SEARCH, {"text": text, "first": first})["r"]
    for row in rows:
        assert uid_of(row["nodeId"]) == row["uid"] and row["label"] == SEED.label_of(row["uid"])
        assert row["id"] != row["nodeId"]
        assert row["name"] == NAMES[row["uid"]]["name"]
    return [(row["uid"], row["rank"]) for row in rows]


def test_search_chinese_substring(data):
    result = hits(data, "培德")
    assert result[0] == (PEIDE, 1)
    assert ("programme-healthy-peide", 2) in result
    assert result == seed_search("培德")


@pytest.mark.parametrize("text", ["peide", "PEIDE", "Peide", "pEiDe", "  Peide  "])
def test_search_english_any_case_ranks_exact_first(data, text):
    result = hits(data, text)
    assert result[0] == (PEIDE, 0)
    assert ("programme-healthy-peide", 2) in result
    assert result == seed_search(text)


def test_search_department_exact(data):
    result = hits(data, "城管")
    assert result[0] == ("dept-urban-management", 0)
    assert result == seed_search("城管")


def test_search_across_types(data):
    result = hits(data, "nanzhuang", 100)
    labels = {SEED.label_of(uid) for uid, _ in result}
    assert {"Town", "Community"} <= labels and len(labels) >= 2
    assert result[0] == ("town-nanzhuang", 0)


@pytest.mark.parametrize("text, first", [
    ("peide", 1), ("培德", 1), ("村", 100),
    ("南庄", 5), ("Illustrative", 7), ("示例", 3), ("zone", 10),
])
def test_search_first_is_the_top_of_the_ranking(data, text, first):
    expected = seed_search(text)
    assert len(expected) >= first or first == 100
    assert hits(data, text, first) == expected[:first]


@pytest.mark.parametrize("variables, field", [
    ({"text": ""}, "text"), ({"text": "   "}, "text"),
    ({"first": 0}, "first"), ({"first": 101}, "first"), ({"first": -1}, "first"), ({"text": "培\x00德"}, "text"),
])
def test_search_bad_arguments(gql, variables, field):
    one_error(gql, SEARCH, {"text": "peide", **variables}, field)


@pytest.mark.parametrize("text", ["'", '"', "\\", '\\"', "培德' OR 1=1 //", "$text", "\U0001f600"])
def test_search_quotes_and_specials_are_plain_text(data, text):
    assert hits(data, text, 100) == seed_search(text)[:100]


def test_every_hit_resolves_with_node(data):
    for text in ("培德", "城管", "Nanzhuang"):
        for row in data(SEARCH, {"text": text, "first": 100})["r"]:
            node = data("query($id: ID!) { node(id: $id) { id ... on %s { uid name } } }" % row["label"],
                        {"id": row["nodeId"]})["node"]
            assert node == {"id": row["nodeId"], "uid": row["uid"], "name": row["name"]}
