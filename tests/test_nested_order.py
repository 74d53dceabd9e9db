"""One default order everywhere: a list without `sort`, at the root or nested, comes in
ascending uid order, whichever way the planner fetches it (batched for the whole page, or per
node with its own filter or limit). Compared with the seed files."""
from __future__ import annotations

import pytest

from graph.model import WRITABLE_TYPES
from tests.test_filter_semantics import LINKS, SEED

LISTS = [(t, r) for t in WRITABLE_TYPES for r in t.rels if r.many]


@pytest.mark.parametrize("node_type,rel", LISTS, ids=[f"{t.name}.{r.name}" for t, r in LISTS])
@pytest.mark.parametrize("arguments", ["", "(first: 400)", "(where: { uid: { isNull: false } })"])
def test_nested_lists_come_in_ascending_uid_order(data, node_type, rel, arguments):
    answer = data(f"{{ r: {node_type.plural}(first: 1000) {{ nodes {{ uid l: {rel.name}{arguments} {{ uid }} }} }} }}")
    nodes = answer["r"]["nodes"]
    assert [n["uid"] for n in nodes] == sorted(n["uid"] for n in SEED.nodes.get(node_type.name, []))
    for node in nodes:
        assert [x["uid"] for x in node["l"]] == sorted(LINKS[node_type.name, rel.name].get(node["uid"], []))
