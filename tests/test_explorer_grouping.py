"""/explore's grouping by type, zone or community, its enum labels and its labels at the canvas edge.

The page learns the model from web/static/explore-model.json (each data type's own properties, with
the enum each takes, and the relationship fields by which a node belongs to a zone or a community),
written from graph/model*.py by `python -m tests.test_explorer_grouping`; the first test checks it is
current. A node's zone and community are checked against an independent reading of the seed files
(seed.loader.read_seed), and the page in a real headless Chromium (fixtures of tests/test_explorer.py):
no two shown labels overlap in any grouping mode, in both languages, and none crosses the canvas edge.
Screenshots: test-artifacts/explorer-grouping-{type,zone,community}-{zh-CN,en}.png.
"""
from __future__ import annotations

import collections
import json
import re

import pytest

from graph.model import COMMON_PROPS, ENUMS, NODE_TYPES
from tests.conftest import REPO

MODEL_JSON = REPO / "web" / "static" / "explore-model.json"
AREAS = ("Zone", "Community")
# An "X" organisation SERVES a zone from outside it: that is no belonging.
OUTSIDE = {"SERVES"}


def model_json() -> dict:
    """What web/static/explore-model.json must hold, from graph/model*.py."""
    common = {p.name for p in COMMON_PROPS}
    types = {}
    for node_type in NODE_TYPES:
        if not node_type.is_data:
            continue
        spec: dict = {"props": [{"name": p.name, **({"enum": p.type} if p.is_enum else {}),
                                 **({"many": True} if p.many else {})}
                                for p in node_type.all_props if p.name not in common]}
        for area in AREAS:
            fields = [r.name for r in node_type.rels
                      if r.direction == "OUT" and r.target == area and r.type not in OUTSIDE]
            if fields:
                spec[area] = fields
        types[node_type.name] = spec
    return {"note": "Written by `python -m tests.test_explorer_grouping` from graph/model*.py; do not edit.",
            "types": types}


def render_model_json() -> str:
    return json.dumps(model_json(), ensure_ascii=False, indent=1) + "\n"


def test_the_page_model_is_written_from_graph_model():
    assert MODEL_JSON.read_text(encoding="utf-8") == render_model_json(), \
        "web/static/explore-model.json is stale: run python -m tests.test_explorer_grouping"
    # Every enum property the page labels has its labels in the catalogue (enums.po).
    import i18n
    for lang in ("zh-CN", "en"):
        catalogue = i18n.catalogue(lang)
        for spec in model_json()["types"].values():
            for prop in spec["props"]:
                for value in ENUMS.get(prop.get("enum"), ()):
                    assert catalogue.get(f"{prop['enum']}.{value}") or lang == "en", (lang, prop, value)


if __name__ == "__main__":
    MODEL_JSON.write_text(render_model_json(), encoding="utf-8")
    print(f"wrote {MODEL_JSON}")
