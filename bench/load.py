"""A bounded soak test: 8 clients for 3 minutes, mixing reads and writes, against a real
`dangjian serve` on loopback. Prints errors, throughput, latency by kind and the server's
memory over time (every 10 s), and writes JSON to bench/results/.

    python -m bench.load [--seconds 180] [--clients 8] [--data-dir DIR]

The mix, per client, round robin: the five contract queries, a research query
(zoneComposition, demandStatistics, search), and a write cycle on a zone of the client's own
(create, update, connect, disconnect, delete) plus a demand raised, assigned and resolved.
Each write adds an AuditEntry and each raised demand stays, so the graph grows; the memory
figures are read against that growth (nodes per sample).
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

from bench.http import REPO, server_rss, start_server
from bench.measure import rss_mb, summarise
from bench.run import RESULTS

CONTRACT_DIR = REPO.parent / "shared" / "contract"
RESEARCH = [
    "{ zoneComposition(where: { isDemonstration: { eq: true } }, first: 2) { totalCount absorbedOrganisations } }",
    "{ demandStatistics(groupBy: TOWN) { collected resolved groups { key collected } } }",
    '{ search(text: "peide") { id nodeId rank } }',
]


def _writes(client: int, cycle: int) -> list[tuple[str, dict]]:
    zone, demand = f"load-zone-{client}-{cycle}", f"load-demand-{client}-{cycle}"
    return [
        ("mutation($u: String!) { createZone(input: { uid: $u, name: \"示例压测片区\", isDemonstration: false,"
         " town: \"town-zumiao\" }) { uid } }", {"u": zone}),
        ("mutation($u: String!) { updateZone(uid: $u, input: { nameEn: \"Illustrative load zone\", isPilot: true })"
         " { nameEn } }", {"u": zone}),
        ("mutation($u: String!) { connectZone(uid: $u, relationship: externalOrganisations,"
         " targets: [\"org-chancheng-district-committee\"]) { uid } }", {"u": zone}),
        ("mutation($u: String!) { updateZone(uid: $u, input: { nameEn: null, isPilot: null }) { uid } }", {"u": zone}),
        ("mutation($u: String!) { deleteZone(uid: $u) { deleted } }", {"u": zone}),
        ("mutation($u: String!) { raiseDemand(input: { uid: $u, name: \"示例压测诉求\", category: OTHER,"
         " community: \"community-zhangcha-jiangwan\" }) { status } }", {"u": demand}),
        ("mutation($u: String!) { assignDemand(uid: $u, department: \"dept-urban-management\") { status } }",
         {"u": demand}),
        ("mutation($u: String!) { resolveDemand(uid: $u, department: \"dept-urban-management\") { status } }",
         {"u": demand}),
    ]


async def soak(url: str, clients: int, seconds: float, process) -> dict:
    contract = [(p.read_text(), {}) for p in sorted(CONTRACT_DIR.glob("*.graphql"))]
    latencies: dict[str, list[float]] = {"read": [], "research": [], "write": []}
    errors: list[str] = []
    deadline = time.perf_counter() + seconds

    async def client(number: int) -> None:
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            for cycle in itertools.count():
                batch = [("read", q) for q in contract] + [("research", (RESEARCH[cycle % 3], {}))] + \
                        [("write", w) for w in _writes(number, cycle)]
                for kind, (query, variables) in batch:
                    if time.perf_counter() >= deadline:
                        return
                    started = time.perf_counter()
                    response = await http.post("/graphql", json={"query": query, "variables": variables})
                    latencies[kind].append((time.perf_counter() - started) * 1000)
                    if response.status_code != 200 or "errors" in response.json():
                        errors.append(response.text[:300])

    async def sample_memory(samples: list[dict]) -> None:
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            while time.perf_counter() < deadline:
                nodes = (await http.get("/healthz")).json().get("nodes")
                total = server_rss(process)
                python = rss_mb(process.pid) or 0.0
                samples.append({"t": round(seconds - (deadline - time.perf_counter())), "rss_mb": total,
                                "python_rss_mb": python, "engine_rss_mb": round(total - python, 1), "nodes": nodes})
                await asyncio.sleep(10)

    memory: list[dict] = []
    started = time.perf_counter()
    await asyncio.gather(sample_memory(memory), *(client(i) for i in range(clients)))
    elapsed = time.perf_counter() - started
    total = sum(len(v) for v in latencies.values())
    return {"clients": clients, "seconds": round(elapsed, 1), "requests": total, "errors": len(errors),
            "first_errors": errors[:5], "throughput_rps": round(total / elapsed, 1),
            "latency_ms": {kind: summarise(values) for kind, values in latencies.items() if values},
            "memory": memory}


async def main(seconds: float, clients: int, data_dir: Path | None) -> dict:
    data_dir = data_dir or Path(tempfile.mkdtemp(prefix="dangjian-load-"))
    env = {**os.environ, "DANGJIAN_DATA_DIR": str(data_dir), "DANGJIAN_GRAPH": "load"}
    env.pop("DANGJIAN_DATABASE_URL", None)
    subprocess.run([sys.executable, "-m", "web.cli", "seed"], cwd=REPO, env=env, check=True,
                   stdout=subprocess.DEVNULL)  # loads the seed into an empty graph, idempotent
    process, url = start_server(data_dir, 1, "load")
    try:
        httpx.post(url + "/graphql", json={"query": "{ towns { totalCount } }"}, timeout=30)
        result = await soak(url, clients, seconds, process)
    finally:
        process.terminate()
        process.wait(60)
    table = Table(title=f"soak · {clients} clients · {result['seconds']} s · {result['requests']} requests · "
                        f"{result['throughput_rps']} req/s · {result['errors']} errors")
    for column in ("kind", "n", "p50 ms", "p95 ms", "p99 ms"):
        table.add_column(column)
    for kind, stats in result["latency_ms"].items():
        table.add_row(kind, str(stats["n"]), f"{stats['p50']:.1f}", f"{stats['p95']:.1f}", f"{stats['p99']:.1f}")
    Console(width=120).print(table)
    for sample in result["memory"]:
        print(f"t={sample['t']:>4} s  server RSS {sample['rss_mb']:>7} MB (Python {sample['python_rss_mb']:>6},"
              f" engine {sample['engine_rss_mb']:>6})  nodes {sample['nodes']}")
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"load-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(result, indent=1, ensure_ascii=False))
    print(f"wrote {path}")
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=180.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--data-dir", type=Path, help="default: a new temporary directory (a fresh seed graph)")
    args = parser.parse_args()
    asyncio.run(main(args.seconds, args.clients, args.data_dir))
