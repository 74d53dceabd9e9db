"""Research entries (GraphNode, SearchHit) are not the nodes they describe: their `id`s are
their own, `nodeId` is the node's global id, and `node` is the node itself, read for a whole
root field at once. Checked against read_seed() and across every research field."""
from __future__ import annotations

import pytest

from resolvers.ids import from_global_id, to_global_id
from tests.test_research import EDGES, NAMES, PEIDE, SEED, seed_ball
from tests.test_statistics import into

ENTRY = "__typename id nodeId uid label node { __typename id }"
# Every research root field, selecting every entry it returns (and the node behind it).
EVERY_FIELD = {
    "search": '{ search(text: "peide") { %s rank } }' % ENTRY,
    "neighbourhood": '{ neighbourhood(id: "%s", depth: 2, limit: 400) { nodes { %s } edges { __typename id source target } } }'
                     % (to_global_id("Zone", PEIDE), ENTRY),
    "path": '{ path(from: "%s", to: "%s", maxHops: 8) { nodes { %s } edges { __typename id source target } } }'
            % (to_global_id("Zone", PEIDE), to_global_id("Town", "town-nanzhuang"), ENTRY),
    "zoneComposition": "{ zoneComposition(first: 30) { zones { zone { %s } lead { %s } } } }" % (ENTRY, ENTRY),
    "townStatistics": "{ townStatistics { area { %s } } }" % ENTRY,
    "districtStatistics": "{ districtStatistics { area { %s } } }" % ENTRY,
    "coverageGaps": "{ coverageGaps(first: 30) { gridsWithoutDepartment { nodes { %s } }"
                    " zonesWithoutExternalOrganisation { nodes { %s } } villagesWithoutSecretary { nodes { %s } } } }"
                    % (ENTRY, ENTRY, ENTRY),
    "bridgingOrganisations": "{ bridgingOrganisations(first: 30) { organisations { organisation { %s } } } }" % ENTRY,
}


def objects(value, into_list: list[dict] | None = None) -> list[dict]:
    """Every object in a response that has an `id` (what a normalising client stores)."""
    found = [] if into_list is None else into_list
    if isinstance(value, dict):
        if "id" in value:
            found.append(value)
        for child in value.values():
            objects(child, found)
    elif isinstance(value, list):
        for child in value:
            objects(child, found)
    return found


def check_identity(response: dict) -> None:
    """One id, one object: the same id never names objects of two types, and objects sharing
    an id agree on every field they both have (so a Relay store can merge them)."""
    by_id: dict[str, dict] = {}
    for obj in objects(response):
        seen = by_id.setdefault(obj["id"], obj)
        assert seen.get("__typename", obj.get("__typename")) == obj.get("__typename", seen.get("__typename")), obj
        shared = (set(seen) & set(obj)) - {"node"}
        assert {k: seen[k] for k in shared} == {k: obj[k] for k in shared}, (seen, obj)


@pytest.mark.parametrize("field", EVERY_FIELD)
def test_entries_have_ids_of_their_own_and_their_node(data, field):
    response = data(EVERY_FIELD[field])
    entries = [o for o in objects(response) if o.get("__typename") in ("GraphNode", "SearchHit")]
    assert entries, field
    for entry in entries:
        assert from_global_id(entry["nodeId"]) == (entry["label"], entry["uid"])
        assert entry["id"] != entry["nodeId"]
        assert entry["node"] == {"__typename": entry["label"], "id": entry["nodeId"]}
    check_identity(response)
    # Again, with the node itself in the same response: still one id, one object.
    peide = data('{ node(id: "%s") { __typename id } }' % to_global_id("Zone", PEIDE))
    check_identity({"a": response, "b": peide})
    assert data(EVERY_FIELD[field]) == response  # deterministic ids


def test_edges_are_not_nodes_and_join_node_ids(data):
    result = data(EVERY_FIELD["neighbourhood"])["neighbourhood"]
    node_ids = {n["nodeId"] for n in result["nodes"]}
    entry_ids = {n["id"] for n in result["nodes"]}
    for edge in result["edges"]:
        assert edge["__typename"] == "GraphEdge"
        assert edge["source"] in node_ids and edge["target"] in node_ids
        assert edge["id"] not in node_ids | entry_ids


def test_search_hit_with_the_zone_in_one_response(data):
    """The issue's case: `search(text: "peide") { id }` and the Peide zone in one response."""
    response = data('{ search(text: "peide") { __typename id nodeId node { __typename id ... on Zone { lead { name } } } }'
                    ' zones(where: { nameEn: { eq: "Peide" } }) { nodes { __typename id name } } }')
    zone = response["zones"]["nodes"][0]
    hit = response["search"][0]
    assert hit["nodeId"] == zone["id"] == to_global_id("Zone", PEIDE) != hit["id"]
    lead = next(iter(into(PEIDE, "LEADS")))
    assert hit["node"] == {"__typename": "Zone", "id": zone["id"], "lead": {"name": NAMES[lead]["name"]}}
    check_identity(response)


def test_a_hit_id_depends_on_what_its_rank_depends_on(data):
    query = 'query($t: String!) { search(text: $t) { id nodeId rank } }'
    exact = {h["nodeId"]: h for h in data(query, {"t": "peide"})["search"]}
    prefix = {h["nodeId"]: h for h in data(query, {"t": "pei"})["search"]}
    zone = to_global_id("Zone", PEIDE)
    assert (exact[zone]["rank"], prefix[zone]["rank"]) == (0, 1)
    assert exact[zone]["id"] != prefix[zone]["id"]  # else a store would show one rank for both
    folded = {h["nodeId"]: h for h in data(query, {"t": "Ｐｅｉ ＤＥ"})["search"]}
    assert folded == exact  # the same search, folded: the same hits, the same ids


