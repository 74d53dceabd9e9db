"""CI runs a small version of the benchmark suite, so that it keeps working.
(Figures come from bench/, never from timed unit tests: nothing here checks a time.)"""
from __future__ import annotations

import json

from bench.queries import QUERIES
from bench.run import main as run_suite


async def test_the_bench_suite_runs_and_every_graphql_query_is_one_round_trip(tmp_path, monkeypatch):
    monkeypatch.setattr("bench.run.RESULTS", tmp_path / "results")
    report = await run_suite("seed", quick=True, data_dir=tmp_path / "data")
    by_name = {q["query"]: q for q in report["queries"]}
    assert set(by_name) == {q.name for q in QUERIES}
    for query in QUERIES:
        result = by_name[query.name]
        assert result["round_trips"] == 1, query.name
        assert result["translation_ms"] > 0 and result["graphql"]["n"] == 5
        assert result["overhead"] > 0, query.name  # every query has its hand-written Cypher
        # The baseline gives the same answer with more round trips.
        assert result["same_result_as_naive"], query.name
        assert result["naive_round_trips"] >= result["round_trips"]
    assert by_name["nested-3-levels-100"]["naive_round_trips"] > 20
    saved = list((tmp_path / "results").glob("run-seed-*.json"))
    assert len(saved) == 1 and json.loads(saved[0].read_text())["preset"] == "seed"


async def test_the_grants_bench_runs(tmp_path, monkeypatch, capsys):
    from bench.grants import main as run_grants

    monkeypatch.setenv("DANGJIAN_DATA_DIR", str(tmp_path / "data"))
    await run_grants("seed", 1, tmp_path / "data")  # each query under each grant, answers checked
    printed = capsys.readouterr().out
    assert "open" in printed and "viewer" in printed and "members" in printed, printed
