"""List-valued properties (Prop.many: a resource's or service team's `categories`) through every
layer: the GraphQL type [T!], the includes/includesAny/includesAll/isNull operators against an
independent Python reading (Hypothesis), validation that writes nothing, and the CSV round trip
(`TRANSPORT|HEALTH`) of import and export."""
from __future__ import annotations

import httpx
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from graph.model import ENUMS, TYPES
from graph.plan import CompiledQuery
from seed.cells import parse_cell
from seed.exporter import export_graph
from seed.importer import Importer
from tests.conftest import scratch_graph, served_scratch_graph

CATEGORIES = ENUMS["DemandCategory"]
PROP = TYPES["Resource"].prop("categories")
CREATE = ("mutation($i: ResourceCreateInput!) { createResource(input: $i) { uid categories } }")


def made_up(i: int) -> list[str]:
    """Resource i's categories: a stable, varied subset (some share all, some none)."""
    return [c for k, c in enumerate(CATEGORIES) if (i >> (k % 5)) & 1 and (i + k) % 3]


RESOURCES = {f"test-list-{i:02d}": made_up(i) for i in range(1, 32) if made_up(i)}


@pytest.fixture(scope="module")
def api(engine, data_dir):
    """A served scratch graph holding the seed and RESOURCES; posts GraphQL, returns the body."""
    import asyncio

    manager = served_scratch_graph(engine, data_dir, "list_props_test")
    loop = asyncio.new_event_loop()
    url = loop.run_until_complete(manager.__aenter__())
    client = httpx.Client(base_url=url, timeout=30)

    def post(query: str, variables: dict | None = None) -> dict:
        return client.post("/graphql", json={"query": query, "variables": variables or {}},
                           headers={"X-Actor": "list-test"}).json()

    for uid, categories in RESOURCES.items():
        body = post(CREATE, {"i": {"uid": uid, "name": f"示例资源{uid[-2:]}", "kind": "VENUE",
                                   "categories": categories, "coverage": "DISTRICT", "capacity": 2}})
        assert not body.get("errors"), body
        assert body["data"]["createResource"]["categories"] == categories  # read back, order kept
    yield post
    client.close()
    loop.run_until_complete(manager.__aexit__(None, None, None))
    loop.close()


def evaluate(categories: list[str] | None, where: dict) -> bool:
    """The operators as docs/filters.md states them, over a Python list."""
    for key, value in where.items():
        if key == "NOT":
            ok = not evaluate(categories, value)
        elif key == "OR":
            ok = any(evaluate(categories, w) for w in value)
        else:
            ok = all(_test(categories, op, operand) for op, operand in value.items())
        if not ok:
            return False
    return True


def _test(categories: list[str] | None, op: str, operand) -> bool:
    if op == "isNull":
        return (categories is None) == operand
    if categories is None:
        return False
    return {"includes": lambda: operand in categories,
            "includesAny": lambda: any(c in categories for c in operand),
            "includesAll": lambda: all(c in categories for c in operand)}[op]()


def matched(api, where: dict) -> set[str]:
    body = api("query($w: ResourceWhere) { resources(where: $w, first: 1000) { totalCount nodes { uid } } }",
               {"w": {"AND": [{"uid": {"startsWith": "test-list-"}}, where]}})
    assert not body.get("errors"), (where, body["errors"])
    uids = {n["uid"] for n in body["data"]["resources"]["nodes"]}
    assert body["data"]["resources"]["totalCount"] == len(uids)
    return uids


def expected(where: dict) -> set[str]:
    return {uid for uid, categories in RESOURCES.items() if evaluate(categories, where)}


subsets = st.lists(st.sampled_from(CATEGORIES), max_size=4, unique=True)
tests = st.one_of(
    st.builds(lambda c: {"categories": {"includes": c}}, st.sampled_from(CATEGORIES)),
    st.builds(lambda cs: {"categories": {"includesAny": cs}}, subsets),
    st.builds(lambda cs: {"categories": {"includesAll": cs}}, subsets),
    st.builds(lambda b: {"categories": {"isNull": b}}, st.booleans()),
)
filters = st.recursive(tests, lambda inner: st.one_of(
    st.builds(lambda w: {"NOT": w}, inner), st.builds(lambda ws: {"OR": ws}, st.lists(inner, max_size=3))),
    max_leaves=4)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(where=filters)
