"""Helpers for the undo tests: run GraphQL in-process against a scratch graph, and read the whole
graph independently of the code under test (every node's properties and every relationship,
audit entries aside) to compare states."""
from __future__ import annotations

import json

from graph.grants import OPEN
from graph.plan import CompiledQuery
from resolvers.ids import to_global_id
from schema.schema import build_schema

SCHEMA = build_schema()

NODES = CompiledQuery("MATCH (n) WHERE NOT n:AuditEntry AND NOT n:ImportUndo "
                      "RETURN labels(n)[0] AS label, n {.*} AS props")
LINKS = CompiledQuery("MATCH (a)-[r]->(b) RETURN labels(a)[0] AS a, a.uid AS au, type(r) AS t, "
                      "labels(b)[0] AS b, b.uid AS bu")


async def state(backend) -> tuple[frozenset, frozenset]:
    """Every node (label and properties) and every relationship, audit trail aside."""
    nodes = frozenset((row["label"], json.dumps(row["props"], sort_keys=True, ensure_ascii=False))
                      for row in await backend.read(NODES))
    links = frozenset(tuple(row.values()) for row in await backend.read(LINKS))
    return nodes, links


def difference(before: tuple, after: tuple) -> dict:
    return {"nodes gone": sorted(before[0] - after[0])[:5], "nodes new": sorted(after[0] - before[0])[:5],
            "links gone": sorted(before[1] - after[1])[:5], "links new": sorted(after[1] - before[1])[:5]}


async def execute(backend, query: str, variables: dict | None = None, grant=OPEN, **context):
    return await SCHEMA.execute(query, variable_values=variables,
                                context_value={"backend": backend, "grant": grant, **context})


async def ok(backend, query: str, variables: dict | None = None, **context) -> dict:
    result = await execute(backend, query, variables, **context)
    assert result.errors is None, result.errors
    return result.data


async def refused(backend, query: str, variables: dict | None = None, **context) -> dict:
    """The one error's extensions and message (as `extensions["message"]`)."""
    result = await execute(backend, query, variables, **context)
    assert result.errors and len(result.errors) == 1, result
    return {**result.errors[0].extensions, "message": result.errors[0].message}


ENTRIES = CompiledQuery("MATCH (a:AuditEntry) RETURN a {.*} AS a")


async def entries(backend) -> dict[str, dict]:
    """Every audit entry, by uid."""
    return {row["a"]["uid"]: row["a"] for row in await backend.read(ENTRIES)}


class Recorder:
    """The entries each write adds: `await recorder.write(query, variables)` runs a mutation and
    returns the one audit entry it wrote."""

    def __init__(self, backend) -> None:
        self.backend = backend

    async def write(self, query: str, variables: dict | None = None) -> dict:
        before = await entries(self.backend)
        await ok(self.backend, query, variables)
        new = [e for uid, e in (await entries(self.backend)).items() if uid not in before]
        assert len(new) == 1, new
        return new[0]


UNDO = """mutation($id: ID!) { undoAuditEntry(id: $id) {
  action targetType targetUid nodesCreated nodesDeleted nodesRestored relationshipsCreated relationshipsDeleted
  entry { id uid action undoes actor changes targetUid } undone { uid action }
  node { id ... on Zone { name } } } }"""


async def undo(backend, entry_uid: str, by_uid: bool = False) -> dict:
    given = entry_uid if by_uid else to_global_id("AuditEntry", entry_uid)
    return (await ok(backend, UNDO, {"id": given}))["undoAuditEntry"]


async def undo_refused(backend, entry_uid: str, **context) -> dict:
    return await refused(backend, UNDO, {"id": to_global_id("AuditEntry", entry_uid)}, **context)
