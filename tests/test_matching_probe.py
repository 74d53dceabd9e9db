import pytest, time
from graph.matching import MatchDemand, MatchingReport
from graph.plan import Compare, CompiledQuery
from graph.model import TYPES

async def test_probe(backend):
    for plan in (MatchDemand(Compare(TYPES['Demand'].prop('uid'),'eq','demand-shiwan-001'), 3), MatchingReport(None, 0.5, 2)):
        t = time.time()
        rows = await backend.read(plan)
        print(round(time.time() - t, 2), str(rows)[:2500])
