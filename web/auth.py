"""Who is asking: the middleware that turns a request's credentials into its Grant.

For /graphql, /export/…, /reports/… and /import (every method but OPTIONS; the GraphiQL page itself needs
no token), before the body is read:

    Authorization: Bearer dj_…      an API key (graph/api_keys.py), checked against the graph
    Authorization: Bearer <JWT>     a token from the identity provider (web/jwt_auth.py)
    nothing                         the open grant in dev and open mode; in production the
                                    anonymous viewer with DANGJIAN_PUBLIC_READ=1, else 401

The grant is put in the ASGI scope's state (`request.state.grant`); web/graphql_http.py passes it
on as the GraphQL context's `grant`, web/exports.py to its reads. Refusals, before any work:

    401 UNAUTHENTICATED   no credentials in production (without public reads), or credentials
                          that do not verify: the reason, `WWW-Authenticate: Bearer …`
    429 RATE_LIMITED      past the grant's role rate (per subject; an anonymous reader's and a
                          failed authentication's per client address), with `Retry-After`
    503 SERVICE_UNAVAILABLE  the database (API keys) or the provider's keys (JWTs) unreachable

/graphql answers with a GraphQL error body in the media type Accept asks for; /export with
`{error, code}`. The open grant is never rate limited.
"""
from __future__ import annotations

import logging
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from graph.errors import DatabaseUnavailable
from graph.grants import OPEN, PUBLIC_READER, Grant
from graph.api_keys import PREFIX as API_KEY_PREFIX
from schema.schema import INTERNAL, INTERNAL_MESSAGE, SERVICE_UNAVAILABLE, one_line, report_internal
from web.api_key_auth import ApiKeyVerifier
from web.graphql_http import CONTENT_TYPES, JSON, response_media_type
from web.jwt_auth import KeysUnavailable, Unauthenticated
from web.security import Security

LOG = logging.getLogger("dangjian")
UNAUTHENTICATED = "UNAUTHENTICATED"
RATE_LIMITED = "RATE_LIMITED"
REALM = 'Bearer realm="dangjian"'
_HEADER_TEXT = re.compile(r"[^\x20-\x7e]|[\"\\]")


