"""The processes under test: FalkorDB (with the TCP_NODELAY shim), the two API servers, and /proc probes."""
from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any
from unittest import mock

import httpx

from paths import HERE  # first: puts the repository on sys.path
import graph.embedded as embedded
from graph.embedded import EmbeddedFalkorDB

SHIM_SOURCE = HERE / "tcp_nodelay.c"
SHIM = HERE / "tcp_nodelay.so"


class BoltFalkorDB(EmbeddedFalkorDB):
    """graph/embedded.py's server, unchanged, with the TCP_NODELAY shim in its environment.

    EmbeddedFalkorDB.start() builds the command and calls subprocess.Popen itself; this wraps that
    one Popen call to add LD_PRELOAD and SHIM_BOLT_PORT, so the arguments stay exactly those of
    graph/embedded.py (BOLT_PORT included) and `dangjian serve` attaches to this server.
    """

    def __init__(self, data_dir: Path, bolt_port: int, shim: Path | None) -> None:
        super().__init__(data_dir, bolt_port=bolt_port)
        self.shim = shim
        self.command: list[str] | None = None

    def start(self, *args: Any, **kwargs: Any) -> None:
        real_popen = subprocess.Popen

        def popen_with_shim(command, *args, **kwargs):
            self.command = list(command)
            env = dict(kwargs.pop("env", None) or os.environ)
            if self.shim is not None:
                env["LD_PRELOAD"] = " ".join(p for p in (str(self.shim), env.get("LD_PRELOAD", "")) if p)
                env["SHIM_BOLT_PORT"] = str(self.bolt_port)
            return real_popen(command, *args, env=env, **kwargs)

        with mock.patch.object(embedded.subprocess, "Popen", popen_with_shim):
            super().start(*args, **kwargs)
        if not self.owned:
            raise RuntimeError(f"a FalkorDB server is already running in {self.data_dir}")


def free_port(below: int = 65536) -> int:
    if below == 65536:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]
    start = 20000 + os.getpid() % 5000
    for port in list(range(start, below)) + list(range(20000, start)):
        # FalkorDB's Bolt listener binds the dual-stack wildcard [::]: check exactly that.
        family, address = (socket.AF_INET6, "::") if socket.has_ipv6 else (socket.AF_INET, "0.0.0.0")
        with socket.socket(family) as probe:
            try:
                probe.bind((address, port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port below 32768")


def build_shim() -> Path:
    if SHIM.exists() and SHIM.stat().st_mtime >= SHIM_SOURCE.stat().st_mtime:
        return SHIM
    compiler = shutil.which("gcc") or shutil.which("cc")
    if compiler is None:
        raise SystemExit("gcc is needed to build bench/peers/tcp_nodelay.so (or pass --no-shim)")
    subprocess.run([compiler, "-O2", "-Wall", "-shared", "-fPIC", "-o", str(SHIM), str(SHIM_SOURCE), "-ldl"],
                   check=True)
    return SHIM


def listening_addresses(pid: int, port: int) -> list[str]:
    """The local addresses `pid` listens on for `port`, from /proc (LISTEN = state 0A)."""
    found = []
    for table, family in (("tcp", 4), ("tcp6", 6)):
        try:
            lines = Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            local, state = parts[1], parts[3]
            address, hex_port = local.split(":")
            if state != "0A" or int(hex_port, 16) != port:
                continue
            raw = bytes.fromhex(address)
            if family == 4:
                found.append(socket.inet_ntop(socket.AF_INET, raw[::-1]) + f":{port}")
            else:
                words = b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
                found.append(f"[{socket.inet_ntop(socket.AF_INET6, words)}]:{port}")
    return found


def shim_loaded(pid: int) -> bool:
    try:
        return str(SHIM) in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


class Processes:
    """Every child this harness starts, stopped by pid (never by name) on the way out."""

    def __init__(self) -> None:
        self.children: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, command: list[str], log: Path, env: dict[str, str], cwd: Path) -> subprocess.Popen:
        with open(log, "ab") as out:
            process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                       env=env, cwd=cwd, start_new_session=True)
        self.children.append((name, process))
        return process

    def stop_all(self) -> None:
        for name, process in reversed(self.children):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


async def wait_http(url: str, process: subprocess.Popen, log: Path, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=5) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{url}: process exited with {process.returncode}:\n{tail(log)}")
            try:
                response = await client.get(url)
                if response.status_code == 200:
                    return response.json()
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f}s:\n{tail(log)}")


def tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
