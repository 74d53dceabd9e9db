"""The benchmark suite: translation time, in-process overhead against hand-written Cypher
and against a resolver-per-field implementation, round trips, and memory.

    python -m bench.run [--preset seed|x10|x100|city] [--quick]

Prints a table and writes JSON to bench/results/. The data lives in bench/data/<preset>
(the embedded engine); an empty graph is seeded or generated first.
"""
from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.measure import CountingBackend, TranslationProbe, rss_mb, summarise, timed, timed_together
from bench.naive_research import NAIVE_SCHEMA
from bench.queries import QUERIES, BenchQuery
from graph.backend import QueryLog, Settings, connected
from graph.loading import count_nodes
from graph.plan import CompiledQuery
from schema.schema import build_schema
from seed.city import PRESETS, load_city
from seed.load import seed_database

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results"


async def prepare(backend, preset: str) -> None:
    if await count_nodes(backend) > 0:
        return
    await backend.apply_schema()
    if preset == "seed":
        await seed_database(backend)
        return
    await load_city(backend, PRESETS[preset])


async def translation_ms(schema, query: BenchQuery, iterations: int) -> float:
    samples = []
    for i in range(max(iterations, 300) + 3):  # cheap, and noisy on a shared machine: take many
        probe = TranslationProbe()
        started = time.perf_counter()
        await schema.execute(query.graphql, variable_values=query.variables, context_value={"backend": probe})
        if i >= 3 and probe.arrived is not None:  # the first runs fill the parser/validation caches
            samples.append((probe.arrived - started) * 1000)
    return summarise(samples)["p50"] if samples else float("nan")


NAIVE_MAX_NODES = 100_000  # the baseline reads whole labels into Python: hopeless beyond this


async def bench_query(schema, backend, query: BenchQuery, iterations: int, naive_ok: bool = True) -> dict[str, Any]:
    result: dict[str, Any] = {"query": query.name}
    gc.collect()  # each query starts from a clean heap, not the previous one's garbage
    result["translation_ms"] = await translation_ms(schema, query, iterations)

    log = QueryLog()

    async def graphql():
        outcome = await schema.execute(query.graphql, variable_values=query.variables,
                                       context_value={"backend": backend})
        assert not outcome.errors, outcome.errors

    await schema.execute(query.graphql, variable_values=query.variables,
                         context_value={"backend": backend, "query_log": log})
    result["round_trips"] = len(log.entries)
    runs = {"graphql": graphql}
    if query.cypher:
        runs["handwritten"] = lambda: backend.read(CompiledQuery(query.cypher, query.params))
    result.update(await timed_together(runs, iterations))
    if query.cypher:
        result["overhead"] = round(result["graphql"]["p50"] / result["handwritten"]["p50"], 2)
    if naive_ok:
        counting = CountingBackend(backend)
        naive_outcome = await NAIVE_SCHEMA.execute(query.graphql, variable_values=query.variables,
                                                   context_value={"backend": counting})
        ours = await schema.execute(query.graphql, variable_values=query.variables, context_value={"backend": backend})
        result["naive_round_trips"] = counting.calls
        result["same_result_as_naive"] = comparable(naive_outcome.data) == comparable(ours.data)

        async def naive():
            outcome = await NAIVE_SCHEMA.execute(query.graphql, variable_values=query.variables,
                                                 context_value={"backend": backend})
            assert not outcome.errors, outcome.errors

        result["naive"] = await timed(naive, max(3, iterations // 5), warmup=1)
        result["naive_vs_graphql"] = round(result["naive"]["p50"] / result["graphql"]["p50"], 2)
    return result


def comparable(value: Any) -> Any:
    """Results without cursors (each implementation has its own) and with lists as sets."""
    if isinstance(value, dict):
        return {k: comparable(v) for k, v in value.items() if k not in ("cursor", "endCursor")}
    if isinstance(value, list):
        return sorted((comparable(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    return value


def print_table(preset: str, results: list[dict[str, Any]], memory: dict[str, Any]) -> None:
    table = Table(title=f"dangjian-graph bench · {preset}")
    for column in ("query", "translate ms", "trips", "GraphQL p50/p95 ms", "hand Cypher p50 ms", "overhead ×",
                   "naive p50 ms", "naive trips", "naive ÷ ours"):
        table.add_column(column, justify="right" if column != "query" else "left")
    for r in results:
        g, h, n = r["graphql"], r.get("handwritten"), r.get("naive")
        table.add_row(r["query"], f"{r['translation_ms']:.3f}", str(r["round_trips"]), f"{g['p50']:.2f} / {g['p95']:.2f}",
                      f"{h['p50']:.2f}" if h else "—", f"{r['overhead']:.2f}" if h else "—",
                      f"{n['p50']:.1f}" if n else "—", str(r.get("naive_round_trips", "—")),
                      f"{r['naive_vs_graphql']:.1f}" if n else "—")
    console = Console(width=200)
    console.print(table)
    console.print(f"memory: {memory}")


async def main(preset: str, quick: bool, data_dir: Path | None, graph: str = "bench",
               only: list[str] | None = None) -> dict[str, Any]:
    settings = Settings.from_env(data_dir=data_dir or BENCH / "data" / preset, graph_name=graph)
    async with connected(settings) as backend:
        await prepare(backend, preset)
        schema = build_schema()
        iterations = 5 if quick else 50
        naive_ok = await count_nodes(backend) <= NAIVE_MAX_NODES
        chosen = [q for q in QUERIES if not only or any(word in q.name for word in only)]
        results = [await bench_query(schema, backend, q, iterations, naive_ok) for q in chosen]
        server = getattr(backend, "server", None)
        memory = {"python_rss_mb": rss_mb(os.getpid()),
                  "falkordb_rss_mb": rss_mb(server.process.pid) if server and server.process else None,
                  "nodes": await count_nodes(backend)}
    print_table(preset, results, memory)
    report = {"preset": preset, "quick": quick, "at": time.strftime("%Y-%m-%dT%H:%M:%S"), "memory": memory,
              "queries": results}
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"run-{preset}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(report, indent=1, ensure_ascii=False))
    print(f"wrote {path}")
    return report


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", choices=sorted(PRESETS), default="seed")
    parser.add_argument("--quick", action="store_true", help="a few iterations: a smoke test")
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--graph", default="bench", help="graph key in the embedded engine")
    parser.add_argument("--only", nargs="+", help="run the queries whose names contain one of these words")
    args = parser.parse_args()
    asyncio.run(main(args.preset, args.quick, args.data_dir, args.graph, args.only))
