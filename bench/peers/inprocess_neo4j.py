#!/usr/bin/env python3
"""dangjian-graph on Neo4j, in process: the issue-11 ratio on the 3-level query through its own
driver, and where a request's time goes (issue 11).

    .venv/bin/python bench/peers/inprocess_neo4j.py [--count 1000] [--only 01,03,04,06,07] [--profile 07]

1. starts the project's local Neo4j and seeds it as run.py does (or uses `--url` as is, already seeded);
2. **the 3-level ratio**: through one `graph.neo4j_backend.Neo4jBackend` (its `read`: the shipped read
   path), interleaved, `--count` rounds, medians: the statement dangjian-graph generates for pair 07
   (captured from `schema.execute` with a query log), the hand-written statement the v7 peer's
   `/cypher` runs for 07 (copied below: `COLLECT {}` subqueries, members ordered by uid) and
   bench/queries.py's portable hand-written statement (`OPTIONAL MATCH` + `CALL {}`; members not
   ordered); plus the whole GraphQL execution in process (`schema.execute`, as bench/run.py times it);
3. **stages**, per pair, interleaved: `read` (the generated statements through `Neo4jBackend.read`),
   `execute` (`schema.execute`: parse, validate, limits, translate, read, shape), `asgi` (the app
   `dangjian serve` runs, called directly as ASGI: adds the Strawberry view, the JSON body and the
   response, not uvicorn's HTTP parsing and socket);
4. with `--profile`, cProfile over `--profile-count` ASGI requests of those pairs: own time grouped
   by package, and the top functions.

Product code is not changed. Writes bench/results/inprocess-neo4j-<timestamp>.json.
"""
from __future__ import annotations

import argparse
import asyncio
import cProfile
import datetime as dt
import gc
import json
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from paths import REPO  # first: puts the repository on sys.path

from answers import graphql_body
from pairs import PAIRS

RESULTS_DIR = REPO / "bench" / "results"

# bench/peers/v7/server.mjs, "07-nested-3-levels-100" (the /cypher floor of the HTTP tables).
HAND_07_V7 = """MATCH (z:Zone)
WITH z ORDER BY z.uid LIMIT $limit
RETURN z.uid AS uid, z.name AS name,
       COLLECT {
           MATCH (z)<-[:SERVES]-(o:Organisation)
           WITH o ORDER BY o.uid
           RETURN [o.uid, o.name, COLLECT {
               MATCH (o)<-[:MEMBER_OF]-(m:Member)
               WITH m ORDER BY m.uid LIMIT 5
               RETURN [m.uid, m.name]
           }]
       } AS organisations"""


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


async def interleaved(runs: dict, count: int, warmup: int = 50) -> dict:
    """Each round runs every variant once, in a rotating order; medians and p90 in ms."""
    names = list(runs)
    for _ in range(warmup):
        for name in names:
            await runs[name]()
    samples: dict[str, list[float]] = {name: [] for name in names}
    gc.collect()
    for i in range(count):
        order = names[i % len(names):] + names[:i % len(names)]
        for name in order:
            started = time.perf_counter()
            await runs[name]()
            samples[name].append((time.perf_counter() - started) * 1000)
    return {name: {"p50": round(statistics.median(v), 3), "p90": round(percentile(v, 0.9), 3), "n": len(v)}
            for name, v in samples.items()}


class AsgiCaller:
    """POST /graphql straight into the ASGI app (no socket, no HTTP parser)."""

    def __init__(self, app) -> None:
        self.app = app

    async def post(self, body: bytes) -> tuple[int, bytes]:
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
                 "scheme": "http", "path": "/graphql", "raw_path": b"/graphql", "root_path": "",
                 "query_string": b"", "server": ("127.0.0.1", 8000), "client": ("127.0.0.1", 50000),
                 "headers": [(b"host", b"127.0.0.1:8000"), (b"content-type", b"application/json"),
                             (b"accept", b"application/json"), (b"content-length", str(len(body)).encode())],
                 "app": self.app}
        sent = False
        status, chunks = 0, []

        async def receive():
            nonlocal sent
            if sent:
                await asyncio.sleep(3600)
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        return status, b"".join(chunks)


def group_of(filename: str) -> str:
    path = filename.replace("\\", "/")
    for marker, group in (("/site-packages/neo4j/", "neo4j driver"), ("/site-packages/neo4j_rust_ext", "neo4j-rust-ext"),
                          ("/site-packages/graphql/", "graphql-core"), ("/site-packages/strawberry/", "strawberry"),
                          ("/site-packages/starlette/", "starlette"), ("/site-packages/cross_web/", "strawberry"),
                          ("/asyncio/", "asyncio"), ("/json/", "json")):
        if marker in path:
            return group
    for folder in ("graph", "resolvers", "schema", "web"):
        if f"{REPO}/{folder}/" in path:
            return f"dangjian {folder}/"
    if path.startswith("~") or path == "":
        return "builtins (C)"
    return "other: " + path.rsplit("/", 2)[-2] if "/" in path else "other"


