"""Issue 14: enum values and statistics groups have Chinese and English labels, over the real
HTTP endpoint. The expected labels are written out here (a sample of the article's words and
their glosses) and, for the rest, checked by shape: Chinese text in zh-CN, none in English."""
from __future__ import annotations

import re

import pytest

from graph.model import ENUMS, NODE_TYPES

CJK = re.compile(r"[\u4e00-\u9fff]")
KNOWN = {  # enum → value → (zh-CN, en): the glosses a reader of the article expects
    "DemandCategory": {"UTILITIES": ("水电", "Utilities"), "ELDERLY_CARE": ("养老", "Elderly care")},
    "CommunityKind": {"VILLAGE": ("村", "Village"), "URBAN_COMMUNITY": ("社区", "Urban community")},
    "DemandStatus": {"RESOLVED": ("已解决", "Resolved")},
    "OrganisationKind": {"JOINT": ("联合党委", "Joint committee"), "INSTITUTION": ("事业单位", "Public institution")},
    "EscalationLevel": {"TOWN_CENTRE": ("镇街指挥中心", "Town command centre")},
    "Source": {"ARTICLE": ("文章", "Article"), "ILLUSTRATIVE": ("示例", "Illustrative")},
}
ENUM_VALUES = """query($n: String!) { __type(name: $n) { description enumValues { name description } } }"""
BY = """query($g: DemandGroupBy!, $l: Language) { demandStatistics(groupBy: $g) {
  groups { key name unassigned label zh: label(lang: ZH_CN) en: label(lang: EN) chosen: label(lang: $l) } } }"""


def ok(gql, query, variables=None, headers=None) -> dict:
    body = gql(query, variables, headers)
    assert not body.get("errors"), body["errors"]
    return body["data"]


@pytest.mark.parametrize("enum_name", sorted(ENUMS))
def test_every_enum_value_is_described_in_both_languages(gql, enum_name):
    described = ok(gql, ENUM_VALUES, {"n": enum_name})["__type"]
    assert "label(lang:)" in described["description"]
    values = {v["name"]: v["description"] for v in described["enumValues"]}
    assert set(values) == set(ENUMS[enum_name])
    for value, description in values.items():
        zh, _, en = description.partition(" · ")
        assert CJK.search(zh), (value, description)
        assert en and not CJK.search(en) and en != value, (value, description)
        if value in KNOWN.get(enum_name, {}):
            assert (zh, en) == KNOWN[enum_name][value]


def _glosses(enum_name: str, gql) -> dict[str, tuple[str, str]]:
    described = ok(gql, ENUM_VALUES, {"n": enum_name})["__type"]["enumValues"]
    return {v["name"]: tuple(v["description"].split(" · ")) for v in described}


@pytest.mark.parametrize("group_by,enum_name", [("CATEGORY", "DemandCategory"), ("STATUS", "DemandStatus"),
                                                ("LEVEL", "EscalationLevel")])
def test_enum_groups_are_labelled(gql, group_by, enum_name):
    glosses = _glosses(enum_name, gql)
    groups = ok(gql, BY, {"g": group_by})["demandStatistics"]["groups"]
    assert groups
    for g in groups:
        if g["unassigned"]:
            assert (g["zh"], g["en"]) == ("未归属", "Unassigned")
            continue
        assert (g["zh"], g["en"]) == glosses[g["key"]]
        assert g["label"] == g["zh"]   # no lang, no Accept-Language: Simplified Chinese
        assert g["chosen"] == g["zh"]  # lang: null is no choice
    if group_by == "CATEGORY":
        utilities = [g for g in groups if g["key"] == "UTILITIES"]
        assert utilities and utilities[0]["label"] == "水电"


@pytest.mark.parametrize("header,expected", [("en", "en"), ("en-GB,en;q=0.9", "en"), ("zh-CN", "zh"),
                                             ("fr, en;q=0.8, zh;q=0.5", "en"), ("fr", "zh"), ("zh-TW,en;q=0.1", "zh")])
def test_label_without_lang_follows_accept_language(gql, header, expected):
    groups = ok(gql, BY, {"g": "CATEGORY"}, {"Accept-Language": header})["demandStatistics"]["groups"]
    assert all(g["label"] == g[expected] for g in groups)
    # An explicit lang wins over the header.
    chosen = ok(gql, BY, {"g": "CATEGORY", "l": "ZH_CN"}, {"Accept-Language": header})["demandStatistics"]["groups"]
    assert all(g["chosen"] == g["zh"] for g in chosen)


