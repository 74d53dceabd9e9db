"""The answers check: every API must return the same data for each pair (see README.md, step 5)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx

from loadgen import Target
from pairs import Pair, connection_nodes


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


@dataclass
class Api:
    """One column of the tables: an API kind ("dangjian", "peer6", "peer7", "cypher") on an engine."""

    name: str  # e.g. "neo4j:dangjian"
    engine: str  # "neo4j" or "falkordb"
    kind: str
    url: str  # /graphql, or /cypher for the hand-written kind

    def body(self, pair: Pair, variables: dict | None) -> bytes | None:
        if self.kind == "cypher":
            return json.dumps({"name": pair.key, "variables": variables or {}}).encode()
        text = pair.graphql_text(self.kind)
        return None if text is None else graphql_body(text, variables)


async def walk_pages(client: httpx.AsyncClient, api: Api, pair: Pair, limit: int = 20) -> tuple[list[dict], list[str | None]]:
    """Follow endCursor until hasNextPage is false; returns the nodes and the `after` of each page."""
    nodes: list[dict] = []
    afters: list[str | None] = []
    after = None
    for _ in range(limit):
        afters.append(after)
        page = pair.page_connection[api.kind](await post_json(client, api.url, api.body(pair, {"after": after})))
        nodes.extend(connection_nodes(page))
        if not page["pageInfo"]["hasNextPage"]:
            return nodes, afters
        after = page["pageInfo"]["endCursor"]
    raise RuntimeError(f"{api.url}: more than {limit} pages")


async def check_pairs(apis: list[Api], pairs: list[Pair]) -> tuple[dict, dict[str, list[Target]]]:
    """Compare every pair's answers across every API (the first is the reference); build the request
    each API will be loaded with. An API with no query for a pair (None) is left out of that pair."""
    report: dict[str, dict] = {}
    targets: dict[str, list[Target]] = {}
    reference = apis[0]
    async with httpx.AsyncClient(timeout=20) as client:
        for pair in pairs:
            entry: dict[str, Any] = {"peer_query": pair.peer_query, "peer7_query": pair.peer7_query,
                                     "peer_note": pair.peer_note, "reference": reference.name}
            present = [api for api in apis if api.body(pair, {}) is not None]
            variables: dict[str, dict] = {api.name: dict(pair.variables) if api.kind != "cypher" else {}
                                          for api in present}
            # The literal v6 translation, when it exists: does FalkorDB take what the library generates?
            peer6 = next((api for api in present if api.kind == "peer6"), None)
            if pair.peer_literal and peer6 is not None:
                try:
                    await post_json(client, peer6.url, graphql_body(pair.peer_literal, pair.variables))
                    entry["peer_literal"] = {"query": pair.peer_literal, "status": "ok"}
                except RuntimeError as error:
                    entry["peer_literal"] = {"query": pair.peer_literal, "status": "refused", "error": str(error)}
            if pair.paged:
                walks = {api.name: await walk_pages(client, api, pair) for api in present}
                uids = [n["uid"] for n in walks[reference.name][0]]
                pages = {name: len(afters) for name, (_, afters) in walks.items()}
                same = {name: [n["uid"] for n in nodes] == uids for name, (nodes, _) in walks.items()}
                entry["walk"] = {"pages": pages, "reference_distinct": len(set(uids)), "same_sequence": same}
                if not all(same.values()) or len(set(pages.values())) != 1 or len(set(uids)) != len(uids):
                    entry["status"] = "differs"
                    entry["difference"] = f"page walk: {entry['walk']}"
                # The measured request: page 3 (the middle), with each API's own cursor.
                page = min(2, pages[reference.name] - 1)
                variables = {name: {"after": afters[page]} for name, (_, afters) in walks.items()}
                entry["measured_page"] = page + 1
            answers = {}
            for api in present:
                answers[api.name] = pair.extract(api.kind, await post_json(client, api.url, api.body(pair, variables[api.name])))
            expected = answers[reference.name]
            for name, other in answers.items():
                if name == reference.name:
                    continue
                if pair.ordered and [n.get("uid") for n in expected.get("nodes", [])] != \
                        [n.get("uid") for n in other.get("nodes", [])]:
                    entry.setdefault("status", "differs")
                    entry.setdefault("difference", f"{name}: node order differs")
                difference = first_difference(canonical(expected), canonical(other))
                if difference:
                    entry["status"] = "differs"
                    entry.setdefault("difference", f"{name}: {difference}")
            entry.setdefault("status", "same")
            entry["answer_summary"] = {k: (len(v) if isinstance(v, list) else v) for k, v in expected.items()}
            sizes = {}
            for api in present:
                response = await client.post(api.url, content=api.body(pair, variables[api.name]),
                                             headers={"content-type": "application/json"})
                sizes[api.name] = len(response.content)
            entry["response_bytes"] = sizes
            entry["apis"] = [api.name for api in present]
            report[pair.key] = entry
            targets[pair.key] = [Target(api.name, api.url, api.body(pair, variables[api.name])) for api in present]
    return report, targets
