"""HTTP throughput and latency of `dangjian serve`, 1 and 2 workers, 1/8/32 clients.

    python -m bench.http [--preset seed] [--seconds 5] [--quick]

A bounded asyncio load loop (one keep-alive connection per client) on loopback.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

from bench.measure import rss_mb, summarise
from bench.queries import QUERIES
from bench.run import BENCH, RESULTS

HTTP_QUERIES = ("contract-01-peide", "contract-02-secretaries", "contract-03-villages", "contract-04-grids",
                "contract-05-zones-page", "nested-3-levels-100")
REPO = BENCH.parent


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(data_dir: Path, workers: int, graph: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "DANGJIAN_DATA_DIR": str(data_dir), "DANGJIAN_GRAPH": graph}
    env.pop("DANGJIAN_DATABASE_URL", None)
    process = subprocess.Popen([sys.executable, "-m", "web.cli", "serve", "--port", str(port), "--workers",
                                str(workers), "--no-seed"], cwd=REPO, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(6000):  # a city-scale graph takes a minute or two to load
        try:
            if httpx.get(url + "/healthz", timeout=30).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("dangjian serve did not start")


async def load(url: str, body: dict, clients: int, seconds: float) -> dict:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def client() -> None:
        nonlocal errors
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            await http.post("/graphql", json=body)  # warm the connection
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                response = await http.post("/graphql", json=body)
                latencies.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200 or "errors" in response.json():
                    errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    elapsed = time.perf_counter() - started
    return {"clients": clients, "requests": len(latencies), "errors": errors,
            "throughput_rps": round(len(latencies) / elapsed, 1), **summarise(latencies)}


def server_rss(process: subprocess.Popen) -> float:
    children = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True).stdout.split()
    return round(sum(rss_mb(int(pid)) or 0 for pid in [process.pid, *children]), 1)


async def main(preset: str, seconds: float, worker_counts: list[int], client_counts: list[int],
               data_dir: Path | None = None, graph: str = "bench") -> dict:
    data_dir = data_dir or BENCH / "data" / preset
    queries = [q for q in QUERIES if q.name in HTTP_QUERIES]
    rows = []
    for workers in worker_counts:
        process, url = start_server(data_dir, workers, graph)
        try:
            for query in queries:
                body = {"query": query.graphql, "variables": query.variables}
                for clients in client_counts:
                    result = await load(url, body, clients, seconds)
                    rows.append({"workers": workers, "query": query.name, **result})
            rss = server_rss(process)
            for row in rows:
                row.setdefault("server_rss_mb", rss)
        finally:
            process.terminate()
            process.wait(60)
    table = Table(title=f"HTTP · {preset} · {seconds:.0f} s per cell")
    for column in ("workers", "query", "clients", "req/s", "p50 ms", "p99 ms", "errors", "server RSS MB"):
        table.add_column(column)
    for r in rows:
        table.add_row(str(r["workers"]), r["query"], str(r["clients"]), f"{r['throughput_rps']:.0f}",
                      f"{r['p50']:.1f}", f"{r['p99']:.1f}", str(r["errors"]), str(r["server_rss_mb"]))
    Console(width=160).print(table)
    report = {"preset": preset, "seconds": seconds, "at": time.strftime("%Y-%m-%dT%H:%M:%S"), "rows": rows}
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"http-{preset}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(report, indent=1))
    print(f"wrote {path}")
    return report


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", default="seed")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--quick", action="store_true", help="1 s per cell, 1 worker, 1 and 8 clients")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--graph", default="bench")
    args = parser.parse_args()
    if args.quick:
        asyncio.run(main(args.preset, 1.0, [1], [1, 8], args.data_dir, args.graph))
    else:
        asyncio.run(main(args.preset, args.seconds, args.workers, args.clients, args.data_dir, args.graph))
