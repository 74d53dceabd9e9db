"""Example queries shown as GraphiQL tabs: the API contract's queries, kept in web/examples/."""
from __future__ import annotations

from pathlib import Path

EXAMPLES_DIR = Path(__file__).parent / "examples"


def example_tabs() -> list[dict[str, str]]:
    return [{"query": path.read_text()} for path in sorted(EXAMPLES_DIR.glob("*.graphql"))]
