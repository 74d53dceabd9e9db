"""Writes that race over the real HTTP endpoint: one wins, the others get a coded conflict and
write nothing. FalkorDB runs one write at a time; Neo4j needs the write locks the statements take
before their guards (graph/cypher/writes.py), which these tests fail without."""
from __future__ import annotations

import threading

import httpx

# Shared helpers, and the fixtures that put the shared graph back as it was (imported so they apply here too).
from tests.test_mutations import (PREFIX, TAKEN, audit_count, audit_of, forget_audit_entries,  # noqa: F401
                                  graph_left_as_found, made, mutate, node)



def test_concurrent_double_create_of_one_uid(server, gql, made):
    uid, attempts = "test-mut-race", 8
    made.append(("Organisation", uid))
    audits = audit_count(gql)
    barrier, bodies = threading.Barrier(attempts), []
    query = 'mutation { createOrganisation(input: { uid: "%s", name: "竞争", kind: SOCIAL }) { uid } }' % uid

    def attempt() -> None:
        with httpx.Client(base_url=server, timeout=30) as client:
            barrier.wait()
            bodies.append(client.post("/graphql", json={"query": query}).json())

    threads = [threading.Thread(target=attempt) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(bodies) == attempts
    winners = [b for b in bodies if not b.get("errors")]
    assert [w["data"] for w in winners] == [{"createOrganisation": {"uid": uid}}]
    for body in bodies:  # a loser may have passed the precheck and been stopped by the statement's guard
        if body.get("errors"):
            [error] = body["errors"]
            assert error["extensions"] == {"code": TAKEN, "field": "input.uid", "messageEn": error["message"]}, error
    assert node(gql, "organisations", uid, "uid") == {"uid": uid}  # exactly one
    assert audit_count(gql) == audits + 1 and len(audit_of(gql, uid)) == 1


def test_concurrent_connects_to_a_single_valued_side_let_one_win(server, gql, made):
    """Six organisations claim the lead of one zone at once (a zone has one lead): one wins. On
    Neo4j this needs the targets' write locks before the check (graph/writes.py)."""
    zone, orgs = f"{PREFIX}race-zone", [f"{PREFIX}race-org-{i}" for i in range(6)]
    made.append(("Zone", zone))
    mutate(gql, 'createZone(input: { uid: "%s", name: "测试片区", isDemonstration: false }) { uid }' % zone)
    for org in orgs:
        made.append(("Organisation", org))
        mutate(gql, 'createOrganisation(input: { uid: "%s", name: "测试党组织", kind: SOCIAL }) { uid }' % org)
    barrier, bodies = threading.Barrier(len(orgs)), []
    query = 'mutation($o: String!) { connectOrganisation(uid: $o, relationship: leads, targets: ["%s"]) { uid } }' % zone

    def attempt(org: str) -> None:
        with httpx.Client(base_url=server, timeout=30) as client:
            barrier.wait()
            bodies.append(client.post("/graphql", json={"query": query, "variables": {"o": org}}).json())

    threads = [threading.Thread(target=attempt, args=(org,)) for org in orgs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    winners = [b for b in bodies if not b.get("errors")]
    assert len(bodies) == len(orgs) and len(winners) == 1, bodies
    assert all(b["errors"][0]["extensions"]["code"] == TAKEN for b in bodies if b.get("errors")), bodies
    lead = node(gql, "zones", zone, "lead { uid }")["lead"]
    assert lead == {"uid": winners[0]["data"]["connectOrganisation"]["uid"]}
