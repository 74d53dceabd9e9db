"""Text that breaks other tools is refused at every GraphQL entry: inline arguments and
variables, in reads and writes of every type, with BAD_USER_INPUT naming the argument path,
and nothing written. Tab, line breaks, Chinese and astral characters (emoji) are text."""
from __future__ import annotations

import json

import httpx
import pytest

from graph.model import WRITABLE_TYPES

BAD = ["\x00", "\ud800", "\udfff", "\x01", "\x08", "\x0b", "\x0c", "\x1f", "\ufffe", "\uffff"]
SURROGATES = ("\ud800", "\udfff")
GOOD = ["\t", "\n", "\r", "示例", "😀", "\u00a0", "\x7f"]


@pytest.fixture(scope="module")
def gql(server):
    """JSON with \\u escapes: a lone surrogate travels as JSON allows, though no UTF-8 can hold it."""
    client = httpx.Client(base_url=server, timeout=30)

    def run(query: str, variables: dict | None = None) -> dict:
        body = json.dumps({"query": query, "variables": variables or {}})
        return client.post("/graphql", content=body, headers={"content-type": "application/json"}).json()

    yield run
    client.close()


def refused(body: dict, field: str, variable: str | None = None) -> None:
    """One BAD_USER_INPUT naming the argument path; a lone surrogate, which the HTTP layer
    refuses while it reads the body, is named by its variable."""
    errors = body.get("errors") or []
    assert len(errors) == 1, body
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT", errors[0]
    assert errors[0]["extensions"]["field"] in (field, variable), errors[0]
    assert body.get("data") is None
    ran = (body.get("extensions") or {}).get("cypher", [])  # absent: refused before the schema ran
    assert not [e for e in ran if "CREATE" in e["cypher"] or "SET" in e["cypher"]]


@pytest.mark.parametrize("char", BAD, ids=lambda c: "U+" + "+".join(f"{ord(x):04X}" for x in c))
@pytest.mark.parametrize("node_type", WRITABLE_TYPES, ids=lambda t: t.name)
def test_filters_of_every_type_refuse_forbidden_text(gql, node_type, char):
    query = f"query($w: {node_type.name}Where) {{ {node_type.plural}(where: $w) {{ totalCount }} }}"
    refused(gql(query, {"w": {"OR": [{"name": {"contains": f"示例{char}"}}]}}), "where.OR[0].name.contains", "$w" if char in SURROGATES else None)
    if char not in ("\ud800", "\udfff"):  # a literal lone surrogate is a syntax error: see below
        literal = f'{{ {node_type.plural}(where: {{ name: {{ eq: "a\\u{ord(char):04x}b" }} }}) {{ totalCount }} }}'
        refused(gql(literal), "where.name.eq")


@pytest.mark.parametrize("char", BAD, ids=lambda c: "U+" + "+".join(f"{ord(x):04X}" for x in c))
def test_writes_refuse_forbidden_text_and_write_nothing(gql, char):
    before = gql("{ zones { totalCount } auditEntries { totalCount } }")["data"]
    mutation = "mutation($i: ZoneCreateInput!) { createZone(input: $i) { uid } }"
    body = gql(mutation, {"i": {"uid": "test-text-zone", "name": f"示例{char}控制", "isDemonstration": False}})
    refused(body, "input.name", "$i" if char in SURROGATES else None)
    body = gql('mutation($n: String) { updateZone(uid: "zone-zumiao-peide", input: { description: $n }) { uid } }',
               {"n": f"说明{char}"})
    refused(body, "input.description", "$n" if char in SURROGATES else None)
    body = gql("mutation { createZone(input: $i) { uid } }".replace("$i", '{ uid: "test-text-zone", name: "示例",'
                                                                          ' isDemonstration: false, town: $t }')
               .replace("mutation {", "mutation($t: String) {"), {"t": f"town{char}"})
    refused(body, "input.town", "$t" if char in SURROGATES else None)
    assert gql("{ zones { totalCount } auditEntries { totalCount } }")["data"] == before


@pytest.mark.parametrize("char", BAD, ids=lambda c: "U+" + "+".join(f"{ord(x):04X}" for x in c))
def test_research_arguments_refuse_forbidden_text(gql, char):
    refused(gql("query($t: String!) { search(text: $t) { name } }", {"t": f"培德{char}"}), "text", "$t" if char in SURROGATES else None)
    refused(gql("query($i: ID!) { node(id: $i) { id } }", {"i": f"x{char}"}), "id", "$i" if char in SURROGATES else None)
    refused(gql("query($a: String) { zones(after: $a) { totalCount } }", {"a": f"x{char}"}), "after", "$a" if char in SURROGATES else None)


def test_a_literal_lone_surrogate_is_a_syntax_error_with_a_code(gql):
    body = gql('{ search(text: "\\ud800") { name } }')
    assert body["errors"][0]["extensions"]["code"] in ("GRAPHQL_PARSE_FAILED", "BAD_USER_INPUT"), body


def test_a_variable_no_argument_uses_is_checked_too(gql):
    body = gql("query($unused: String) { towns { totalCount } }", {"unused": "a\x01"})
    assert body["errors"][0]["extensions"]["code"] in ("BAD_USER_INPUT", "GRAPHQL_VALIDATION_FAILED"), body


@pytest.mark.parametrize("char", GOOD, ids=lambda c: "U+" + "+".join(f"{ord(x):04X}" for x in c))
def test_ordinary_text_passes(gql, char):
    body = gql("query($w: TownWhere) { towns(where: $w) { totalCount } }", {"w": {"name": {"contains": f"南{char}"}}})
    assert not body.get("errors"), body
