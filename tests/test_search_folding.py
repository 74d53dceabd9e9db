"""Search folds width, case and spacing the way people type (NFKC, lower case, spaces optional)
on both paths: FalkorDB's full-text indexes (over HTTP) and the CONTAINS scan other engines use
(the resolver in-process, on the same seeded graph). Research arguments refuse NUL, lone
surrogates and XML-illegal control characters before anything reaches the engine."""
from __future__ import annotations

import json

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resolvers.ids import to_global_id
from resolvers.network import search
from tests.test_research import NAMES, PEIDE
from tests.test_search import seed_search

SEARCH = "query($text: String!, $first: Int! = 100) { r: search(text: $text, first: $first) { uid rank } }"
SETTINGS = settings(max_examples=40, deadline=None, database=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def api_hits(data, text: str, first: int = 100) -> list[tuple[str, int]]:
    return [(h["uid"], h["rank"]) for h in data(SEARCH, {"text": text, "first": first})["r"]]


async def scan_hits(backend, text: str, first: int = 100) -> list[tuple[str, int]]:
    """The CONTAINS path (what Neo4j runs), on the test graph."""
    return [(h["uid"], h["rank"]) for h in await search(backend.read, text, first, fulltext=False)]


# --------------------------------------------------------------------------- the issue's inputs


@pytest.mark.parametrize("typed, plain", [
    ("Ｐｅｉｄｅ", "Peide"), ("ｐｅｉｄｅ", "peide"), ("ＰＥＩＤＥ", "Peide"), ("pei de", "Peide"), ("P E I D E", "Peide"),
    ("nan zhuang", "Nanzhuang"), ("NAN ZHUANG", "Nanzhuang"), ("Ｎａｎ　ｚｈｕａｎｇ", "Nanzhuang"),
    ("南 庄", "南庄"), (" 南　庄 ", "南庄"), ("培 德", "培德"), ("培德 片区", "培德片区"),
    ("Nanzhuang  Village", "Nanzhuang Village"), ("nanzhuangvillage", "Nanzhuang Village"),
    ("illustrative nanzhuang village 0 1", "Illustrative Nanzhuang Village 01"),
    ("zhang cha", "Zhangcha"), ("ｚｕｍｉａｏ", "Zumiao"), ("Ｓｈｉ ｗａｎ", "Shiwan"),
])
async def test_typed_forms_find_what_the_plain_name_finds(data, backend, typed, plain):
    expected = seed_search(plain)[:100]  # the first 100 (the seed's visits hold "Nanzhuang" 432 times)
    assert expected, plain
    assert api_hits(data, typed) == api_hits(data, plain) == expected
    assert await scan_hits(backend, typed) == await scan_hits(backend, plain) == \
        seed_search(plain, fulltext=False)[:100]


def test_the_issue_examples_rank_the_named_node_first(data):
    assert api_hits(data, "Ｐｅｉｄｅ")[0] == (PEIDE, 0)
    assert api_hits(data, "nan zhuang")[0] == ("town-nanzhuang", 0)
    assert api_hits(data, "南 庄")[0][0] == "town-nanzhuang"
    assert ("zone-zumiao-peide", 1) in api_hits(data, "培 德")


@pytest.mark.parametrize("text", ["zhuang", "ide", "llustrative", "庄", "片区", "Party-Member", "internet+", "01"])
async def test_the_scan_finds_substrings_the_index_finds_words(data, backend, text):
    """Other engines match anywhere; FalkorDB's index matches from the start of a word."""
    assert await scan_hits(backend, text) == seed_search(text, fulltext=False)[:100]
    assert api_hits(data, text) == seed_search(text, fulltext=True)[:100]


# --------------------------------------------------------------------------- any typed form of a known name

# Names a person would look up: every ARTICLE node's Chinese and English name, and a few made-up ones.
KNOWN = sorted({n[f] for n in NAMES.values() if n["source"] == "ARTICLE" for f in ("name", "nameEn") if n.get(f)}
               | {"Illustrative Nanzhuang Village 07", "示例南庄村07", "Illustrative Party-Member Doctor 03"})
SPACES = st.sampled_from([" ", "  ", "\u3000", "\u00a0", "\t"])


@st.composite
def typed(draw, name: str) -> str:
    """`name` as someone might type it: spaces dropped or added anywhere, letters full-width or
    half-width, in any case."""
    out = [draw(SPACES) if draw(st.booleans()) else ""]
    for char in name:
        if char == " " and draw(st.booleans()):
            continue  # a space left out
        char = draw(st.sampled_from([char, char.lower(), char.upper()]))
        if "!" <= char <= "~" and draw(st.booleans()):
            char = chr(ord(char) + 0xFEE0)  # its full-width form
        out.append(char)
        if draw(st.integers(0, 3)) == 0:
            out.append(draw(SPACES))
    return "".join(out)


@st.composite
def name_and_typed(draw) -> tuple[str, str]:
    name = draw(st.sampled_from(KNOWN))
    return name, draw(typed(name))


PLAIN: dict[tuple[str, bool], list] = {}


@SETTINGS
@given(case=name_and_typed())
def test_any_typed_form_gives_the_plain_names_hits(data, case):
    name, text = case
    if (name, True) not in PLAIN:
        PLAIN[name, True] = api_hits(data, name, 30)
    assert api_hits(data, text, 30) == PLAIN[name, True], (name, text)


@SETTINGS
@given(case=name_and_typed())
async def test_any_typed_form_gives_the_plain_names_hits_on_the_scan(backend, case):
    name, text = case
    if (name, False) not in PLAIN:
        PLAIN[name, False] = await scan_hits(backend, name, 30)
        assert PLAIN[name, False] == seed_search(name, fulltext=False)[:30], name
    assert await scan_hits(backend, text, 30) == PLAIN[name, False], (name, text)


def test_known_names_are_found_exactly(data):
    for name in KNOWN:
        assert api_hits(data, name, 100) == seed_search(name)[:100], name
        assert any(rank == 0 for _, rank in api_hits(data, name, 100)), name


# --------------------------------------------------------------------------- text hygiene

BAD_CHARACTERS = ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1f", "\ud800", "\udfff", "\ufffe", "\uffff"]
PEIDE_ID = to_global_id("Zone", PEIDE)
# (query with $t, the argument path its errors name)
TEXT_ARGUMENTS = [
    ("query($t: String!) { search(text: $t) { uid } }", "text"),
    ("query($t: ID!) { neighbourhood(id: $t) { truncated } }", "id"),
    ('query($t: ID!) { path(from: $t, to: "%s") { found } }' % PEIDE_ID, "from"),
    ('query($t: ID!) { path(from: "%s", to: $t) { found } }' % PEIDE_ID, "to"),
    ("query($t: String) { townStatistics(uid: $t) { zones } }", "uid"),
    ("query($t: String) { zoneComposition(after: $t) { totalCount } }", "after"),
    ("query($t: String) { coverageGaps(after: $t) { gridsWithoutDepartment { count } } }", "after"),
    ("query($t: String) { bridgingOrganisations(after: $t) { totalCount } }", "after"),
    ("query($t: String) { zoneComposition(where: { name: { eq: $t } }) { totalCount } }", "where.name.eq"),
    ("query($t: String) { demandStatistics(groupBy: TOWN, where: { name: { contains: $t } }) { collected } }",
     "where.name.contains"),
]


@pytest.fixture(scope="module")
def raw_post(server):
    """POST with the JSON escaped to ASCII, so lone surrogates travel as \\ud800 escapes."""
    with httpx.Client(base_url=server, timeout=30) as client:
        def post(query: str, variables: dict) -> dict:
            body = json.dumps({"query": query, "variables": variables}, ensure_ascii=True)
            return client.post("/graphql", content=body, headers={"Content-Type": "application/json"}).json()
        yield post


@pytest.mark.parametrize("query, field", TEXT_ARGUMENTS, ids=[f for _, f in TEXT_ARGUMENTS])
@pytest.mark.parametrize("bad", BAD_CHARACTERS, ids=[f"U+{ord(c):04X}" for c in BAD_CHARACTERS])
def test_research_arguments_refuse_illegal_characters(raw_post, query, field, bad):
    body = raw_post(query, {"t": f"pei{bad}de"})
    errors = body.get("errors") or []
    assert len(errors) == 1, body
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT", errors
    # A lone surrogate is refused by the HTTP layer while it reads the body: named by its variable.
    named = "$t" if 0xD800 <= ord(bad) <= 0xDFFF else field
    assert errors[0]["extensions"]["field"] == named, errors
    assert errors[0]["message"].startswith(f"{named}: ")
    assert (body.get("extensions") or {}).get("cypher", []) == []  # the engine never saw the text


@pytest.mark.parametrize("uid", ["zone\x01x", "zone-zumiao-peide\x1f", "\x0b"])
def test_an_id_that_decodes_to_illegal_characters_is_refused(raw_post, uid):
    body = raw_post("query($t: ID!) { neighbourhood(id: $t) { truncated } }", {"t": to_global_id("Zone", uid)})
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "id", "messageEn": error["message"]}
    assert body["extensions"]["cypher"] == []


def test_tabs_and_newlines_are_spaces(data):
    assert api_hits(data, "Pei\tde\n") == api_hits(data, "Peide") == seed_search("Peide")
