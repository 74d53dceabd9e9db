"""A local Neo4j 5.26 Community that the project starts itself: the Java launcher in neo4j/
(Neo4j embedded in one JVM, Bolt on 127.0.0.1, HTTP off, APOC core), built with Maven.

Its home is `DANGJIAN_DATA_DIR/neo4j/`: the store (`data/`), Neo4j's own logs (`logs/`), and
this module's files:

    neo4j.pid   the launcher's pid, while it runs
    neo4j.port  its Bolt port, while it runs
    neo4j.log   the launcher's stdout and stderr, appended to (the ready line, start-up errors)
    build.log   Maven's output, when this module built the launcher
    neo4j.lock  held while a process starts or stops it (two `start`s do not race)

Unlike the embedded FalkorDB, the server outlives the process that starts it (`dangjian neo4j
start` returns, the server stays) unless `die_with_parent=True` (tests). Any process finds it
through the pid and port files. A pid file whose process is gone, or is not this directory's
launcher (the pid was reused after a crash), is stale: `start` removes it and starts afresh;
Neo4j recovers its store from its transaction logs by itself.

Errors: LocalNeo4jError (no java or mvn, the build failed, the launcher exited or did not become
ready in time; the message ends with the log's last lines).
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import neo4j

from graph.embedded import _die_with_parent

PROJECT_DIR = Path(__file__).resolve().parent.parent / "neo4j"
READY_PREFIX = "dangjian-neo4j ready "
USER = "neo4j"
# The flags Neo4j's own scripts pass on Java 17: Netty and the page cache reach into these.
JVM_FLAGS = (
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "-Dio.netty.tryReflectionSetAccessible=true",
)
MAVEN_COMMAND = ("mvn", "-q", "-B", "package", "dependency:copy-dependencies")
# Maven Central answers 429 under bursts; a later try goes through.
BUILD_ATTEMPTS = 3
BUILD_RETRY_S = 10.0


class LocalNeo4jError(RuntimeError):
    pass


@dataclass(frozen=True)
class Status:
    """`running` with the launcher's pid and Bolt URL, or not running (pid and url None)."""

    running: bool
    pid: int | None = None
    url: str | None = None


def launcher_built(project: Path = PROJECT_DIR) -> bool:
    """True when target/ holds the launcher's classes and jars, newer than its sources."""
    launcher = project / "target" / "classes" / "dangjian" / "Launcher.class"
    if not (project / "target" / "lib").is_dir() or not (project / "target" / "plugins").is_dir():
        return False
    if not launcher.exists():
        return False
    sources = [project / "pom.xml", *project.joinpath("src").rglob("*.java")]
    return launcher.stat().st_mtime >= max(source.stat().st_mtime for source in sources)


def build_launcher(project: Path = PROJECT_DIR, log_file: Path | None = None) -> None:
    """Build the launcher with Maven unless it is built: the first build downloads about 120 MB
    of jars into ~/.m2, later builds are offline. Serialised by a lock in target/, so parallel
    starts build once. Raises LocalNeo4jError when mvn is missing or every attempt fails."""
    mvn = shutil.which(MAVEN_COMMAND[0])
    if mvn is None:
        raise LocalNeo4jError("Maven (mvn) is not on PATH; it builds the Neo4j launcher in neo4j/")
    (project / "target").mkdir(exist_ok=True)
    with _locked(project / "target" / "build.lock"):
        for attempt in range(1, BUILD_ATTEMPTS + 1):
            if launcher_built(project):
                return
            completed = subprocess.run([mvn, *MAVEN_COMMAND[1:]], cwd=project, capture_output=True, text=True,
                                       stdin=subprocess.DEVNULL)
            output = completed.stdout + completed.stderr
            if log_file is not None:
                with open(log_file, "a") as log:
                    log.write(f"$ {' '.join(MAVEN_COMMAND)}  (attempt {attempt})\n{output}\n")
            if completed.returncode == 0 and launcher_built(project):
                return
            if attempt < BUILD_ATTEMPTS:
                time.sleep(BUILD_RETRY_S * attempt)
        tail = "\n".join(output.splitlines()[-20:])
        raise LocalNeo4jError(f"Maven could not build the Neo4j launcher in {project}:\n{tail}")


