"""/export: a neighbourhood or a whole town as Cytoscape.js JSON, GraphML or GEXF, read back
with networkx and compared with the GraphQL `neighbourhood` field on the real server."""
from __future__ import annotations

import io
import json
import re

import httpx
import networkx
import pytest

from resolvers.ids import to_global_id

PEIDE = to_global_id("Zone", "zone-zumiao-peide")
NANZHUANG = to_global_id("Town", "town-nanzhuang")
NEIGHBOURHOOD = """query($id: ID!, $depth: Int!, $types: [RelationshipType!], $limit: Int!) {
  neighbourhood(id: $id, depth: $depth, relationshipTypes: $types, limit: $limit) {
    nodes { id: nodeId label uid name nameEn source } edges { id source target type } truncated } }"""


@pytest.fixture(scope="module")
def http(server):
    with httpx.Client(base_url=server, timeout=60) as client:
        yield client


def graphql_neighbourhood(data, global_id: str, depth: int = 1, types: list[str] | None = None,
                          limit: int = 200) -> dict:
    variables = {"id": global_id, "depth": depth, "types": types, "limit": limit}
    return data(NEIGHBOURHOOD, variables)["neighbourhood"]


def read_back(body: bytes, export_format: str) -> networkx.Graph:
    reader = {"graphml": networkx.read_graphml, "gexf": networkx.read_gexf}[export_format]
    return reader(io.BytesIO(body))


def edge_ids(graph: networkx.Graph) -> set[str]:
    return {attrs["id"] for _, _, attrs in graph.edges(data=True)}


CASES = [(PEIDE, 1, None), (PEIDE, 2, None), (NANZHUANG, 1, None), (NANZHUANG, 2, "IN_TOWN,COVERS")]


@pytest.mark.parametrize("export_format", ["graphml", "gexf"])
@pytest.mark.parametrize("global_id, depth, types", CASES)
def test_xml_exports_match_the_graphql_neighbourhood(http, data, export_format, global_id, depth, types):
    expected = graphql_neighbourhood(data, global_id, depth, types.split(",") if types else None)
    params = {"depth": depth, **({"types": types} if types else {})}
    response = http.get(f"/export/{global_id}.{export_format}", params=params)
    assert response.status_code == 200, response.text
    graph = read_back(response.content, export_format)
    assert graph.number_of_nodes() == len(expected["nodes"])
    assert graph.number_of_edges() == len(expected["edges"])
    assert set(graph.nodes) == {node["id"] for node in expected["nodes"]}
    assert edge_ids(graph) == {edge["id"] for edge in expected["edges"]}
    for source, target, attrs in graph.edges(data=True):
        assert attrs["id"] == f"{source}|{attrs.get('type') or attrs['relationship']}|{target}"


def test_graphml_carries_the_node_and_edge_attributes(http, data):
    expected = {n["id"]: n for n in graphql_neighbourhood(data, PEIDE)["nodes"]}
    graph = read_back(http.get(f"/export/{PEIDE}.graphml").content, "graphml")
    for node_id, attrs in graph.nodes(data=True):
        node = expected[node_id]
        assert (attrs["label"], attrs["type"], attrs["name"], attrs["uid"], attrs["source"]) == (
            node["name"], node["label"], node["name"], node["uid"], node["source"])
        assert attrs["nameEn"] == (node["nameEn"] or "")
    assert {attrs["type"] for _, _, attrs in graph.edges(data=True)} >= {"SERVES", "PART_OF", "LEADS", "IN_TOWN"}
    assert graph.graph["focus"] == PEIDE


def test_gexf_labels_nodes_by_name_for_gephi(http, data):
    expected = {n["id"]: n for n in graphql_neighbourhood(data, PEIDE)["nodes"]}
    graph = read_back(http.get(f"/export/{PEIDE}.gexf").content, "gexf")
    for node_id, attrs in graph.nodes(data=True):
        assert (attrs["label"], attrs["type"], attrs["source"]) == (
            expected[node_id]["name"], expected[node_id]["label"], expected[node_id]["source"])
    assert all(attrs["label"] == attrs["relationship"] for _, _, attrs in graph.edges(data=True))


