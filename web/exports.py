"""Neighbourhood exports for graph tools: Cytoscape.js JSON, GraphML and GEXF.

`GET /export/{id}.{ext}` exports the ego network of one node (query parameters `depth`,
`types`, `limit`); `GET /export/town/{uid}.{ext}` exports a whole town (depth 2). Without an
extension the `Accept` header picks the format. Node ids are GraphQL global ids and edge ids
are `source|TYPE|target`, the same in every format and as `nodeId` / edge `id` in the GraphQL `neighbourhood` field.
"""
from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from typing import Any, Callable

import networkx
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

import i18n
from graph.errors import DatabaseUnavailable
from graph.grants import grant_of_state
from graph.validation import xml_safe
from i18n import Message
from resolvers.errors import coded
from web.import_language import said
from resolvers.ids import to_global_id
from resolvers.network import DEFAULT_NODES, MAX_NODES, neighbourhood
from resolvers.read import reader_for

TOWN_DEPTH = 2
TOWN_LIMIT = MAX_NODES


@dataclass(frozen=True)
class ExportFormat:
    name: str
    media_type: str
    render: Callable[[networkx.MultiDiGraph], bytes]


def to_networkx(subgraph: dict[str, Any], focus: str) -> networkx.MultiDiGraph:
    """One node per global id, one keyed edge per relationship (two nodes may share several).
    Text is passed through xml_safe: whatever is stored (a control character written before
    the rules, or by another writer), no format may carry a character XML 1.0 forbids."""
    graph = networkx.MultiDiGraph(focus=focus, truncated=subgraph["truncated"])
    for node in subgraph["nodes"]:
        graph.add_node(
            node["id"], label=node["label"], name=xml_safe(node["name"] or ""),
            nameEn=xml_safe(node["nameEn"] or ""),  # GraphML and GEXF cannot hold None
            uid=xml_safe(node["uid"]), source=node["source"],
        )
    for edge in subgraph["edges"]:
        graph.add_edge(edge["source"], edge["target"], key=edge["id"], id=edge["id"], type=edge["type"])
    return graph


def render_cytoscape(graph: networkx.MultiDiGraph) -> bytes:
    # Each edge keeps networkx's `key` (its id): networkx.cytoscape_graph keys a multigraph's
    # edges by it, and without it a member's MEMBER_OF and SECRETARY_OF links to one
    # organisation would collapse into one edge.
    document = networkx.cytoscape_data(graph)
    document["data"] = dict(graph.graph)  # networkx gives pairs; Cytoscape.js wants an object
    return json.dumps(document, ensure_ascii=False).encode()


def _labelled_by_name(graph: networkx.MultiDiGraph) -> networkx.MultiDiGraph:
    """Nodes as yEd and Gephi show them: `label` is the name, the node's type is in `type`."""
    named = networkx.MultiDiGraph(**graph.graph)
    for node_id, attrs in graph.nodes(data=True):
        named.add_node(node_id, **{**attrs, "label": attrs["name"], "type": attrs["label"]})
    return named


def render_graphml(graph: networkx.MultiDiGraph) -> bytes:
    graphml = _labelled_by_name(graph)
    graphml.add_edges_from(graph.edges(keys=True, data=True))
    buffer = io.BytesIO()
    networkx.write_graphml(graphml, buffer, encoding="utf-8")
    return buffer.getvalue()


def render_gexf(graph: networkx.MultiDiGraph) -> bytes:
    # GEXF also reserves an edge's `type` (directed/undirected): the relationship type is the
    # edge's label and its `relationship`.
    gexf = _labelled_by_name(graph)
    gexf.graph.clear()
    for source, target, key, attrs in graph.edges(keys=True, data=True):
        gexf.add_edge(source, target, key=key, id=attrs["id"], label=attrs["type"], relationship=attrs["type"])
    buffer = io.BytesIO()
    networkx.write_gexf(gexf, buffer, encoding="utf-8")
    return buffer.getvalue()


CYTOSCAPE = ExportFormat("cyjs", "application/json", render_cytoscape)
GRAPHML = ExportFormat("graphml", "application/graphml+xml", render_graphml)
GEXF = ExportFormat("gexf", "application/gexf+xml", render_gexf)
BY_EXTENSION = {"cyjs": CYTOSCAPE, "json": CYTOSCAPE, "graphml": GRAPHML, "gexf": GEXF}
BY_MEDIA_TYPE = {f.media_type: f for f in (CYTOSCAPE, GRAPHML, GEXF)}
SUPPORTED = "extensions .cyjs, .json, .graphml, .gexf; Accept: " + ", ".join(BY_MEDIA_TYPE)


class ExportError(Exception):
    """An export that cannot be made: status, message (an i18n.Message, said in the reader's
    language by error_response) after the parameter it is about (`field`), and the code of a 503
    or 504."""

    def __init__(self, status: int, message: str, code: str | None = None, field: str | None = None) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.status, self.message, self.code, self.field = status, message, code, field

    def say(self, lang: str) -> str:
        text = said(self.message, lang)
        return f"{self.field}: {text}" if self.field else text


def split_extension(name: str) -> tuple[str, str | None]:
    """Global ids and uids carry no dots, so the last dot starts the extension."""
    stem, dot, extension = name.rpartition(".")
    return (stem, extension.lower()) if dot else (name, None)


