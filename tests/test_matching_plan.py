"""planActionProject through real HTTP on a seeded scratch graph: the project and its links in one
statement with its audit entry; bad input is a coded error naming the field and writes nothing;
a planned project counts against the capacity of what it uses (matchDemand sees it)."""
from __future__ import annotations

import json

import httpx
import pytest

from seed.loader import read_seed
from tests.conftest import TEST_GRAPH, served_scratch_graph

SEED = read_seed()
NODES = {n["uid"]: n for rows in SEED.nodes.values() for n in rows}
PLAN = """mutation($i: PlanActionProjectInput!) { planActionProject(input: $i) { uid name status startsOn endsOn
  source town { uid } demands { uid } resources { uid } serviceTeams { uid } } }"""
COUNTS = "{ actionProjects { totalCount } auditEntries { totalCount } }"
AUDIT = """query($u: String!) { auditEntries(where: { targetUid: { eq: $u } }) { nodes { action targetType actor
  changes } } }"""
MATCH = """query($u: String!) { matchDemand(uid: $u, first: 1000) { matches { candidate { uid }
  reasons { openProjects capacityLeft } } } }"""
# A Shiwan demand that no seed project addresses, and candidates of it (a resource and a team).
DEMAND = next(d["uid"] for d in SEED.nodes["Demand"] if d["uid"].startswith("demand-shiwan-")
              and not any(t == d["uid"] for s, t in SEED.relationships[("ActionProject", "ADDRESSES", "Demand")]))


@pytest.fixture(scope="module")
async def client(engine, data_dir):
    async with served_scratch_graph(engine, data_dir, f"{TEST_GRAPH}_plan") as url:
        with httpx.Client(base_url=url, timeout=60) as http:
            yield http


def post(client: httpx.Client, query: str, variables: dict | None = None, actor: str | None = None) -> dict:
    response = client.post("/graphql", json={"query": query, "variables": variables or {}},
                           headers={"X-Actor": actor} if actor else {})
    assert response.status_code in (200, 400), response.text
    return response.json()


def counts(client: httpx.Client) -> tuple[int, int]:
    data = post(client, COUNTS)["data"]
    return data["actionProjects"]["totalCount"], data["auditEntries"]["totalCount"]


def candidates(client: httpx.Client) -> dict[str, dict]:
    matches = post(client, MATCH, {"u": DEMAND})["data"]["matchDemand"]["matches"]
    return {m["candidate"]["uid"]: m["reasons"] for m in matches}


def choose(client: httpx.Client) -> tuple[str, str]:
    found = candidates(client)
    resource = next(u for u in sorted(found) if u.startswith("resource-"))
    team = next(u for u in sorted(found) if u.startswith("team-"))
    return resource, team


def test_plan_creates_the_project_with_its_links_and_audit_entry(client):
    resource, team = choose(client)
    before_counts, before = counts(client), candidates(client)
    given = {"name": "示例计划行动项目", "nameEn": "Illustrative Planned Action Project", "demands": [DEMAND],
             "resources": [resource], "serviceTeams": [team], "town": "town-shiwan", "startsOn": "2015-12-01",
             "endsOn": "2015-12-20"}
    body = post(client, PLAN, {"i": given}, actor="planner-illustrative")
    assert "errors" not in body, body
    project = body["data"]["planActionProject"]
    assert project["uid"].startswith("action-project-") and project["status"] == "PLANNED"
    assert (project["name"], project["startsOn"], project["endsOn"], project["source"]) == \
        ("示例计划行动项目", "2015-12-01", "2015-12-20", "IMPORTED")
    assert project["town"] == {"uid": "town-shiwan"} and project["demands"] == [{"uid": DEMAND}]
    assert project["resources"] == [{"uid": resource}] and project["serviceTeams"] == [{"uid": team}]
    assert counts(client) == (before_counts[0] + 1, before_counts[1] + 1)
    (entry,) = post(client, AUDIT, {"u": project["uid"]})["data"]["auditEntries"]["nodes"]
    assert (entry["action"], entry["targetType"], entry["actor"]) == ("create", "ActionProject", "planner-illustrative")
    changes = json.loads(entry["changes"])
    assert changes["links"] == {"demands": [DEMAND], "resources": [resource], "serviceTeams": [team],
                                "town": ["town-shiwan"]}
    # The new open project counts against what it uses.
    after = candidates(client)
    for uid in (resource, team):
        assert after[uid]["openProjects"] == before[uid]["openProjects"] + 1
        assert after[uid]["capacityLeft"] == max(before[uid]["capacityLeft"] - 1, 0)


def test_status_and_optional_fields(client):
    resource, _ = choose(client)
    given = {"name": "示例进行中项目", "demands": [DEMAND], "resources": [resource], "town": "town-shiwan",
             "status": "ACTIVE"}
    project = post(client, PLAN, {"i": given})["data"]["planActionProject"]
    assert project["status"] == "ACTIVE" and project["serviceTeams"] == [] and project["startsOn"] is None


@pytest.mark.parametrize("change, code, field", [
    ({"demands": ["demand-none"]}, "NOT_FOUND", "input.demands"),
    ({"resources": ["resource-none"]}, "NOT_FOUND", "input.resources"),
    ({"serviceTeams": ["team-none"]}, "NOT_FOUND", "input.serviceTeams"),
    ({"town": "town-none"}, "NOT_FOUND", "input.town"),
    ({"demands": ["resource-shiwan-001"]}, "NOT_FOUND", "input.demands"),  # a uid of another type
    ({"demands": []}, "BAD_USER_INPUT", "input.demands"),
    ({"resources": [], "serviceTeams": []}, "BAD_USER_INPUT", "input.resources"),
    ({"startsOn": "2015-13-01"}, "BAD_USER_INPUT", "input.startsOn"),
    ({"startsOn": "2015-12-20", "endsOn": "2015-12-01"}, "BAD_USER_INPUT", "input.endsOn"),
    ({"name": ""}, "BAD_USER_INPUT", "input.name"),
])
def test_bad_input_names_the_field_and_writes_nothing(client, change, code, field):
    resource, team = choose(client)
    given = {"name": "示例错误项目", "demands": [DEMAND], "resources": [resource], "serviceTeams": [team],
             "town": "town-shiwan", **change}
    before = counts(client)
    body = post(client, PLAN, {"i": given})
    (error,) = body["errors"]
    assert error["extensions"]["code"] == code, error
    assert error["extensions"]["field"] == field, error
    assert counts(client) == before