def test_cytoscape_json_has_the_documented_shape(http, data):
    expected = graphql_neighbourhood(data, PEIDE)
    response = http.get(f"/export/{PEIDE}.cyjs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    document = response.json()
    nodes, edges = document["elements"]["nodes"], document["elements"]["edges"]
    assert [n["data"]["id"] for n in nodes] == [n["id"] for n in expected["nodes"]]
    assert {e["data"]["id"] for e in edges} == {e["id"] for e in expected["edges"]}
    for node in nodes:
        assert {"id", "label", "name", "nameEn", "uid", "source"} <= set(node["data"])
        assert isinstance(node["data"]["nameEn"], str)
        assert node["data"]["source"] in {"ARTICLE", "ILLUSTRATIVE", "IMPORTED"}
    ids = {n["data"]["id"] for n in nodes}
    for edge in edges:
        assert {"id", "source", "target", "type"} <= set(edge["data"])
        assert edge["data"]["source"] in ids and edge["data"]["target"] in ids
    assert document["data"] == {"focus": PEIDE, "truncated": False}
    assert http.get(f"/export/{PEIDE}.json").json() == document


def test_content_disposition_names_the_file(http):
    for extension in ("cyjs", "json", "graphml", "gexf"):
        response = http.get(f"/export/{PEIDE}.{extension}", params={"depth": 2})
        assert response.headers["content-disposition"] == (
            f'attachment; filename="zone-zumiao-peide-depth2.{extension}"')
    town = http.get("/export/town/town-zumiao.gexf", params={"depth": 1})
    assert town.headers["content-disposition"] == 'attachment; filename="town-zumiao.gexf"'


@pytest.mark.parametrize("accept, media_type", [
    ("application/json", "application/json"),
    ("application/graphml+xml", "application/graphml+xml"),
    ("application/gexf+xml", "application/gexf+xml"),
    ("text/html, application/gexf+xml;q=0.8", "application/gexf+xml"),
    ("application/graphml+xml;q=0.2, application/json;q=0.9", "application/json"),
    ("application/json;q=0, application/graphml+xml", "application/graphml+xml"),
    ("*/*", "application/json"),
])
def test_accept_header_chooses_the_format(http, accept, media_type):
    response = http.get(f"/export/{PEIDE}", headers={"Accept": accept})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == media_type
    assert response.headers["vary"] == "Accept"
    extension = {"application/json": "cyjs", "application/graphml+xml": "graphml",
                 "application/gexf+xml": "gexf"}[media_type]
    assert response.headers["content-disposition"].endswith(f'.{extension}"')


def test_the_extension_wins_over_the_accept_header(http):
    response = http.get(f"/export/{PEIDE}.graphml", headers={"Accept": "application/json"})
    assert response.headers["content-type"].startswith("application/graphml+xml")


@pytest.mark.parametrize("path, accept", [
    (f"/export/{PEIDE}.csv", "*/*"),
    (f"/export/{PEIDE}", "text/html"),
    (f"/export/{PEIDE}", "application/json;q=0"),
    ("/export/town/town-zumiao.png", "*/*"),
])
def test_unknown_formats_are_not_acceptable(http, path, accept):
    response = http.get(path, headers={"Accept": accept})
    assert response.status_code == 406
    message = response.json()["error"]
    assert "graphml" in message and "gexf" in message and "application/json" in message


@pytest.mark.parametrize("path", [
    f"/export/{to_global_id('Zone', 'zone-that-does-not-exist')}.json",
    f"/export/{to_global_id('Spaceship', 'zone-zumiao-peide')}.json",
    "/export/not-an-id-at-all.graphml",
    "/export/town/town-atlantis.gexf",
    "/export/town/zone-zumiao-peide.json",  # a uid, but not a town's
])
def test_unknown_ids_are_not_found(http, path):
    response = http.get(path)
    assert response.status_code == 404
    assert "no " in response.json()["error"]


@pytest.mark.parametrize("query, parameter", [
    ("depth=0", "depth"), ("depth=4", "depth"), ("depth=two", "depth"), ("depth=1.5", "depth"),
    ("limit=0", "limit"), ("limit=5000", "limit"), ("limit=many", "limit"),
    ("types=SERVES,TELEPORTS_TO", "types"),
    # Only ASCII digits: Python's int() reads all of these as numbers.
    ("depth=%D9%A1", "depth"), ("depth=%EF%BC%91", "depth"), ("depth=%E0%A5%A8", "depth"),
    ("depth=%201", "depth"), ("depth=1%20", "depth"), ("depth=+1", "depth"), ("limit=1_0", "limit"),
    ("limit=%D9%A1%D9%A0", "limit"), ("limit=" + "9" * 5000, "limit"),
])
def test_bad_parameters_are_refused_with_the_reason(http, query, parameter):
    response = http.get(f"/export/{PEIDE}.json?{query}")
    assert response.status_code == 400
    message = response.json()["error"]
    assert message.startswith(f"{parameter}: "), message
    assert response.json()["errorEn"] == message  # no Accept-Language: English
    # In Chinese when asked for, the parameter still named, the English kept in errorEn.
    chinese = http.get(f"/export/{PEIDE}.json?{query}", headers={"Accept-Language": "zh-CN"}).json()
    assert chinese["error"].startswith(f"{parameter}: ") and re.search(r"[\u4e00-\u9fff]", chinese["error"]), chinese
    assert chinese["errorEn"] == message


@pytest.mark.parametrize("path", ["/export/VG93bjp0b3duLW5vbmU.json", "/export/town/town-none.graphml",
                                  f"/export/{PEIDE}.pdf"])
def test_missing_nodes_and_formats_in_both_languages(http, path):
    english = http.get(path)
    assert english.status_code in (404, 406) and english.json()["error"] == english.json()["errorEn"]
    chinese = http.get(path, headers={"Accept-Language": "zh;q=0.9, en;q=0.5"})
    assert chinese.status_code == english.status_code
    assert re.search(r"[\u4e00-\u9fff]", chinese.json()["error"]) and chinese.json()["errorEn"] == english.json()["error"]


def test_non_ascii_digits_are_named_in_the_message(http):
    response = http.get(f"/export/{PEIDE}.json", params={"depth": "١"})
    assert response.status_code == 400
    assert response.json()["error"] == "depth: must be a whole number written with the digits 0-9, got '١'"


def test_cytoscape_keeps_parallel_edges_for_networkx(http, data):
    """A member who is both member and secretary of one organisation: two edges, one pair of nodes."""
    member = to_global_id("Member", "member-illustrative-148")
    organisation = to_global_id("Organisation", "org-zumiao-n-064")
    document = http.get(f"/export/{member}.cyjs", params={"types": "MEMBER_OF,SECRETARY_OF"}).json()
    for edge in document["elements"]["edges"]:
        assert edge["data"]["key"] == edge["data"]["id"]
    graph = networkx.cytoscape_graph(document)
    assert graph.is_multigraph() and graph.is_directed()
    between = graph.get_edge_data(member, organisation)
    assert {attrs["type"] for attrs in between.values()} == {"MEMBER_OF", "SECRETARY_OF"}
    assert set(between) == {f"{member}|MEMBER_OF|{organisation}", f"{member}|SECRETARY_OF|{organisation}"}
    assert graph.number_of_edges() == len(graphql_neighbourhood(data, member, 1, ["MEMBER_OF", "SECRETARY_OF"])["edges"])


def test_types_and_limit_shape_the_export(http, data):
    serves = http.get(f"/export/{PEIDE}.json", params={"types": "SERVES"}).json()
    expected = graphql_neighbourhood(data, PEIDE, 1, ["SERVES"])
    assert {e["data"]["type"] for e in serves["elements"]["edges"]} == {"SERVES"}
    assert len(serves["elements"]["nodes"]) == len(expected["nodes"])
    capped = http.get(f"/export/{PEIDE}.json", params={"depth": 2, "limit": 10})
    assert len(capped.json()["elements"]["nodes"]) == 10
    assert capped.headers["x-truncated"] == "true"
    assert http.get(f"/export/{PEIDE}.json").headers["x-truncated"] == "false"


@pytest.mark.parametrize("town", ["town-zumiao", "town-nanzhuang"])
def test_town_export_holds_the_towns_zones_and_communities(http, data, town):
    expected = data("""query($uid: String!) { towns(where: { uid: { eq: $uid } }) {
        nodes { id zones(first: 500) { id } communities(first: 500) { id } } } }""", {"uid": town})
    town_node = expected["towns"]["nodes"][0]
    graph = read_back(http.get(f"/export/town/{town}.graphml").content, "graphml")
    assert town_node["id"] in graph
    assert {z["id"] for z in town_node["zones"]} <= set(graph.nodes)
    assert {c["id"] for c in town_node["communities"]} <= set(graph.nodes)
    same = graphql_neighbourhood(data, town_node["id"], depth=2, limit=2000)
    assert graph.number_of_nodes() == len(same["nodes"])
    assert graph.number_of_edges() == len(same["edges"])
    if town == "town-zumiao":
        assert len(town_node["zones"]) == 22


def test_town_export_negotiates_too(http):
    response = http.get("/export/town/town-zumiao?depth=1", headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert json.loads(response.content)["elements"]["nodes"][0]["data"]["uid"] == "town-zumiao"