def choose_format(extension: str | None, accept: str) -> ExportFormat:
    if extension is not None:
        if extension not in BY_EXTENSION:
            raise ExportError(406, Message("unknown export format {extension!r}; supported: {supported}",
                                           extension=extension, supported=SUPPORTED))
        return BY_EXTENSION[extension]
    for media_type in accepted_media_types(accept):
        if media_type in BY_MEDIA_TYPE:
            return BY_MEDIA_TYPE[media_type]
        if media_type in ("*/*", "application/*"):
            return CYTOSCAPE
    raise ExportError(406, Message("none of the accepted media types ({accept!r}) can be exported; supported: "
                                   "{supported}", accept=accept, supported=SUPPORTED))


def accepted_media_types(accept: str) -> list[str]:
    """Media types from an Accept header, most preferred first; q=0 means 'not this one'."""
    if not accept.strip():
        return ["*/*"]
    weighted = []
    for position, part in enumerate(accept.split(",")):
        media_type, *params = [p.strip() for p in part.split(";")]
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media_type and quality > 0:
            weighted.append((-quality, position, media_type.lower()))
    return [media_type for _, _, media_type in sorted(weighted)]


INTEGER = re.compile(r"-?[0-9]+")  # ASCII digits: int() would also read "١" (Arabic-Indic one) and " 1"


def integer_param(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    if not INTEGER.fullmatch(raw):
        raise ExportError(400, Message("must be a whole number written with the digits 0-9, got {text!r}", text=raw),
                          field=name)
    if len(raw.lstrip("-")) > 9:  # every limit is far smaller; int() refuses past 4,300 digits
        raise ExportError(400, Message("{raw} is far out of range", raw=raw[:20] + ("…" if len(raw) > 20 else "")),
                          field=name)
    return int(raw)


def types_param(request: Request) -> list[str] | None:
    raw = request.query_params.get("types", "")
    return [t.strip() for t in raw.split(",") if t.strip()] or None


# GraphQL argument names in resolver errors → this endpoint's query parameter names.
PARAMETER_NAMES = {"relationshipTypes": "types"}


async def export_subgraph(request: Request, global_id: str, depth: int, limit: int) -> dict[str, Any]:
    # The grant web/auth.py put on the request: the reads are the grant's (graph/authorise.py).
    read = reader_for({"backend": request.app.state.backend, "grant": grant_of_state(request.state)})
    try:
        return await neighbourhood(read, global_id, depth, types_param(request), limit)
    except DatabaseUnavailable:  # down or restarting (the backend logs it): retry later
        raise ExportError(503, Message("the database is unavailable; try again shortly"),
                          "SERVICE_UNAVAILABLE") from None
    except GraphQLError as error:
        said = coded(error)  # ours carry their reason as an i18n.Message
        if (error.extensions or {}).get("code") == "TIMEOUT":  # the database stopped a read
            raise ExportError(504, said.reason if said else error.message, "TIMEOUT") from None
        field = (error.extensions or {}).get("field", "")
        reason = said.reason if said else error.message.removeprefix(f"{field}: ")
        if field == "id":  # a malformed id or one that names no node
            raise ExportError(404, Message("no node with id {global_id!r}", global_id=global_id)) from None
        raise ExportError(400, reason, field=PARAMETER_NAMES.get(field, field)) from None


def safe_file_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_") or "graph"


def export_response(subgraph: dict[str, Any], export_format: ExportFormat, file_stem: str,
                    extension: str | None) -> Response:
    focus = subgraph["nodes"][0]["id"]  # the start node is always added first
    body = export_format.render(to_networkx(subgraph, focus))
    file_name = f"{safe_file_name(file_stem)}.{extension or export_format.name}"
    headers = {
        "Content-Disposition": f'attachment; filename="{file_name}"',
        "X-Truncated": "true" if subgraph["truncated"] else "false",
        "Vary": "Accept",
    }
    media_type = export_format.media_type + ("; charset=utf-8" if export_format is not CYTOSCAPE else "")
    return Response(body, media_type=media_type, headers=headers)


def error_response(error: ExportError, request: Request) -> JSONResponse:
    """`{error, errorEn, code?}`: `error` in the request's Accept-Language (English without one, as
    /graphql's), `errorEn` in English; a 503 (SERVICE_UNAVAILABLE) or 504 (TIMEOUT) says so in `code`."""
    lang = i18n.error_language(request.headers.get("accept-language"))
    body = {"error": error.say(lang), "errorEn": str(error)}
    if error.code is not None:
        body["code"] = error.code
    headers = {"Retry-After": "1"} if error.status == 503 else None
    return JSONResponse(body, status_code=error.status, headers=headers)


async def export_node(request: Request) -> Response:
    global_id, extension = split_extension(request.path_params["name"])
    try:
        export_format = choose_format(extension, request.headers.get("accept", ""))
        depth = integer_param(request, "depth", 1)
        limit = integer_param(request, "limit", DEFAULT_NODES)
        subgraph = await export_subgraph(request, global_id, depth, limit)
    except ExportError as error:
        return error_response(error, request)
    uid = subgraph["nodes"][0]["uid"]
    return export_response(subgraph, export_format, f"{uid}-depth{depth}", extension)


async def export_town(request: Request) -> Response:
    uid, extension = split_extension(request.path_params["name"])
    try:
        export_format = choose_format(extension, request.headers.get("accept", ""))
        depth = integer_param(request, "depth", TOWN_DEPTH)
        limit = integer_param(request, "limit", TOWN_LIMIT)
        subgraph = await export_subgraph(request, to_global_id("Town", uid), depth, limit)
    except ExportError as error:
        if error.status == 404:
            error = ExportError(404, Message("no town with uid {uid!r}", uid=uid))
        return error_response(error, request)
    return export_response(subgraph, export_format, uid, extension)
