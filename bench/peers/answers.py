"""The answers check: every API must return the same data for each pair (see README.md, step 5)."""
from __future__ import annotations

import json
from typing import Any, Callable

import httpx

from loadgen import Target
from pairs import Pair, connection_nodes, peer_only_town


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


async def walk_pages(client: httpx.AsyncClient, url: str, query: str, connection: Callable[[dict], dict],
                     limit: int = 20) -> tuple[list[dict], list[str | None]]:
    """Follow endCursor until hasNextPage is false; returns the nodes and the `after` of each page."""
    nodes: list[dict] = []
    afters: list[str | None] = []
    after = None
    for _ in range(limit):
        afters.append(after)
        page = connection(await post_json(client, url, graphql_body(query, {"after": after})))
        nodes.extend(connection_nodes(page))
        if not page["pageInfo"]["hasNextPage"]:
            return nodes, afters
        after = page["pageInfo"]["endCursor"]
    raise RuntimeError(f"{url}: more than {limit} pages")


async def walk_cypher_pages(client: httpx.AsyncClient, url: str, name: str, limit: int = 20):
    nodes, afters, after = [], [], None
    for _ in range(limit):
        afters.append(after)
        page = (await post_json(client, url, json.dumps({"name": name, "variables": {"after": after}}).encode()))["zones"]
        nodes.extend(connection_nodes(page))
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
                                                           lambda d: peer_only_town(d)["zonesConnection"])
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
