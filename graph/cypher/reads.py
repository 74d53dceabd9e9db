"""Root reads rendered: a connection page with its total, and one node by uid."""
from __future__ import annotations

from graph.cypher.builder import CypherBuilder, quote
from graph.cypher.registry import renders
from graph.plan import And, Compare, CompiledQuery, ConnectionQuery, NodeByUidQuery


@renders(ConnectionQuery)
def compile_connection(query: ConnectionQuery, dialect=None) -> CompiledQuery:
    """One statement for a root connection: the page (when limit > 0) and the total."""
    b = CypherBuilder(dialect)
    want_page = query.limit > 0
    if query.want_total and not want_page:
        return CompiledQuery(" ".join(b.filtered_match("n", query.node_type, query.where))
                             + "\nRETURN count(n) AS total", b.params)
    if query.want_total and query.where is not None:
        # Filter once, count the matches, and page through them: a filtered count run
        # separately would repeat the whole match (city scale: contract 02 ~2× the work).
        lines = b.filtered_match("this", query.node_type, query.where)
        lines += ["WITH collect(this) AS matched",
                  "CALL { WITH matched UNWIND matched AS this"]
        lines += _page(b, query, "WITH this WHERE " + b.after("this", query.sort, query.after) if query.after else None)
        lines += ["RETURN page }", "RETURN page, size(matched) AS total"]
        return CompiledQuery("\n".join(lines), b.params)
    extra = b.after("this", query.sort, query.after) if query.after else None
    lines = b.filtered_match("this", query.node_type, query.where, extra) + _page(b, query, None)
    if query.want_total:  # unfiltered: the engine counts a label without visiting it
        counted = " ".join(b.filtered_match("n", query.node_type, None))
        lines.append(f"CALL {{ {counted} RETURN count(n) AS total }}")
    lines.append("RETURN page" + (", total" if query.want_total else ""))
    return CompiledQuery("\n".join(lines), b.params)


def _page(b: CypherBuilder, query: ConnectionQuery, cursor_filter: str | None) -> list[str]:
    """Order, limit, project, and collect the nodes into `page`. The projection includes the
    sort properties (the planner adds them), so each node's cursor comes from the node itself."""
    lines = [cursor_filter] if cursor_filter else []
    order = b.order_by("this", query.sort)
    lines.append("WITH this" + order + f" LIMIT {b.param(query.limit)}")
    batched, done = b.batched_selections("this", query.projection, order)
    calls: list[str] = []
    node = b.projection("this", query.projection, calls, done)
    lines += batched + calls
    lines.append(f"WITH collect({node}) AS page")
    return lines


@renders(NodeByUidQuery)
def compile_node_by_uid(query: NodeByUidQuery, dialect=None) -> CompiledQuery:
    b = CypherBuilder(dialect)
    if query.where is None:
        lines = [f"MATCH (this:{quote(query.node_type.label)}) WHERE this.uid = {b.param(query.uid)}"]
    else:  # the grant's visibility (graph/authorise.py): no row for a node it cannot see
        uid = Compare(query.node_type.prop("uid"), "eq", query.uid)
        lines = b.filtered_match("this", query.node_type, And((uid, query.where)))
    calls: list[str] = []
    node = b.projection("this", query.projection, calls)
    lines += calls
    lines.append(f"RETURN {node} AS node LIMIT 1")
    return CompiledQuery("\n".join(lines), b.params)
