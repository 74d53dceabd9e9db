"""Research queries over the real endpoint: neighbourhood and path (search: tests/test_search.py).

Expected values come from read_seed() (and networkx on it), never from the API."""
from __future__ import annotations

import networkx as nx
import pytest

from resolvers.ids import from_global_id, to_global_id
from seed.loader import read_seed

SEED = read_seed()
PEIDE = "zone-zumiao-peide"
# (source uid, TYPE, target uid) in the stored direction
EDGES = {(s, rel, t) for (_, rel, _), pairs in SEED.relationships.items() for s, t in pairs}
UNDIRECTED = nx.Graph()
UNDIRECTED.add_nodes_from(n["uid"] for rows in SEED.nodes.values() for n in rows)
UNDIRECTED.add_edges_from((s, t) for s, _, t in EDGES)
NAMES = {n["uid"]: n for rows in SEED.nodes.values() for n in rows}

SUBGRAPH = "nodes { id nodeId label uid name nameEn source } edges { id source target type } truncated"
NEIGHBOURHOOD = ("query($id: ID!, $depth: Int! = 1, $types: [RelationshipType!], $limit: Int! = 200) {"
                 " r: neighbourhood(id: $id, depth: $depth, relationshipTypes: $types, limit: $limit) { %s } }"
                 % SUBGRAPH)
PATH = ("query($from: ID!, $to: ID!, $maxHops: Int! = 6, $types: [RelationshipType!]) {"
        " r: path(from: $from, to: $to, maxHops: $maxHops, relationshipTypes: $types) {"
        " found hops nodes { id nodeId label uid name } edges { id source target type } truncated } }")


def gid(uid: str) -> str:
    return to_global_id(SEED.label_of(uid), uid)


def uid_of(global_id: str) -> str:
    label, uid = from_global_id(global_id)
    assert label == SEED.label_of(uid)
    return uid


def seed_neighbours(uids: set[str], types: set[str] | None = None) -> set[str]:
    found = set()
    for s, rel, t in EDGES:
        if types and rel not in types:
            continue
        if s in uids:
            found.add(t)
        if t in uids:
            found.add(s)
    return found


def seed_ball(uid: str, depth: int, types: set[str] | None = None) -> set[str]:
    ball, frontier = {uid}, {uid}
    for _ in range(depth):
        frontier = seed_neighbours(frontier, types) - ball
        ball |= frontier
    return ball


def seed_edges_among(uids: set[str], types: set[str] | None = None) -> set[tuple[str, str, str]]:
    return {e for e in EDGES if e[0] in uids and e[2] in uids and (not types or e[1] in types)}


def as_triples(subgraph: dict) -> set[tuple[str, str, str]]:
    return {(uid_of(e["source"]), e["type"], uid_of(e["target"])) for e in subgraph["edges"]}