def free_port() -> int:
    """A TCP port nothing listens on now, on 127.0.0.1 (another process may take it before use)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LocalNeo4j:
    """The local Neo4j whose home is `data_dir/neo4j`.

    `password`: the password of user neo4j (at least 8 characters); None turns authentication
    off. `port`: the Bolt port; None picks a free one. `heap_mb` caps the JVM heap,
    `page_cache_mb` Neo4j's page cache.
    """

    def __init__(self, data_dir: Path, password: str | None, port: int | None = None, heap_mb: int = 1024,
                 page_cache_mb: int = 256, project: Path = PROJECT_DIR) -> None:
        if password is not None and len(password) < 8:
            raise ValueError("the Neo4j password must hold at least 8 characters (Neo4j's minimum)")
        self.home = Path(data_dir).resolve() / "neo4j"
        self.password = password
        self.port = port
        self.heap_mb = heap_mb
        self.page_cache_mb = page_cache_mb
        self.project = project
        self.pid_file = self.home / "neo4j.pid"
        self.port_file = self.home / "neo4j.port"
        self.log_file = self.home / "neo4j.log"
        self.process: subprocess.Popen | None = None  # only when this handle started it

    @property
    def auth(self) -> tuple[str, str] | None:
        return (USER, self.password) if self.password is not None else None

    def status(self) -> Status:
        """Whether this directory's launcher runs, from the pid and port files (no connection)."""
        pid = self._running_pid()
        if pid is None:
            return Status(False)
        try:
            port = int(self.port_file.read_text().strip())
        except (OSError, ValueError):
            return Status(True, pid)
        return Status(True, pid, f"bolt://127.0.0.1:{port}")

    def start(self, timeout: float = 600.0, die_with_parent: bool = False) -> Status:
        """Build the launcher if needed, start it, and return once it printed its ready line and
        the Python driver connects (with `self.auth`). If it already runs, wait until it answers
        instead. Raises LocalNeo4jError on failure (a launcher that started is stopped again)."""
        self.home.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + timeout
        with _locked(self.home / "neo4j.lock"):
            status = self.status()
            if status.running:
                if status.url is None:
                    raise LocalNeo4jError(f"a Neo4j launcher (pid {status.pid}) runs on {self.home} without a "
                                          f"port file; stop it first")
                self._wait_connects(status.url, deadline)
                return status
            self._remove_stale_files()
            build_launcher(self.project, self.home / "build.log")
            port = self.port or free_port()
            offset = self.log_file.stat().st_size if self.log_file.exists() else 0
            self._spawn(port, die_with_parent)
            try:
                self._wait_ready(offset, deadline)
                status = Status(True, self.process.pid, f"bolt://127.0.0.1:{port}")
                self._wait_connects(status.url, deadline)
            except BaseException:
                self._stop_locked(30.0)
                raise
            return status

    def _spawn(self, port: int, die_with_parent: bool) -> None:
        target = self.project / "target"
        command = [_java(), *JVM_FLAGS, f"-Xmx{self.heap_mb}m", "-cp", f"{target / 'classes'}:{target / 'lib'}/*",
                   "dangjian.Launcher", "--home", str(self.home), "--port", str(port),
                   "--plugins", str(target / "plugins"), "--page-cache-mb", str(self.page_cache_mb)]
        env = dict(os.environ)
        env.pop("NEO4J_PASSWORD", None)
        if self.password is None:
            command.append("--no-auth")
        else:
            env["NEO4J_PASSWORD"] = self.password  # the environment, not argv: ps shows argv
        with open(self.log_file, "ab") as log:
            # A new session: Ctrl-C in the terminal that ran `dangjian neo4j start` does not reach it.
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                start_new_session=True, preexec_fn=_die_with_parent(os.getpid()) if die_with_parent else None)
        self.pid_file.write_text(str(self.process.pid))
        self.port_file.write_text(str(port))

    def _wait_ready(self, offset: int, deadline: float) -> None:
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise LocalNeo4jError(f"the Neo4j launcher exited with status {self.process.returncode}:\n"
                                      f"{self._log_tail()}")
            with open(self.log_file, "rb") as log:
                log.seek(offset)
                if any(line.startswith(READY_PREFIX.encode()) for line in log):
                    return
            time.sleep(0.1)
        raise LocalNeo4jError(f"Neo4j did not print its ready line in time:\n{self._log_tail()}")

    def _wait_connects(self, url: str, deadline: float) -> None:
        # Bolt answers once the ready line is out; a retry covers a launcher someone else is starting.
        with neo4j.GraphDatabase.driver(url, auth=self.auth, connection_timeout=5.0) as driver:
            while True:
                try:
                    driver.verify_connectivity()
                    return
                except neo4j.exceptions.AuthError as error:
                    raise LocalNeo4jError(f"Neo4j at {url} refuses the password given: it was started with "
                                          f"another one, or without authentication; stop and start it again "
                                          f"to apply it") from error
                except neo4j.exceptions.ServiceUnavailable as error:
                    if time.monotonic() > deadline:
                        raise LocalNeo4jError(f"Neo4j at {url} does not answer: {error}") from error
                    time.sleep(0.2)

    def stop(self, timeout: float = 120.0) -> bool:
        """SIGTERM the launcher (Neo4j checkpoints and closes its store) and wait for it to exit;
        SIGKILL after `timeout`. Removes the pid and port files, stale or not. Returns whether a
        launcher was running."""
        self.home.mkdir(parents=True, exist_ok=True)
        with _locked(self.home / "neo4j.lock"):
            return self._stop_locked(timeout)

    def _stop_locked(self, timeout: float) -> bool:
        pid = self._running_pid()
        if pid is not None:
            os.kill(pid, signal.SIGTERM)
            if not self._wait_gone(pid, timeout):
                os.kill(pid, signal.SIGKILL)
                self._wait_gone(pid, 10.0)
        self._remove_stale_files()
        return pid is not None

    def kill(self) -> None:
        """SIGKILL the launcher, as a crash would, leaving its pid file (for tests)."""
        pid = self._running_pid()
        if pid is not None:
            os.kill(pid, signal.SIGKILL)
            self._wait_gone(pid, 10.0)

    def _wait_gone(self, pid: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.pid == pid:
                if self.process.poll() is not None:  # our child: reap it, no zombie
                    return True
            elif not self._is_launcher(pid):
                return True
            time.sleep(0.1)
        return False

    def _running_pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if self._is_launcher(pid) else None

    def _is_launcher(self, pid: int) -> bool:
        """Whether `pid` is this home's launcher, not a process that reused the pid of a dead
        one. Reads /proc (Linux): a zombie's command line is empty, so it counts as gone."""
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            return False
        return b"dangjian.Launcher" in argv and str(self.home).encode() in argv

    def _remove_stale_files(self) -> None:
        for path in (self.pid_file, self.port_file):
            path.unlink(missing_ok=True)

    def _log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def _java() -> str:
    """JAVA_HOME's java, else the one on PATH. Neo4j 5.26 runs on Java 17 or 21."""
    home = os.environ.get("JAVA_HOME")
    java = str(Path(home) / "bin" / "java") if home else shutil.which("java")
    if not java or not Path(java).exists():
        raise LocalNeo4jError("no java found (set JAVA_HOME or put Java 17 on PATH); Neo4j 5.26 needs Java 17 or 21")
    return java


@contextlib.contextmanager
def _locked(path: Path):
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock
