"""Demands with no group are the named group "unassigned" under every groupBy, never a null key:
on the seed (the article's two demands that belong to no town and name no resolver), and on a
scratch copy with a demand that lacks everything (no community, resolver, category or status)."""
from __future__ import annotations

import pytest

from graph.plan import CompiledQuery
from schema.schema import build_schema
from tests.conftest import scratch_graph
from tests.test_statistics import SEED, demand_keys

GROUP_BYS = ["TOWN", "COMMUNITY", "CATEGORY", "RESOLVER", "RESOLVER_TYPE", "STATUS"]
UNASSIGNED = {"key": "unassigned", "name": "未归属 / unassigned", "unassigned": True}
ARTICLE_DEMANDS_WITHOUT_TOWN = {"demand-shitou-baoyuan-road-bus", "demand-fancun-lane-power-and-lamps"}
GROUPS = ("query($g: DemandGroupBy!, $w: DemandWhere) { r: demandStatistics(groupBy: $g, where: $w) {"
          " collected resolved groups { key name unassigned collected resolved resolutionRate } } }")


def test_the_issue_example(data):
    """Unfiltered, by town: the two article-named demands that belong to no town."""
    groups = data("{ demandStatistics(groupBy: TOWN) { groups { key name unassigned collected resolved } } }"
                  )["demandStatistics"]["groups"]
    assert [g for g in groups if g["unassigned"]] == [{**UNASSIGNED, "collected": 2, "resolved": 2}]
    assert all(g["key"] is not None and g["name"] for g in groups)
    assert {u for u, key in demand_keys("TOWN").items() if key == "unassigned"} == ARTICLE_DEMANDS_WITHOUT_TOWN


@pytest.mark.parametrize("group_by", GROUP_BYS)
def test_every_grouping_names_the_unassigned_group(data, group_by):
    result = data(GROUPS, {"g": group_by})["r"]
    keys = demand_keys(group_by)
    unassigned = [u for u in keys if keys[u] == "unassigned"]
    found = [g for g in result["groups"] if g["unassigned"]]
    if unassigned:
        resolved = sum(1 for d in SEED.nodes["Demand"] if d["uid"] in unassigned and d["status"] == "RESOLVED")
        assert found == [{**UNASSIGNED, "collected": len(unassigned), "resolved": resolved,
                          "resolutionRate": round(resolved / len(unassigned), 4)}]
    else:
        assert found == []
    assert all(g["key"] != "unassigned" for g in result["groups"] if not g["unassigned"])
    # Filtered to the unassigned demands only, they are all in that one group.
    if unassigned:
        only = data(GROUPS, {"g": group_by, "w": {"uid": {"in": unassigned}}})["r"]
        assert [(g["key"], g["collected"]) for g in only["groups"]] == [("unassigned", len(unassigned))]


@pytest.fixture(scope="module")
async def with_bare_demand(engine):
    """The seed and one demand with nothing but its uid, name and source."""
    async with scratch_graph(engine, "demand_groups_test") as backend:
        await backend.write(CompiledQuery(
            "CREATE (:Demand {uid: $uid, name: $name, source: $source})",
            {"uid": "demand-bare", "name": "示例无归属诉求", "source": "ILLUSTRATIVE"}))
        yield backend


@pytest.mark.parametrize("group_by", GROUP_BYS)
async def test_a_demand_with_nothing_is_unassigned_everywhere(with_bare_demand, group_by):
    result = await build_schema().execute(GROUPS, variable_values={"g": group_by},
                                          context_value={"backend": with_bare_demand})
    assert result.errors is None, result.errors
    report = result.data["r"]
    keys = demand_keys(group_by)
    unassigned = sum(1 for key in keys.values() if key == "unassigned") + 1  # and the bare demand
    assert report["collected"] == len(SEED.nodes["Demand"]) + 1
    assert sum(g["collected"] for g in report["groups"]) == report["collected"]
    (group,) = [g for g in report["groups"] if g["unassigned"]]
    assert {k: group[k] for k in ("key", "name", "collected")} == {
        "key": "unassigned", "name": "未归属 / unassigned", "collected": unassigned}
    ordered = [(-g["collected"], g["key"]) for g in report["groups"]]
    assert ordered == sorted(ordered)  # most collected first, then by key
