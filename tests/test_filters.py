"""`where` filters: every operator, enum and Boolean filters, AND/OR/NOT, relationship
filters and quantifiers, nested field arguments, and hostile values.

Expected values come from read_seed(), never from the API."""
from __future__ import annotations

import re
from collections import defaultdict

import pytest

from graph.model import NODE_TYPES, TYPES
from graph.plan import CompiledQuery
from seed.loader import read_seed

SEED = read_seed()
ROOT = {t.name: t.plural for t in NODE_TYPES}
BY_UID = {n["uid"]: n for rows in SEED.nodes.values() for n in rows}


def links(label: str, rel_name: str) -> dict[str, set[str]]:
    """uid -> uids related through the model field `label.rel_name`, from the seed."""
    rel = TYPES[label].rel(rel_name)
    found: dict[str, set[str]] = defaultdict(set)
    if rel.direction == "OUT":
        for start, end in SEED.relationships.get((label, rel.type, rel.target), []):
            found[start].add(end)
    else:
        for start, end in SEED.relationships.get((rel.target, rel.type, label), []):
            found[end].add(start)
    return found


def related(label: str, rel_name: str, uid: str) -> list[dict]:
    return [BY_UID[u] for u in links(label, rel_name).get(uid, ())]


def rel(label: str, rel_name: str, node: dict) -> list[dict]:
    return related(label, rel_name, node["uid"])


def expect(label: str, pred) -> set[str]:
    return {n["uid"] for n in SEED.nodes[label] if pred(n)}


def matching(data, label: str, where: dict) -> set[str]:
    query = (f"query($w: {label}Where) {{ r: {ROOT[label]}(where: $w, first: 1000)"
             " { totalCount nodes { uid } } }")
    result = data(query, {"w": where})["r"]
    uids = [n["uid"] for n in result["nodes"]]
    assert result["totalCount"] == len(uids) == len(set(uids))
    return set(uids)


def town_en(label: str, uid: str) -> str | None:
    towns = related(label, "town", uid)
    return towns[0]["nameEn"] if towns else None


def runs_enterprise(member: dict) -> bool:
    return bool(rel("Member", "enterprises", member))


