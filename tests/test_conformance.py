"""Conformance: the same compiled queries give the same answers on every backend.

- FalkorDB over RESP: always (the reference).
- Neo4j: a local Neo4j server of the suite's (tests/engines.py), unless `--backend falkordb`.
  Answers must be equal field for field, lists in order.

FalkorDB's experimental Bolt endpoint is no longer compared here: it answers the driver's
auto-commit reads with nothing, and the Neo4j adapter now meets a real Neo4j. The peer benchmark
still drives it (bench/peers/), with its own answers check.
"""
from __future__ import annotations

import pytest

from schema.schema import build_schema
from tests.conftest import chosen_engines, scratch_graph
from tests.engines import FalkorTestEngine
from tests.test_contract import contract_query

QUERIES = {
    "contract-01": (contract_query("01-peide-external.graphql"), {}),
    "contract-02": (contract_query("02-nanzhuang-entrepreneur-secretaries.graphql"), {}),
    "contract-03": (contract_query("03-nanzhuang-villages.graphql"), {}),
    "contract-04": (contract_query("04-grids.graphql"), {}),
    "contract-05": (contract_query("05-zumiao-zones-paged.graphql"), {"after": None}),
    "towns": ("{ towns(sort: [{ name: DESC }]) { totalCount nodes { uid name nameEn kind householdVisitRate"
              " residentsReceived district { name } } } }", {}),
    "departments": ("{ departments(sort: [{ nameEn: ASC }]) { nodes { name nameEn } } }", {}),
    "parks-with-committees": (
        "{ parks(where: { partyCommittee: { kind: { eq: PARK } } }, sort: [{ uid: ASC }])"
        " { totalCount nodes { name town { nameEn } partyCommittee { name } } } }", {}),
    "zones-without-x": (
        "{ zones(where: { externalOrganisations: { none: {} } }, sort: [{ uid: ASC }], first: 3)"
        " { totalCount nodes { uid } } }", {}),
    "demands-or-not": (
        "{ demands(where: { OR: [{ category: { eq: TRANSPORT } }, { category: { eq: UTILITIES } }],"
        " NOT: { source: { eq: ILLUSTRATIVE } } }) { totalCount nodes { name status community { name } } } }", {}),
    "entrepreneurs-false": ("{ members(where: { isEntrepreneur: { eq: false } }, first: 3, sort: [{ uid: ASC }])"
                            " { totalCount nodes { uid isEntrepreneur } } }", {}),
    "grid-number-range": ("{ grids(where: { number: { gte: 10, lt: 13 } }) { totalCount nodes { number } } }", {}),
}


async def execute(backend, query, variables):
    schema = build_schema()
    result = await schema.execute(query, variable_values=variables, context_value={"backend": backend})
    result = await schema.execute(query, variable_values=variables, context_value={"backend": backend})
    assert result.errors is None, result.errors
    return result.data


async def answers(engine) -> dict:
    async with scratch_graph(engine, "conformance") as backend:
        return {name: await execute(backend, q, v) for name, (q, v) in QUERIES.items()}


@pytest.fixture(scope="module")
async def reference(falkordb_server, data_dir):
    """FalkorDB's answers (the default engine), on a seeded graph of their own."""
    return await answers(FalkorTestEngine(falkordb_server, data_dir))


@pytest.fixture(scope="module")
async def neo4j_answers(request):
    if "neo4j" not in chosen_engines(request.config):
        pytest.skip("Neo4j is not among the engines chosen with --backend")
    return await answers(request.getfixturevalue("neo4j_engine"))


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_neo4j_matches_falkordb_in_order(name, reference, neo4j_answers):
    assert neo4j_answers[name] == reference[name]


def test_reference_answers_are_not_empty(reference):
    assert reference["contract-03"]["communities"]["totalCount"] == 18
    assert reference["towns"]["towns"]["totalCount"] == 4
    assert reference["parks-with-committees"]["parks"]["totalCount"] == 3
    assert reference["demands-or-not"]["demands"]["totalCount"] == 2
    assert [g["number"] for g in reference["grid-number-range"]["grids"]["nodes"]] and \
        reference["grid-number-range"]["grids"]["totalCount"] == 3
