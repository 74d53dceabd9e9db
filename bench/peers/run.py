#!/usr/bin/env python3
"""Side-by-side benchmark: dangjian-graph vs @neo4j/graphql, each on its own engine, in one run.

    npm ci --prefix bench/peers && npm ci --prefix bench/peers/v7 && .venv/bin/python bench/peers/run.py [--quick]

What it does (see README.md in this folder):
 1. builds the TCP_NODELAY shim (tcp_nodelay.so) and regenerates typeDefs.graphql (6.6.4) and
    v7/typeDefs.graphql from graph/model.py;
 2. starts the project's local Neo4j 5 (graph.neo4j_local, APOC core, auth off), times it, and seeds it
    through dangjian-graph's Neo4j backend (clear, apply_schema, seed_database);
 3. starts redis-server + FalkorDB with the exact arguments of graph/embedded.py, plus BOLT_PORT and
    the shim in LD_PRELOAD, and loads the seed over RESP into graph "falkordb" (the graph Bolt reads);
 4. starts `dangjian serve` on Neo4j and on FalkorDB, @neo4j/graphql 7 (v7/server.mjs, unpatched) on
    Neo4j and @neo4j/graphql 6.6.4 (server.mjs, patched) on FalkorDB's Bolt endpoint;
 5. checks that every API returns the same data for every pair (lists compared as multisets, except
    where the query orders them; opaque cursors left out), and records the 6.6.4 queries FalkorDB refuses;
 6. for each pair and each concurrency level (1, 8, 32), after a warm-up, runs a bounded load loop
    (asyncio + httpx; at most --duration seconds and --max-requests requests) against each of the six
    APIs in turn: dangjian-graph, the v7 peer and its hand-written Cypher (same driver, same HTTP path)
    on Neo4j; dangjian-graph, the 6.6.4 peer and its hand-written Cypher on FalkorDB;
 7. prints a table per engine and issue 11's targets, and writes bench/results/peers-neo4j-<timestamp>.json.

The code is split by concern: pairs.py (the queries), processes.py (FalkorDB and the API servers),
answers.py (the answers check), loadgen.py (the load loop), reporting.py (tables, targets, versions).
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from paths import HERE, REPO  # first: puts the repository on sys.path

import httpx

from answers import Api, check_pairs
from graph.falkordb_backend import FalkorBackend
from graph.neo4j_backend import Neo4jBackend
from graph.neo4j_local import LocalNeo4j
from loadgen import load
from pairs import PAIRS
from processes import BoltFalkorDB, Processes, build_shim, free_port, listening_addresses, shim_loaded, tail, wait_http
from reporting import print_checks, print_peer_notes, render_cypher_overhead, render_table, targets_verdict, versions
from seed.load import seed_database
import typedefs

RESULTS_DIR = REPO / "bench" / "results"
BOLT_GRAPH = "falkordb"  # FalkorDB's Bolt endpoint reads (and writes) this graph key
LEVELS = (1, 8, 32)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a seconds-long smoke run (0.3 s per level)")
    parser.add_argument("--duration", type=float, help="seconds measured per query, API and level (default 3; quick 0.3)")
    parser.add_argument("--warmup", type=float, help="warm-up seconds before each measurement (default 1; quick 0.15)")
    parser.add_argument("--initial-warmup", type=float,
                        help="seconds of load per query and API before any measurement, at 8 clients, so both "
                             "runtimes' JITs and caches are warm (default 1.5; quick 0.3)")
    parser.add_argument("--max-requests", type=int, default=50_000, help="cap on requests per measurement")
    parser.add_argument("--levels", default=",".join(map(str, LEVELS)), help="concurrency levels, e.g. 1,8,32")
    parser.add_argument("--only", help="comma-separated query keys or prefixes (e.g. 01,04)")
    parser.add_argument("--no-shim", action="store_true", help="run FalkorDB without the TCP_NODELAY shim (to see the stall)")
    parser.add_argument("--no-bolt-peer", action="store_true",
                        help="skip the second table (@neo4j/graphql 6.6.4 over FalkorDB's Bolt endpoint)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data directory and logs")
    parser.add_argument("--output", type=Path, help="JSON file (default bench/results/peers-neo4j-<timestamp>.json)")
    args = parser.parse_args(argv)
    args.duration = args.duration if args.duration is not None else (0.3 if args.quick else 3.0)
    args.warmup = args.warmup if args.warmup is not None else (0.15 if args.quick else 1.0)
    args.initial_warmup = args.initial_warmup if args.initial_warmup is not None else (0.3 if args.quick else 1.5)
    args.levels = tuple(int(x) for x in args.levels.split(",") if x)
    if args.duration <= 0 or args.duration > 60 or args.max_requests <= 0:
        parser.error("--duration must be in (0, 60] and --max-requests positive")
    return args


async def seed_bolt_graph(socket_path: Path) -> dict[str, int]:
    backend = await FalkorBackend.connect(BOLT_GRAPH, unix_socket_path=str(socket_path))
    try:
        await backend.apply_schema()
        return await seed_database(backend, reset=True)
    finally:
        await backend.client.connection.aclose()


async def seed_neo4j(url: str) -> tuple[dict[str, int], dict[str, Any]]:
    """The same seed, through dangjian-graph's own Neo4j backend (its schema: constraints, indexes)."""
    backend = await Neo4jBackend.connect(url, None, None)
    try:
        await backend.clear()
        await backend.apply_schema()
        counts = await seed_database(backend)
        async with backend.driver.session() as session:
            await session.run("CALL db.awaitIndexes(120)")
            info = await (await session.run(
                "CALL dbms.components() YIELD name, versions, edition "
                "RETURN name, versions[0] AS version, edition")).single()
            apoc = await (await session.run("RETURN apoc.version() AS v")).single()
            indexes = await (await session.run("SHOW INDEXES YIELD name, type, labelsOrTypes, properties, state "
                                               "RETURN name, type, labelsOrTypes, properties, state")).data()
        about = {"name": info["name"], "version": info["version"], "edition": info["edition"], "apoc": apoc["v"],
                 "indexes": indexes}
        return counts, about
    finally:
        await backend.close()


