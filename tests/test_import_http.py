"""POST /import over HTTP, on both engines: a real `dangjian serve` takes the CLI's files as
multipart/form-data, answers the import report and its batch id, refuses bad rows with the CLI's
problems (file, line, column, reason) writing nothing, and undoImport gives the graph back.
Grants, limits and failures are checked on the app in-process (the grant comes from the
authentication middleware's grant in the request's state)."""
from __future__ import annotations

import contextlib
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Route

from graph.backend import Settings
from graph.grants import EDITOR, Grant
from graph.plan import CompiledQuery
from tests.conftest import served_scratch_graph
from tests.test_import_export import FailingBackend
from tests.test_import_undo import RECORDS, files
from tests.undo_helpers import difference, state
from web.app import create_app
from web.import_http import import_files

GRAPH = "import_http_test"
UNDO = "mutation($b: String!) { undoImport(batchId: $b) { action nodesDeleted entry { actor undoes } } }"


def parts(paths: list[Path]) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [("files", (p.name, p.read_bytes(), "text/csv")) for p in paths]


@pytest.fixture(scope="module")
async def served(engine, data_dir):
    """A server without --dev (internal text is hidden), its URL and a connection of our own."""
    async with served_scratch_graph(engine, data_dir, GRAPH) as url:
        backend = await engine.connect(GRAPH)
        try:
            yield url, backend
        finally:
            await backend.close()


async def test_import_then_undo_over_http(served, tmp_path):
    url, backend = served
    before = await state(backend)
    with httpx.Client(base_url=url, timeout=60) as client:
        answer = client.post("/import", files=parts(files(tmp_path)), headers={"X-Actor": "http-importer"})
        assert answer.status_code == 200, answer.text
        report = answer.json()
        assert report["written"] and report["problems"] == [] and report["batchId"].startswith("import-")
        assert {f["file"]: (f["created"], f["updated"]) for f in report["files"]}["Organisation.csv"] == (30, 0)
        assert {f["file"]: (f["created"], f["updated"]) for f in report["files"]}["Town.csv"] == (0, 2)
        entry = client.post("/graphql", json={"query": '{ auditEntries(where: { batchId: { eq: "%s" } }) '
                                                       '{ nodes { actor action } } }' % report["batchId"]}).json()
        assert entry["data"]["auditEntries"]["nodes"] == [{"actor": "http-importer", "action": "import"}]
        assert await state(backend) != before
        undone = client.post("/graphql", json={"query": UNDO, "variables": {"b": report["batchId"]}},
                             headers={"X-Actor": "http-undoer"}).json()
    assert "errors" not in undone, undone
    assert undone["data"]["undoImport"] == {"action": "import", "nodesDeleted": 30,
                                            "entry": {"actor": "http-undoer", "undoes": f"audit-{report['batchId']}"}}
    assert await state(backend) == before, difference(before, await state(backend))


async def test_bad_rows_are_reported_as_the_cli_does_and_nothing_is_written(served, tmp_path):
    url, backend = served
    before = await state(backend), await backend.read(RECORDS)
    (tmp_path / "Town.csv").write_text("uid,name,kind\ntown-a,示例镇A,TOWN\ntown-b,示例镇B,CITY\n", encoding="utf-8")
    (tmp_path / "Zone-IN_TOWN-Town.csv").write_text("from,to\nzone-nowhere,town-a\n", encoding="utf-8")
    (tmp_path / "AuditEntry.csv").write_text("uid,name,at,actor,action,targetType,changes\n"
                                             "audit-forged,x,2020-01-01T00:00:00Z,me,delete,Zone,{}\n",
                                             encoding="utf-8")
    (tmp_path / "ImportUndo.json").write_text("[]", encoding="utf-8")
    answer = httpx.post(url + "/import", files=parts(sorted(tmp_path.iterdir())), timeout=60)
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert not body["written"] and body["batchId"] is None
    found = {(p["file"], p["line"], p["column"]): p["reason"] for p in body["problems"]}
    assert "is not one of TOWN, SUBDISTRICT" in found[("Town.csv", 3, "kind")]
    assert "no Zone with uid 'zone-nowhere'" in found[("Zone-IN_TOWN-Town.csv", 2, "from")]
    assert found[("AuditEntry.csv", 1, "-")].startswith("the file name must be")  # the audit trail is not importable
    assert found[("ImportUndo.json", 1, "-")].startswith("the file name must be")
    assert (await state(backend), await backend.read(RECORDS)) == before
    audit = await backend.read(CompiledQuery("MATCH (a:AuditEntry {uid: 'audit-forged'}) RETURN count(a) AS n"))
    assert audit == [{"n": 0}]


