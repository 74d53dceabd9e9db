"""Matching (Shiwan's "four lists"): matchDemand, matchingReport and planActionProject.

matchDemand and matchingReport are one read each (graph/matching.py plans, one statement); the
scores and their components are computed here from the statement's integer points with
graph/matching.py's definition, exactly (fractions), and rounded to 4 decimals only for the
answer. planActionProject is a create through the write path (resolvers/writes.py create_node):
the same validation, one guarded statement with its audit entry, nothing written on a refusal.
"""
from __future__ import annotations

import math
import uuid
from typing import Any

from graph import matching
from graph.model import TYPES
from graph.plan import Compare
from resolvers.errors import bad_input, not_found
from resolvers.ids import decode_cursor, encode_cursor
from resolvers.plans import build_filter, check_limit
from resolvers.statistics import after_uid, graph_node, one_row, page_info, uid_cursor
from resolvers.suppression import Cells
from resolvers.values import check_text
from resolvers.writes import create_node

DEMAND = TYPES["Demand"]
ACTION_PROJECT = TYPES["ActionProject"]
DEFAULT_MATCHES = 10
DEFAULT_REPORT_ROWS = 20
REPORT_COUNTS = ("demands", "covered")


def _decimal(value) -> float:
    return round(float(value), 4)


def scored_match(rank: int, row: dict[str, Any], resolved_all: int) -> dict[str, Any]:
    """One ranked candidate as answered: its score, the components that made it (each in [0, 1])
    and the facts behind them."""
    points = (row["category"], row["place"], row["network"], row["capacityPoints"], row["resolvedBy"], resolved_all)
    exact = matching.numerator(*points)
    if exact != row["numerator"]:  # the statement and graph/matching.py must agree on the definition
        raise AssertionError(f"matching numerator {row['numerator']} != {exact} for {row['uid']}")
    parts = matching.components(*points)
    return {
        "rank": rank, "candidate": graph_node(row["candidate"]), "score": _decimal(matching.score(*points)),
        "components": {name: _decimal(value) for name, value in parts.items()},
        "weights": dict(matching.WEIGHTS),
        "reasons": {
            "categories": row["categories"], "coverage": row["coverage"],
            "placeLevel": matching.PLACES[row["place"]], "networkRole": matching.ROLES[row["network"]],
            "capacity": row["capacity"], "openProjects": row["open"],
            "capacityLeft": max(row["capacity"] - row["open"], 0),
            "resolvedByProvider": row["resolvedBy"], "resolvedInCategory": resolved_all,
        },
        "providers": [graph_node(p) for p in row["providers"]],
    }


def _match_order(uid: str) -> str:
    """The order a matchDemand cursor belongs to: one demand's ranking (not replayable on another)."""
    return f"matchDemand:{uid}"


def _match_after(uid: str, after: str | None) -> tuple[int, str] | None:
    if after is None:
        return None
    values = decode_cursor(after, _match_order(uid), 2)  # signed, plain values only
    if isinstance(values[0], bool) or not isinstance(values[0], int) or not isinstance(values[1], str):
        raise bad_input("after", "invalid cursor: its values do not fit the ranking")
    return values[0], values[1]


async def match_demand(read, uid: str, first: int | None, after: str | None = None) -> dict[str, Any]:
    """The candidates for the demand `uid`, best first (ties by uid): `totalCount` of them all,
    `matches` the first `first` (default 10, ≤ 1000) after the cursor `after` (a
    pageInfo.endCursor), with `pageInfo`. NOT_FOUND when there is no such demand (or the grant
    does not see it); BAD_USER_INPUT naming `first` or `after`. One read."""
    check_text(uid, "uid")
    limit = check_limit(first, "first", DEFAULT_MATCHES)
    position = _match_after(uid, after)
    rows = await read(matching.MatchDemand(Compare(DEMAND.prop("uid"), "eq", uid), limit + 1, position))
    if not rows:
        raise not_found("uid", "no Demand with uid {uid!r}", uid=uid)
    row = rows[0]
    demand, page = row["demand"], row["page"][:limit]
    before = row["total"] - row["remaining"]  # ranked before the cursor: ranks count on from them
    matches = [scored_match(before + i, r, row["resolvedAll"]) for i, r in enumerate(page, 1)]
    return {
        "demand": graph_node(demand), "category": demand["category"], "kind": demand.get("kind"),
        "status": demand["status"], "totalCount": row["total"], "matches": matches,
        "pageInfo": page_info(page, len(row["page"]) > limit, after,
                              lambda r: encode_cursor(_match_order(uid), [r["numerator"], r["uid"]])),
    }


