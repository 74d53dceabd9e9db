"""Timing helpers: translation probes, latency percentiles, call counting, RSS."""
from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any, Awaitable, Callable


class TranslationProbe:
    """A backend that records when the first statement arrives and answers it with no rows.
    (Raising instead made Strawberry log a traceback per sample, which slowed the samples.)"""

    name = "probe"
    fulltext_search = False

    def __init__(self) -> None:
        self.arrived: float | None = None

    async def read(self, query) -> list:
        if self.arrived is None:
            self.arrived = time.perf_counter()
        return []


class CountingBackend:
    """The real backend, counting round trips."""

    def __init__(self, backend) -> None:
        self.backend, self.calls = backend, 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.backend, name)

    async def read(self, query):
        self.calls += 1
        return await self.backend.read(query)


async def timed(run: Callable[[], Awaitable[Any]], iterations: int, warmup: int = 3) -> dict[str, float]:
    """p50/p95/mean of `run` in milliseconds."""
    for _ in range(warmup):
        await run()
    samples = []
    for _ in range(iterations):
        started = time.perf_counter()
        await run()
        samples.append((time.perf_counter() - started) * 1000)
    return summarise(samples)


async def timed_together(runs: dict[str, Callable[[], Awaitable[Any]]], iterations: int,
                         warmup: int = 3) -> dict[str, dict[str, float]]:
    """`timed` for several runs taken in turn, so that a change in the machine's load during
    the measurement (this machine is shared) weighs on each of them alike."""
    for _ in range(warmup):
        for run in runs.values():
            await run()
    samples: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(iterations):
        for name, run in runs.items():
            started = time.perf_counter()
            await run()
            samples[name].append((time.perf_counter() - started) * 1000)
    return {name: summarise(taken) for name, taken in samples.items()}


def summarise(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def pick(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return {"p50": round(statistics.median(ordered), 3), "p95": round(pick(0.95), 3),
            "p99": round(pick(0.99), 3), "mean": round(statistics.fmean(ordered), 3), "n": len(ordered)}


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None
