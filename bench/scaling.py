"""How the figures change from the seed to 10× and 100× of it (and the city, if asked).

    python -m bench.scaling [--presets seed x10 x100] [--quick]

Runs bench/run.py per preset, then plots p50 latency per query against graph size to
bench/results/scaling.png.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import time

from bench.run import RESULTS, main as run_suite


def plot(reports: list[dict], path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [r["memory"]["nodes"] for r in reports]
    figure, (latency, ratio) = plt.subplots(1, 2, figsize=(13, 5))
    names = [q["query"] for q in reports[0]["queries"]]
    for name in names:
        # More queries than the colour cycle has colours: research queries are dashed.
        style = {"marker": "o", "label": name, "linestyle": "--" if name.startswith("research") else "-"}
        p50 = [next(q for q in r["queries"] if q["query"] == name)["graphql"]["p50"] for r in reports]
        latency.plot(sizes, p50, **style)
        overheads = [next(q for q in r["queries"] if q["query"] == name).get("overhead") for r in reports]
        if all(o is not None for o in overheads):
            ratio.plot(sizes, overheads, **style)
    for axis, title in ((latency, "GraphQL p50 (ms), in-process"), (ratio, "GraphQL p50 ÷ hand-written Cypher p50")):
        axis.set_xscale("log")
        axis.set_xlabel("nodes in the graph")
        axis.set_title(title)
        axis.grid(True, alpha=0.3)
    latency.set_yscale("log")
    ratio.axhline(1.3, color="red", linestyle="--", linewidth=1, label="target 1.3×")
    latency.legend(fontsize=7)
    ratio.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=110)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--presets", nargs="+", default=["seed", "x10", "x100"])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    reports = [asyncio.run(run_suite(preset, args.quick, None)) for preset in args.presets]
    RESULTS.mkdir(exist_ok=True)
    plot(reports, RESULTS / "scaling.png")
    summary = RESULTS / f"scaling-{time.strftime('%Y%m%d-%H%M%S')}.json"
    summary.write_text(json.dumps(reports, indent=1, ensure_ascii=False))
    print(f"wrote {RESULTS / 'scaling.png'} and {summary}")
