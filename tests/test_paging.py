"""Sorting, keyset paging, pageInfo, nodes/edges, aliases, fragments, directives and node(id:).

Expected orders and counts come from read_seed(), never from the API."""
from __future__ import annotations

import pytest

from graph.model import NODE_TYPES
from resolvers.ids import to_global_id
from seed.loader import read_seed

SEED = read_seed()
ROOT = {t.name: t.plural for t in NODE_TYPES}


def expected_order(label: str, sort: list[tuple[str, bool]]) -> list[str]:
    """uids in the order `sort` asks, nulls last ascending (first descending), ties on uid."""
    rows = sorted(SEED.nodes[label], key=lambda n: n["uid"])
    for field, descending in reversed(sort):
        rows.sort(key=lambda n: (n.get(field) is None, n.get(field) if n.get(field) is not None else ""),
                  reverse=descending)
    return [n["uid"] for n in rows]


def sort_arg(sort: list[tuple[str, bool]]) -> list[dict]:
    return [{field: "DESC" if descending else "ASC"} for field, descending in sort]


def connection(data, label: str, sort, first: int, after: str | None = None, fields: str = "uid") -> dict:
    query = (f"query($s: [{label}Sort!], $first: Int, $after: String) {{ r: {ROOT[label]}(sort: $s, first: $first,"
             " after: $after) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }"
             f" edges {{ cursor node {{ {fields} }} }} }} }}")
    return data(query, {"s": sort_arg(sort), "first": first, "after": after})["r"]