@pytest.mark.parametrize("send, reason", [
    (dict(json={"files": []}), "multipart/form-data"),
    (dict(files=[("dryRun", (None, b"true"))]), "no file"),
    (dict(files=[("files", ("../Town.csv", b"uid\n", "text/csv"))]), "plain file name"),
    (dict(files=[("files", ("Town.csv", b"uid\n", "text/csv")), ("files", ("Town.csv", b"uid\n", "text/csv"))]),
     "given twice"),
    (dict(data={"dryRun": "maybe"}, files=[("files", ("Town.csv", b"uid\n", "text/csv"))]), "true or false"),
    (dict(data={"encoding": "no-such-codec"}, files=[("files", ("Town.csv", b"uid\n", "text/csv"))]), "encoding"),
    (dict(data={"actor": "me"}, files=[("files", ("Town.csv", b"uid\n", "text/csv"))]), "unknown field"),
    (dict(files=[("files", ("Town.csv", b"uid\n", "text/csv"))], headers=[("X-Actor", "a"), ("X-Actor", "b")]),
     "X-Actor"),
])
async def test_requests_that_are_not_an_import_are_refused(served, send, reason):
    url, backend = served
    before = await state(backend)
    answer = httpx.post(url + "/import", timeout=60, **send)
    assert answer.status_code == 400, answer.text
    assert answer.json()["code"] == "BAD_REQUEST" and reason in answer.json()["error"], answer.json()
    assert await state(backend) == before


async def test_a_dry_run_writes_nothing(served, tmp_path):
    url, backend = served
    before = await state(backend)
    answer = httpx.post(url + "/import", data={"dryRun": "true"}, files=parts(files(tmp_path)), timeout=60)
    assert answer.status_code == 200 and answer.json()["dryRun"] and not answer.json()["written"], answer.text
    assert answer.json()["batchId"] is None and await state(backend) == before


@contextlib.asynccontextmanager
async def in_process(backend, tmp_path, grant: Grant | None = None, dev: bool = False):
    """The app on `backend`, with `grant` in every request's state as the authentication
    middleware (web/auth.py) puts it; without one, the whole app (and its middleware) answers."""
    app = create_app(Settings(data_dir=tmp_path, graph_name=GRAPH), dev_mode=dev, backend=backend)
    app.state.backend = backend  # the lifespan, which sets it, does not run here
    # The import route alone, behind the grant, sharing the app's state (backend, import undoer).
    route_only = Starlette(routes=[Route("/import", import_files, methods=["POST"])])
    route_only.state = app.state

    async def with_grant(scope, receive, send):
        if grant is None:
            await app(scope, receive, send)
            return
        scope.setdefault("state", {})["grant"] = grant
        await route_only(scope, receive, send)

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=with_grant), base_url="http://test") as client:
        yield client


async def test_only_admins_import(engine, tmp_path):
    async with served_backend(engine) as backend:
        async with in_process(backend, tmp_path, Grant(EDITOR, name="编辑")) as client:
            answer = await client.post("/import", files=parts(files(tmp_path / "f")))
        assert answer.status_code == 403 and answer.json() == {
            "error": "importing needs an admin grant; this grant's role is editor", "code": "FORBIDDEN", "rule": "role",
            "errorEn": "importing needs an admin grant; this grant's role is editor"}  # no Accept-Language: English
        refusals = await backend.read(CompiledQuery("MATCH (a:AuditEntry {action: 'refused'}) RETURN a.actor AS actor, "
                                                    "a.targetType AS type"))
        assert refusals == [{"actor": "编辑", "type": "Import"}]  # recorded, like every refused write
        async with in_process(backend, tmp_path, Grant("admin", name="南庄管理员", towns=("town-nanzhuang",))) as client:
            answer = await client.post("/import", files=parts(files(tmp_path / "f")))
        assert answer.status_code == 403 and answer.json()["rule"] == "scope:district"
        async with in_process(backend, tmp_path, Grant("admin", name="管理员")) as client:
            answer = await client.post("/import", files=parts(files(tmp_path / "f")))
        assert answer.status_code == 200 and answer.json()["written"], answer.text
        actors = await backend.read(CompiledQuery("MATCH (a:AuditEntry {action: 'import'}) RETURN a.actor AS actor"))
        assert actors == [{"actor": "管理员"}]  # a named grant imports under its name


async def test_too_large_a_body_is_refused_before_it_is_read(engine, tmp_path, monkeypatch):
    import web.import_http

    monkeypatch.setattr(web.import_http, "MAX_IMPORT_BYTES", 2000)
    async with served_backend(engine) as backend:
        async with in_process(backend, tmp_path) as client:
            before = await state(backend)
            answer = await client.post("/import", files=parts(files(tmp_path / "f", orgs=200)))
        assert answer.status_code == 413 and answer.json()["code"] == "PAYLOAD_TOO_LARGE", answer.text
        assert await state(backend) == before


async def test_a_database_failure_is_undone_and_says_no_internal_text(engine, tmp_path):
    async with served_backend(engine) as backend:
        before = await state(backend)
        async with in_process(FailingBackend(backend, fail_at=3), tmp_path) as client:
            answer = await client.post("/import", files=parts(files(tmp_path / "f")))
        assert answer.status_code == 500, answer.text
        body = answer.json()
        assert body["code"] == "INTERNAL_SERVER_ERROR" and body["errorId"] and "simulated" not in answer.text
        assert body["error"] == "the import failed; everything it wrote was undone"
        assert await state(backend) == before


@contextlib.asynccontextmanager
async def served_backend(engine):
    """A seeded scratch graph of its own, for the in-process app."""
    from tests.conftest import scratch_graph

    async with scratch_graph(engine, GRAPH + "_inproc") as backend:
        yield backend
