"""The local Neo4j (graph/neo4j_local.py, neo4j/): started for real, through Maven and Java.

Each start of Neo4j takes 10-20 s on two cores, so the tests share one data directory and go
through its life in order: start, write, stop, start, read, crash, start over the stale pid file.
"""
from __future__ import annotations

import os
import subprocess
import sys

import httpx
import neo4j
import pytest

from graph.neo4j_local import LocalNeo4j, LocalNeo4jError
from seed.loader import read_seed
from tests.conftest import REPO, chosen_engines, start_serve
from tests.test_contract import EXAMPLES_DIR as EXAMPLES, contract_query



@pytest.fixture(scope="module", autouse=True)
def neo4j_chosen(request):
    if "neo4j" not in chosen_engines(request.config):
        pytest.skip("Neo4j is not among the engines chosen with --backend")

PASSWORD = "local-neo4j-test-password"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("neo4j-local")


@pytest.fixture(scope="module")
def local(data_dir):
    server = LocalNeo4j(data_dir, PASSWORD, heap_mb=512, page_cache_mb=64)
    yield server
    server.stop()


def run(status, auth, statement: str, **params) -> list[dict]:
    with neo4j.GraphDatabase.driver(status.url, auth=auth) as driver:
        records, _, _ = driver.execute_query(statement, params, database_="neo4j")
        return [record.data() for record in records]


def test_a_started_neo4j_answers_bolt_with_apoc_and_a_password(local):
    status = local.start(die_with_parent=True)
    assert status.running and status.url.startswith("bolt://127.0.0.1:")
    assert local.status() == status
    assert "dangjian-neo4j ready " + status.url in local.log_file.read_text()
    rows = run(status, local.auth, "CALL dbms.components() YIELD versions, edition "
                                   "RETURN versions[0] AS version, edition, apoc.version() AS apoc")
    assert rows == [{"version": "5.26.12", "edition": "community", "apoc": "5.26.12"}]
    for auth in (("neo4j", "not-the-password"), ("neo4j", "neo4j"), None):
        with pytest.raises(neo4j.exceptions.AuthError):
            run(status, auth, "RETURN 1")
    run(status, local.auth, "CREATE (:Probe {uid: $uid, name: $name})", uid="probe-1", name="示例节点")


def test_starting_again_attaches_to_the_running_server(local):
    before = local.start(die_with_parent=True)  # attaches too, when the first test started it
    assert LocalNeo4j(local.home.parent, PASSWORD).start() == before


def test_data_survives_a_stop_and_a_start(local):
    assert local.stop() is True
    assert local.status().running is False
    assert not local.pid_file.exists() and not local.port_file.exists()
    assert local.log_file.read_text().rstrip().endswith("dangjian-neo4j stopped")
    status = local.start(die_with_parent=True)
    assert run(status, local.auth, "MATCH (p:Probe) RETURN p.uid AS uid, p.name AS name") == [
        {"uid": "probe-1", "name": "示例节点"}]


def test_a_crash_leaves_a_stale_pid_file_that_the_next_start_removes(local):
    crashed = local.status()
    local.kill()
    assert local.pid_file.read_text() == str(crashed.pid)  # left behind, as by a crash
    assert local.status().running is False
    status = local.start(die_with_parent=True)
    assert status.pid != crashed.pid
    assert local.pid_file.read_text() == str(status.pid)
    assert run(status, local.auth, "MATCH (p:Probe) RETURN count(p) AS n") == [{"n": 1}]


def test_a_pid_file_naming_another_live_process_is_stale_and_that_process_is_left_alone(local):
    local.stop()
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        local.pid_file.write_text(str(other.pid))
        local.port_file.write_text("1")
        assert local.status().running is False
        assert local.stop() is False
        assert other.poll() is None
        assert not local.pid_file.exists() and not local.port_file.exists()
    finally:
        other.kill()
        other.wait()


def test_a_failing_start_reports_the_log(data_dir):
    # An out-of-range page cache: the launcher refuses its arguments and exits with status 2.
    bad = LocalNeo4j(data_dir / "bad", PASSWORD, page_cache_mb=1)
    with pytest.raises(LocalNeo4jError, match="--page-cache-mb takes a number"):
        bad.start(timeout=60, die_with_parent=True)
    assert bad.status().running is False and not bad.pid_file.exists()


def test_a_short_password_is_refused_before_java_starts(data_dir):
    with pytest.raises(ValueError, match="at least 8 characters"):
        LocalNeo4j(data_dir, "short")


def cli(data_dir, *args: str, password: str | None = PASSWORD) -> subprocess.CompletedProcess:
    env = {**os.environ, "DANGJIAN_DATA_DIR": str(data_dir)}
    env.pop("NEO4J_PASSWORD", None)
    if password is not None:
        env["NEO4J_PASSWORD"] = password
    return subprocess.run([sys.executable, "-m", "web.cli", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=600)


def test_the_neo4j_commands_need_a_password_and_report_status(tmp_path):
    assert cli(tmp_path, "neo4j", "status").returncode == 3
    refused = cli(tmp_path, "neo4j", "start", password=None)
    assert refused.returncode == 1 and "set NEO4J_PASSWORD" in refused.stderr
    assert not (tmp_path / "neo4j" / "neo4j.pid").exists()


def test_serve_on_the_local_neo4j_seeds_it_answers_and_stops_it(tmp_path):
    process, url = start_serve(tmp_path, "--engine", "neo4j", env={"NEO4J_PASSWORD": PASSWORD}, timeout=600)
    try:
        seeded = sum(len(rows) for rows in read_seed().nodes.values())  # serve seeded the empty graph
        assert httpx.get(url + "/healthz").json() == {"status": "ok", "backend": "neo4j", "nodes": seeded}
        answer = httpx.post(url + "/graphql", json={"query": "{ towns { totalCount } zoneComposition(where: "
                                                             "{ isDemonstration: { eq: true } }) { absorbedOrganisations } }"})
        assert answer.json()["data"] == {"towns": {"totalCount": 4}, "zoneComposition": {"absorbedOrganisations": 113}}
        running = cli(tmp_path, "neo4j", "status")
        assert running.returncode == 0 and running.stdout.startswith("Neo4j runs at bolt://127.0.0.1:")
        # The contract's answers equal the default engine's, field for field, cursors included
        # (the same data directory: the same cursor secret), walking 05 page by page.
        falkordb, falkordb_url = start_serve(tmp_path)
        try:
            for name in sorted(p.name for p in EXAMPLES.glob("0*.graphql")):
                after = None
                while True:
                    body = {"query": contract_query(name), "variables": {"after": after}}
                    on_neo4j, on_falkordb = (httpx.post(u + "/graphql", json=body, timeout=60).json()
                                             for u in (url, falkordb_url))
                    assert "errors" not in on_neo4j and on_neo4j == on_falkordb, name
                    page = next(iter(on_neo4j["data"].values())).get("pageInfo", {})
                    if not (name.startswith("05") and page.get("hasNextPage")):
                        break
                    after = page["endCursor"]
        finally:
            falkordb.terminate()
            falkordb.wait(60)
    finally:
        process.terminate()
        process.wait(120)
    # serve started it, so serve stopped it
    assert cli(tmp_path, "neo4j", "status").returncode == 3