# (label, where, predicate on a seed row). Each case must select some, but not all, nodes.
CASES = {
    "string eq": ("Department", {"name": {"eq": "公安"}}, lambda n: n["name"] == "公安"),
    "string in": ("Grid", {"uid": {"in": ["grid-001", "grid-050", "grid-999"]}},
                  lambda n: n["uid"] in ("grid-001", "grid-050")),
    "string contains": ("Organisation", {"name": {"contains": "社会组织"}}, lambda n: "社会组织" in n["name"]),
    "string startsWith": ("Zone", {"nameEn": {"startsWith": "Illustrative"}},
                          lambda n: n["nameEn"].startswith("Illustrative")),
    "string endsWith": ("Community", {"name": {"endsWith": "村"}}, lambda n: n["name"].endswith("村")),
    "string lt": ("Grid", {"uid": {"lt": "grid-010"}}, lambda n: n["uid"] < "grid-010"),
    "string lte": ("Grid", {"uid": {"lte": "grid-010"}}, lambda n: n["uid"] <= "grid-010"),
    "string lt unindexed": ("Demand", {"raisedOn": {"lt": "2015-06-30"}},
                            lambda n: n.get("raisedOn") is not None and n["raisedOn"] < "2015-06-30"),
    "string lte unindexed": ("Demand", {"raisedOn": {"lte": "2015-06-30"}},
                             lambda n: n.get("raisedOn") is not None and n["raisedOn"] <= "2015-06-30"),
    "string lt name": ("Town", {"nameEn": {"lt": "Zumiao"}}, lambda n: n["nameEn"] < "Zumiao"),
    "string gt name": ("Member", {"name": {"gt": "示例党员001"}}, lambda n: n["name"] > "示例党员001"),
    "string gt": ("Demand", {"raisedOn": {"gt": "2015-06-30"}},
                  lambda n: n.get("raisedOn") is not None and n["raisedOn"] > "2015-06-30"),
    "string gte": ("Grid", {"uid": {"gte": "grid-120"}}, lambda n: n["uid"] >= "grid-120"),
    "int eq": ("Grid", {"number": {"eq": 61}}, lambda n: n["number"] == 61),
    "int in": ("Grid", {"number": {"in": [1, 2, 122, 500]}}, lambda n: n["number"] in (1, 2, 122)),
    "int lt": ("Grid", {"number": {"lt": 10}}, lambda n: n["number"] < 10),
    "int lte": ("Grid", {"number": {"lte": 10}}, lambda n: n["number"] <= 10),
    "int gt": ("Grid", {"number": {"gt": 100}}, lambda n: n["number"] > 100),
    "int gte": ("Grid", {"number": {"gte": 100}}, lambda n: n["number"] >= 100),
    "int range": ("Grid", {"number": {"gt": 20, "lte": 30}}, lambda n: 20 < n["number"] <= 30),
    "int lt skips null": ("Town", {"residentsReceived": {"lt": 100000}},
                          lambda n: n.get("residentsReceived") is not None),
    "float gt": ("Town", {"householdVisitRate": {"gt": 0.5}}, lambda n: (n.get("householdVisitRate") or 0) > 0.5),
    "isNull true": ("Demand", {"assignedOn": {"isNull": True}}, lambda n: n.get("assignedOn") is None),
    "isNull false": ("Demand", {"assignedOn": {"isNull": False}}, lambda n: n.get("assignedOn") is not None),
    "int isNull true": ("Town", {"residentsReceived": {"isNull": True}},
                        lambda n: n.get("residentsReceived") is None),
    "boolean eq true": ("Zone", {"isDemonstration": {"eq": True}}, lambda n: n["isDemonstration"]),
    "boolean eq false": ("Zone", {"isDemonstration": {"eq": False}}, lambda n: not n["isDemonstration"]),
    "boolean pilot": ("Zone", {"isPilot": {"eq": True}}, lambda n: n.get("isPilot") is True),
    "computed eq true": ("Member", {"isEntrepreneur": {"eq": True}}, runs_enterprise),
    "computed eq false": ("Member", {"isEntrepreneur": {"eq": False}}, lambda n: not runs_enterprise(n)),
    "enum eq": ("Organisation", {"kind": {"eq": "COMMUNITY"}}, lambda n: n["kind"] == "COMMUNITY"),
    "enum in": ("Organisation", {"kind": {"in": ["PARK", "JOINT"]}}, lambda n: n["kind"] in ("PARK", "JOINT")),
    "enum community kind": ("Community", {"kind": {"eq": "VILLAGE"}}, lambda n: n["kind"] == "VILLAGE"),
    "enum source": ("Organisation", {"source": {"eq": "ARTICLE"}}, lambda n: n["source"] == "ARTICLE"),
    "enum category in": ("Demand", {"category": {"in": ["HEALTH", "EDUCATION"]}},
                         lambda n: n["category"] in ("HEALTH", "EDUCATION")),
    "implicit and": ("Organisation", {"kind": {"in": ["TOWN", "PARK", "ENTERPRISE"]}, "source": {"eq": "ARTICLE"}},
                     lambda n: n["kind"] in ("TOWN", "PARK", "ENTERPRISE") and n["source"] == "ARTICLE"),
    "AND": ("Grid", {"AND": [{"number": {"gt": 10}}, {"number": {"lt": 20}}]}, lambda n: 10 < n["number"] < 20),
    "OR": ("Organisation", {"OR": [{"kind": {"eq": "PARK"}}, {"name": {"contains": "社会组织"}}]},
           lambda n: n["kind"] == "PARK" or "社会组织" in n["name"]),
    "NOT": ("Organisation", {"NOT": {"kind": {"eq": "COMMUNITY"}}}, lambda n: n["kind"] != "COMMUNITY"),
    "NOT OR": ("Grid", {"NOT": {"OR": [{"number": {"lt": 100}}, {"number": {"eq": 110}}]}},
               lambda n: n["number"] >= 100 and n["number"] != 110),
    "OR of AND": ("Grid", {"OR": [{"AND": [{"number": {"gte": 5}}, {"number": {"lte": 6}}]}, {"number": {"eq": 99}}]},
                  lambda n: n["number"] in (5, 6, 99)),
    "computed in OR": ("Member", {"OR": [{"isEntrepreneur": {"eq": True}}, {"role": {"eq": "区委书记"}}]},
                       lambda n: runs_enterprise(n) or n.get("role") == "区委书记"),
    "single rel": ("Community", {"town": {"nameEn": {"eq": "Nanzhuang"}}},
                   lambda n: town_en("Community", n["uid"]) == "Nanzhuang"),
    "single rel two levels": ("Organisation", {"community": {"town": {"nameEn": {"eq": "Nanzhuang"}}}},
                              lambda n: any(town_en("Community", c["uid"]) == "Nanzhuang"
                                            for c in rel("Organisation", "community", n))),
    "single rel and prop": ("Community", {"kind": {"eq": "VILLAGE"}, "town": {"nameEn": {"eq": "Nanzhuang"}}},
                            lambda n: n["kind"] == "VILLAGE" and town_en("Community", n["uid"]) == "Nanzhuang"),
    "anchored on a far node, two chains": (
        "Organisation", {"kind": {"eq": "COMMUNITY"}, "community": {"town": {"nameEn": {"eq": "Nanzhuang"}}},
                         "secretaries": {"some": {"isEntrepreneur": {"eq": True}}}},
        lambda n: n["kind"] == "COMMUNITY" and any(town_en("Community", c["uid"]) == "Nanzhuang"
                                                   for c in rel("Organisation", "community", n))
        and any(map(runs_enterprise, rel("Organisation", "secretaries", n)))),
    "NOT single rel": ("Organisation", {"NOT": {"town": {"nameEn": {"eq": "Zumiao"}}}},
                       lambda n: town_en("Organisation", n["uid"]) != "Zumiao"),
    "none": ("Zone", {"externalOrganisations": {"none": {}}},
             lambda n: not rel("Zone", "externalOrganisations", n)),
    "some": ("Zone", {"externalOrganisations": {"some": {}}},
             lambda n: bool(rel("Zone", "externalOrganisations", n))),
    "some with filter": ("Zone", {"externalOrganisations": {"some": {"kind": {"eq": "SOCIAL"}}}},
                         lambda n: any(o["kind"] == "SOCIAL" for o in rel("Zone", "externalOrganisations", n))),
    "none with filter": ("Zone", {"externalOrganisations": {"none": {"kind": {"eq": "SOCIAL"}}}},
                         lambda n: all(o["kind"] != "SOCIAL" for o in rel("Zone", "externalOrganisations", n))),
    "all with filter": ("Zone", {"internalOrganisations": {"all": {"kind": {"in": ["COMMUNITY", "BRANCH"]}}}},
                        lambda n: all(o["kind"] in ("COMMUNITY", "BRANCH")
                                      for o in rel("Zone", "internalOrganisations", n))),
    "all departments": ("Grid", {"departments": {"all": {"name": {"in": ["城管", "公安", "安监", "政法"]}}}},
                        lambda n: all(d["name"] in ("城管", "公安", "安监", "政法")
                                      for d in rel("Grid", "departments", n))),
    "all departments subset": ("Grid", {"departments": {"all": {"name": {"in": ["城管", "公安"]}}}},
                               lambda n: all(d["name"] in ("城管", "公安") for d in rel("Grid", "departments", n))),
    "single secretary": ("Organisation", {"secretaries": {"single": {}}},
                         lambda n: len(rel("Organisation", "secretaries", n)) == 1),
    "single with filter": ("Zone", {"externalOrganisations": {"single": {"kind": {"eq": "SOCIAL"}}}},
                           lambda n: sum(o["kind"] == "SOCIAL" for o in rel("Zone", "externalOrganisations", n)) == 1),
    "quantifier over single rel": ("Member", {"secretaryOf": {"some": {"community": {"kind": {"eq": "VILLAGE"}}}}},
                                   lambda n: any(c["kind"] == "VILLAGE"
                                                 for o in rel("Member", "secretaryOf", n)
                                                 for c in rel("Organisation", "community", o))),
    "all vacuous": ("Community", {"organisations": {"all": {"kind": {"eq": "COMMUNITY"}}}},
                    lambda n: all(o["kind"] == "COMMUNITY" for o in rel("Community", "organisations", n))),
    "nested quantifiers": ("Community",
                           {"organisations": {"some": {"secretaries": {"some": {"isEntrepreneur": {"eq": True}}}}}},
                           lambda n: any(runs_enterprise(m) for o in rel("Community", "organisations", n)
                                         for m in rel("Organisation", "secretaries", o))),
    "computed in quantifier true": ("Organisation", {"secretaries": {"some": {"isEntrepreneur": {"eq": True}}}},
                                    lambda n: any(map(runs_enterprise, rel("Organisation", "secretaries", n)))),
    "computed in quantifier false": ("Organisation", {"secretaries": {"some": {"isEntrepreneur": {"eq": False}}}},
                                     lambda n: not all(map(runs_enterprise, rel("Organisation", "secretaries", n)))),
    "NOT quantifier": ("Zone", {"NOT": {"externalOrganisations": {"some": {}}}},
                       lambda n: not rel("Zone", "externalOrganisations", n)),
    "OR of quantifiers": ("Zone", {"OR": [{"externalOrganisations": {"none": {}}}, {"isPilot": {"eq": True}}]},
                          lambda n: not rel("Zone", "externalOrganisations", n) or n.get("isPilot") is True),
}


@pytest.mark.parametrize("label, where, pred", [
    pytest.param(*case, id=name) for name, case in CASES.items()])
def test_where(data, label, where, pred):
    expected = expect(label, pred)
    assert matching(data, label, where) == expected


def test_the_match_starts_from_the_most_identifying_equality(gql):
    """An enum equality on the root matches a large share of a label; a name on a related node
    picks out few, so the statement matches that node first (city scale: 7 → 0.3 ms)."""
    def first_line(where: str) -> str:
        body = gql(f"{{ communities(where: {where}) {{ totalCount }} }}")
        assert not body.get("errors"), body
        return body["extensions"]["cypher"][0]["cypher"].splitlines()[0]

    assert first_line('{ kind: { eq: VILLAGE }, town: { nameEn: { eq: "Nanzhuang" } } }').startswith(
        "MATCH (a1:`Town` {`nameEn`: $")
    some_uid = SEED.nodes["Community"][0]["uid"]
    assert first_line(f'{{ uid: {{ eq: "{some_uid}" }}, town: {{ nameEn: {{ eq: "Nanzhuang" }} }} }}').startswith(
        "MATCH (n:`Community`)")
    assert first_line('{ kind: { eq: VILLAGE }, town: { kind: { eq: TOWN } } }').startswith("MATCH (n:`Community`)")


