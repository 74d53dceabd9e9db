"""/graphql over HTTP (GraphQL-over-HTTP spec): Strawberry's ASGI view with the spec's media
types, status codes and request checks.

- The response media type comes from Accept (q-values): application/graphql-response+json when
  the client names it at least as high as application/json, application/json when Accept is
  missing, names only application/json, or only wildcards (`*/*`); 406 when it allows neither.
- A request error (document parse or validation failure, a variable's value, a bad parameter)
  is answered without `data`: status 400 under graphql-response+json, 200 under application/json.
- Once execution has begun the status is 200, `data` present (null if a root field failed);
  but 503 when the database could not be reached (an error with code SERVICE_UNAVAILABLE).
- What the HTTP request itself gets wrong is 4xx whatever the Accept (web/graphql_request.py):
  400 for a body that is not UTF-8, JSON or an object; 415 for a Content-Type other than
  application/json; 405 for methods other than GET and POST, and for a mutation sent by GET
  (with `Allow`); 413 for a body (or GET query string) past DANGJIAN_MAX_BODY_BYTES, refused
  by its Content-Length before it is read, or as soon as reading crosses the limit. The other
  limits of graph/limits.py (document length and tokens, variable nesting, string length) are
  request errors, answered as above.
- An exception outside execution is a 500 with an errorId (the log has the traceback).
- An anonymous write where anonymous reads are allowed (schema/access.py) is a 401 with
  `WWW-Authenticate: Bearer`, code UNAUTHENTICATED; web/auth.py refuses the other unauthenticated
  requests before they reach this view.
- With `graphiql` off (production), the GraphiQL page is a 404; with a persisted-query registry
  (web/persisted.py), `extensions.persistedQuery` names registered documents, and in production
  only they run.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from cross_web import HTTPException, parse_content_type
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from strawberry.asgi import GraphQL
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.unset import UNSET

from graph.backend import QueryLog
from graph.grants import grant_of_state
from schema.access import UNAUTHENTICATED
from schema.schema import (INTERNAL, INTERNAL_MESSAGE, SERVICE_UNAVAILABLE, internal_error_extensions, one_line,
                           report_internal)
from web.examples import example_tabs
from web.graphql_request import Refused, check_request_size, limited_receive, request_data
from web.persisted import PersistedQueries

LOG = logging.getLogger("dangjian")
GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
CONTENT_TYPES = {GRAPHQL_RESPONSE: f"{GRAPHQL_RESPONSE}; charset=utf-8", JSON: JSON}
WEB_DIR = Path(__file__).parent


def response_media_type(accept: str | None) -> str | None:
    """The media type to answer with, or None when Accept allows neither of ours.

    Each of ours takes the q of the most specific range that matches it (exact, then
    `application/*`, then `*/*`); the higher q wins. At equal q, application/graphql-response+json
    if the client named it (the spec's choice for clients that know it), else application/json
    (what clients sending only `*/*` have always had)."""
    if not accept or not accept.strip():
        return JSON
    best: dict[str, tuple[int, float]] = {}  # media type → (specificity, q) of its best range
    for part in accept.split(","):
        media_range, params = parse_content_type(part)
        try:
            q = float(params.get("q", "1"))
        except ValueError:
            continue
        if not 0 <= q <= 1:  # also NaN
            continue
        for media_type in CONTENT_TYPES:
            specificity = {media_type: 3, "application/*": 2, "*/*": 1}.get(media_range, 0)
            if specificity and (specificity, q) > best.get(media_type, (0, 0.0)):
                best[media_type] = (specificity, q)
    graphql_q, json_q = best.get(GRAPHQL_RESPONSE, (0, 0.0))[1], best.get(JSON, (0, 0.0))[1]
    if graphql_q == json_q == 0:
        return None
    if graphql_q != json_q:
        return GRAPHQL_RESPONSE if graphql_q > json_q else JSON
    return GRAPHQL_RESPONSE if best[GRAPHQL_RESPONSE][0] == 3 else JSON


def status_of(body: Any, media_type: str) -> int:
    """The status for a GraphQL response body (see the module docstring)."""
    if not isinstance(body, dict):
        return 200
    codes = {(error.get("extensions") or {}).get("code") for error in body.get("errors") or []}
    if SERVICE_UNAVAILABLE in codes:  # the database is down or restarting: retry, as for any 503
        return 503
    if UNAUTHENTICATED in codes:  # refused before execution: sign in, then retry
        return 401
    if "data" in body:
        return 200
    if INTERNAL in codes:
        return 500
    return 400 if media_type == GRAPHQL_RESPONSE else 200


def graphiql_page() -> str:
    template = (WEB_DIR / "static" / "graphiql.html").read_text()
    return template.replace("__DEFAULT_TABS__", json.dumps(example_tabs(), ensure_ascii=False))


class GraphQLView(GraphQL):
    """Strawberry's view with the checks and answers above. Context: the request, the backend,
    the request's grant (web/auth.py; the open grant when no middleware set one) and, in dev
    mode, a query log (shown in `extensions.cypher`)."""

    def __init__(self, schema: Any, dev_mode: bool, graphiql: bool = True,
                 persisted: PersistedQueries | None = None) -> None:
        super().__init__(schema, graphql_ide="graphiql")  # our page, see render_graphql_ide
        self.dev_mode, self.graphiql = dev_mode, graphiql
        self.persisted = persisted or PersistedQueries()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        # The body is read through limited_receive, so no reader can hold more than the limit.
        request = Request(scope, limited_receive(receive))
        media_type = response_media_type(request.headers.get("accept"))
        request.state.media_type = media_type
        try:
            check_request_size(request.method, request.headers.get("content-length"), scope["query_string"])
            response = await self.run(request)
        except Refused as refused:
            LOG.info("client error %s (%s %s): %s", refused.code, request.method, request.url.path,
                     one_line(refused.message))
            response = self.refusal(refused, media_type or JSON)
        except HTTPException as error:  # Strawberry's own refusals, should any remain
            response = self.refusal(Refused(error.reason, status=error.status_code), media_type or JSON)
        except Exception as error:  # a bug: answered as JSON with an errorId, not a bare 500
            error_id = report_internal(str(error), error, f"{request.method} {request.url.path}")
            message = str(error) if self.dev_mode else INTERNAL_MESSAGE
            body = {"errors": [{"message": message, "extensions": internal_error_extensions(error_id)}]}
            response = Response(self.encode_json(body), 500, media_type=CONTENT_TYPES[media_type or JSON])
        await response(scope, receive, send)

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        if self.is_websocket_request(request):
            return await super().run(request, context, root_value)
        if request.method not in ("GET", "POST"):
            raise Refused(f"{request.method} is not supported here: use GET or POST", status=405,
                          headers={"Allow": "GET, POST"})
        if self.should_render_graphql_ide(self.request_adapter_class(request)):
            if not self.graphiql:
                raise Refused("GraphiQL is off on this server: send a query", status=404, code="NOT_FOUND")
            return await self.render_graphql_ide(request)
        if request.state.media_type is None:
            raise Refused(f"Accept must allow {GRAPHQL_RESPONSE} or {JSON}", status=406)
        return await super().run(request, context, root_value)

    def should_render_graphql_ide(self, request: Any) -> bool:
        # A GET with only a persisted query's hash (no `query`) is a query, not a visit.
        return super().should_render_graphql_ide(request) and "extensions" not in request.query_params

    async def parse_http_body(self, request: Any) -> Any:
        body = b"" if request.method == "GET" else await request.get_body()
        return request_data(request.method, request.content_type, body, request.query_params,
                            prepare=self.persisted.apply)

    async def execute_single(self, **kwargs: Any) -> Any:
        try:
            return await super().execute_single(**kwargs)
        except HTTPException as error:  # Strawberry's answers to what its execute raised
            cause = error.__cause__
            if isinstance(cause, InvalidOperationTypeError):  # only GET allows fewer operation types
                raise Refused("a mutation cannot be sent by GET: use POST", status=405,
                              headers={"Allow": "POST"}) from None
            if isinstance(cause, CannotGetOperationTypeError):
                raise Refused(error.reason if cause.operation_name is not None else
                              "the document must hold one operation, or operationName must name one") from None
            if isinstance(cause, MissingQueryError):
                raise Refused("the request has no query: send the GraphQL document as `query`") from None
            raise

    async def process_result(self, request: Any, result: Any) -> Any:
        body = await super().process_result(request, result)
        # Refused before execution began (parse, validation, variables): no `data` entry at all,
        # as the GraphQL spec asks; errors during execution always have a path.
        if result.data is None and result.errors and all(error.path is None for error in result.errors):
            body.pop("data", None)
        return body

    async def get_sub_response(self, request: Any) -> Response:
        sub_response = await super().get_sub_response(request)
        sub_response.graphql_media_type = request.state.media_type  # for create_response
        return sub_response

    def create_response(self, response_data: Any, sub_response: Response) -> Response:
        media_type = sub_response.graphql_media_type
        if not sub_response.status_code:
            sub_response.status_code = status_of(response_data, media_type)
        response = super().create_response(response_data, sub_response)
        response.headers["content-type"] = CONTENT_TYPES[media_type]
        if response.status_code == 503:
            response.headers["retry-after"] = "1"
        if response.status_code == 401:
            response.headers["www-authenticate"] = 'Bearer realm="dangjian"'
        return response

    def refusal(self, refused: Refused, media_type: str) -> Response:
        status = refused.status or (400 if media_type == GRAPHQL_RESPONSE else 200)
        return Response(self.encode_json({"errors": [refused.error()]}), status, headers=refused.headers,
                        media_type=CONTENT_TYPES[media_type])

    async def get_context(self, request: Any, response: Any = None) -> dict[str, Any]:
        return {
            "request": request,
            "response": response,
            "backend": request.app.state.backend,
            "grant": grant_of_state(request.state),
            "query_log": QueryLog() if self.dev_mode else None,
        }

    async def render_graphql_ide(self, request: Any) -> HTMLResponse:
        return HTMLResponse(graphiql_page())
