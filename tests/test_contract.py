"""The API contract: every query in ../shared/contract runs unchanged and returns
what expected.json says."""
from __future__ import annotations

import json

import pytest

from tests.conftest import CONTRACT_DIR, REPO

EXAMPLES_DIR = REPO / "web" / "examples"


def contract_query(name: str) -> str:
    """The query from shared/contract, or our verbatim copy where shared/ is absent."""
    path = CONTRACT_DIR / name
    return (path if path.exists() else EXAMPLES_DIR / name).read_text()


def test_every_contract_query_has_a_test_and_an_example():
    if not CONTRACT_DIR.exists():
        pytest.skip("../shared/contract is not beside this checkout")
    expected = json.loads((CONTRACT_DIR / "expected.json").read_text())
    tested = {name for name in globals() if name.startswith("test_")}
    for name in expected:
        assert f"test_{name[:2]}" in {t[:7] for t in tested}, f"no test for {name}"
        assert (EXAMPLES_DIR / name).read_text() == (CONTRACT_DIR / name).read_text(), \
            f"web/examples/{name} differs from the contract"


def test_01_peide_external(data):
    result = data(contract_query("01-peide-external.graphql"))["zones"]
    assert result["totalCount"] == 1
    zone = result["nodes"][0]
    assert zone["town"]["nameEn"] == "Zumiao"
    assert zone["lead"] is not None and zone["lead"]["name"]
    assert zone["externalOrganisations"], "Peide has external organisations"
    for org in zone["externalOrganisations"]:
        assert org["kind"] and org["source"] in ("ARTICLE", "ILLUSTRATIVE", "IMPORTED")


def test_02_nanzhuang_entrepreneur_secretaries(data):
    result = data(contract_query("02-nanzhuang-entrepreneur-secretaries.graphql"))["members"]
    assert result["totalCount"] == 15
    assert len(result["nodes"]) == 15
    villages = data('{ communities(where: { kind: { eq: VILLAGE }, town: { nameEn: { eq: "Nanzhuang" } } }, first: 100)'
                    ' { nodes { name } } }')["communities"]["nodes"]
    village_names = {v["name"] for v in villages}
    for member in result["nodes"]:
        assert member["enterprises"], member
        assert any(org["community"] and org["community"]["name"] in village_names for org in member["secretaryOf"]), member


def test_03_nanzhuang_villages(data):
    assert data(contract_query("03-nanzhuang-villages.graphql"))["communities"]["totalCount"] == 18


def test_04_grids(data):
    result = data(contract_query("04-grids.graphql"))["grids"]
    assert result["totalCount"] == 122
    uids = [node["uid"] for node in result["nodes"]]
    assert len(uids) == 5 and uids == sorted(uids)
    assert result["pageInfo"]["hasNextPage"] is True
    assert result["pageInfo"]["endCursor"]
    seen = set()
    after = None
    while True:  # page through every grid with the same query shape
        page = data("query($after: String) { grids(first: 50, sort: [{ uid: ASC }], after: $after) {"
                    " pageInfo { hasNextPage endCursor } nodes { departments { name } } } }", {"after": after})["grids"]
        seen |= {d["name"] for node in page["nodes"] for d in node["departments"]}
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert {"城管", "公安", "安监", "政法"} <= seen


def test_05_zumiao_zones_paged(data):
    query = contract_query("05-zumiao-zones-paged.graphql")
    after, uids, names, pages = None, [], [], 0
    while True:
        result = data(query, {"after": after})["zones"]
        assert result["totalCount"] == 22
        assert len(result["edges"]) <= 5
        uids += [edge["node"]["uid"] for edge in result["edges"]]
        names += [edge["node"]["name"] for edge in result["edges"]]
        pages += 1
        if not result["pageInfo"]["hasNextPage"]:
            break
        after = result["pageInfo"]["endCursor"]
        assert after == result["edges"][-1]["cursor"]
    assert len(uids) == 22 and len(set(uids)) == 22
    assert names == sorted(names)
    assert pages == 5