def test_cases_are_selective():
    """A filter that keeps everything (or nothing) proves little; the exceptions are on purpose."""
    every, none = {"all departments"}, {"all departments subset"}  # every grid has all four departments
    for name, (label, _, pred) in CASES.items():
        count = len(expect(label, pred))
        assert count == len(SEED.nodes[label]) if name in every else count < len(SEED.nodes[label]), name
        assert count == 0 if name in none else count > 0, name


def test_computed_boolean_is_never_null(data):
    assert matching(data, "Member", {"isEntrepreneur": {"isNull": True}}) == set()
    assert len(matching(data, "Member", {"isEntrepreneur": {"isNull": False}})) == len(SEED.nodes["Member"])


def test_literal_enum_and_boolean_filters(data):
    result = data('{ organisations(where: { kind: { in: [PARK, JOINT] }, NOT: { source: { eq: ILLUSTRATIVE } } })'
                  ' { totalCount } zones(where: { isDemonstration: { eq: true }, isPilot: { eq: false } })'
                  ' { totalCount } }')
    assert result["organisations"]["totalCount"] == len(expect(
        "Organisation", lambda n: n["kind"] in ("PARK", "JOINT") and n["source"] != "ILLUSTRATIVE"))
    assert result["zones"]["totalCount"] == len(expect(
        "Zone", lambda n: n["isDemonstration"] and n.get("isPilot") is False))