def one_error(gql, query: str, variables: dict, field: str) -> dict:
    body = gql(query, variables)
    errors = body.get("errors") or []
    assert len(errors) == 1, body
    error = errors[0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    assert error["extensions"]["field"] == field, error
    assert error["message"].startswith(f"{field}: "), error["message"]
    return error


def check_subgraph(subgraph: dict) -> set[str]:
    """Each node once, node ids decode to their uid, entry ids are not node ids, edges
    well-formed with both ends present."""
    ids = [n["nodeId"] for n in subgraph["nodes"]]
    assert len(ids) == len(set(ids))
    own = {n["id"] for n in subgraph["nodes"]}
    assert len(own) == len(ids) and not own & set(ids)
    for node in subgraph["nodes"]:
        assert uid_of(node["nodeId"]) == node["uid"]
        assert node["label"] == SEED.label_of(node["uid"])
        assert node["name"] == NAMES[node["uid"]]["name"]
    edge_ids = [e["id"] for e in subgraph["edges"]]
    assert len(edge_ids) == len(set(edge_ids))
    for edge in subgraph["edges"]:
        assert edge["id"] == f"{edge['source']}|{edge['type']}|{edge['target']}"
        assert edge["source"] in ids and edge["target"] in ids
    return {n["uid"] for n in subgraph["nodes"]}


# --------------------------------------------------------------------------- neighbourhood


def test_peide_depth_one_is_exactly_its_seed_neighbours(data):
    result = data(NEIGHBOURHOOD, {"id": gid(PEIDE)})["r"]
    uids = check_subgraph(result)
    expected = seed_ball(PEIDE, 1)
    assert len(expected) > 10  # lead, N, X, communities, town...
    assert uids == expected
    assert as_triples(result) == seed_edges_among(expected)
    assert result["truncated"] is False


def test_depth_two_contains_depth_one(data):
    one = data(NEIGHBOURHOOD, {"id": gid(PEIDE)})["r"]
    two = data(NEIGHBOURHOOD, {"id": gid(PEIDE), "depth": 2, "limit": 2000})["r"]
    ones, twos = check_subgraph(one), check_subgraph(two)
    assert ones < twos
    assert as_triples(one) <= as_triples(two)
    expected = seed_ball(PEIDE, 2)
    assert len(expected) <= 2000
    assert twos == expected
    assert as_triples(two) == seed_edges_among(expected)
    assert two["truncated"] is False


def test_relationship_types_filter(data):
    result = data(NEIGHBOURHOOD, {"id": gid(PEIDE), "types": ["SERVES"]})["r"]
    uids = check_subgraph(result)
    x_orgs = {s for s, rel, t in EDGES if rel == "SERVES" and t == PEIDE}
    assert x_orgs
    assert uids == {PEIDE} | x_orgs
    assert {e["type"] for e in result["edges"]} == {"SERVES"}
    assert as_triples(result) == {(o, "SERVES", PEIDE) for o in x_orgs}


def test_relationship_types_filter_at_depth_two(data):
    types = {"LEADS", "PART_OF", "SERVES"}
    result = data(NEIGHBOURHOOD, {"id": gid(PEIDE), "depth": 2, "types": sorted(types), "limit": 2000})["r"]
    expected = seed_ball(PEIDE, 2, types)
    assert check_subgraph(result) == expected
    assert as_triples(result) == seed_edges_among(expected, types)


def test_limit_caps_nodes_and_sets_truncated(data):
    assert len(seed_ball(PEIDE, 1)) > 5
    result = data(NEIGHBOURHOOD, {"id": gid(PEIDE), "limit": 5})["r"]
    uids = check_subgraph(result)
    assert len(uids) == 5
    assert PEIDE in uids and uids <= seed_ball(PEIDE, 1)
    assert result["truncated"] is True
    assert as_triples(result) == seed_edges_among(uids)


def test_limit_keeps_the_closest_nodes(data):
    ball = seed_ball(PEIDE, 1)
    exact = data(NEIGHBOURHOOD, {"id": gid(PEIDE), "limit": len(ball)})["r"]
    assert check_subgraph(exact) == ball and exact["truncated"] is False
    one_more = data(NEIGHBOURHOOD, {"id": gid(PEIDE), "depth": 2, "limit": len(ball) + 1})["r"]
    uids = check_subgraph(one_more)
    assert len(uids) == len(ball) + 1 and ball < uids <= seed_ball(PEIDE, 2)
    assert one_more["truncated"] is True


@pytest.mark.parametrize("label, uid", [("Zone", "x'"), ("Town", 'x"'), ("Grid", "x\\"), ("Member", "x' OR 1=1")])
def test_unknown_uids_with_quotes_are_not_found(gql, label, uid):
    error = one_error(gql, NEIGHBOURHOOD, {"id": to_global_id(label, uid)}, "id")
    assert "no node" in error["message"]


def test_limit_one_is_the_start_node_alone(data):
    result = data(NEIGHBOURHOOD, {"id": gid(PEIDE), "limit": 1})["r"]
    assert check_subgraph(result) == {PEIDE}
    assert result["edges"] == [] and result["truncated"] is True


@pytest.mark.parametrize("variables, field", [
    ({"depth": 0}, "depth"), ({"depth": 4}, "depth"), ({"depth": -1}, "depth"),
    ({"limit": 0}, "limit"), ({"limit": 2001}, "limit"),
    ({"id": to_global_id("Zone", "zone-does-not-exist")}, "id"),
    ({"id": to_global_id("NoSuchType", PEIDE)}, "id"),
    ({"id": "not an id!"}, "id"), ({"id": "@@@@"}, "id"), ({"id": ""}, "id"),
])
def test_neighbourhood_bad_arguments(gql, variables, field):
    error = one_error(gql, NEIGHBOURHOOD, {"id": gid(PEIDE), **variables}, field)
    assert "Traceback" not in error["message"]


def test_neighbourhood_unknown_relationship_type_is_a_validation_error(gql):
    body = gql('{ neighbourhood(id: "%s", relationshipTypes: [NOT_A_TYPE]) { truncated } }' % gid(PEIDE))
    assert body.get("data") is None and len(body["errors"]) == 1
    assert "NOT_A_TYPE" in body["errors"][0]["message"]
    body = gql(NEIGHBOURHOOD, {"id": gid(PEIDE), "types": ["NOT_A_TYPE"]})
    assert body.get("data") is None and len(body["errors"]) == 1
    assert "NOT_A_TYPE" in body["errors"][0]["message"]


# --------------------------------------------------------------------------- path


def first_of(label: str, predicate=lambda n: True) -> str:
    return next(n["uid"] for n in sorted(SEED.nodes[label], key=lambda n: n["uid"]) if predicate(n))


NANZHUANG_VILLAGE = sorted(s for s, rel, t in EDGES if rel == "IN_TOWN" and t == "town-nanzhuang"
                           and SEED.label_of(s) == "Community")[0]
PAIRS = [
    (PEIDE, NANZHUANG_VILLAGE),
    ("grid-001", "dept-urban-management"),
    (first_of("Grid"), "dept-work-safety"),
    (first_of("Member"), "town-zhangcha"),
    (first_of("Member"), first_of("Park")),
    (first_of("Demand", lambda n: nx.has_path(UNDIRECTED, n["uid"], PEIDE)), PEIDE),
    (first_of("Enterprise"), "dept-political-legal"),
    (first_of("Programme"), first_of("Member")),
]


def check_path(result: dict, a: str, b: str, types: set[str] | None = None) -> list[str]:
    """A connected chain from a to b whose every edge exists in the seed in its stored direction."""
    assert result["found"] is True
    chain = [uid_of(n["nodeId"]) for n in result["nodes"]]
    assert [n["uid"] for n in result["nodes"]] == chain
    assert chain[0] == a and chain[-1] == b
    assert len(set(chain)) == len(chain)
    assert result["hops"] == len(chain) - 1 == len(result["edges"])
    for (left, right), edge in zip(zip(chain, chain[1:]), result["edges"]):
        triple = (uid_of(edge["source"]), edge["type"], uid_of(edge["target"]))
        assert {triple[0], triple[2]} == {left, right}
        assert triple in EDGES, f"{triple} is not stored in that direction"
        assert edge["id"] == f"{edge['source']}|{edge['type']}|{edge['target']}"
        if types:
            assert edge["type"] in types
    return chain


@pytest.mark.parametrize("a, b", PAIRS, ids=[f"{a}~{b}" for a, b in PAIRS])
def test_path_is_a_true_shortest_path(data, a, b):
    distance = nx.shortest_path_length(UNDIRECTED, a, b)
    assert 1 <= distance <= 8
    result = data(PATH, {"from": gid(a), "to": gid(b), "maxHops": 8})["r"]
    check_path(result, a, b)
    assert result["hops"] == distance
    back = data(PATH, {"from": gid(b), "to": gid(a), "maxHops": 8})["r"]
    assert check_path(back, b, a) and back["hops"] == distance


@pytest.mark.parametrize("a, b", PAIRS[:4], ids=[f"{a}~{b}" for a, b in PAIRS[:4]])
def test_max_hops_bounds_the_search(data, a, b):
    distance = nx.shortest_path_length(UNDIRECTED, a, b)
    exact = data(PATH, {"from": gid(a), "to": gid(b), "maxHops": distance})["r"]
    check_path(exact, a, b)
    assert exact["hops"] == distance
    if distance > 1:
        short = data(PATH, {"from": gid(a), "to": gid(b), "maxHops": distance - 1})["r"]
        assert short == {"found": False, "hops": None, "nodes": [], "edges": [], "truncated": False}


def random_pairs(count: int, seed: int = 7) -> list[tuple[str, str]]:
    import random
    rng, nodes = random.Random(seed), sorted(UNDIRECTED.nodes)
    return [(rng.choice(nodes), rng.choice(nodes)) for _ in range(count)]


def test_random_pairs_match_networkx(data):
    for a, b in random_pairs(30):
        try:
            distance = nx.shortest_path_length(UNDIRECTED, a, b)
        except nx.NetworkXNoPath:
            distance = None
        result = data(PATH, {"from": gid(a), "to": gid(b), "maxHops": 8})["r"]
        if distance is None or distance > 8:
            assert result["found"] is False, (a, b)
        else:
            check_path(result, a, b)
            assert result["hops"] == distance, (a, b)


def test_path_to_itself_has_zero_hops(data):
    result = data(PATH, {"from": gid(PEIDE), "to": gid(PEIDE)})["r"]
    assert result["found"] is True and result["hops"] == 0
    assert [n["uid"] for n in result["nodes"]] == [PEIDE] and result["edges"] == []


def test_disconnected_nodes_have_no_path(data):
    demand = first_of("Demand", lambda n: not nx.has_path(UNDIRECTED, n["uid"], PEIDE))
    result = data(PATH, {"from": gid(demand), "to": gid(PEIDE), "maxHops": 8})["r"]
    assert result["found"] is False and result["hops"] is None
    assert result["nodes"] == [] and result["edges"] == []


def test_relationship_types_restrict_the_path(data):
    types = {"IN_TOWN", "IN_DISTRICT"}
    restricted = nx.Graph()
    restricted.add_edges_from((s, t) for s, rel, t in EDGES if rel in types)
    distance = nx.shortest_path_length(restricted, PEIDE, NANZHUANG_VILLAGE)
    assert distance == 4  # zone → Zumiao → district → Nanzhuang → village
    result = data(PATH, {"from": gid(PEIDE), "to": gid(NANZHUANG_VILLAGE), "maxHops": 8,
                         "types": sorted(types)})["r"]
    check_path(result, PEIDE, NANZHUANG_VILLAGE, types)
    assert result["hops"] == distance


def test_relationship_types_can_disconnect(data):
    x_org = next(s for s, rel, t in EDGES if rel == "SERVES" and t == PEIDE)
    assert "town-zumiao" not in {u for s, rel, t in EDGES if rel == "SERVES" for u in (s, t)}
    result = data(PATH, {"from": gid(PEIDE), "to": gid("town-zumiao"), "types": ["SERVES"], "maxHops": 8})["r"]
    assert result["found"] is False and result["hops"] is None and result["nodes"] == []
    found = data(PATH, {"from": gid(PEIDE), "to": gid(x_org), "types": ["SERVES"]})["r"]
    check_path(found, PEIDE, x_org, {"SERVES"})
    assert found["hops"] == 1


@pytest.mark.parametrize("variables, field", [
    ({"maxHops": 0}, "maxHops"), ({"maxHops": 9}, "maxHops"),
    ({"from": to_global_id("Zone", "zone-does-not-exist")}, "from"),
    ({"to": to_global_id("Town", "town-does-not-exist")}, "to"),
    ({"from": "garbage!"}, "from"), ({"to": "garbage!"}, "to"),
])
def test_path_bad_arguments(gql, variables, field):
    one_error(gql, PATH, {"from": gid(PEIDE), "to": gid("town-nanzhuang"), **variables}, field)


def test_path_unknown_relationship_type_is_a_validation_error(gql):
    body = gql(PATH, {"from": gid(PEIDE), "to": gid(PEIDE), "types": ["FRIEND_OF"]})
    assert body.get("data") is None and len(body["errors"]) == 1
    assert "FRIEND_OF" in body["errors"][0]["message"]