def _group(row: dict[str, Any], cells: Cells, unnamed: str) -> dict[str, Any]:
    released = cells.release({**row, "key": row["key"] if row["key"] is not None else unnamed,
                              "name": row["name"] if row["name"] is not None else unnamed}, REPORT_COUNTS)
    released["coverage"] = cells.share(released["covered"], released["demands"])
    return released


async def matching_report(read, where: dict | None, threshold: float | None, first: int | None,
                          cells: Cells, after: str | None = None) -> dict[str, Any]:
    """Over the demands matching `where`: those with no candidate scoring at least `threshold`
    (default 0.5, in [0, 1]), the candidates asked for more than their capacity left, and coverage
    by category and by town. The two lists are in uid order, `first` (default 20, ≤ 1000) at a
    time after the cursor `after` (applied to each), each with its pageInfo. Counts of demands are
    released through `cells` (small-cell suppression for viewers and researchers). One read."""
    if threshold is None:
        threshold = matching.DEFAULT_THRESHOLD
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not math.isfinite(threshold) \
            or not 0 <= threshold <= 1:
        raise bad_input("threshold", "must be a number from 0 to 1, got {threshold!r}", threshold=threshold)
    limit = check_limit(first, "first", DEFAULT_REPORT_ROWS)
    start = after_uid(after)
    plan = matching.MatchingReport(build_filter(DEMAND, where, "where"), float(threshold), limit + 1, start)
    row = one_row(await read(plan), total=0, uncoveredCount=0, uncovered=[], byCategory=[], byTown=[],
                  overAskedCount=0, overAsked=[])
    counts = cells.release({"demands": row["total"], "uncovered": row["uncoveredCount"]}, ("demands", "uncovered"))
    unassigned = "unassigned"
    uncovered, over = row["uncovered"][:limit], row["overAsked"][:limit]
    return {
        "threshold": float(threshold), "demands": counts["demands"], "uncoveredCount": counts["uncovered"],
        "suppressed": counts["suppressed"],
        "uncovered": [{"demand": graph_node(x["demand"]), "category": x["category"],
                       "bestScore": _decimal(x["bestScore"]),
                       "best": graph_node(x["best"]["candidate"]) if x["best"] else None} for x in uncovered],
        "uncoveredPageInfo": page_info(uncovered, len(row["uncovered"]) > limit, after,
                                       lambda x: uid_cursor(x["demand"]["uid"])),
        "byCategory": sorted((_group(g, cells, unassigned) for g in row["byCategory"]), key=lambda g: g["key"]),
        "byTown": sorted((_group(g, cells, unassigned) for g in row["byTown"]), key=lambda g: g["key"]),
        "overAskedCount": row["overAskedCount"],
        "overAsked": [{**cells.release({"asked": o["asked"]}, ("asked",)), "candidate": graph_node(o["candidate"]),
                       "capacity": o["capacity"], "openProjects": o["open"],
                       "capacityLeft": max(o["capacity"] - o["open"], 0)} for o in over],
        "overAskedPageInfo": page_info(over, len(row["overAsked"]) > limit, after,
                                       lambda o: uid_cursor(o["candidate"]["uid"])),
    }


PLAN_FIELDS = ("name", "nameEn", "description", "demands", "resources", "serviceTeams", "town", "status",
               "startsOn", "endsOn")


async def plan_action_project(info: Any, given: dict[str, Any]) -> Any:
    """Create an ActionProject (status PLANNED unless given) addressing `demands` with `resources`
    and `serviceTeams`, in `town`: create_node's validation (unknown uids → NOT_FOUND naming
    input.demands, input.resources …; bad values → BAD_USER_INPUT naming the field), one guarded
    statement with the audit entry (action "create", so undoAuditEntry deletes it). Nothing is
    written on any error."""
    unknown = sorted(set(given) - set(PLAN_FIELDS))
    if unknown:  # the input type allows none; a guard for callers other than GraphQL
        raise bad_input(f"input.{unknown[0]}", "is not a field of PlanActionProjectInput")
    if not given.get("demands"):
        raise bad_input("input.demands", "give at least one demand the project addresses")
    if not given.get("resources") and not given.get("serviceTeams"):
        raise bad_input("input.resources", "give at least one resource or service team the project uses")
    values = {k: v for k, v in given.items() if v is not None}
    values.setdefault("status", "PLANNED")
    values["uid"] = f"action-project-{uuid.uuid4().hex[:12]}"
    values["source"] = "IMPORTED"
    return await create_node(info, ACTION_PROJECT, values)
