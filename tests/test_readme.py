"""The README's example queries run without errors and return something."""
from __future__ import annotations

import re

from tests.conftest import REPO


def readme_queries() -> list[str]:
    text = (REPO / "README.md").read_text()
    blocks = re.findall(r"```graphql\n(.*?)```", text, re.S)
    return [q.strip() for block in blocks for q in re.split(r"\n(?=#)", block) if "{" in q]


def test_readme_examples_run(data):
    queries = readme_queries()
    assert len(queries) >= 4
    for query in queries:
        result = data(query)
        root = next(iter(result.values()))
        assert root["nodes"], query
