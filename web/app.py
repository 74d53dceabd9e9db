"""The Starlette application: /graphql (with GraphiQL), /explore, /export, /reports, /healthz, /i18n and static
assets."""
from __future__ import annotations

import contextlib
import gc
import logging
import sys
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

import i18n
from graph.backend import Backend, Settings, open_backend
from graph.errors import DatabaseUnavailable
from graph.limits import cursor_secret
from graph.loading import count_nodes
from resolvers.ids import use_cursor_secret
from schema.schema import LOG, SERVICE_UNAVAILABLE, build_schema, report_internal
from web.api_key_auth import ApiKeyVerifier
from web.explore_model import explore_model
from web.auth import AuthMiddleware
from web.exports import export_node, export_town
from web.graphql_http import GraphQLView
from web.i18n_http import catalogue_json
from web.import_http import import_files, import_undoer
from web.import_watch import watching
from web.reports import report_file, report_index
from web.security import DEV, OPEN, Security, resolve_mode

WEB_DIR = Path(__file__).parent
NODE_MODULES = WEB_DIR / "node_modules"
# Browser libraries installed by `npm ci --prefix web`, served locally so pages work offline.
VENDOR_FILES = {
    "react.js": "react/umd/react.production.min.js",
    "react-dom.js": "react-dom/umd/react-dom.production.min.js",
    "graphiql.js": "graphiql/graphiql.min.js",
    "graphiql.css": "graphiql/graphiql.min.css",
    "cytoscape.js": "cytoscape/dist/cytoscape.min.js",
    # The fcose layout (compound nodes, no overlaps) and what it is built on, in load order.
    "layout-base.js": "layout-base/layout-base.js",
    "cose-base.js": "cose-base/cose-base.js",
    "cytoscape-fcose.js": "cytoscape-fcose/cytoscape-fcose.js",
    "echarts.js": "echarts/dist/echarts.min.js",  # the research page's charts (/research)
}
# Our own page assets, by name (an allow-list: web/static also holds templates).
STATIC_FILES = {
    "explore.js": "text/javascript",
    "explore-i18n.js": "text/javascript",
    "explore-layout.js": "text/javascript",
    "explore-groups.js": "text/javascript",
    "explore-search.js": "text/javascript",
    "graphql.js": "text/javascript",
    "explore-model.js": "text/javascript",
    "explore-grouping.js": "text/javascript",
    "explore.css": "text/css",
    **{name: "text/javascript" for name in ("research.js", "research-i18n.js", "research-api.js",
                                            "research-card.js", "research-charts.js", "research-work.js")},
    "research.css": "text/css",
}


async def vendor(request: Request) -> Response:
    relative = VENDOR_FILES.get(request.path_params["name"])
    if relative is None or not (NODE_MODULES / relative).exists():
        return PlainTextResponse("not installed: run `npm ci --prefix web`\n", status_code=404)
    return FileResponse(NODE_MODULES / relative)


