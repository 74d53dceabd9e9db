"""Translation tests without a database, in the style of @neo4j/graphql's TCK: each `*.md` file
beside this one holds cases, a GraphQL request in and, for each dialect, the exact Cypher and
parameters out.

A case is a `## title` followed by a ```graphql block, then per dialect a `### FalkorDB` or
`### Neo4j` heading with a ```cypher block and a ```json block of parameters (the statements of
one request are separated by a `// next statement` line). The request runs through the real
schema, planner and dialect; the backend is a stand-in that renders each plan it is given,
records it, and answers no rows.

`TCK_UPDATE=1 pytest tests/tck` rewrites the expected blocks from what the code renders now:
read the diff before committing it.
"""
from __future__ import annotations

import asyncio
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from graph.dialects.base import Dialect
from graph.dialects.falkordb import FalkorDialect
from graph.dialects.neo4j import Neo4jDialect
from graph.plan import CompiledQuery
from graph.write_plan import Audited, CreateNode, DeleteNode, Precheck
from resolvers import writes as resolver_writes
from schema.schema import build_schema

HERE = Path(__file__).parent
DIALECTS: dict[str, Dialect] = {"FalkorDB": FalkorDialect(), "Neo4j": Neo4jDialect()}
NEXT = "// next statement"
CASE = re.compile(r"^## (?P<title>.+?)\n(?P<body>.*?)(?=^## |\Z)", re.S | re.M)
BLOCK = re.compile(r"```(?P<kind>\w+)\n(?P<text>.*?)\n```", re.S)


class RecordingBackend:
    """A backend that renders and records each plan, and answers no rows, except what a
    mutation needs to go on: a precheck that finds the node (with a name, nameEn and isPilot to
    change or remove), every link target and nothing in the way,
    and a write that returns the node's uid (so mutation cases select `uid` only; a delete, no
    relationships)."""

    name = "tck"
    fulltext_search = True

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self.statements: list[CompiledQuery] = []

    async def read(self, plan: Any) -> list[dict[str, Any]]:
        self.statements.append(self.dialect.render(plan))
        if isinstance(plan, Precheck):
            stored = {"uid": plan.uid, "name": "旧名", "nameEn": "Old name", "isPilot": True}
            row: dict[str, Any] = {"owners": [], "current": [stored] if plan.exclude_self else []}
            for i, link in enumerate(plan.links):
                row |= {f"found{i}": list(link.uids), f"linked{i}": [], f"taken{i}": []}
            if plan.relationships:
                row |= {"outgoing": [["OUT", "IN_TOWN", "Town", "town-zumiao"]], "incoming": []}
            return [row]
        if isinstance(plan, Audited):
            change = plan.change
            if isinstance(change, DeleteNode):
                return [{"relationships": 0}]
            return [{"node": [change.props["uid"] if isinstance(change, CreateNode) else change.uid]}]
        return []

    write = read


class Request:
    """The HTTP request a mutation reads its actor from."""

    class Headers(dict):
        def getlist(self, name: str) -> list[str]:
            return [self[name]] if name in self else []

    headers = Headers({"x-actor": "tck"})


@pytest.fixture(autouse=True)
def fixed_audit(monkeypatch):
    """Audit entries with a fixed uid and time, so that a mutation's statement is the same each run."""
    monkeypatch.setattr(resolver_writes, "_audit_uid", lambda: "audit-tck")
    monkeypatch.setattr(resolver_writes, "utc_now", lambda: ("2026-01-01T00:00:00Z", "2026-01-01"))


SCHEMA = build_schema()


def translate(request: str, dialect: Dialect) -> list[CompiledQuery]:
    backend = RecordingBackend(dialect)
    context = {"backend": backend, "query_log": None, "request": Request()}
    result = asyncio.run(SCHEMA.execute(request, context_value=context))
    assert not result.errors, result.errors
    return backend.statements


def cases(path: Path) -> list[tuple[str, str, dict[str, tuple[str, str]]]]:
    """(title, graphql, {dialect: (cypher, params json)}) for each case of a file."""
    found = []
    for match in CASE.finditer(path.read_text(encoding="utf-8")):
        body = match["body"]
        request = BLOCK.search(body)["text"]
        expected = {}
        for name in DIALECTS:
            section = re.search(rf"^### {name}\n(.*?)(?=^### |\Z)", body, re.S | re.M)
            blocks = {b["kind"]: b["text"] for b in BLOCK.finditer(section[1])} if section else {}
            expected[name] = (blocks.get("cypher", ""), blocks.get("json", ""))
        found.append((match["title"].strip(), request, expected))
    return found


def rendered(request: str, dialect: Dialect) -> tuple[str, str]:
    statements = translate(request, dialect)
    cypher = f"\n{NEXT}\n".join(s.text for s in statements)
    params = json.dumps([s.params for s in statements] if len(statements) != 1 else statements[0].params,
                        ensure_ascii=False, indent=2, sort_keys=True)
    return cypher, params


def write_file(path: Path) -> None:
    """Rewrite a file's expected blocks from the code (TCK_UPDATE=1)."""
    text = path.read_text(encoding="utf-8")
    header = text[: CASE.search(text).start()] if CASE.search(text) else text
    parts = [header.rstrip() + "\n"]
    for title, request, _ in cases(path):
        parts.append(f"\n## {title}\n\n```graphql\n{request}\n```\n")
        for name, dialect in DIALECTS.items():
            cypher, params = rendered(request, dialect)
            parts.append(f"\n### {name}\n\n```cypher\n{cypher}\n```\n\n```json\n{params}\n```\n")
    path.write_text("".join(parts), encoding="utf-8")


FILES = sorted(HERE.glob("*.md"))
if os.environ.get("TCK_UPDATE") == "1":
    with pytest.MonkeyPatch.context() as _patch:
        fixed_audit.__wrapped__(_patch)
        for _file in FILES:
            write_file(_file)

CASES = [(path.stem, title, request, expected) for path in FILES for title, request, expected in cases(path)]


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
@pytest.mark.parametrize(("file", "title", "request_text", "expected"), CASES,
                         ids=[f"{c[0]}: {c[1]}" for c in CASES])
def test_translation(file, title, request_text, expected, dialect):
    cypher, params = rendered(request_text, DIALECTS[dialect])
    assert (cypher, params) == expected[dialect], f"{file}.md, {title!r}, {dialect}: run TCK_UPDATE=1 and read the diff"


def test_every_file_has_cases():
    assert FILES and all(cases(path) for path in FILES)
