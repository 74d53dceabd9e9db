"""The README's example queries and mutations run as written."""
from __future__ import annotations

import json
import re

from schema.schema import build_schema
from tests.conftest import REPO, scratch_graph


def readme_examples() -> list[str]:
    text = (REPO / "README.md").read_text()
    blocks = re.findall(r"```graphql\n(.*?)```", text, re.S)
    examples = []
    for block in blocks:
        for chunk in re.split(r"\n(?=#|mutation|query)", block):
            lines = [line for line in chunk.splitlines() if not line.startswith("#")]
            if "{" in "".join(lines):
                examples.append("\n".join(lines).strip())
    return examples


def test_readme_examples_are_one_valid_document_of_named_operations():
    """graphql-codegen and persisted-query tools take every example as one document: each
    operation needs a name of its own."""
    from graphql import parse, validate

    examples = readme_examples()
    document = parse("\n".join(examples))
    names = [d.name.value if d.name else None for d in document.definitions]
    assert None not in names and len(set(names)) == len(names) == len(examples), names
    assert validate(build_schema()._schema, document) == []


def test_graphiql_opens_with_the_contract_queries(server):
    import httpx

    from tests.conftest import CONTRACT_DIR

    page = httpx.get(server + "/graphql", headers={"accept": "text/html"}).text
    for path in sorted(CONTRACT_DIR.glob("*.graphql")):
        query = path.read_text()
        assert json.dumps(query, ensure_ascii=False)[1:-1] in page, path.name


def test_readme_queries_run(data):
    queries = [q for q in readme_examples() if not q.startswith("mutation")]
    assert len(queries) >= 4
    for query in queries:
        result = data(query)
        root = next(iter(result.values()))
        assert root, query
        if isinstance(root, dict) and "nodes" in root:
            assert root["nodes"], query


async def test_readme_mutations_run_in_order(engine):
    mutations = [q for q in readme_examples() if q.startswith("mutation")]
    assert len(mutations) >= 5
    async with scratch_graph(engine, "readme_test") as backend:
        schema = build_schema()
        for mutation in mutations:
            result = await schema.execute(mutation, context_value={"backend": backend})
            assert result.errors is None, (mutation, result.errors)


def test_the_mutations_the_readme_promises_exist():
    from graph.model import WRITABLE_TYPES

    mutation = build_schema()._schema.mutation_type.fields
    for t in WRITABLE_TYPES:
        for verb in ("update", "delete", "connect", "disconnect"):
            assert f"{verb}{t.name}" in mutation
        assert (f"create{t.name}" in mutation) == (t.name != "Demand"), t.name
    assert {"raiseDemand", "assignDemand", "resolveDemand"} <= set(mutation)
    assert "createAuditEntry" not in mutation and "deleteAuditEntry" not in mutation


def test_every_image_the_readme_shows_is_a_png_in_the_repository():
    """Issue 14: a screenshot of each page (/explore, /research), kept in docs/screenshots/."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    images = re.findall(r"!\[[^\]]+\]\(([^)]+)\)", (root / "README.md").read_text(encoding="utf-8"))
    assert {"docs/screenshots/explore.png", "docs/screenshots/research.png"} <= set(images)
    for image in images:
        assert (root / image).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", image
