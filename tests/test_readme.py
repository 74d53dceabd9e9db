"""The README's example queries and mutations run as written."""
from __future__ import annotations

import re

from schema.schema import build_schema
from tests.conftest import REPO, scratch_graph


def readme_examples() -> list[str]:
    text = (REPO / "README.md").read_text()
    blocks = re.findall(r"```graphql\n(.*?)```", text, re.S)
    examples = []
    for block in blocks:
        for chunk in re.split(r"\n(?=#|mutation)", block):
            lines = [line for line in chunk.splitlines() if not line.startswith("#")]
            if "{" in "".join(lines):
                examples.append("\n".join(lines).strip())
    return examples


def test_readme_queries_run(data):
    queries = [q for q in readme_examples() if not q.startswith("mutation")]
    assert len(queries) >= 4
    for query in queries:
        result = data(query)
        root = next(iter(result.values()))
        assert root, query
        if isinstance(root, dict) and "nodes" in root:
            assert root["nodes"], query


async def test_readme_mutations_run_in_order(falkordb_server):
    mutations = [q for q in readme_examples() if q.startswith("mutation")]
    assert len(mutations) >= 5
    async with scratch_graph(falkordb_server, "readme_test") as backend:
        schema = build_schema()
        for mutation in mutations:
            result = await schema.execute(mutation, context_value={"backend": backend})
            assert result.errors is None, (mutation, result.errors)