PEIDE = "zone-zumiao-peide"


def ordered(rows: list[dict], key: str, descending: bool) -> list[str]:
    rows = sorted(rows, key=lambda n: n["uid"])  # the API breaks ties on uid ascending
    return [n["uid"] for n in sorted(rows, key=lambda n: n[key], reverse=descending)]


def test_nested_list_where_sort_first(data):
    externals = related("Zone", "externalOrganisations", PEIDE)
    assert len(externals) > 2
    kind = externals[0]["kind"]
    result = data("query($uid: String) { zones(where: { uid: { eq: $uid } }) { nodes {"
                  " all: externalOrganisations(sort: [{ name: DESC }]) { uid }"
                  " top: externalOrganisations(sort: [{ name: DESC }], first: 2) { uid }"
                  " asc: externalOrganisations(sort: [{ name: ASC }], first: 2) { uid }"
                  " kind: externalOrganisations(where: { kind: { eq: " + kind + " } }, sort: [{ uid: DESC }])"
                  " { uid kind }"
                  " } } }", {"uid": PEIDE})["zones"]["nodes"][0]
    by_name_desc = ordered(externals, "name", True)
    assert [o["uid"] for o in result["all"]] == by_name_desc
    assert [o["uid"] for o in result["top"]] == by_name_desc[:2]
    assert [o["uid"] for o in result["asc"]] == ordered(externals, "name", False)[:2]
    same_kind = sorted((o["uid"] for o in externals if o["kind"] == kind), reverse=True)
    assert [o["uid"] for o in result["kind"]] == same_kind


def test_nested_where_with_relationship_filter(data):
    result = data('{ organisations(where: { kind: { eq: COMMUNITY } }, first: 500) { nodes { uid'
                  ' members(where: { isEntrepreneur: { eq: true } }) { uid }'
                  ' secretaries(where: { secretaryOf: { single: {} } }, first: 1) { uid } } } }')
    nodes = result["organisations"]["nodes"]
    assert len(nodes) == len(expect("Organisation", lambda n: n["kind"] == "COMMUNITY"))
    for org in nodes:
        members = rel("Organisation", "members", org)
        assert {m["uid"] for m in org["members"]} == {m["uid"] for m in members if runs_enterprise(m)}
        single = [s for s in rel("Organisation", "secretaries", org)
                  if len(rel("Member", "secretaryOf", s)) == 1]
        assert len(org["secretaries"]) == min(1, len(single))
        assert {s["uid"] for s in org["secretaries"]} <= {s["uid"] for s in single}


def test_nested_single_rel_and_computed_field(data):
    nodes = data('{ members(where: { isEntrepreneur: { eq: true } }, first: 500) { nodes { uid isEntrepreneur'
                 ' secretaryOf { uid community { uid town { nameEn } } } } } }')["members"]["nodes"]
    assert {m["uid"] for m in nodes} == expect("Member", runs_enterprise)
    for member in nodes:
        assert member["isEntrepreneur"] is True
        for org in member["secretaryOf"]:
            community = rel("Organisation", "community", org)
            assert (org["community"] or {}).get("uid") == (community[0]["uid"] if community else None)
            if community:
                assert org["community"]["town"]["nameEn"] == town_en("Community", community[0]["uid"])


