"""Load generation: a bounded closed loop of concurrent clients, with latency and CPU accounting."""
from __future__ import annotations

import asyncio
import contextlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

import httpx


@dataclass
class Target:
    """One measurable request: an API, a URL and a fixed JSON body."""

    api: str
    url: str
    body: bytes


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads), in seconds."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def machine_busy_seconds() -> float:
    """CPU seconds spent by everything on the machine (all CPUs), from /proc/stat."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    except (OSError, ValueError):
        return float("nan")
    user, nice, system, idle, iowait, irq, softirq, steal = values
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[index]


async def load(target: Target, concurrency: int, duration: float, warmup: float, max_requests: int,
               pids: dict[str, int]) -> dict:
    """Closed loop: `concurrency` clients, each sending its next request when the last one answers.

    Bounded both ways: it stops at `duration` seconds or `max_requests` requests, whichever is first
    (and every request times out after 10 s)."""
    # One httpx client (one keep-alive connection) per simulated client: a single shared pool costs
    # the load generator ~3x more CPU per request at 32 connections, on the machine being measured.
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    headers = {"content-type": "application/json"}
    clients = [httpx.AsyncClient(timeout=10, limits=limits) for _ in range(concurrency)]
    async with contextlib.AsyncExitStack() as stack:
        for client in clients:
            await stack.enter_async_context(client)

        async def run(seconds: float, cap: int, record: bool) -> tuple[list[float], int, int, float, str | None]:
            latencies: list[float] = []
            counters = {"sent": 0, "errors": 0}
            first_error: list[str] = []
            deadline = time.perf_counter() + seconds

            async def client_loop(client: httpx.AsyncClient) -> None:
                while counters["sent"] < cap and time.perf_counter() < deadline:
                    counters["sent"] += 1
                    started = time.perf_counter()
                    try:
                        response = await client.post(target.url, content=target.body, headers=headers)
                        ok = response.status_code == 200 and b'"errors"' not in response.content
                        if not ok and not first_error:
                            first_error.append(f"HTTP {response.status_code}: {response.text[:200]}")
                    except httpx.HTTPError as error:
                        ok = False
                        if not first_error:
                            first_error.append(f"{type(error).__name__}: {error}")
                    if ok:
                        if record:
                            latencies.append(time.perf_counter() - started)
                    else:
                        counters["errors"] += 1

            began = time.perf_counter()
            await asyncio.gather(*(client_loop(client) for client in clients))
            elapsed = time.perf_counter() - began
            return latencies, counters["sent"], counters["errors"], elapsed, (first_error[0] if first_error else None)

        if warmup > 0:
            await run(warmup, max_requests, record=False)
        cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        client_cpu_before = time.process_time()
        machine_before = machine_busy_seconds()
        latencies, sent, errors, elapsed, first_error = await run(duration, max_requests, record=True)
        machine_busy = machine_busy_seconds() - machine_before
        client_cpu = time.process_time() - client_cpu_before
        cpu = {name: cpu_seconds(pid) - cpu_before[name] for name, pid in pids.items()}
    # CPU that neither the servers under test nor this client used: other work on the machine.
    foreign = max(0.0, machine_busy - client_cpu - sum(cpu.values()))
    latencies.sort()
    ok = len(latencies)
    result = {
        "concurrency": concurrency,
        "requests": sent,
        "ok": ok,
        "errors": errors,
        "seconds": round(elapsed, 3),
        "throughput_rps": round(ok / elapsed, 1) if elapsed > 0 else 0.0,
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 2),
        "p90_ms": round(percentile(latencies, 0.90) * 1000, 2),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
        "max_ms": round(latencies[-1] * 1000, 2) if latencies else float("nan"),
        "client_cpu_ms_per_req": round(client_cpu * 1000 / sent, 3) if sent else None,
        "cpu_ms_per_req": {name: round(seconds * 1000 / ok, 3) if ok else None for name, seconds in cpu.items()},
        "foreign_cpu_share": round(foreign / (elapsed * (os.cpu_count() or 1)), 3) if elapsed > 0 else None,
    }
    if first_error:
        result["first_error"] = first_error
    return result