class Refusal(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


def _guarded(scope: dict[str, Any]) -> bool:
    path = scope["path"]
    return (path == "/graphql" or path.startswith("/export/") or path == "/import" or path.startswith("/import/")
            or path == "/reports" or path.startswith("/reports/"))


def _graphiql_page(request: Request) -> bool:
    """The request Strawberry answers with the GraphiQL page (web/graphql_http.py): a static page."""
    accept = request.headers.get("accept", "")
    params = request.query_params
    return (request.method == "GET" and request.url.path == "/graphql" and "query" not in params
            and "extensions" not in params and ("text/html" in accept or "*/*" in accept))


class AuthMiddleware:
    """Pure ASGI (no buffering of bodies or streamed answers): see the module docstring."""

    def __init__(self, app: Any, security: Security, keys: ApiKeyVerifier) -> None:
        self.app, self.security, self.keys = app, security, keys

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not _guarded(scope) or scope["method"] == "OPTIONS":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        if _graphiql_page(request):
            await self.app(scope, receive, send)
            return
        try:
            grant = await self.grant_of(request)
        except Refusal as refusal:
            await self.refuse(request, refusal)(scope, receive, send)
            return
        except Exception as error:  # a bug: answered with an errorId, the traceback in the log
            error_id = report_internal(str(error), error, f"{request.method} {request.url.path} (authentication)")
            await JSONResponse({"errors": [{"message": INTERNAL_MESSAGE, "extensions": {
                "code": INTERNAL, "errorId": error_id}}]}, 500)(scope, receive, send)
            return
        scope.setdefault("state", {})["grant"] = grant
        await self.app(scope, receive, send)

    async def grant_of(self, request: Request) -> Grant:
        """The request's grant, rate limits counted. Raises Refusal."""
        client = request.client.host if request.client else "unknown"
        headers = request.headers.getlist("authorization")
        scheme, _, token = (headers[0].strip().partition(" ") if headers else ("", "", ""))
        bearer = scheme.lower() == "bearer"
        if not headers or (not bearer and not self.security.production):
            # In dev and open mode another scheme (a proxy's Basic login) is no credential of ours.
            if not self.security.production:
                return OPEN
            if not self.security.public_read:
                raise Refusal(401, UNAUTHENTICATED, "this API needs a token: send Authorization: Bearer <token>",
                              {"WWW-Authenticate": REALM})
            self.limit(PUBLIC_READER, f"anonymous@{client}")
            return PUBLIC_READER
        failed = self.security.rates.failed
        wait = self.security.rates.over(failed, f"failed@{client}")
        if wait is not None:
            raise Refusal(429, RATE_LIMITED, f"too many failed authentications from this address; retry in {wait} s",
                          {"Retry-After": str(wait)})
        try:
            if len(headers) > 1:
                raise Unauthenticated(f"send one Authorization header, got {len(headers)}")
            if not bearer or not token.strip():
                raise Unauthenticated("send the token as Authorization: Bearer <token>")
            grant = await self.verify(token.strip())
        except Unauthenticated as refused:
            self.security.rates.hit(failed, f"failed@{client}")
            reason = str(refused)
            raise Refusal(401, UNAUTHENTICATED, f"Authorization: {reason}", {
                "WWW-Authenticate": f'{REALM}, error="invalid_token", '
                                    f'error_description="{_HEADER_TEXT.sub("", reason)}"'}) from None
        self.limit(grant, grant.subject)
        return grant

    async def verify(self, token: str) -> Grant:
        try:
            if token.startswith(API_KEY_PREFIX):
                return await self.keys.verify(token)
            if self.security.jwt is None:
                raise Unauthenticated("not an API key (dj_…), and this server is not set up for JWTs")
            return await self.security.jwt.verify(token)
        except (DatabaseUnavailable, KeysUnavailable) as error:
            # Logged once by the backend (the database), or here (the identity provider's keys).
            if isinstance(error, KeysUnavailable):
                LOG.warning("the identity provider's keys could not be fetched: %s", one_line(str(error)))
            raise Refusal(503, SERVICE_UNAVAILABLE, "credentials cannot be checked now: try again shortly",
                          {"Retry-After": "1"}) from None

    def limit(self, grant: Grant, key: str) -> None:
        """Count the request against the grant's role rate; raises Refusal (429) past it."""
        if grant.is_open:
            return
        rates = self.security.rates
        items = rates.per_role[grant.role]
        wait = rates.hit(items, f"{grant.role}:{key}")
        if wait is not None:
            raise Refusal(429, RATE_LIMITED, f"over the {grant.role} rate of {rates.describe(items)} "
                                             f"(DANGJIAN_RATE_{grant.role.upper()}); retry in {wait} s",
                          {"Retry-After": str(wait)})

    def refuse(self, request: Request, refusal: Refusal) -> Response:
        LOG.info("client error %s (%s %s): %s", refusal.code, request.method, request.url.path,
                 one_line(refusal.message))
        if request.url.path != "/graphql":
            return JSONResponse({"error": refusal.message, "code": refusal.code}, refusal.status,
                                headers=refusal.headers)
        media_type = response_media_type(request.headers.get("accept")) or JSON
        extensions: dict[str, Any] = {"code": refusal.code}
        if "Retry-After" in refusal.headers and refusal.code == RATE_LIMITED:
            extensions["retryAfter"] = int(refusal.headers["Retry-After"])
        body = {"errors": [{"message": refusal.message, "extensions": extensions}]}
        return JSONResponse(body, refusal.status, headers=refusal.headers, media_type=CONTENT_TYPES[media_type])