def node_modules_missing() -> list[str]:
    missing = []
    for folder, command in ((HERE, "npm ci --prefix bench/peers"), (HERE / "v7", "npm ci --prefix bench/peers/v7")):
        if not (folder / "node_modules" / "@neo4j" / "graphql").exists():
            missing.append(command)
    return missing


# The tables' columns: (api name, title). dangjian-graph on FalkorDB is measured once and shown in both.
NEO4J_COLUMNS = [("neo4j:dangjian", "dangjian-graph on Neo4j"), ("neo4j:peer7", "@neo4j/graphql 7 on Neo4j"),
                 ("neo4j:cypher", "hand-written, neo4j-driver 6"), ("falkordb:dangjian", "dangjian-graph on FalkorDB")]
FALKORDB_COLUMNS = [("falkordb:dangjian", "dangjian-graph on FalkorDB"), ("falkordb:peer6", "@neo4j/graphql 6.6.4, Bolt"),
                    ("falkordb:cypher", "hand-written, neo4j-driver 5")]


async def main_async(args: argparse.Namespace) -> int:
    missing = node_modules_missing()
    if missing:
        print(f"node_modules missing: run {' && '.join(missing)} first", file=sys.stderr)
        return 2
    if shutil.which("node") is None:
        print("node is not on PATH", file=sys.stderr)
        return 2
    shim = None if args.no_shim else build_shim()
    typedefs_path = typedefs.ensure_current(6)
    typedefs_v7_path = typedefs.ensure_current(7)
    pairs = [p for p in PAIRS if not args.only or any(p.key.startswith(o) for o in args.only.split(","))]

    workdir = Path(tempfile.mkdtemp(prefix="dangjian-peers-"))
    processes = Processes()
    server: BoltFalkorDB | None = None
    neo: LocalNeo4j | None = None
    started = time.time()
    try:
        setup: dict[str, Any] = {"loadavg_start": os.getloadavg(), "workdir": str(workdir)}
        # --- Neo4j: the project's own launcher (Neo4j 5 Community + APOC core), auth off -----------
        neo = LocalNeo4j(workdir / "neo4j-home", None)
        began = time.monotonic()
        status = neo.start(die_with_parent=True)
        setup["neo4j_start_seconds"] = round(time.monotonic() - began, 2)
        setup["neo4j_url"] = status.url
        setup["neo4j_pid"] = status.pid
        print(f"Neo4j pid {status.pid} at {status.url}, started in {setup['neo4j_start_seconds']} s", file=sys.stderr)
        began = time.monotonic()
        seeded_neo4j, setup["neo4j"] = await seed_neo4j(status.url)
        setup["neo4j_seed_seconds"] = round(time.monotonic() - began, 2)
        setup["seeded_neo4j"] = seeded_neo4j
        print(f"seeded Neo4j {setup['neo4j']['version']} {setup['neo4j']['edition']} (APOC {setup['neo4j']['apoc']}): "
              f"{seeded_neo4j['nodes']} nodes, {seeded_neo4j['relationships']} relationships", file=sys.stderr)

        # --- FalkorDB: graph/embedded.py's server, with the Bolt endpoint (and the shim) ------------
        bolt_port = free_port(below=32768)
        server = BoltFalkorDB(workdir / "data", bolt_port, shim)
        server.start()
        fdb_pid = server.process.pid
        setup.update({
            "bolt_port": bolt_port,
            "falkordb_command": server.command,
            "shim": str(shim) if shim else None,
            "shim_loaded": shim_loaded(fdb_pid) if shim else False,
            "bolt_listening_on": listening_addresses(fdb_pid, bolt_port),
        })
        print(f"FalkorDB pid {fdb_pid}: unix socket {server.socket_path}, Bolt on "
              f"{', '.join(setup['bolt_listening_on']) or bolt_port}"
              f"{' (TCP_NODELAY shim loaded)' if setup['shim_loaded'] else ' (NO shim)'}", file=sys.stderr)
        seeded = await seed_bolt_graph(server.socket_path)
        setup["seeded_falkordb"] = seeded
        print(f"seeded FalkorDB graph {BOLT_GRAPH!r}: {seeded['nodes']} nodes, {seeded['relationships']} relationships",
              file=sys.stderr)

        # --- The API servers ---------------------------------------------------------------------
        ports = {name: free_port() for name in ("dj_neo4j", "dj_falkordb", "peer7", "peer6")}
        env = {k: v for k, v in os.environ.items()
               if k not in ("DANGJIAN_DATABASE_URL", "DANGJIAN_DEV", "LD_PRELOAD", "NEO4J_USERNAME", "NEO4J_PASSWORD",
                            "DANGJIAN_GRAPH", "DANGJIAN_DATA_DIR")}
        env["DANGJIAN_MODE"] = "open"  # no tokens, as the peers: a database URL alone means production
        dangjian_bin = Path(sys.executable).with_name("dangjian")
        dj_base = [str(dangjian_bin)] if dangjian_bin.exists() else [sys.executable, "-m", "web.cli"]
        logs = {name: workdir / f"{name}.log" for name in ports}
        (workdir / "dangjian-neo4j").mkdir()
        commands = {
            "dj_neo4j": (dj_base + ["serve", "--host", "127.0.0.1", "--port", str(ports["dj_neo4j"]), "--no-seed"],
                         dict(env, DANGJIAN_DATABASE_URL=status.url, DANGJIAN_DATA_DIR=str(workdir / "dangjian-neo4j")),
                         REPO),
            "dj_falkordb": (dj_base + ["serve", "--host", "127.0.0.1", "--port", str(ports["dj_falkordb"]), "--no-seed"],
                            dict(env, DANGJIAN_DATA_DIR=str(server.data_dir), DANGJIAN_GRAPH=BOLT_GRAPH), REPO),
            "peer7": (["node", str(HERE / "v7" / "server.mjs"), "--port", str(ports["peer7"]), "--bolt", status.url,
                       "--typedefs", str(typedefs_v7_path)], env, HERE / "v7"),
            "peer6": (["node", str(HERE / "server.mjs"), "--port", str(ports["peer6"]),
                       "--bolt", f"bolt://127.0.0.1:{bolt_port}", "--typedefs", str(typedefs_path)], env, HERE),
        }
        if args.no_bolt_peer:
            del commands["peer6"]
        procs = {name: processes.start(name, command, logs[name], cmd_env, cwd)
                 for name, (command, cmd_env, cwd) in commands.items()}
        health = {}
        for name in procs:
            health[name] = await wait_http(f"http://127.0.0.1:{ports[name]}/healthz", procs[name], logs[name], 120)
        setup["commands"] = {name: command for name, (command, _, _) in commands.items()}
        setup["healthz"] = health
        print("; ".join(f"{name} pid {procs[name].pid} on :{ports[name]}" for name in procs), file=sys.stderr)

        def url(name: str, path: str = "/graphql") -> str:
            return f"http://127.0.0.1:{ports[name]}{path}"
        apis = [Api("neo4j:dangjian", "neo4j", "dangjian", url("dj_neo4j")),
                Api("neo4j:peer7", "neo4j", "peer7", url("peer7")),
                Api("neo4j:cypher", "neo4j", "cypher", url("peer7", "/cypher")),
                Api("falkordb:dangjian", "falkordb", "dangjian", url("dj_falkordb"))]
        if not args.no_bolt_peer:
            apis += [Api("falkordb:peer6", "falkordb", "peer6", url("peer6")),
                     Api("falkordb:cypher", "falkordb", "cypher", url("peer6", "/cypher"))]
        process_of = {"neo4j:dangjian": "dj_neo4j", "neo4j:peer7": "peer7", "neo4j:cypher": "peer7",
                      "falkordb:dangjian": "dj_falkordb", "falkordb:peer6": "peer6", "falkordb:cypher": "peer6"}
        db_pid = {"neo4j": status.pid, "falkordb": fdb_pid}
        engine_of = {api.name: api.engine for api in apis}

        def pids_for(name: str) -> dict[str, int]:
            return {"api": procs[process_of[name]].pid, "db": db_pid[engine_of[name]]}

        checks, targets = await check_pairs(apis, pairs)
        print_checks(checks)

        if args.initial_warmup > 0:
            print(f"\nwarming up every query on every API ({args.initial_warmup:g} s each, 8 clients)", file=sys.stderr)
            for pair in pairs:
                for target in targets[pair.key]:
                    await load(target, 8, args.initial_warmup, 0, args.max_requests, pids_for(target.api))
        results: dict[str, dict] = {}
        total = sum(len(targets[pair.key]) for pair in pairs) * len(args.levels)
        done = 0
        for pair in pairs:
            results[pair.key] = {}
            for index, level in enumerate(args.levels):
                runs = {}
                order = targets[pair.key] if index % 2 == 0 else list(reversed(targets[pair.key]))
                for target in order:
                    runs[target.api] = await load(target, level, args.duration, args.warmup, args.max_requests,
                                                  pids_for(target.api))
                    done += 1
                    if server.process.poll() is not None:
                        raise RuntimeError(f"FalkorDB died during {pair.key} c={level} {target.api}:\n"
                                           f"{tail(server.log_file)}")
                    if neo.status().pid is None:
                        raise RuntimeError(f"Neo4j died during {pair.key} c={level} {target.api}:\n{tail(neo.log_file)}")
                    for name, process in procs.items():
                        if process.poll() is not None:
                            raise RuntimeError(f"{name} died during {pair.key} c={level}:\n{tail(logs[name])}")
                results[pair.key][level] = {api.name: runs[api.name] for api in apis if api.name in runs}
                print(f"  [{done}/{total}] {pair.key} c={level}: " + ", ".join(
                    f"{api} {run['throughput_rps']:.0f}/s {run['p50_ms']:.1f} ms"
                    + (f" ({run['errors']} errors)" if run['errors'] else "")
                    for api, run in results[pair.key][level].items()), file=sys.stderr)

        async with httpx.AsyncClient(timeout=10) as client:
            setup["healthz_after"] = {name: (await client.get(url(name, "/healthz"))).json() for name in procs}
        neo4j_title = (f"On Neo4j {setup['neo4j']['version']} {setup['neo4j']['edition']} (APOC {setup['neo4j']['apoc']}), "
                       f"seed graph; dangjian-graph on the embedded FalkorDB beside it:")
        tables = {"neo4j": render_table(neo4j_title, results, checks, NEO4J_COLUMNS,
                                        "neo4j:dangjian", "neo4j:peer7", "neo4j:cypher")}
        overhead = {"neo4j": render_cypher_overhead(results, "neo4j:peer7", "neo4j:cypher", "@neo4j/graphql 7 on Neo4j")}
        verdict_lines, met = targets_verdict(results, "neo4j:dangjian", "neo4j:peer7", "neo4j:cypher",
                                             "07-nested-3-levels-100")
        if not args.no_bolt_peer:
            tables["falkordb"] = render_table("On FalkorDB (second table: the 6.6.4 peer over FalkorDB's Bolt endpoint, "
                                              "patched; see README):", results, checks, FALKORDB_COLUMNS,
                                              "falkordb:dangjian", "falkordb:peer6", "falkordb:cypher")
            overhead["falkordb"] = render_cypher_overhead(results, "falkordb:peer6", "falkordb:cypher",
                                                          "@neo4j/graphql 6.6.4 on FalkorDB")
        for engine in tables:
            print()
            print(tables[engine])
            print()
            print(overhead[engine])
        print("\nIssue 11's targets on Neo4j (ahead of @neo4j/graphql 7 in p50 and throughput at 8 clients; "
              "3-level query ≤ 1.3× hand-written):")
        print("\n".join(verdict_lines))
        print(f"  => {'all met' if met else 'NOT all met'}")
        if not args.no_bolt_peer:
            print_peer_notes(checks)

        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        output = args.output or RESULTS_DIR / f"peers-neo4j-{stamp}.json"
        output.parent.mkdir(parents=True, exist_ok=True)
        setup["loadavg_end"] = os.getloadavg()
        document = {
            "kind": "dangjian-graph vs @neo4j/graphql 7 on Neo4j (and 6.6.4 on FalkorDB's Bolt endpoint)",
            "started": dt.datetime.fromtimestamp(started).isoformat(timespec="seconds"),
            "wall_seconds": round(time.time() - started, 1),
            "settings": {"quick": args.quick, "duration_s": args.duration, "warmup_s": args.warmup,
                         "initial_warmup_s": args.initial_warmup, "max_requests": args.max_requests,
                         "levels": list(args.levels), "shim": not args.no_shim, "bolt_peer": not args.no_bolt_peer},
            "versions": dict(versions(server.socket_path), neo4j=setup["neo4j"]["version"],
                             neo4j_edition=setup["neo4j"]["edition"], apoc=setup["neo4j"]["apoc"]),
            "setup": setup,
            "checks": checks,
            "results": {key: {str(level): runs for level, runs in levels.items()} for key, levels in results.items()},
            "tables": tables,
            "cypher_overhead": overhead,
            "targets": {"met": met, "lines": verdict_lines},
        }
        output.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        print(f"\nwrote {output}")
        bad = [key for key, entry in checks.items() if entry["status"] != "same"]
        if bad:
            print(f"answers differ: {', '.join(bad)}", file=sys.stderr)
        return 1 if bad else 0
    finally:
        processes.stop_all()
        if server is not None:
            server.stop()
        if neo is not None:
            neo.stop()
        if args.keep:
            print(f"kept {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        return asyncio.run(main_async(args))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