def page_through(data, label: str, sort, first: int) -> list[list[str]]:
    """Every page's uids, following endCursor; stops after more pages than there can be."""
    pages, after = [], None
    for _ in range(len(SEED.nodes[label]) // max(first, 1) + 2):
        page = connection(data, label, sort, first, after)
        pages.append([edge["node"]["uid"] for edge in page["edges"]])
        assert page["totalCount"] == len(SEED.nodes[label])
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        if not page["pageInfo"]["hasNextPage"]:
            return pages
        assert page["edges"][-1]["cursor"] == page["pageInfo"]["endCursor"]
        after = page["pageInfo"]["endCursor"]
    return pages


SORTS = {
    "organisation kind": ("Organisation", [("kind", False)]),
    "organisation kind desc": ("Organisation", [("kind", True)]),
    "demand category desc": ("Demand", [("category", True)]),
    "grid number desc": ("Grid", [("number", True)]),
    "member name": ("Member", [("name", False)]),
    "member name desc": ("Member", [("name", True)]),
    "uid desc": ("Zone", [("uid", True)]),
    "town nulls asc": ("Town", [("residentsReceived", False)]),
    "town nulls desc": ("Town", [("residentsReceived", True)]),
    "demand nullable date": ("Demand", [("assignedOn", False)]),
    "demand nullable date desc": ("Demand", [("assignedOn", True)]),
    "zone boolean": ("Zone", [("isDemonstration", True)]),
    "multi kind name": ("Organisation", [("kind", False), ("name", True)]),
    "multi category date": ("Demand", [("category", True), ("raisedOn", False)]),
    "multi community": ("Community", [("kind", True), ("nameEn", False)]),
    "multi source kind": ("Organisation", [("source", False), ("kind", False), ("uid", True)]),
}




@pytest.mark.parametrize("label, sort", SORTS.values(), ids=SORTS.keys())
def test_sort_orders_a_whole_type(data, label, sort):
    page = connection(data, label, sort, 1000)  # every node of the type: 874 demands
    assert [edge["node"]["uid"] for edge in page["edges"]] == expected_order(label, sort)
    assert page["pageInfo"]["hasNextPage"] is False


def test_sort_values_are_really_ordered(data):
    nodes = data("{ organisations(sort: [{ kind: ASC }, { name: DESC }], first: 500) { nodes { kind name } } }")
    pairs = [(n["kind"], n["name"]) for n in nodes["organisations"]["nodes"]]
    assert len({kind for kind, _ in pairs}) > 5
    for (kind_a, name_a), (kind_b, name_b) in zip(pairs, pairs[1:]):
        assert kind_a < kind_b or (kind_a == kind_b and name_a >= name_b)


@pytest.mark.parametrize("label, sort", [
    pytest.param(*case, id=name) for name, case in SORTS.items()])
def test_paging_visits_every_node_once_in_order(data, label, sort):
    first = 2 if label == "Town" else 9
    pages = page_through(data, label, sort, first)
    visited = [uid for page in pages for uid in page]
    assert visited == expected_order(label, sort)
    assert all(len(page) == first for page in pages[:-1]) and 0 < len(pages[-1]) <= first


def test_total_count_does_not_depend_on_first_or_after(data):
    query = ("query($first: Int, $after: String) { demands(where: { category: { eq: HEALTH } }, first: $first,"
             " after: $after, sort: [{ raisedOn: ASC }]) { totalCount pageInfo { endCursor } } }")
    expected = sum(n["category"] == "HEALTH" for n in SEED.nodes["Demand"])
    first = data(query, {"first": 3})["demands"]
    assert first["totalCount"] == expected
    for args in ({"first": 500}, {"first": 0}, {"first": 3, "after": first["pageInfo"]["endCursor"]}, {}):
        assert data(query, args)["demands"]["totalCount"] == expected
    assert data("{ demands { totalCount } }")["demands"]["totalCount"] == len(SEED.nodes["Demand"])


def test_page_info(data):
    order = expected_order("Grid", [("number", False)])
    page = connection(data, "Grid", [("number", False)], 5)
    info, edges = page["pageInfo"], page["edges"]
    assert [e["node"]["uid"] for e in edges] == order[:5]
    assert info["hasNextPage"] is True and info["hasPreviousPage"] is False
    assert info["startCursor"] == edges[0]["cursor"] and info["endCursor"] == edges[-1]["cursor"]
    assert len({e["cursor"] for e in edges}) == 5
    second = connection(data, "Grid", [("number", False)], 5, edges[2]["cursor"])
    assert [e["node"]["uid"] for e in second["edges"]] == order[3:8]
    assert second["pageInfo"]["hasPreviousPage"] is True
    last = connection(data, "Grid", [("number", False)], 5, connection(data, "Grid", [("number", False)], 120)
                      ["pageInfo"]["endCursor"])
    assert [e["node"]["uid"] for e in last["edges"]] == order[120:]
    assert last["pageInfo"]["hasNextPage"] is False
    beyond = connection(data, "Grid", [("number", False)], 5, last["pageInfo"]["endCursor"])
    assert beyond["edges"] == [] and beyond["pageInfo"]["startCursor"] is beyond["pageInfo"]["endCursor"] is None
    assert beyond["pageInfo"]["hasNextPage"] is False and beyond["totalCount"] == 122


def test_first_zero(data):
    result = data("{ zones(first: 0) { totalCount nodes { uid } edges { cursor }"
                  " pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }")["zones"]
    assert result["totalCount"] == len(SEED.nodes["Zone"])
    assert result["nodes"] == [] and result["edges"] == []
    assert result["pageInfo"] == {"hasNextPage": True, "hasPreviousPage": False, "startCursor": None, "endCursor": None}
    empty = data('{ zones(first: 0, where: { uid: { eq: "zone-none" } }) { pageInfo { hasNextPage } } }')
    assert empty["zones"]["pageInfo"]["hasNextPage"] is False


def test_nodes_and_edges_agree(data):
    result = data("{ zones(sort: [{ name: ASC }], first: 30) { nodes { uid name town { nameEn } }"
                  " edges { cursor node { uid name town { nameEn } } } } }")["zones"]
    assert result["nodes"] == [edge["node"] for edge in result["edges"]]
    assert [n["uid"] for n in result["nodes"]] == expected_order("Zone", [("name", False)])
    assert all(n["town"]["nameEn"] == "Zumiao" for n in result["nodes"])


def test_nodes_and_edges_with_different_subselections(data):
    result = data("{ zones(first: 2) { nodes { uid town { name } } edges { node { uid town { nameEn } } } } }")
    assert [n["town"]["name"] for n in result["zones"]["nodes"]] == ["祖庙街道"] * 2
    assert [e["node"]["town"]["nameEn"] for e in result["zones"]["edges"]] == ["Zumiao"] * 2


def externals(uid: str) -> list[dict]:
    pairs = SEED.relationships[("Organisation", "SERVES", "Zone")]
    by_uid = {n["uid"]: n for n in SEED.nodes["Organisation"]}
    return sorted((by_uid[org] for org, zone in pairs if zone == uid), key=lambda n: n["uid"])


def test_aliases_of_one_relationship_field_with_different_arguments(data):
    uid = "zone-zumiao-peide"
    orgs = externals(uid)
    assert len(orgs) > 3
    result = data('query($uid: String) { zones(where: { uid: { eq: $uid } }) { nodes {'
                  ' a: externalOrganisations(first: 1) { uid }'
                  ' b: externalOrganisations(first: 3) { uid name }'
                  ' c: externalOrganisations(sort: [{ uid: DESC }]) { kind }'
                  ' externalOrganisations { uid } } } }', {"uid": uid})["zones"]["nodes"][0]
    every = {o["uid"] for o in orgs}
    assert len(result["a"]) == 1 and result["a"][0]["uid"] in every
    assert len(result["b"]) == 3 and {o["uid"] for o in result["b"]} <= every
    assert all(set(o) == {"uid", "name"} for o in result["b"])
    assert [o["kind"] for o in result["c"]] == [o["kind"] for o in reversed(orgs)]
    assert {o["uid"] for o in result["externalOrganisations"]} == every


def test_root_aliases_with_different_arguments(data):
    result = data("{ a: grids(first: 2) { nodes { number } } b: grids(first: 3, sort: [{ number: DESC }]) {"
                  " nodes { number } } c: grids(where: { number: { gt: 120 } }) { totalCount } }")
    assert [n["number"] for n in result["a"]["nodes"]] == [1, 2]
    assert [n["number"] for n in result["b"]["nodes"]] == [122, 121, 120]
    assert result["c"]["totalCount"] == 2


def test_scalar_aliases_and_typenames(data):
    zone = min(SEED.nodes["Zone"], key=lambda n: n["uid"])
    result = data("{ zones(first: 1) { __typename nodes { __typename a: name b: nameEn n: uid same: uid"
                  " t: town { __typename x: name } } edges { __typename } pageInfo { __typename } } }")["zones"]
    assert result["__typename"] == "ZoneConnection" and result["edges"] == [{"__typename": "ZoneEdge"}]
    assert result["pageInfo"] == {"__typename": "PageInfo"}
    assert result["nodes"] == [{"__typename": "Zone", "a": zone["name"], "b": zone["nameEn"], "n": zone["uid"],
                                "same": zone["uid"], "t": {"__typename": "Town", "x": "祖庙街道"}}]


def test_relationship_alias_named_like_a_property(data):
    parents = dict(SEED.relationships[("Organisation", "SUBORDINATE_TO", "Organisation")])
    names = {n["uid"]: n["name"] for n in SEED.nodes["Organisation"]}
    first = sorted(parents)[:3]
    nodes = data("{ organisations(where: { parent: {} }, first: 3) { nodes { id n: name name: parent { uid } } } }"
                 )["organisations"]["nodes"]
    assert [n["id"] for n in nodes] == [to_global_id("Organisation", uid) for uid in first]
    assert [n["n"] for n in nodes] == [names[uid] for uid in first]
    assert [n["name"]["uid"] for n in nodes] == [parents[uid] for uid in first]


def test_paging_with_a_relationship_filter(data):
    query = ("query($after: String) { grids(where: { departments: { some: { name: { eq: \"城管\" } } },"
             " number: { gt: 2 } }, first: 25, sort: [{ number: DESC }], after: $after)"
             " { totalCount pageInfo { hasNextPage endCursor } nodes { number } } }")
    dept = next(n["uid"] for n in SEED.nodes["Department"] if n["name"] == "城管")
    grids = {g for d, g in SEED.relationships[("Department", "SUNK_TO", "Grid")] if d == dept}
    expected = sorted((n["number"] for n in SEED.nodes["Grid"] if n["uid"] in grids and n["number"] > 2), reverse=True)
    seen, after = [], None
    for _ in range(10):
        page = data(query, {"after": after})["grids"]
        assert page["totalCount"] == len(expected)
        seen += [n["number"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == expected


def test_named_and_inline_fragments(data):
    query = """
    fragment Names on Zone { name nameEn }
    fragment Page on ZoneConnection { totalCount nodes { ...Names uid ... on Node { id } } }
    fragment OrgBits on Organisation { kind ... on Organisation { name } }
    query { zones(where: { isPilot: { eq: true } }) { ...Page
      nodes { ... on Zone { town { ... on Town { nameEn } } lead { ...OrgBits } } } } }
    """
    result = data(query)["zones"]
    peide = next(n for n in SEED.nodes["Zone"] if n.get("isPilot"))
    assert result["totalCount"] == 1
    node = result["nodes"][0]
    assert (node["uid"], node["name"], node["nameEn"]) == (peide["uid"], peide["name"], peide["nameEn"])
    assert node["id"] and node["town"] == {"nameEn": "Zumiao"}
    assert node["lead"]["kind"] and node["lead"]["name"]


@pytest.mark.parametrize("with_town, skip_name", [(True, False), (False, True)])
def test_skip_and_include(data, with_town, skip_name):
    result = data("query($t: Boolean!, $s: Boolean!) { zones(first: 1) { nodes { uid name @skip(if: $s)"
                  " town @include(if: $t) { nameEn } } totalCount @skip(if: true) } }",
                  {"t": with_town, "s": skip_name})["zones"]
    assert "totalCount" not in result
    node = result["nodes"][0]
    assert ("town" in node) is with_town and ("name" in node) is not skip_name
    if with_town:
        assert node["town"] == {"nameEn": "Zumiao"}


def test_skipped_relationship_is_not_queried(gql):
    body = gql("{ zones(first: 1) { nodes { uid town @skip(if: true) { name } } } }")
    assert not body.get("errors") and "town" not in body["data"]["zones"]["nodes"][0]
    assert "IN_TOWN" not in body["extensions"]["cypher"][0]["cypher"]


NODE_LABELS = ["Zone", "Town", "Grid", "Organisation", "Member", "Demand", "Department", "Community"]


@pytest.mark.parametrize("label", NODE_LABELS)
def test_node_round_trips_ids(data, label):
    rows = sorted(SEED.nodes[label], key=lambda n: n["uid"])[-2:]
    listed = data(f"query($uids: [String!]) {{ r: {ROOT[label]}(where: {{ uid: {{ in: $uids }} }})"
                  " { nodes { id uid } } }", {"uids": [n["uid"] for n in rows]})["r"]["nodes"]
    assert sorted(n["uid"] for n in listed) == [n["uid"] for n in rows]
    for listed_node, row in zip(sorted(listed, key=lambda n: n["uid"]), rows):
        node = data("query($id: ID!) { node(id: $id) { __typename id ... on " + label + " { uid name nameEn source } } }",
                    {"id": listed_node["id"]})["node"]
        assert node == {"__typename": label, "id": listed_node["id"], "uid": row["uid"], "name": row["name"],
                        "nameEn": row.get("nameEn"), "source": row["source"]}


def test_node_with_fragments_for_other_types_and_relationships(data):
    zone_id = data('{ zones(where: { isPilot: { eq: true } }) { nodes { id } } }')["zones"]["nodes"][0]["id"]
    node = data("query($id: ID!) { node(id: $id) { __typename ... on Grid { number } ... on Zone { uid"
                " externalOrganisations(first: 2) { uid } town { name } } } }", {"id": zone_id})["node"]
    assert node["__typename"] == "Zone" and "number" not in node
    assert node["uid"] == "zone-zumiao-peide" and node["town"] == {"name": "祖庙街道"}
    assert len(node["externalOrganisations"]) == 2
    assert {o["uid"] for o in node["externalOrganisations"]} <= {o["uid"] for o in externals(node["uid"])}


@pytest.mark.parametrize("type_name, uid", [
    ("Zone", "zone-does-not-exist"), ("Grid", "zone-zumiao-peide"), ("NoSuchType", "zone-zumiao-peide")])
def test_node_with_unknown_well_formed_id_is_null(gql, type_name, uid):
    body = gql("query($id: ID!) { node(id: $id) { __typename id } }", {"id": to_global_id(type_name, uid)})
    assert not body.get("errors"), body["errors"]
    assert body["data"] == {"node": None}


def test_a_page_of_nested_fields_matches_the_seed_row_for_row(data):
    """Plain relationship fields of a page are matched for all rows at once and regrouped
    (graph/cypher.py: batched_selections); the page keeps its order, single fields with no
    match are null, lists with none are empty, and deeper and limited fields still work."""
    from tests.test_filters import BY_UID, rel, runs_enterprise

    query = ("{ organisations(first: 1000, sort: [{ name: DESC }]) { nodes { uid"
             " community { uid town { nameEn } } secretaries { uid isEntrepreneur }"
             " partOf { uid } members(first: 2, sort: [{ uid: ASC }]) { uid } } } }")
    nodes = data(query)["organisations"]["nodes"]
    assert [n["uid"] for n in nodes] == expected_order("Organisation", [("name", True)])
    assert any(n["community"] is None for n in nodes) and any(n["community"] for n in nodes)
    assert any(n["secretaries"] == [] for n in nodes) and any(n["secretaries"] for n in nodes)
    for node in nodes:
        seed = BY_UID[node["uid"]]
        community = rel("Organisation", "community", seed)
        if community:
            towns = rel("Community", "town", community[0])
            assert node["community"] == {"uid": community[0]["uid"],
                                         "town": {"nameEn": towns[0]["nameEn"]} if towns else None}
        else:
            assert node["community"] is None
        assert sorted((s["uid"], s["isEntrepreneur"]) for s in node["secretaries"]) == sorted(
            (m["uid"], runs_enterprise(m)) for m in rel("Organisation", "secretaries", seed))
        assert sorted(z["uid"] for z in node["partOf"]) == sorted(z["uid"] for z in rel("Organisation", "partOf", seed))
        assert [m["uid"] for m in node["members"]] == sorted(m["uid"] for m in rel("Organisation", "members", seed))[:2]


def test_a_cursor_gives_the_same_page_each_time_and_only_its_own(data, gql):
    """Cursors are opaque and signed (resolvers/ids.py): one reused across requests continues
    where it stood every time; the same position re-encoded by a client is not a cursor."""
    query = "query($a: String) { members(first: 7, after: $a, sort: [{ name: DESC }]) { nodes { uid } } }"
    first = connection(data, "Member", [("name", True)], 7)
    cursor = first["pageInfo"]["endCursor"]
    pages = [data(query, {"a": cursor})["members"]["nodes"] for _ in range(3)]
    assert pages[0] == pages[1] == pages[2] and len(pages[0]) == 7
    assert [n["uid"] for n in pages[0]] == expected_order("Member", [("name", True)])[7:14]
    padded = cursor + "=" * (-len(cursor) % 4)
    import base64, json
    payload = base64.urlsafe_b64decode(padded)[16:]  # what a client could read and re-encode
    unsigned = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    error = gql(query, {"a": unsigned})["errors"][0]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "after", "messageEn": error["message"]}
    assert json.loads(payload)[0] == "name:DESC,uid:ASC"  # the payload is the order and the values
