#!/usr/bin/env python3
"""Side-by-side benchmark: dangjian-graph vs @neo4j/graphql v6.6.4, on ONE FalkorDB with ONE seed.

    npm ci --prefix bench/peers && .venv/bin/python bench/peers/run.py [--quick]

What it does (see README.md in this folder):
 1. builds the TCP_NODELAY shim (tcp_nodelay.so) and regenerates typeDefs.graphql from graph/model.py;
 2. starts redis-server + FalkorDB with the exact arguments of graph/embedded.py, plus BOLT_PORT and
    the shim in LD_PRELOAD, in a temporary data directory;
 3. loads the seed over RESP into graph "falkordb" (the graph FalkorDB's Bolt endpoint reads);
 4. starts `dangjian serve` attached to that server (DANGJIAN_DATA_DIR, DANGJIAN_GRAPH=falkordb) and
    the peer (node server.mjs) on FalkorDB's Bolt port;
 5. checks that every query pair returns the same data (lists compared as multisets, except where
    the query orders them; opaque cursors left out), and records the peer queries FalkorDB refuses;
 6. for each pair and each concurrency level (1, 8, 32), after a warm-up, runs a bounded load loop
    (asyncio + httpx; at most --duration seconds and --max-requests requests) against dangjian-graph,
    the peer, and the peer process's hand-written Cypher endpoint (same driver, same HTTP path);
 7. prints one table and writes bench/results/peers-<timestamp>.json.

The code is split by concern: pairs.py (the queries), processes.py (FalkorDB and the API servers),
answers.py (the answers check), loadgen.py (the load loop), reporting.py (table, notes, versions).
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

from paths import HERE, REPO  # first: puts the repository on sys.path

import httpx

from answers import check_pairs
from graph.falkordb_backend import FalkorBackend
from loadgen import load
from pairs import PAIRS
from processes import BoltFalkorDB, Processes, build_shim, free_port, listening_addresses, shim_loaded, tail, wait_http
from reporting import print_checks, print_peer_notes, render_cypher_overhead, render_table, versions
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
    parser.add_argument("--keep", action="store_true", help="keep the temporary data directory and logs")
    parser.add_argument("--output", type=Path, help="JSON file (default bench/results/peers-<timestamp>.json)")
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


async def main_async(args: argparse.Namespace) -> int:
    node_modules = HERE / "node_modules" / "@neo4j" / "graphql"
    if not node_modules.exists():
        print("bench/peers/node_modules is missing: run `npm ci --prefix bench/peers` first", file=sys.stderr)
        return 2
    if shutil.which("node") is None:
        print("node is not on PATH", file=sys.stderr)
        return 2
    shim = None if args.no_shim else build_shim()
    typedefs_path = typedefs.ensure_current()
    pairs = [p for p in PAIRS if not args.only or any(p.key.startswith(o) for o in args.only.split(","))]

    workdir = Path(tempfile.mkdtemp(prefix="dangjian-peers-"))
    processes = Processes()
    server: BoltFalkorDB | None = None
    started = time.time()
    try:
        bolt_port = free_port(below=32768)
        server = BoltFalkorDB(workdir / "data", bolt_port, shim)
        server.start()
        fdb_pid = server.process.pid
        setup = {
            "loadavg_start": os.getloadavg(),
            "workdir": str(workdir),
            "bolt_port": bolt_port,
            "falkordb_command": server.command,
            "shim": str(shim) if shim else None,
            "shim_loaded": shim_loaded(fdb_pid) if shim else False,
            "bolt_listening_on": listening_addresses(fdb_pid, bolt_port),
        }
        print(f"FalkorDB pid {fdb_pid}: unix socket {server.socket_path}, Bolt on "
              f"{', '.join(setup['bolt_listening_on']) or bolt_port}"
              f"{' (TCP_NODELAY shim loaded)' if setup['shim_loaded'] else ' (NO shim)'}", file=sys.stderr)
        seeded = await seed_bolt_graph(server.socket_path)
        setup["seeded"] = seeded
        print(f"seeded graph {BOLT_GRAPH!r}: {seeded['nodes']} nodes, {seeded['relationships']} relationships",
              file=sys.stderr)

        dj_port, peer_port = free_port(), free_port()
        env = {k: v for k, v in os.environ.items() if k not in ("DANGJIAN_DATABASE_URL", "DANGJIAN_DEV", "LD_PRELOAD")}
        dj_env = dict(env, DANGJIAN_DATA_DIR=str(server.data_dir), DANGJIAN_GRAPH=BOLT_GRAPH)
        dangjian_bin = Path(sys.executable).with_name("dangjian")
        dj_command = ([str(dangjian_bin)] if dangjian_bin.exists() else [sys.executable, "-m", "web.cli"]) + \
            ["serve", "--host", "127.0.0.1", "--port", str(dj_port), "--no-seed"]
        dj_log, peer_log = workdir / "dangjian.log", workdir / "peer.log"
        dj = processes.start("dangjian", dj_command, dj_log, dj_env, REPO)
        peer = processes.start("peer", ["node", str(HERE / "server.mjs"), "--port", str(peer_port),
                                        "--bolt", f"bolt://127.0.0.1:{bolt_port}", "--typedefs", str(typedefs_path)],
                               peer_log, env, HERE)
        dj_health = await wait_http(f"http://127.0.0.1:{dj_port}/healthz", dj, dj_log, 60)
        peer_health = await wait_http(f"http://127.0.0.1:{peer_port}/healthz", peer, peer_log, 120)
        setup["dangjian_command"] = dj_command
        setup["dangjian_healthz"] = dj_health
        setup["peer_healthz"] = peer_health
        print(f"dangjian-graph pid {dj.pid} on :{dj_port} ({dj_health.get('nodes')} nodes); "
              f"@neo4j/graphql peer pid {peer.pid} on :{peer_port}", file=sys.stderr)
        urls = {"dangjian": f"http://127.0.0.1:{dj_port}/graphql",
                "peer": f"http://127.0.0.1:{peer_port}/graphql",
                "cypher": f"http://127.0.0.1:{peer_port}/cypher"}

        checks, targets = await check_pairs(urls, pairs)
        print_checks(checks)

        pids = {"api": 0, "falkordb": fdb_pid}
        if args.initial_warmup > 0:
            print(f"\nwarming up every query on every API ({args.initial_warmup:g} s each, 8 clients)", file=sys.stderr)
            for pair in pairs:
                for target in targets[pair.key]:
                    pids["api"] = dj.pid if target.api == "dangjian" else peer.pid
                    await load(target, 8, args.initial_warmup, 0, args.max_requests, pids)
        results: dict[str, dict] = {}
        total = len(pairs) * len(args.levels) * 3
        done = 0
        for pair in pairs:
            results[pair.key] = {}
            for index, level in enumerate(args.levels):
                runs = {}
                order = targets[pair.key] if index % 2 == 0 else list(reversed(targets[pair.key]))
                for target in order:
                    pids["api"] = dj.pid if target.api == "dangjian" else peer.pid
                    runs[target.api] = await load(target, level, args.duration, args.warmup, args.max_requests, pids)
                    done += 1
                    if server.process.poll() is not None:
                        raise RuntimeError(f"FalkorDB died during {pair.key} c={level} {target.api}:\n"
                                           f"{tail(server.log_file)}")
                    for name, process in (("dangjian", dj), ("peer", peer)):
                        if process.poll() is not None:
                            raise RuntimeError(f"{name} died during {pair.key} c={level}:\n"
                                               f"{tail(dj_log if name == 'dangjian' else peer_log)}")
                results[pair.key][level] = {api: runs[api] for api in ("dangjian", "peer", "cypher")}
                print(f"  [{done}/{total}] {pair.key} c={level}: " + ", ".join(
                    f"{api} {run['throughput_rps']:.0f} req/s p50 {run['p50_ms']:.1f} ms"
                    + (f" ({run['errors']} errors)" if run['errors'] else "")
                    for api, run in results[pair.key][level].items()), file=sys.stderr)

        async with httpx.AsyncClient(timeout=10) as client:
            setup["peer_healthz_after"] = (await client.get(f"http://127.0.0.1:{peer_port}/healthz")).json()
        table = render_table(results, checks)
        overhead = render_cypher_overhead(results)
        print()
        print(table)
        print()
        print(overhead)
        print_peer_notes(checks)

        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        output = args.output or RESULTS_DIR / f"peers-{stamp}.json"
        output.parent.mkdir(parents=True, exist_ok=True)
        setup["loadavg_end"] = os.getloadavg()
        document = {
            "kind": "dangjian-graph vs @neo4j/graphql on FalkorDB",
            "started": dt.datetime.fromtimestamp(started).isoformat(timespec="seconds"),
            "wall_seconds": round(time.time() - started, 1),
            "settings": {"quick": args.quick, "duration_s": args.duration, "warmup_s": args.warmup,
                         "initial_warmup_s": args.initial_warmup,
                         "max_requests": args.max_requests, "levels": list(args.levels), "shim": not args.no_shim},
            "versions": versions(server.socket_path),
            "setup": setup,
            "checks": checks,
            "results": {key: {str(level): runs for level, runs in levels.items()} for key, levels in results.items()},
            "table": table,
            "cypher_overhead": overhead,
        }
        output.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        print(f"\nwrote {output}")
        bad = [key for key, entry in checks.items() if entry["status"] != "same"]
        return 1 if bad else 0
    finally:
        processes.stop_all()
        if server is not None:
            server.stop()
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