def summarise_profile(profile: cProfile.Profile, requests: int, top: int = 25) -> dict:
    stats = pstats.Stats(profile)
    groups: dict[str, float] = {}
    rows = []
    total = 0.0
    for (filename, line, function), (cc, nc, tottime, cumtime, callers) in stats.stats.items():
        group = group_of(filename)
        if group == "builtins (C)":
            # a C function is charged to the package that called it most
            caller_groups: dict[str, float] = {}
            for (cfile, _, _), centry in callers.items():
                caller_groups[group_of(cfile)] = caller_groups.get(group_of(cfile), 0) + centry[2]
            if caller_groups:
                group = max(caller_groups, key=caller_groups.get) + " (C calls)"
        groups[group] = groups.get(group, 0.0) + tottime
        total += tottime
        rows.append((tottime, cumtime, nc, f"{filename.rsplit('site-packages/', 1)[-1]}:{line}({function})"))
    rows.sort(reverse=True)
    return {"ms_per_request_profiled": round(total * 1000 / requests, 3),
            "own_ms_per_request_by_group": {k: round(v * 1000 / requests, 3)
                                            for k, v in sorted(groups.items(), key=lambda kv: -kv[1])},
            "top_functions_own_ms_per_request": [
                {"own": round(t * 1000 / requests, 4), "cum": round(c * 1000 / requests, 4), "calls": round(n / requests, 1),
                 "function": name} for t, c, n, name in rows[:top]]}


