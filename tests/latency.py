"""What "stays fast" means in the tests of hostile and runaway requests: a simple query's p99
under 100 ms (issue 10's figure) or, on a machine busy with other work (CI beside other jobs),
under 4× the p99 it had just before, without the attack. A stall waits for the attacker, whole
seconds, and fails either way."""
from __future__ import annotations

import math
import time
from typing import Callable

FAST = 0.1  # seconds


def p99(latencies: list[float]) -> float:
    ordered = sorted(latencies)
    return ordered[math.ceil(0.99 * len(ordered)) - 1]


def baseline(request: Callable[[], object], times: int = 100) -> float:
    """The p99, in seconds, of `request()` run `times` times, with nothing else going on."""
    latencies = []
    for _ in range(times):
        started = time.perf_counter()
        request()
        latencies.append(time.perf_counter() - started)
    return p99(latencies)


def bound(before: float) -> float:
    return max(FAST, 4 * before)
