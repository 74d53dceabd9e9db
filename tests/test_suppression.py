"""Small-cell suppression (resolvers/suppression.py) on both engines: viewers and researchers
never get a count of people or demands under k, neither directly nor as the difference of two
answers; editors and admins get exact figures."""
from __future__ import annotations

import itertools

import pytest

from graph import limits
from graph.grants import Grant
from graph.model import ENUMS
from tests.authorisation import run

K = limits.SUPPRESSION_K
RESEARCHER = Grant("researcher", "r")
AREA = "members villageSecretaries entrepreneurSecretaries entrepreneurSecretaryShare suppressed"


def _released_counts(node, fields=("members", "villageSecretaries", "entrepreneurSecretaries", "membersReachable",
                                   "collected", "resolved")):
    """Every released count in an answer, wherever it sits."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in fields:
                yield key, value
            else:
                yield from _released_counts(value, fields)
    elif isinstance(node, list):
        for item in node:
            yield from _released_counts(item, fields)


QUERIES = [
    f"{{ townStatistics {{ {AREA} }} districtStatistics {{ {AREA} }} }}",
    "{ zoneComposition(first: 1000) { zones { membersReachable suppressed } } }",
    *(f"{{ demandStatistics(groupBy: {g}) {{ collected resolved resolutionRate suppressed "
      "groups { collected resolved resolutionRate suppressed } } }" for g in ("TOWN", "COMMUNITY", "CATEGORY",
                                                                              "RESOLVER", "STATUS")),
]


@pytest.mark.parametrize("role", ["viewer", "researcher"])
async def test_no_count_under_k_is_released(backend, role):
    for query in QUERIES:
        body = await run(backend, Grant(role, "x"), query)
        assert "errors" not in body, body
        counts = list(_released_counts(body["data"]))
        assert counts
        for name, value in counts:
            assert value is None or (value >= K and value % K == 0), (query, name, value)


async def test_withheld_cells_are_named_and_shares_come_from_released_counts(backend):
    exact = (await run(backend, Grant("admin", "a"), f"{{ townStatistics {{ area {{ uid }} {AREA} }} }}"))["data"]
    shown = (await run(backend, RESEARCHER, f"{{ townStatistics {{ area {{ uid }} {AREA} }} }}"))["data"]
    withheld = 0
    for full, released in zip(exact["townStatistics"], shown["townStatistics"]):
        assert full["suppressed"] == []
        for name in ("members", "villageSecretaries", "entrepreneurSecretaries"):
            if full[name] < K:
                assert released[name] is None and name in released["suppressed"]
                withheld += 1
            else:
                assert abs(released[name] - full[name]) <= K / 2 and name not in released["suppressed"]
        share = released["entrepreneurSecretaryShare"]
        if released["villageSecretaries"] and released["entrepreneurSecretaries"] is not None:
            assert share == round(released["entrepreneurSecretaries"] / released["villageSecretaries"], 4)
        else:
            assert share is None
    assert withheld, "the seed has small cells; the test must see one withheld"


async def test_differences_of_two_answers_never_reveal_a_small_count(backend):
    """Pairs of filters whose difference is a small group (a date range one day longer, one
    category more): the released totals differ by 0 or by k or more."""
    admin = Grant("admin", "a")
    days = (await run(backend, admin, "{ demands(first: 1000) { nodes { raisedOn } } }"))["data"]["demands"]["nodes"]
    days = sorted({d["raisedOn"] for d in days if d["raisedOn"]})
    categories = ENUMS["DemandCategory"]
    pairs = [({"raisedOn": {"lte": a}}, {"raisedOn": {"lte": b}}) for a, b in zip(days, days[1:])][:40]
    pairs += [({"category": {"in": [a]}}, {"category": {"in": [a, b]}}) for a, b in itertools.combinations(categories, 2)]
    query = "query($w: DemandWhere) { demandStatistics(groupBy: STATUS, where: $w) { collected resolved } }"
    exact_differences = set()
    for grant in (RESEARCHER, admin):
        for narrow_where, wide_where in pairs:
            narrow = (await run(backend, grant, query, {"w": narrow_where}))["data"]["demandStatistics"]
            wide = (await run(backend, grant, query, {"w": wide_where}))["data"]["demandStatistics"]
            for name in ("collected", "resolved"):
                if narrow[name] is None or wide[name] is None:
                    continue
                difference = wide[name] - narrow[name]
                if grant is RESEARCHER:
                    assert difference == 0 or difference >= K, (narrow_where, wide_where, name, narrow, wide)
                else:
                    exact_differences.add(difference)
    assert exact_differences & set(range(1, K)), "the pairs must include one whose exact difference is small"


@pytest.mark.parametrize("role", ["editor", "admin"])
async def test_editors_and_admins_get_exact_figures(backend, role):
    body = await run(backend, Grant(role, "x"), QUERIES[0])
    counts = [v for _, v in _released_counts(body["data"])]
    assert all(isinstance(v, int) for v in counts) and any(v % K for v in counts)