async def main_async(args: argparse.Namespace) -> int:
    from graph.backend import QueryLog, Settings
    from graph.neo4j_backend import Neo4jBackend
    from graph.plan import CompiledQuery
    from schema.schema import build_schema
    from web.app import create_app
    from bench.queries import QUERIES

    report: dict = {"started": dt.datetime.now().isoformat(timespec="seconds"), "count": args.count,
                    "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                             cwd=REPO).stdout.strip()}
    from neo4j._codec.packstream import v1 as packstream_v1
    report["neo4j_rust_ext"] = packstream_v1._rust_unpack is not None  # the driver decodes with the Rust codec
    workdir = Path(tempfile.mkdtemp(prefix="dangjian-inprocess-"))
    neo = None
    url = args.url
    if not url:
        from graph.neo4j_local import LocalNeo4j
        from run import seed_neo4j

        neo = LocalNeo4j(workdir / "neo4j-home", None)
        status = neo.start(die_with_parent=True)
        url = status.url
        _, report["neo4j"] = await seed_neo4j(url)
        report["neo4j"].pop("indexes", None)
    backend = await Neo4jBackend.connect(url, None, None)
    try:
        schema = build_schema()
        app = create_app(Settings(database_url=url, data_dir=workdir), backend=backend)
        app.state.backend = backend  # what the lifespan would set; the backend is ours
        caller = AsgiCaller(app)

        async def captured(pair_query: str, variables: dict) -> list[CompiledQuery]:
            log = QueryLog()
            outcome = await schema.execute(pair_query, variable_values=variables,
                                           context_value={"backend": backend, "query_log": log})
            assert not outcome.errors, outcome.errors
            return [CompiledQuery(e["cypher"], e["params"]) for e in log.entries], outcome.data

        # 2. The 3-level ratio.
        pair07 = next(p for p in PAIRS if p.key.startswith("07"))
        generated, data07 = await captured(pair07.dangjian_query, pair07.variables)
        assert len(generated) == 1, generated
        portable = next(q for q in QUERIES if q.name == "nested-3-levels-100")
        hand_v7 = CompiledQuery(HAND_07_V7, {"limit": 100})
        hand_portable = CompiledQuery(portable.cypher, portable.params)
        # Same zones and organisations, same 5 members per organisation (v7's statement orders them).
        rows_v7 = await backend.read(hand_v7)
        ours = {(z["uid"], o["uid"]): [m["uid"] for m in o["members"]]
                for z in data07["zones"]["nodes"] for o in z["externalOrganisations"]}
        theirs = {(r["uid"], o[0]): [m[0] for m in o[2]] for r in rows_v7 for o in r["organisations"]}
        report["nested_same_answer_as_v7_hand_written"] = ours == theirs

        async def graphql07():
            outcome = await schema.execute(pair07.dangjian_query, context_value={"backend": backend})
            assert not outcome.errors

        runs = {"generated statement, Neo4jBackend.read": lambda: backend.read(generated[0]),
                "hand-written (v7 /cypher's), Neo4jBackend.read": lambda: backend.read(hand_v7),
                "hand-written (bench/queries.py), Neo4jBackend.read": lambda: backend.read(hand_portable),
                "GraphQL, schema.execute in process": graphql07}
        ratio = await interleaved(runs, args.count)
        base = ratio["hand-written (v7 /cypher's), Neo4jBackend.read"]["p50"]
        report["nested_3_levels"] = {"statements": {"generated": generated[0].text, "hand_v7": HAND_07_V7,
                                                    "hand_portable": portable.cypher},
                                     "p50_ms": ratio,
                                     "ratio_to_hand_v7": {k: round(v["p50"] / base, 3) for k, v in ratio.items()},
                                     "ratio_to_hand_portable": {
                                         k: round(v["p50"] / ratio["hand-written (bench/queries.py), Neo4jBackend.read"]["p50"], 3)
                                         for k, v in ratio.items()}}
        print("3-level query (pair 07), in process through Neo4jBackend.read, interleaved, "
              f"{args.count} rounds (p50 / p90 ms, ratio to v7's hand-written):")
        for name, value in ratio.items():
            print(f"  {name:<52} {value['p50']:7.3f} / {value['p90']:7.3f}   {value['p50'] / base:.2f}×")
        print(f"  same answer as v7's hand-written: {report['nested_same_answer_as_v7_hand_written']}")

        # 3. Stages per pair.
        chosen = [p for p in PAIRS if any(p.key.startswith(o) for o in args.only.split(","))]
        stages: dict = {}
        bodies: dict = {}
        for pair in chosen:
            variables = dict(pair.variables)
            if pair.paged:  # page 3, as run.py measures it
                after = None
                for _ in range(2):
                    outcome = await schema.execute(pair.dangjian_query, variable_values={**variables, "after": after},
                                                   context_value={"backend": backend})
                    root = next(iter(outcome.data.values()))
                    after = root["pageInfo"]["endCursor"]
                variables["after"] = after
            statements, _ = await captured(pair.dangjian_query, variables)
            body = graphql_body(pair.dangjian_query, variables)
            bodies[pair.key] = body
            status, answer = await caller.post(body)
            assert status == 200 and b'"errors"' not in answer, answer[:300]

            async def read_all(statements=statements):
                for statement in statements:
                    await backend.read(statement)

            async def execute(pair=pair, variables=variables):
                outcome = await schema.execute(pair.dangjian_query, variable_values=variables,
                                               context_value={"backend": backend})
                assert not outcome.errors

            async def asgi(body=body):
                await caller.post(body)

            result = await interleaved({"read": read_all, "execute": execute, "asgi": asgi}, args.stage_count)
            result["statements"] = len(statements)
            result["answer_bytes"] = len(answer)
            stages[pair.key] = result
            print(f"  {pair.key:<34} read {result['read']['p50']:6.2f}  execute {result['execute']['p50']:6.2f}  "
                  f"asgi {result['asgi']['p50']:6.2f} ms  ({len(statements)} statement(s), {len(answer)} B)")
        report["stages_p50_ms"] = stages

        # 4. cProfile.
        if args.profile:
            report["profile"] = {}
            for key in args.profile.split(","):
                pair_key = next(k for k in bodies if k.startswith(key))
                body = bodies[pair_key]
                for _ in range(50):
                    await caller.post(body)
                profile = cProfile.Profile()
                gc.collect()
                started = time.perf_counter()
                profile.enable()
                for _ in range(args.profile_count):
                    await caller.post(body)
                profile.disable()
                elapsed = (time.perf_counter() - started) * 1000 / args.profile_count
                summary = summarise_profile(profile, args.profile_count)
                summary["wall_ms_per_request_under_profiler"] = round(elapsed, 3)
                report["profile"][pair_key] = summary
                print(f"\ncProfile {pair_key}: {elapsed:.2f} ms/request wall under the profiler, own time by group (ms/request):")
                for group, ms in summary["own_ms_per_request_by_group"].items():
                    if ms >= 0.02:
                        print(f"  {group:<40} {ms:6.3f}")
                print("  top functions (own ms / cum ms / calls per request):")
                for row in summary["top_functions_own_ms_per_request"][:15]:
                    print(f"    {row['own']:6.3f} {row['cum']:7.3f} {row['calls']:7.1f}  {row['function']}")
    finally:
        await backend.close()
        if neo is not None:
            neo.stop()
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    output = Path(args.output) if args.output else RESULTS_DIR / f"inprocess-neo4j-{stamp}.json"
    output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwrote {output}")
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="an already seeded Neo4j (default: start the local one and seed it)")
    parser.add_argument("--count", type=int, default=1000, help="rounds for the 3-level ratio")
    parser.add_argument("--stage-count", type=int, default=300, help="rounds per pair for the stages")
    parser.add_argument("--only", default="01,02,03,04,05,06,07", help="pairs for the stages")
    parser.add_argument("--profile", default="", help="pairs to profile with cProfile (e.g. 06,07)")
    parser.add_argument("--profile-count", type=int, default=300)
    parser.add_argument("--output")
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main_async(parse_args(None))))