HOSTILE = [
    "' OR 1=1 //",
    '"}) MATCH (n) DETACH DELETE n //',
    '\\"}) MATCH (n) DETACH DELETE n //',
    "\\' OR '1'='1",
    "`) DETACH DELETE n //",
    "$p0",
    "x\\",
    "a\nb\tc\r",
    "\\\\\"\\",
    "培德' }) RETURN 1 //",
]


async def graph_size(backend) -> tuple[int, int]:
    nodes = await backend.read(CompiledQuery("MATCH (n) RETURN count(n) AS c"))
    rels = await backend.read(CompiledQuery("MATCH ()-[r]->() RETURN count(r) AS c"))
    return nodes[0]["c"], rels[0]["c"]


@pytest.mark.parametrize("value", HOSTILE)
async def test_hostile_values_match_nothing_and_change_nothing(gql, backend, value):
    before = await graph_size(backend)
    assert before[0] == sum(map(len, SEED.nodes.values()))
    body = gql("query($v: String, $vs: [String!]) {"
               " members(where: { OR: [{ name: { eq: $v } }, { name: { contains: $v } }, { uid: { in: $vs } },"
               " { role: { startsWith: $v } }, { nameEn: { endsWith: $v } }] }) { totalCount nodes { uid } }"
               " zones(where: { externalOrganisations: { some: { name: { eq: $v } } } }) { totalCount }"
               " organisations(where: { community: { name: { gte: $v, lte: $v } } }) { totalCount }"
               " towns { nodes { zones(where: { name: { eq: $v } }) { uid } } } }",
               {"v": value, "vs": [value, value + "'"]})
    assert not body.get("errors"), body["errors"]
    result = body["data"]
    assert result["members"] == {"totalCount": 0, "nodes": []}
    assert result["zones"]["totalCount"] == result["organisations"]["totalCount"] == 0
    assert all(town["zones"] == [] for town in result["towns"]["nodes"])
    assert await graph_size(backend) == before


def test_nul_character_in_a_value_is_refused_clearly(gql):
    # The FalkorDB client inlines parameters into a CYPHER header that NUL would cut short.
    body = gql("query($v: String) { members(where: { name: { eq: $v } }) { totalCount } }", {"v": "a\u0000b"})
    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "where.name.eq" in error["message"] and "NUL" in error["message"]
    assert "cypher" not in (body.get("extensions") or {}) or not body["extensions"]["cypher"]


NEEDLE = "needle-7f3a'\"-value"


def test_values_are_parameters_not_cypher_text(gql):
    body = gql("query($v: String) { organisations(where: { OR: [{ name: { eq: $v } }, { uid: { startsWith: $v } }],"
               " community: { nameEn: { contains: $v } } }, first: 37) { totalCount nodes { uid"
               " members(where: { name: { endsWith: $v } }, first: 3) { uid } } }"
               " grids(where: { number: { in: [4711, 4712] } }) { totalCount } }", {"v": NEEDLE})
    assert not body.get("errors"), body["errors"]
    entries = body["extensions"]["cypher"]
    assert len(entries) == 2
    for entry in entries:
        assert "needle" not in entry["cypher"] and "4711" not in entry["cypher"]
        assert not re.search(r"LIMIT \d", entry["cypher"]), entry["cypher"]
    orgs = next(e for e in entries if "`Organisation`" in e["cypher"])
    grids = next(e for e in entries if "`Grid`" in e["cypher"])
    values = list(orgs["params"].values())
    assert values.count(NEEDLE) == 4  # name, uid and nameEn (filtered once, then counted and paged), members' name
    assert 38 in values and 3 in values  # first + 1 (to see a next page), and the nested first
    assert [4711, 4712] in grids["params"].values()
