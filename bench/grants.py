"""What the authorisation pass costs: the same reads under each kind of grant.

    python -m bench.grants [--preset seed|x10|x100|city] [--iterations 50]

Runs each query in process (one round trip each) under the open grant, a viewer (masks), a
researcher limited to one town but reading the whole district (masks unless the node is in the
town: a town test per member), and viewers whose reads are limited to one or two towns
(visibility ANDed into every match). Prints p50/p95 in milliseconds; the grants of one query are
measured in turn, so the machine's load weighs on each alike.
"""
from __future__ import annotations

import argparse
import asyncio
import os
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.measure import timed_together
from bench.run import prepare
from graph.backend import Settings, connected
from graph.grants import OPEN, Grant
from schema.schema import build_schema

BENCH = Path(__file__).resolve().parent
GRANTS = {
    "open": OPEN,
    "viewer": Grant("viewer", "v"),
    "researcher, 1 town, reads district": Grant("researcher", "r", ("town-nanzhuang",), reads_scoped=False),
    "viewer, reads 1 town": Grant("viewer", "v", ("town-zumiao",)),
    "viewer, reads 2 towns": Grant("viewer", "v", ("town-zumiao", "town-nanzhuang")),
}
QUERIES = {
    "members page (100, name, memberOf)": "{ members(first: 100) { totalCount nodes { uid name memberOf { uid } } } }",
    "zones with 1+N+X": "{ zones(first: 100) { nodes { uid lead { uid } internalOrganisations { uid } "
                        "externalOrganisations { uid } } } }",
    "organisations' members (nested)": "{ organisations(first: 50) { nodes { uid members { name } } } }",
    "search 示例": '{ search(text: "示例", first: 20) { uid name } }',
    "demandStatistics by town": "{ demandStatistics(groupBy: TOWN) { collected resolved } }",
}


async def main(preset: str, iterations: int, data_dir: Path | None = None) -> None:
    if data_dir is not None:
        os.environ["DANGJIAN_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DANGJIAN_DATA_DIR", str(BENCH / "data" / preset))
    settings = Settings.from_env()
    schema = build_schema()
    console = Console()
    table = Table(title=f"Reads under each grant ({preset}, p50 / p95 ms, {iterations} runs)")
    table.add_column("query")
    for name in GRANTS:
        table.add_column(name, justify="right")
    async with connected(settings) as backend:
        await prepare(backend, preset)

        def run(query: str, grant: Grant):
            async def once():
                result = await schema.execute(query, context_value={"backend": backend, "grant": grant})
                assert not result.errors, result.errors
            return once

        for label, query in QUERIES.items():
            figures = await timed_together({name: run(query, grant) for name, grant in GRANTS.items()}, iterations)
            table.add_row(label, *(f"{figures[name]['p50']:.2f} / {figures[name]['p95']:.2f}" for name in GRANTS))
    console.print(table)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="seed")
    parser.add_argument("--iterations", type=int, default=50)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.preset, arguments.iterations))
