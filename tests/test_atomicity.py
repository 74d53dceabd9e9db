"""Writes are all or nothing, even when a statement fails after it has begun writing,
and an acknowledged write survives kill -9 of the database server."""
from __future__ import annotations

import os
import signal

import httpx
import pytest

from graph.embedded import EmbeddedFalkorDB
from graph.model import TYPES
from graph.plan import CompiledQuery
from graph.write_plan import Audit, CreateNode, LinkChange, UpdateNode
from graph.cypher.writes import compile_create, compile_update
from tests.conftest import GRAPH_COUNTS, scratch_graph, start_serve

ZONE = TYPES["Zone"]
COUNTS = GRAPH_COUNTS


@pytest.fixture
async def scratch(engine):
    async with scratch_graph(engine, "atomicity_test") as backend:
        yield backend


def _failing_audit() -> Audit:
    # A map is not a valid property value: SET audit += … fails AFTER the node and its
    # relationships were created in the same statement.
    return Audit("tester", "2026-01-01T00:00:00Z", "create", "Zone", "test-atomic-zone", {"not": "allowed"})


async def test_a_create_that_fails_midway_writes_nothing(scratch):
    before = await scratch.read(COUNTS)
    links = (
        LinkChange(ZONE.rel("town"), TYPES["Town"], ("town-zumiao",)),
        LinkChange(ZONE.rel("externalOrganisations"), TYPES["Organisation"], ("org-chancheng-district-committee",)),
    )
    plan = CreateNode(ZONE, {"uid": "test-atomic-zone", "name": "示例原子性片区", "isDemonstration": False,
                             "source": "IMPORTED"}, links, _failing_audit())
    with pytest.raises(Exception):
        await scratch.write(compile_create(plan, "audit-test-atomic"))
    assert await scratch.read(CompiledQuery("MATCH (z:Zone {uid: 'test-atomic-zone'}) RETURN z.uid AS uid")) == []
    assert await scratch.read(COUNTS) == before


async def test_an_update_that_fails_midway_writes_nothing(scratch):
    peide = "MATCH (z:Zone {uid: 'zone-zumiao-peide'}) RETURN z.nameEn AS nameEn, size([(z)-[:IN_TOWN]->() | 1]) AS towns"
    before_zone = await scratch.read(CompiledQuery(peide))
    before = await scratch.read(COUNTS)
    plan = UpdateNode(ZONE, "zone-zumiao-peide", {"nameEn": "Changed"}, _failing_audit(),
                      connect=(LinkChange(ZONE.rel("town"), TYPES["Town"], ("town-shiwan",)),))
    with pytest.raises(Exception):
        await scratch.write(compile_update(plan, "audit-test-atomic-2"))
    assert await scratch.read(CompiledQuery(peide)) == before_zone
    assert await scratch.read(COUNTS) == before


def test_an_acknowledged_write_survives_kill_9_of_the_database(tmp_path):
    serve, url = start_serve(tmp_path)
    try:
        created = httpx.post(url + "/graphql", json={"query": 'mutation { createTown(input: {uid: "test-durable-town",'
                                                              ' name: "示例耐久镇", kind: TOWN}) { uid } }'}).json()
        assert created["data"]["createTown"]["uid"] == "test-durable-town"  # acknowledged
        database_pid = int((tmp_path / "falkordb.pid").read_text())
        os.kill(database_pid, signal.SIGKILL)
    finally:
        serve.kill()
        serve.wait(30)

    server = EmbeddedFalkorDB(tmp_path)
    server.start()  # also proves the stale pid file and socket are handled
    try:
        import redis

        client = redis.Redis(unix_socket_path=str(server.socket_path))
        result = client.execute_command("GRAPH.RO_QUERY", "dangjian",
                                        "MATCH (t:Town {uid: 'test-durable-town'}) RETURN t.name")
        assert [[cell.decode() for cell in row] for row in result[1]] == [["示例耐久镇"]]
        client.close()
    finally:
        server.stop()
