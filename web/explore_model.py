"""GET /static/explore-model.json: what the explorer knows of the model, from graph/model*.py.

    {"types": {"Community": {"props": [{"name": "kind", "enum": "CommunityKind"}, …],
                             "Zone": ["IN_ZONE"]}, …}}

Per data type: its own properties (the common ones, uid/name/source…, left out), with the enum a
property's values come from (the page labels them from the catalogue, msgid `Enum.VALUE`) and
`many` for a list; and the relationships by which a node of the type belongs to a zone or a
community (outgoing, to Zone or Community; SERVES is an "X" serving a zone from outside, no
belonging). Computed from the model when first asked for, so it never goes stale. Public: the
model is the schema's, which GraphiQL shows anyway when introspection is on.
"""
from __future__ import annotations

import json
from functools import lru_cache

from starlette.requests import Request
from starlette.responses import Response

from graph.model import COMMON_PROPS, NODE_TYPES

AREAS = ("Zone", "Community")
OUTSIDE = {"SERVES"}  # an "X" organisation SERVES a zone from outside: that is no belonging


def model_json() -> dict:
    """The JSON above, as a dict."""
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
    return {"types": types}


@lru_cache(maxsize=1)
def _body() -> bytes:
    return json.dumps(model_json(), ensure_ascii=False, sort_keys=True).encode("utf-8")


async def explore_model(request: Request) -> Response:
    return Response(_body(), media_type="application/json; charset=utf-8",
                    headers={"Cache-Control": "public, max-age=300"})