def test_list_operators_agree_with_python(api, where):
    assert matched(api, where) == expected(where)


def test_the_edge_cases_of_empty_operands(api):
    assert matched(api, {"categories": {"includesAny": []}}) == set()
    assert matched(api, {"categories": {"includesAll": []}}) == set(RESOURCES)
    assert matched(api, {"NOT": {"categories": {"includesAny": []}}}) == set(RESOURCES)


def test_a_list_field_cannot_be_sorted(api):
    body = api("{ resources(sort: [{categories: ASC}]) { totalCount } }")
    assert body["errors"] and "categories" in body["errors"][0]["message"]


@pytest.mark.parametrize("categories, reason", [
    ([], "at least one"), (["HEALTH", "HEALTH"], "twice"), (None, "non-null"), (["HEALTH", "SPORTS"], "SPORTS"),
])
def test_bad_lists_are_refused_and_write_nothing(api, categories, reason):
    body = api(CREATE, {"i": {"uid": "test-list-bad", "name": "示例坏资源", "kind": "VENUE",
                              "categories": categories, "coverage": "DISTRICT", "capacity": 1}})
    errors = body.get("errors") or []
    assert len(errors) == 1 and reason in errors[0]["message"], body
    # graphql-core refuses a null or unknown value in the variable itself; the rules, the rest.
    assert errors[0]["extensions"]["field"] in ("$i", "input.categories"), errors[0]
    assert matched(api, {"uid": {"eq": "test-list-bad"}}) == set()


def test_an_update_replaces_the_list(api):
    uid = next(iter(RESOURCES))
    body = api("mutation($u: String!, $i: ResourceUpdateInput!) { updateResource(uid: $u, input: $i) "
               "{ categories } }", {"u": uid, "i": {"categories": ["OTHER", "HEALTH"]}})
    assert body["data"]["updateResource"]["categories"] == ["OTHER", "HEALTH"], body
    api("mutation($u: String!, $i: ResourceUpdateInput!) { updateResource(uid: $u, input: $i) { uid } }",
        {"u": uid, "i": {"categories": RESOURCES[uid]}})


def test_a_csv_cell_holds_the_items_separated_by_bars():
    assert parse_cell(PROP, "TRANSPORT|HEALTH") == (["TRANSPORT", "HEALTH"], None)
    assert parse_cell(PROP, " TRANSPORT | HEALTH ") == (["TRANSPORT", "HEALTH"], None)


async def test_export_then_import_keeps_the_lists(engine, tmp_path):
    async with scratch_graph(engine, "list_props_csv", seeded=False) as backend:
        (tmp_path / "in").mkdir()
        header = "uid,name,source,kind,categories,coverage,capacity\n"
        bad = tmp_path / "Resource.csv"
        bad.write_text(header + "test-list-csv-3,示例资源丙,ILLUSTRATIVE,VENUE,OTHER|NOPE,DISTRICT,1\n")
        report = await Importer(backend, "tester").run([bad], dry_run=True)
        assert len(report.problems) == 1 and "item 1" in str(report.problems[0]), report.problems
        (tmp_path / "in" / "Resource.csv").write_text(
            header + "test-list-csv-1,示例资源甲,ILLUSTRATIVE,FUNDS,TRANSPORT|HEALTH,DISTRICT,3\n"
            "test-list-csv-2,示例资源乙,ILLUSTRATIVE,VENUE,OTHER,DISTRICT,1\n", encoding="utf-8")
        report = await Importer(backend, "tester").run([tmp_path / "in" / "Resource.csv"], dry_run=False)
        assert report.problems == []
        rows = await backend.read(CompiledQuery("MATCH (r:Resource) RETURN r.uid AS uid, r.categories AS c "
                                                "ORDER BY uid"))
        assert rows == [{"uid": "test-list-csv-1", "c": ["TRANSPORT", "HEALTH"]},
                        {"uid": "test-list-csv-2", "c": ["OTHER"]}]
        await export_graph(backend, tmp_path / "out", "csv")
        text = (tmp_path / "out" / "Resource.csv").read_text(encoding="utf-8-sig")
        assert "TRANSPORT|HEALTH" in text