async def static_file(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in STATIC_FILES:
        return PlainTextResponse("not found\n", status_code=404)
    return FileResponse(WEB_DIR / "static" / name, media_type=STATIC_FILES[name])


async def explore(request: Request) -> Response:
    return FileResponse(WEB_DIR / "static" / "explore.html", media_type="text/html")


async def index(request: Request) -> PlainTextResponse:
    """GET /: where things are, in the language Accept-Language asks for (zh-CN by default)."""
    lang = i18n.negotiate(request.headers.get("accept-language"))
    return PlainTextResponse(i18n.translate(INDEX, lang) + "\n", headers={"Content-Language": lang,
                                                                          "Vary": "Accept-Language"})


INDEX = ("dangjian-graph: GraphQL at /graphql, explorer at /explore, research charts at /research, "
         "spreadsheets at /reports")


async def healthz(request: Request) -> JSONResponse:
    """200 `{status: "ok", backend, nodes}`; 503 `{status: "error", backend, error, code?, errorId?}`
    when the database does not answer: `code: SERVICE_UNAVAILABLE` when it cannot be reached (down,
    restarting: logged once by the backend), else an errorId that finds the traceback in the log."""
    backend: Backend = request.app.state.backend
    try:
        nodes = await count_nodes(backend, limited=False)
    except DatabaseUnavailable as error:
        shown = error.detail if request.app.state.dev_mode else str(error)
        return JSONResponse({"status": "error", "backend": backend.name, "error": shown,
                             "code": SERVICE_UNAVAILABLE}, status_code=503)
    except Exception as error:  # report, don't crash: this is a probe
        error_id = report_internal(str(error), error, "/healthz")
        # The engine's message may name sockets and files: only dev mode shows it.
        shown = str(error) if request.app.state.dev_mode else "the database did not answer"
        return JSONResponse({"status": "error", "backend": backend.name, "error": shown, "errorId": error_id},
                            status_code=503)
    return JSONResponse({"status": "ok", "backend": backend.name, "nodes": nodes})


async def research(request: Request) -> Response:
    return FileResponse(WEB_DIR / "static" / "research.html", media_type="text/html")


# What a browser on an allowed origin may send (DANGJIAN_CORS_ORIGINS), and read of our answers.
CORS_HEADERS = ["Authorization", "Content-Type", "Accept", "Accept-Language", "X-Actor"]
CORS_EXPOSED = ["Retry-After", "WWW-Authenticate", "X-Truncated", "Content-Disposition"]


def create_app(settings: Settings | None = None, dev_mode: bool = False, seed_if_empty: bool = False,
               backend: Backend | None = None, security: Security | None = None) -> Starlette:
    """Build the app. A given backend is used as is and left open; otherwise one is opened
    from the settings at start-up and closed at shutdown. `security` (web/security.py): the
    mode and its settings; by default dev or open mode, as before authentication existed."""
    settings = settings or Settings.from_env()
    security = security or Security(mode=DEV if dev_mode else OPEN)
    # Load (or create) the cursor key now: an unwritable data directory fails at start, not on
    # the first page.
    use_cursor_secret(cursor_secret(settings.data_dir))
    configure_logging()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        owned = backend is None
        app.state.backend = backend or await open_backend(settings)
        server = getattr(app.state.backend, "server", None)
        if owned and server is not None:
            server.supervise()  # restart the embedded engine if it dies (a no-op unless we own it)
        try:
            await app.state.backend.apply_schema()
            if seed_if_empty:
                from seed.load import seed_database

                await seed_database(app.state.backend, only_if_empty=True)
            # What start-up built (schema, caches, modules) lives as long as the process: leave it
            # out of the collector's full passes, which otherwise pause every request in flight
            # (~50 ms at a time; city scale, contract 02, 8 clients: p99 80 → 34 ms).
            gc.collect()
            gc.freeze()
            async with watching(app.state.backend, settings):
                yield
        finally:
            if owned:
                await app.state.backend.close()

    schema = build_schema(dev_mode=dev_mode, introspection=security.introspection)
    routes = [
        Route("/graphql", GraphQLView(schema, dev_mode, graphiql=security.graphiql, persisted=security.persisted)),
        Route("/healthz", healthz),
        Route("/vendor/{name}", vendor),
        Route("/static/explore-model.json", explore_model),
        Route("/static/{name}", static_file),
        Route("/explore", explore),
        Route("/research", research),
        Route("/i18n/{lang}.json", catalogue_json),
        Route("/export/town/{name}", export_town),
        Route("/export/{name}", export_node),
        Route("/import", import_files, methods=["POST"]),
        Route("/reports", report_index),
        Route("/reports/{name}", report_file),
        Route("/", index),
    ]
    middleware = []
    if security.cors_origins:
        # Outermost: a preflight is answered before authentication, and refusals (401, 429)
        # carry the CORS headers a browser needs to show them to the page.
        middleware.append(Middleware(CORSMiddleware, allow_origins=list(security.cors_origins),
                                     allow_methods=["GET", "POST"], allow_headers=CORS_HEADERS,
                                     expose_headers=CORS_EXPOSED, max_age=600))
    keys = ApiKeyVerifier(lambda: app.state.backend)
    middleware.append(Middleware(AuthMiddleware, security=security, keys=keys))
    app = Starlette(routes=routes, lifespan=lifespan, middleware=middleware)
    app.state.dev_mode = dev_mode
    app.state.schema = schema  # for the reports (web/reports.py), which run GraphQL documents
    app.state.security = security
    app.state.settings = settings
    app.state.undo_import = import_undoer(settings)  # for undoImport (resolvers/undo.py)
    return app


def configure_logging() -> None:
    """Send the "dangjian" log (INFO: one line per refused request; ERROR: internal errors with
    their traceback and errorId) to stderr, beside uvicorn's, unless logging is set up already."""
    if LOG.hasHandlers():
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s:     %(name)s: %(message)s"))
    LOG.addHandler(handler)
    LOG.setLevel(logging.INFO)


def app_from_env() -> Starlette:
    """The app for one of several uvicorn workers: settings from the environment that
    `dangjian serve --workers N` set (DANGJIAN_MODE among them: the master resolved the mode and
    checked every setting); the database is already running and seeded."""
    mode = resolve_mode()
    return create_app(Settings.from_env(), dev_mode=mode == DEV, security=Security.from_env(mode))
