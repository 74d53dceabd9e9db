"""The embedded FalkorDB: data survives restarts, crashes leave nothing stale, and a
second process attaches to a running server instead of starting another."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from graph.embedded import EmbeddedFalkorDB
from graph.falkordb_backend import FalkorBackend
from graph.plan import CompiledQuery


async def _connect(server: EmbeddedFalkorDB) -> FalkorBackend:
    return await FalkorBackend.connect("restart_test", unix_socket_path=str(server.socket_path))


async def test_data_survives_a_restart(tmp_path):
    server = EmbeddedFalkorDB(tmp_path)
    server.start()
    backend = await _connect(server)
    await backend.write(CompiledQuery("CREATE (:Town {uid: $uid, name: $name})", {"uid": "t-1", "name": "示例镇"}))
    await backend.client.connection.aclose()
    server.stop()
    assert not server.socket_path.exists() and not server.pid_file.exists()

    again = EmbeddedFalkorDB(tmp_path)
    again.start()
    try:
        backend = await _connect(again)
        rows = await backend.read(CompiledQuery("MATCH (t:Town) RETURN t.name AS name"))
        assert rows == [{"name": "示例镇"}]
        await backend.client.connection.aclose()
    finally:
        again.stop()


def test_stale_pid_file_and_socket_from_a_crash_are_cleaned_up(tmp_path):
    dead = subprocess.Popen(["true"])
    dead.wait()
    server = EmbeddedFalkorDB(tmp_path)
    server.pid_file.write_text(str(dead.pid))
    server.socket_path.write_text("left behind by a crash")
    server.start()
    try:
        assert server.owned and server.ping()
        assert int(server.pid_file.read_text()) == server.process.pid
    finally:
        server.stop()


def test_a_second_process_attaches_and_leaves_the_server_running(tmp_path):
    first = EmbeddedFalkorDB(tmp_path)
    first.start()
    try:
        second = EmbeddedFalkorDB(tmp_path)
        second.start()
        assert not second.owned
        second.stop()
        assert first.ping(), "stopping an attached handle must not stop the server"
    finally:
        first.stop()
    assert not first.ping()


def test_long_data_dir_paths_get_a_short_socket(tmp_path):
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    server = EmbeddedFalkorDB(deep)
    assert len(str(server.socket_path)) <= 100
    server.start()
    try:
        assert server.ping()
    finally:
        server.stop()


async def test_a_bulk_load_is_compacted_into_a_snapshot(tmp_path):
    """Replaying a bulk load's statements on start-up is slow (a 36 MB log took over 10 minutes);
    once the log passes 4 MB and doubles, the server rewrites it as a snapshot."""
    import redis

    server = EmbeddedFalkorDB(tmp_path)
    server.start()
    try:
        backend = await _connect(server)
        rows = [{"uid": f"m-{i}", "name": "示例党员" + "x" * 200} for i in range(8_000)]
        for batch in range(4):  # ~2 MB of parameters per statement, all of it logged
            await backend.write(CompiledQuery("UNWIND $rows AS row CREATE (:Member {uid: row.uid, name: row.name})",
                                              {"rows": [{**r, "uid": f"{r['uid']}-{batch}"} for r in rows]}))
        await backend.client.connection.aclose()
        info = redis.Redis(unix_socket_path=str(server.socket_path))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            persistence = info.info("persistence")
            if persistence["aof_rewrites"] >= 1 and not persistence["aof_rewrite_in_progress"]:
                break
            time.sleep(0.2)
        assert persistence["aof_rewrites"] >= 1, persistence
        info.close()
    finally:
        server.stop()
    base = next((tmp_path / "appendonlydir").glob("*.base.rdb"))
    assert base.stat().st_size > 100_000  # the graph now lives in the snapshot (an empty one: ~100 bytes)

    again = EmbeddedFalkorDB(tmp_path)
    again.start()
    try:
        backend = await _connect(again)
        assert await backend.read(CompiledQuery("MATCH (m:Member) RETURN count(m) AS n")) == [{"n": 32_000}]
        await backend.client.connection.aclose()
    finally:
        again.stop()


def _gone(pid: int) -> bool:
    """The process has exited (reaped, or a zombie nobody reaped yet)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def _wait(condition, within: float) -> float:
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < within, "timed out"
        time.sleep(0.05)
    return time.monotonic() - started


def test_the_supervisor_restarts_a_dead_server_until_stopped(tmp_path):
    server = EmbeddedFalkorDB(tmp_path)
    server.start()
    try:
        server.supervise()
        first = server.process.pid
        os.kill(first, signal.SIGKILL)
        _wait(lambda: server.restarts == 1 and server.ping(), 30)
        assert server.process.pid != first and int(server.pid_file.read_text()) == server.process.pid
        assert not Path(f"/proc/{first}").exists(), "the dead server was not reaped"
    finally:
        server.stop()
    second = server.process.pid
    time.sleep(1.5)  # longer than the restart backoff: a stopped server stays stopped
    assert _gone(second) and not server.ping() and not server.pid_file.exists()


def test_a_handle_that_attached_waits_for_the_owners_restart_instead_of_starting_another(tmp_path):
    owner = EmbeddedFalkorDB(tmp_path)
    owner.start()
    try:
        owner.supervise()
        os.kill(owner.process.pid, signal.SIGKILL)
        attached = EmbeddedFalkorDB(tmp_path)
        attached.start(timeout=30)  # the engine is down: it waits, and does not start its own
        assert not attached.owned and attached.process is None
        attached.supervise()  # a no-op: only the owner restarts the server
        # The owner counts its restart once its own readiness check returns, which may be just
        # after the attached handle found the new server answering.
        _wait(lambda: owner.restarts == 1, 10)
        assert attached.ping()
        attached.stop()
        assert owner.ping()
    finally:
        owner.stop()


def test_the_server_dies_with_the_process_that_owns_it(tmp_path):
    """Even kill -9 of the owner leaves no orphaned server holding the data directory."""
    script = ("import sys, time; from graph.embedded import EmbeddedFalkorDB; s = EmbeddedFalkorDB(sys.argv[1]); "
              "s.start(); print(s.process.pid, flush=True); time.sleep(600)")
    owner = subprocess.Popen([sys.executable, "-c", script, str(tmp_path)], stdout=subprocess.PIPE, text=True,
                             cwd=Path(__file__).resolve().parents[1])
    try:
        pid = int(owner.stdout.readline())
        owner.kill()
        owner.wait()
        _wait(lambda: _gone(pid), 30)
    finally:
        owner.kill()
        owner.stdout.close()
    again = EmbeddedFalkorDB(tmp_path)
    again.start()  # the directory is free: a new owner starts its own
    try:
        assert again.owned and again.ping()
    finally:
        again.stop()
