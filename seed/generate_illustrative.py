"""Generate the ILLUSTRATIVE seed files, seed/data/illustrative_*.yaml.

The 2015 article gives counts without names (22 zones, 113 organisations, 18 villages,
252 problems, 122 grids, 13/77/238 programmes). These files fill those counts with nodes
whose names say they are made up (示例…, "Illustrative …") so that queries have something
to return. Every choice is a pure function of an index (via SHA-256, not `random`), so
re-running gives byte-identical files on any Python version.

    python -m seed.generate_illustrative [--out DIR]
"""
from __future__ import annotations

import argparse
from pathlib import Path

from seed.illustrative_common import Counters, Doc, render
from seed.illustrative_escalations import escalations
from seed.illustrative_lists import lists
from seed.illustrative_towns import ZHANGCHA_COMMUNITIES, demands, grids, nanzhuang, parks, programmes, shiwan
from seed.illustrative_visits import visits
from seed.illustrative_zumiao import zumiao

OUT_DIR = Path(__file__).resolve().parent / "data"
PREFIX = "illustrative_"


def build() -> list[Doc]:
    counters = Counters()
    zumiao_doc, zumiao_communities = zumiao(counters)
    shiwan_doc, shiwan_communities = shiwan()
    nanzhuang_doc, villages, village_orgs = nanzhuang()
    communities = {"zumiao": zumiao_communities, "shiwan": shiwan_communities,
                   "zhangcha": list(ZHANGCHA_COMMUNITIES), "nanzhuang": villages}
    nanzhuang_demands = demands(villages, village_orgs)
    docs = [zumiao_doc, shiwan_doc, parks(counters), nanzhuang_doc, nanzhuang_demands,
            grids(communities), programmes(), lists(shiwan_communities)]
    # Every generated demand above LEAD gets its escalation; visits take Nanzhuang's demands.
    return docs + [escalations(*docs), visits(villages, nanzhuang_demands)]


def generate(out_dir: Path = OUT_DIR) -> list[Path]:
    """Write every illustrative_*.yaml into out_dir and return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for doc in build():
        path = out_dir / f"{PREFIX}{doc.topic}.yaml"
        path.write_text(render(doc), encoding="utf-8")
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="output directory (default: seed/data)")
    for path in generate(parser.parse_args().out):
        print(path)


if __name__ == "__main__":
    main()
