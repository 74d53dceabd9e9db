"""Root read resolvers: plan, compile, run once, and shape the rows for GraphQL."""
from __future__ import annotations

import logging
import time
from typing import Any

from graph.authorise import authorise_read
from graph.errors import Forbidden, QueryTimeout
from graph.grants import grant_of
from graph.model import TYPES, NodeType
from graph.plan import NodeByUidQuery
from resolvers.errors import forbidden, timeout
from resolvers.ids import from_global_id
from resolvers.plans import build_projection, plan_connection
from resolvers.selection import SelectionReader
from resolvers.shaping import Shaped, node_plan, shape_connection, shape_node

LOG = logging.getLogger("dangjian")


async def run_read(context: Any, plan: Any) -> list[dict[str, Any]]:
    """Rows of one read plan (graph/plan.py and its kin), rendered by the backend's dialect,
    after the authorisation pass has applied the request's grant to it (graph/authorise.py).
    Raises FORBIDDEN (naming the rule) when the grant may not read this at all."""
    backend = context["backend"]
    try:
        plan = authorise_read(plan, grant_of(context))
    except Forbidden as refused:
        raise forbidden(refused.field or "query", refused.reason, refused.rule) from None
    log = context.get("query_log")
    # Dev mode shows the statement; render it once here and hand the backend the result.
    query = backend.dialect.render(plan) if log is not None else plan
    started = time.perf_counter()
    try:
        rows = await backend.read(query)
    except QueryTimeout as stopped:
        text = backend.dialect.render(plan).text
        LOG.warning("%s: %s", stopped, text[:200].replace("\n", " "))
        raise timeout(stopped.reason) from None
    if log is not None:
        log.record(query, started)
    return rows


def reader_for(context: Any):
    """`run_read` bound to a request's context, for resolvers that read more than once."""

    async def read(query: Any) -> list[dict[str, Any]]:
        return await run_read(context, query)

    return read


async def resolve_connection(info: Any, node_type: NodeType, args: dict[str, Any] | None = None) -> Shaped:
    reader = SelectionReader(info)
    root = reader.root(info, args)
    plan, first = plan_connection(reader, root, node_type)
    rows: list[dict[str, Any]] = []
    if plan.limit or plan.want_total:
        rows = await run_read(info.context, plan)
    row = rows[0] if rows else {}
    page = list(row.get("page") or [])
    return Shaped(shape_connection(reader, root, plan, page[:first], row.get("total", 0), len(page) > first))


async def resolve_node(info: Any, global_id: str) -> dict[str, Any] | None:
    type_name, uid = from_global_id(global_id)
    node_type = TYPES.get(type_name)
    if node_type is None:
        return None
    reader = SelectionReader(info)
    projection = build_projection(reader, [reader.root(info)], node_type, "node")
    rows = await run_read(info.context, NodeByUidQuery(node_type, uid, projection))
    if not rows:
        return None
    return Shaped(shape_node(node_plan(reader, [reader.root(info)], projection), rows[0]["node"]))