@pytest.mark.parametrize("group_by", ["TOWN", "COMMUNITY", "RESOLVER", "RESOLVER_TYPE", "MONTH", "WEEK"])
def test_other_groups_are_labelled_by_name_type_or_period(gql, group_by):
    types = {t.name for t in NODE_TYPES}
    for g in ok(gql, BY, {"g": group_by})["demandStatistics"]["groups"]:
        if g["unassigned"]:
            assert (g["zh"], g["en"]) == ("未归属", "Unassigned")
        elif group_by == "RESOLVER_TYPE":
            assert g["key"] in types and CJK.search(g["zh"]) and not CJK.search(g["en"])
        elif group_by in ("MONTH", "WEEK"):
            assert g["zh"] == g["en"] == g["key"]
        else:  # a node's own name, the same in both languages
            assert g["zh"] == g["en"] == g["name"] and CJK.search(g["name"])


def test_kind_counts_are_labelled(gql):
    glosses = _glosses("OrganisationKind", gql)
    data = ok(gql, """{ zoneComposition(first: 3) { zones { internalByKind { kind label en: label(lang: EN) }
      externalByKind { kind label en: label(lang: EN) } } }
      townStatistics { organisationsByKind { kind label en: label(lang: EN) } } }""")
    counts = [c for z in data["zoneComposition"]["zones"] for c in z["internalByKind"] + z["externalByKind"]]
    counts += [c for t in data["townStatistics"] for c in t["organisationsByKind"]]
    assert counts
    for c in counts:
        assert (c["label"], c["en"]) == glosses[c["kind"]]


def test_review_levels_and_matching_categories_are_labelled(gql):
    levels, categories = _glosses("EscalationLevel", gql), _glosses("DemandCategory", gql)
    review = ok(gql, """{ monthlyReview(town: "town-nanzhuang", month: "2015-06") {
      escalationsByLevel { level label en: label(lang: EN) } } }""")["monthlyReview"]
    assert review["escalationsByLevel"]
    for g in review["escalationsByLevel"]:
        assert (g["label"], g["en"]) == levels[g["level"]]
    report = ok(gql, """{ matchingReport { byCategory { key label en: label(lang: EN) }
      byTown { key name label en: label(lang: EN) } } }""")["matchingReport"]
    assert report["byCategory"]
    for g in report["byCategory"]:
        assert (g["label"], g["en"]) == (categories[g["key"]] if g["key"] != "unassigned" else ("未归属", "Unassigned"))
    for g in report["byTown"]:
        expected = (g["name"], g["name"]) if g["key"] != "unassigned" else ("未归属", "Unassigned")
        assert (g["label"], g["en"]) == expected


@pytest.mark.parametrize("literal,expected", [('"zh-CN"', "zh"), ('"zh"', "zh"), ('"zh-Hans-CN"', "zh"),
                                               ("ZH_CN", "zh"), ('"en"', "en"), ('"en-GB"', "en"), ("EN", "en"),
                                               ("en", "en"), ('"EN_us"', "en")])
def test_every_way_of_writing_a_language(gql, literal, expected):
    groups = ok(gql, '{ demandStatistics(groupBy: STATUS) { groups { key unassigned x: label(lang: %s) '
                     'zh: label(lang: ZH_CN) en: label(lang: EN) } } }' % literal)["demandStatistics"]["groups"]
    assert groups and all(g["x"] == g[expected] for g in groups)
    as_variable = ok(gql, 'query($l: Language) { demandStatistics(groupBy: STATUS) { groups { x: label(lang: $l) } } }',
                     {"l": literal.strip('"')})["demandStatistics"]["groups"]
    assert [g["x"] for g in as_variable] == [g["x"] for g in groups]


@pytest.mark.parametrize("literal", ['FR', '"fr"', '""', '"-"', '3', '"zh-CN-' + "x" * 40 + '"'])
def test_an_unknown_language_is_refused_with_the_argument_named(gql, literal):
    body = gql('{ demandStatistics(groupBy: CATEGORY) { groups { label(lang: %s) } } }' % literal)
    assert "data" not in body or body["data"] is None
    (error,) = body["errors"]
    assert "Language" in error["message"] and "zh-CN or en" in error["message"] or literal == "3"
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    as_variable = gql('query($l: Language) { demandStatistics(groupBy: CATEGORY) { groups { label(lang: $l) } } }',
                      {"l": literal.strip('"') if literal != "3" else 3})
    assert as_variable["errors"] and "$l" in as_variable["errors"][0]["message"]


@pytest.mark.parametrize("header,chinese", [(None, True), ("zh-CN", True), ("en-US,en;q=0.9", False), ("fr", True)])
def test_the_index_follows_accept_language(server, header, chinese):
    import httpx

    response = httpx.get(server + "/", headers={"Accept-Language": header} if header else {})
    assert response.status_code == 200
    assert bool(CJK.search(response.text)) == chinese
    assert all(path in response.text for path in ("/graphql", "/explore", "/research", "/reports"))
    assert response.headers["content-language"] == ("zh-CN" if chinese else "en")
