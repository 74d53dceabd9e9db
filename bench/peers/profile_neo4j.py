#!/usr/bin/env python3
"""Where dangjian-graph's time goes on Neo4j, beside @neo4j/graphql 7 and hand-written Cypher (issue 11).

    .venv/bin/python bench/peers/profile_neo4j.py [--only 03,06,07] [--rust-python VENV/bin/python]

1. starts the project's local Neo4j and seeds it as run.py does;
2. asks `dangjian serve --dev` for the Cypher (and parameters) it runs for each pair, and the v7 peer
   for its hand-written statements (GET /statements);
3. times every statement one after another through neo4j-driver 6 in node (the peer's path:
   a session per request, executeRead), and through the Python driver dangjian-graph uses, three ways:
   execute_read on the default database (as shipped: NEO4J_DATABASE unset), on a named database,
   and an auto-commit read; with `--rust-python`, the same under an interpreter that has neo4j-rust-ext;
4. end to end, with run.py's load generator at 1 and 8 clients: dangjian serve as shipped and with
   configuration-only variants (NEO4J_DATABASE=neo4j; the interpreter with neo4j-rust-ext), beside the
   v7 peer and its /cypher, on the same Neo4j.

Product code is not changed: every variant is an environment variable or an installed package.
Writes bench/results/profile-neo4j-<timestamp>.json.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from paths import HERE, REPO  # first: puts the repository on sys.path

import httpx

from answers import graphql_body
from graph.neo4j_local import LocalNeo4j
from loadgen import Target, load
from pairs import PAIRS
from processes import Processes, free_port, wait_http

RESULTS_DIR = REPO / "bench" / "results"


# --- statement timing through the Python driver (also run under a second interpreter) ----------
async def time_python(url: str, statements: dict, count: int) -> dict:
    import neo4j

    out: dict = {}
    driver = neo4j.AsyncGraphDatabase.driver(
        url, auth=None, notifications_disabled_classifications=[neo4j.NotificationDisabledClassification.DEPRECATION])

    async def collect(tx, text, params):
        result = await tx.run(text, params)
        return [record.data() async for record in result]

    try:
        for name, entry in statements.items():
            text, params = entry["cypher"], entry["params"]
            ways = {}

            async def read(database):
                async with driver.session(database=database) as session:
                    return await session.execute_read(collect, text, params)

            async def autocommit():
                async with driver.session(database="neo4j", default_access_mode=neo4j.READ_ACCESS) as session:
                    result = await session.run(text, params)
                    return [record.data() async for record in result]

            variants = {"execute_read, database unset": lambda: read(None),
                        "execute_read, database neo4j": lambda: read("neo4j"),
                        "auto-commit, database neo4j": autocommit}
            samples: dict[str, list[float]] = {key: [] for key in variants}
            for _ in range(50):
                for run in variants.values():
                    await run()
            for _ in range(count):  # interleaved, so that noise hits every variant alike
                for key, run in variants.items():
                    started = time.perf_counter()
                    await run()
                    samples[key].append(time.perf_counter() - started)
            for key, values in samples.items():
                ways[key] = round(statistics.median(values) * 1000, 3)
            out[name] = ways
    finally:
        await driver.close()
    return out


def time_python_main(argv: list[str]) -> int:
    url, file, count = argv[0], argv[1], int(argv[2])
    print(json.dumps(asyncio.run(time_python(url, json.loads(Path(file).read_text()), count))))
    return 0


# --- the profile ---------------------------------------------------------------------------------
def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="03,06,07", help="pair prefixes (default 03,06,07)")
    parser.add_argument("--rust-python", help="a Python interpreter with the project and neo4j-rust-ext installed")
    parser.add_argument("--count", type=int, default=300, help="timed runs per statement and way")
    parser.add_argument("--duration", type=float, default=3.0, help="seconds per end-to-end measurement")
    parser.add_argument("--levels", default="1,8")
    return parser.parse_args(argv)


async def main_async(args: argparse.Namespace) -> int:
    # Imported here: run.py's seeding, without its argument parsing.
    from run import seed_neo4j

    pairs = [p for p in PAIRS if any(p.key.startswith(o) for o in args.only.split(","))]
    levels = tuple(int(x) for x in args.levels.split(","))
    workdir = Path(tempfile.mkdtemp(prefix="dangjian-profile-"))
    processes = Processes()
    neo = LocalNeo4j(workdir / "neo4j-home", None)
    report: dict = {"started": dt.datetime.now().isoformat(timespec="seconds"), "pairs": [p.key for p in pairs]}
    try:
        status = neo.start(die_with_parent=True)
        _, report["neo4j"] = await seed_neo4j(status.url)
        env = {k: v for k, v in os.environ.items()
               if k not in ("DANGJIAN_DATABASE_URL", "DANGJIAN_DEV", "NEO4J_USERNAME", "NEO4J_PASSWORD",
                            "NEO4J_DATABASE", "DANGJIAN_DATA_DIR", "DANGJIAN_GRAPH")}
        env["DANGJIAN_DATABASE_URL"] = status.url
        env["DANGJIAN_MODE"] = "open"  # no tokens, as the peers: a database URL alone means production
        dangjian = str(Path(sys.executable).with_name("dangjian"))
        servers = {"dangjian --dev": ([dangjian, "serve", "--dev"], {}),
                   "dangjian (as shipped)": ([dangjian, "serve"], {}),
                   "dangjian NEO4J_DATABASE=neo4j": ([dangjian, "serve"], {"NEO4J_DATABASE": "neo4j"})}
        if args.rust_python:
            rust_dangjian = str(Path(args.rust_python).with_name("dangjian"))
            servers["dangjian + neo4j-rust-ext"] = ([rust_dangjian, "serve"], {})
            servers["dangjian + neo4j-rust-ext, NEO4J_DATABASE=neo4j"] = ([rust_dangjian, "serve"],
                                                                          {"NEO4J_DATABASE": "neo4j"})
        ports, procs = {}, {}
        for index, (name, (command, extra)) in enumerate(servers.items()):
            ports[name] = free_port()
            data_dir = workdir / f"dj{index}"
            data_dir.mkdir()
            procs[name] = processes.start(name, command + ["--host", "127.0.0.1", "--port", str(ports[name]), "--no-seed"],
                                          workdir / f"dj{index}.log", dict(env, DANGJIAN_DATA_DIR=str(data_dir), **extra), REPO)
        ports["peer7"] = free_port()
        procs["peer7"] = processes.start("peer7", ["node", str(HERE / "v7" / "server.mjs"), "--port", str(ports["peer7"]),
                                                   "--bolt", status.url], workdir / "peer7.log", env, HERE / "v7")
        for name, process in procs.items():
            await wait_http(f"http://127.0.0.1:{ports[name]}/healthz", process, workdir / "peer7.log", 120)

        # 2. The statements: dangjian-graph's (from --dev) and the hand-written ones.
        statements: dict[str, dict] = {}
        async with httpx.AsyncClient(timeout=20) as client:
            hand = (await client.get(f"http://127.0.0.1:{ports['peer7']}/statements")).json()
            for pair in pairs:
                response = (await client.post(f"http://127.0.0.1:{ports['dangjian --dev']}/graphql",
                                              content=graphql_body(pair.dangjian_query, pair.variables),
                                              headers={"content-type": "application/json"})).json()
                for index, entry in enumerate(response["extensions"]["cypher"]):
                    statements[f"{pair.key} dangjian#{index}"] = {"cypher": entry["cypher"], "params": entry["params"]}
                statements[f"{pair.key} hand-written"] = hand[pair.key]
        report["statements"] = statements
        statements_file = workdir / "statements.json"
        statements_file.write_text(json.dumps(statements, ensure_ascii=False))

        # 3. Statement timings.
        node = subprocess.run(["node", str(HERE / "v7" / "time-statements.mjs"), status.url, str(statements_file),
                               str(args.count)], capture_output=True, text=True, check=True, cwd=HERE / "v7")
        timings = {"neo4j-driver 6 (node), executeRead": json.loads(node.stdout)}
        for label, python in (("Python neo4j 6.4", sys.executable), ("Python neo4j 6.4 + neo4j-rust-ext", args.rust_python)):
            if not python:
                continue
            completed = subprocess.run([python, str(Path(__file__)), "--time-python", status.url, str(statements_file),
                                        str(args.count)], capture_output=True, text=True, check=True, cwd=HERE)
            timings[label] = json.loads(completed.stdout)
        report["statement_p50_ms"] = timings
        print("\nStatement p50 ms, one after another (a session per request):")
        for name in statements:
            cells = [f"node {timings['neo4j-driver 6 (node), executeRead'][name]['p50_ms']:.2f}"]
            for label in timings:
                if label.startswith("Python"):
                    short = "py+rust" if "rust" in label else "py"
                    cells += [f"{short} {way.split(',')[0][:12]}/{way.split(' ')[-1]} {value:.2f}"
                              for way, value in timings[label][name].items()]
            print(f"  {name:<40} " + " | ".join(cells))

        # 4. End to end, same load generator as run.py.
        results: dict = {}
        apis = [name for name in servers if name != "dangjian --dev"] + ["peer7", "cypher"]
        for pair in pairs:
            results[pair.key] = {}
            for level in levels:
                row = {}
                for api in apis:
                    if api == "peer7":
                        target = Target(api, f"http://127.0.0.1:{ports['peer7']}/graphql",
                                        graphql_body(pair.peer7_query, pair.variables))
                        pid = procs["peer7"].pid
                    elif api == "cypher":
                        target = Target(api, f"http://127.0.0.1:{ports['peer7']}/cypher",
                                        json.dumps({"name": pair.key, "variables": {}}).encode())
                        pid = procs["peer7"].pid
                    else:
                        target = Target(api, f"http://127.0.0.1:{ports[api]}/graphql",
                                        graphql_body(pair.dangjian_query, pair.variables))
                        pid = procs[api].pid
                    await load(target, 8, 1.0, 0, 50_000, {"api": pid, "db": status.pid})  # warm-up
                    row[api] = await load(target, level, args.duration, 0.5, 50_000, {"api": pid, "db": status.pid})
                results[pair.key][level] = row
                print(f"  {pair.key} c={level}: " + ", ".join(
                    f"{api} p50 {run['p50_ms']:.2f} ms {run['throughput_rps']:.0f}/s" for api, run in row.items()))
        report["end_to_end"] = results
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        output = RESULTS_DIR / f"profile-neo4j-{stamp}.json"
        output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
        print(f"\nwrote {output}")
        return 0
    finally:
        processes.stop_all()
        neo.stop()


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--time-python":
        sys.exit(time_python_main(sys.argv[2:]))
    sys.exit(asyncio.run(main_async(parse_args(None))))
