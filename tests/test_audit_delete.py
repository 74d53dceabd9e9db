"""A delete's audit entry keeps what an undo needs: the node's properties and every relationship
it had (type, direction, the other end's label and uid), and the delete refuses, writing nothing,
when either changed between the precheck read and the statement."""
from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from graphql import GraphQLError

from graph.model import TYPES
from graph.plan import CompiledQuery
from graph.write_plan import Precheck
from resolvers.writes import delete_node
from schema.schema import build_schema
from tests.conftest import GRAPH_COUNTS, scratch_graph

GRAPH = "audit_delete_test"
SCHEMA = build_schema()

# An independent read of a node's neighbourhood: not the code under test's statements.
NEIGHBOURHOOD = CompiledQuery(
    "MATCH (n {uid: $uid}) "
    "OPTIONAL MATCH (n)-[r]->(o) WITH n, collect(['OUT', type(r), labels(o)[0], o.uid]) AS outs "
    "OPTIONAL MATCH (n)<-[r2]-(i) RETURN n {.*} AS node, outs, collect(['IN', type(r2), labels(i)[0], i.uid]) AS ins")


async def neighbourhood(backend, uid: str) -> tuple[dict | None, list[tuple]]:
    rows = await backend.read(CompiledQuery(NEIGHBOURHOOD.text, {"uid": uid}))
    if not rows or rows[0]["node"] is None:
        return None, []
    found = [tuple(x) for x in rows[0]["outs"] + rows[0]["ins"] if x[1] is not None]
    return rows[0]["node"], sorted(found)


async def execute(backend, query: str, variables: dict | None = None):
    return await SCHEMA.execute(query, variable_values=variables, context_value={"backend": backend})


async def entry_of(backend, uid: str, action: str = "delete") -> dict:
    rows = await backend.read(CompiledQuery(
        "MATCH (a:AuditEntry) WHERE a.targetUid = $uid AND a.action = $action RETURN a {.*} AS a",
        {"uid": uid, "action": action}))
    assert len(rows) == 1, rows
    return rows[0]["a"]


@pytest.fixture
async def graph(engine):
    async with scratch_graph(engine, GRAPH) as backend:
        yield backend


@pytest.mark.parametrize("type_name, uid", [("Zone", "zone-zumiao-peide"), ("Town", "town-zumiao"),
                                            ("Organisation", "org-zumiao-peide-hospital")])
async def test_the_entry_keeps_every_property_and_relationship(graph, type_name, uid):
    node, relationships = await neighbourhood(graph, uid)
    assert node is not None and relationships
    result = await execute(graph, "mutation($u: String!) { delete%s(uid: $u) { relationshipsDeleted } }" % type_name,
                           {"u": uid})
    assert result.errors is None, result.errors
    assert result.data[f"delete{type_name}"]["relationshipsDeleted"] == len(relationships)
    changes = json.loads((await entry_of(graph, uid))["changes"])
    assert changes["before"] == node
    assert sorted((r["direction"], r["type"], r["label"], r["uid"]) for r in changes["relationships"]) == relationships
    assert (await neighbourhood(graph, uid))[0] is None


async def test_deleting_zumiao_records_its_hundreds_of_relationships(graph):
    _, relationships = await neighbourhood(graph, "town-zumiao")
    assert len(relationships) > 300  # 354 in the seed: the case that kept only properties
    result = await execute(graph, 'mutation { deleteTown(uid: "town-zumiao") { relationshipsDeleted } }')
    assert result.errors is None and result.data["deleteTown"]["relationshipsDeleted"] == len(relationships)
    recorded = json.loads((await entry_of(graph, "town-zumiao"))["changes"])["relationships"]
    assert len(recorded) == len(relationships) == len({json.dumps(r, sort_keys=True) for r in recorded})


class ChangesAfterPrecheck:
    """The real backend, but right after the delete's precheck read another writer changes the node."""

    def __init__(self, backend, change: CompiledQuery) -> None:
        self.backend, self.change = backend, change

    def __getattr__(self, name):
        return getattr(self.backend, name)

    async def read(self, plan):
        rows = await self.backend.read(plan)
        if isinstance(plan, Precheck):
            await self.backend.write(self.change)
        return rows


RACES = {
    "a relationship added": "MATCH (z:Zone {uid: 'zone-zumiao-peide'}), (p:Programme {uid: $p}) CREATE (p)-[:IN_ZONE]->(z)",
    "a relationship removed": "MATCH (:Zone {uid: 'zone-zumiao-peide'})-[r:IN_TOWN]->() DELETE r",
    "a relationship moved": "MATCH (z:Zone {uid: 'zone-zumiao-peide'})-[r:IN_TOWN]->() DELETE r "
                            "WITH z MATCH (t:Town {uid: 'town-shiwan'}) CREATE (z)-[:IN_TOWN]->(t)",
    "a property changed": "MATCH (z:Zone {uid: 'zone-zumiao-peide'}) SET z.name = 'changed meanwhile'",
    "a property added": "MATCH (z:Zone {uid: 'zone-zumiao-peide'}) SET z.description = 'added meanwhile'",
}


@pytest.mark.parametrize("race", sorted(RACES))
async def test_a_change_between_precheck_and_delete_refuses_and_writes_nothing(graph, race):
    [programme] = await graph.read(CompiledQuery("MATCH (p:Programme) WHERE NOT (p)-[:IN_ZONE]->(:Zone {uid: 'zone-zumiao-peide'}) "
                                                 "RETURN p.uid AS uid LIMIT 1"))
    racing = ChangesAfterPrecheck(graph, CompiledQuery(RACES[race], {"p": programme["uid"]}))
    info = SimpleNamespace(context={"backend": racing})
    with pytest.raises(GraphQLError) as refused:
        await delete_node(info, TYPES["Zone"], "zone-zumiao-peide")
    assert refused.value.extensions["code"] == "CONFLICT"
    counts = await graph.read(GRAPH_COUNTS)
    node, _ = await neighbourhood(graph, "zone-zumiao-peide")
    assert node is not None, "the zone was deleted"
    audit = await graph.read(CompiledQuery("MATCH (a:AuditEntry) RETURN count(a) AS n"))
    assert audit == [{"n": 0}]
    # Without the race the same delete goes through, and records the relationships as they are now.
    _, now = await neighbourhood(graph, "zone-zumiao-peide")
    done = await delete_node(SimpleNamespace(context={"backend": graph}), TYPES["Zone"], "zone-zumiao-peide")
    assert done["relationshipsDeleted"] == len(now)
    assert (await graph.read(GRAPH_COUNTS))[0]["nodes"] == counts[0]["nodes"]  # one zone less, one entry more