def test_entry_ids_are_not_node_ids_anywhere(gql, data):
    hit = data('{ search(text: "peide") { id nodeId } }')["search"][0]
    entry = data('{ zoneComposition(where: {nameEn: {eq: "Peide"}}) { zones { zone { id } } } }'
                 )["zoneComposition"]["zones"][0]["zone"]
    for entry_id in (hit["id"], entry["id"]):
        assert data("query($id: ID!) { node(id: $id) { id } }", {"id": entry_id}) == {"node": None}
        body = gql("query($id: ID!) { neighbourhood(id: $id) { truncated } }", {"id": entry_id})
        (error,) = body["errors"]
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "id", "messageEn": error["message"]}
        assert "nodeId" in error["message"]
    assert data("query($id: ID!) { neighbourhood(id: $id, limit: 1) { nodes { uid } } }",
                {"id": hit["nodeId"]})["neighbourhood"]["nodes"] == [{"uid": PEIDE}]


# --------------------------------------------------------------------------- `node`: what and how many reads

NODE_FIELDS = ("... on Zone { uid name isDemonstration town { uid } externalOrganisations(sort: [{uid: DESC}], first: 2)"
               " { uid } } ... on Organisation { uid name kind zones: serves { uid } } ... on Member { uid name }"
               " ... on Community { uid communityKind: kind } ... on Programme { uid name }")


def expected_node(uid: str) -> dict:
    """What NODE_FIELDS select of the node `uid`, per the seed (lists in uid order)."""
    label, node = SEED.label_of(uid), NAMES[uid]
    out = {"__typename": label}
    if label == "Zone":
        out.update(uid=uid, name=node["name"], isDemonstration=node["isDemonstration"],
                   town={"uid": next(t for s, rel, t in EDGES if s == uid and rel == "IN_TOWN")},
                   externalOrganisations=[{"uid": o} for o in sorted(into(uid, "SERVES"), reverse=True)[:2]])
    elif label == "Organisation":
        served = sorted(t for s, rel, t in EDGES if s == uid and rel == "SERVES")
        out.update(uid=uid, name=node["name"], kind=node["kind"], zones=[{"uid": z} for z in served])
    elif label in ("Member", "Programme"):
        out.update(uid=uid, name=node["name"])
    elif label == "Community":
        out.update(uid=uid, communityKind=node["kind"])
    return out


def sorted_lists(node: dict) -> dict:
    """Unsorted relationship lists (`zones`) in uid order, to compare with the seed."""
    if "zones" in node:
        node = {**node, "zones": sorted(node["zones"], key=lambda z: z["uid"])}
    return node


def test_node_selects_any_field_of_the_real_type(data):
    result = data("{ neighbourhood(id: \"%s\", limit: 200) { nodes { uid node { __typename %s } } } }"
                  % (to_global_id("Zone", PEIDE), NODE_FIELDS))["neighbourhood"]
    assert {n["uid"] for n in result["nodes"]} == seed_ball(PEIDE, 1)
    for entry in result["nodes"]:
        assert sorted_lists(entry["node"]) == expected_node(entry["uid"]), entry["uid"]


@pytest.mark.parametrize("query, reads", [
    ('{ search(text: "示例", first: 100) { uid } }', 1),
    ('{ search(text: "示例", first: 100) { uid node { id } } }', 2),
    ('{ search(text: "示例", first: 100) { uid a: node { id } b: node { %s } } }' % NODE_FIELDS, 2),
    ('{ neighbourhood(id: "%s") { nodes { uid } } }' % to_global_id("Zone", PEIDE), 3),
    ('{ neighbourhood(id: "%s") { nodes { uid node { %s } } } }' % (to_global_id("Zone", PEIDE), NODE_FIELDS), 4),
    ("{ zoneComposition { zones { zone { uid } lead { uid } } } }", 1),
    ("{ zoneComposition { zones { zone { node { %s } } lead { node { %s } } } } }" % (NODE_FIELDS, NODE_FIELDS), 2),
    ("{ coverageGaps { gridsWithoutDepartment { nodes { node { id } } } villagesWithoutSecretary { nodes { node { id } } } } }", 2),
])
def test_node_costs_one_read_for_all_entries(gql, query, reads):
    body = gql(query)
    assert not body.get("errors"), body["errors"]
    assert len(body["extensions"]["cypher"]) == reads


def test_search_nodes_match_the_seed(data):
    types = set()
    for text in ("示例", "nanzhuang", "peide", "委员会"):
        hits = data('query($t: String!) { search(text: $t, first: 100) { uid node { __typename %s } } }'
                    % NODE_FIELDS, {"t": text})["search"]
        assert hits
        for hit in hits:
            assert sorted_lists(hit["node"]) == expected_node(hit["uid"]), hit["uid"]
            types.add(hit["node"]["__typename"])
    assert {"Zone", "Organisation", "Member", "Community", "Programme"} <= types


def test_a_bad_argument_under_node_names_its_path(gql):
    body = gql('{ search(text: "peide") { node { ... on Zone { externalOrganisations(first: -1) { uid } } } } }')
    assert body["errors"] and all(e["extensions"]["code"] == "BAD_USER_INPUT" for e in body["errors"])
    assert body["errors"][0]["extensions"]["field"] == "search.node.externalOrganisations.first"
