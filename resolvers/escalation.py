"""Escalation: who is responsible for a demand at each level (escalationPath), and moving a demand
up the levels (escalateDemand).

The levels, lowest first: LEAD (the community's joint committee or the zone's lead, the "1"), N
(the zone's organisations), X (the zone's outside organisations and the district departments sunk
to the community's grids), TOWN_CENTRE and DISTRICT_CENTRE (the social-governance command
centres). graph/escalation.py says how each is read from the graph.
"""
from __future__ import annotations

import uuid
from typing import Any

from graph import authorise_writes
from graph.escalation import HOLDERS, EscalateDemand, EscalationPath
from graph.model import TYPES
from graph.model_work import ESCALATION_LEVELS
from resolvers.errors import bad_input, conflict, not_found
from resolvers.read import run_read
from resolvers.statistics import graph_node
from resolvers.values import check_prop_value, check_text
from resolvers.writes import Writer, _audit_uid
from i18n import Message

DEMAND, ESCALATION = TYPES["Demand"], TYPES["Escalation"]
RANK = {level: rank for rank, level in enumerate(ESCALATION_LEVELS, 1)}
# A demand with no level yet (one loaded before levels existed) is with its community: LEAD.
FIRST_LEVEL = ESCALATION_LEVELS[0]
RESOLVED = "RESOLVED"
DESCRIPTIONS = {
    "LEAD": "村（社区）联合党委或片区牵头党组织（“1”） / the community's joint committee or the zone's lead (\"1\")",
    "N": "片区内的党组织（“N”） / the zone's own organisations (\"N\")",
    "X": "片区外的党组织与下沉到网格的区直部门（“X”） / organisations from outside the zone and the district "
         "departments sunk to the demand's grid (\"X\")",
    "TOWN_CENTRE": "镇（街道）社会综合治理指挥中心 / the town's social-governance command centre",
    "DISTRICT_CENTRE": "区社会综合治理指挥中心 / the district's social-governance command centre",
}


def path_from(row: dict[str, Any]) -> dict[str, Any]:
    """An EscalationPath row as escalationPath returns it: the demand, its place, and `levels`, one
    per level lowest first: {level, rank, description, current, responsible: [{role, node}],
    organisations, departments, commandCentres} (nodes as research entries, graph_node)."""
    current = row["demand"]["level"] or FIRST_LEVEL
    levels = []
    for level in ESCALATION_LEVELS:
        responsible = [{"role": role, "node": graph_node(n)} for column, at, role in HOLDERS if at == level
                       for n in row[column]]
        nodes = [r["node"] for r in responsible]

        def of(label: str) -> list[dict[str, Any]]:
            # A node holding the level twice (a community's own committee that also leads its zone) once.
            return sorted({n["uid"]: n for n in nodes if n["label"] == label}.values(), key=lambda n: n["uid"])

        levels.append({"level": level, "rank": RANK[level], "description": DESCRIPTIONS[level],
                       "current": level == current, "reachable": bool(nodes), "responsible": responsible,
                       "organisations": of("Organisation"), "departments": of("Department"),
                       "commandCentres": of("CommandCentre")})
    demand = row["demand"]
    return {"demand": graph_node(demand), "status": demand["status"], "level": demand["level"],
            "resolvedLevel": demand["resolvedLevel"],
            "community": graph_node(row["community"][0]) if row["community"] else None,
            "zones": [graph_node(z) for z in row["zones"]], "towns": [graph_node(t) for t in row["towns"]],
            "levels": levels}


async def escalation_path(context: Any, demand: str) -> dict[str, Any]:
    """Who is responsible for the demand with uid `demand` at each level. One read.
    Raises NOT_FOUND (`demand`) when there is no such demand the grant sees."""
    check_text(demand, "demand")
    rows = await run_read(context, EscalationPath(demand))
    if not rows:
        raise not_found("demand", "no Demand with uid {demand!r}", demand=demand)
    return path_from(rows[0])


async def escalate_demand(info: Any, uid: str, to: str, reason: str) -> dict[str, Any]:
    """Move the demand `uid` up to the level `to`, for `reason`: set Demand.level, create an
    Escalation (fromLevel, toLevel, reason, escalatedOn and escalatedAt: today and now, UTC) linked
    to it by ESCALATES, and the audit entry (action "escalate"), in one statement.

    Errors, each naming its argument and writing nothing: BAD_USER_INPUT `reason` (blank or not a
    valid text), `to` (not above the demand's level, or a level nobody holds for this demand);
    NOT_FOUND `uid`; CONFLICT `uid` (the demand is RESOLVED, or changed while this was checked).
    Reads twice (the write path's own check of the node and the grant; the path of responsibility)
    and writes once."""
    writer = await Writer.start(info, "escalate", DEMAND, uid=uid)
    check_text(uid, "uid")
    if to not in RANK:
        raise bad_input("to", "is one of {levels}", levels=", ".join(ESCALATION_LEVELS))
    if not isinstance(reason, str) or not reason.strip():
        raise bad_input("reason", "give the reason the level below could not resolve the demand")
    reason = reason.strip()
    check_prop_value(ESCALATION.prop("reason"), reason, "reason")
    current, _ = await writer.precheck(DEMAND, uid, (), {}, exclude_self=True)
    if current is None:
        raise not_found("uid", "no Demand with uid {uid!r}", uid=uid)
    if current.get("status") == RESOLVED:
        raise conflict("uid", "demand {uid!r} is RESOLVED (at {level}); a resolved demand is not escalated",
                       uid=uid, level=current.get("resolvedLevel") or Message("no level"))
    from_level = current.get("level")
    here = from_level or FIRST_LEVEL
    if RANK[to] <= RANK[here]:
        raise bad_input("to", "demand {uid!r} is at {here}; it can only move up, to {levels}", uid=uid, here=here,
                        levels=", ".join(ESCALATION_LEVELS[RANK[here]:]) or Message("no higher level"))
    rows = await run_read(writer.context, EscalationPath(uid))
    if not rows:  # deleted since the precheck read it
        raise not_found("uid", "no Demand with uid {uid!r}", uid=uid)
    path = path_from(rows[0])
    if not path["levels"][RANK[to] - 1]["reachable"]:
        holders = [f"{lv['level']}" for lv in path["levels"][RANK[here]:] if lv["reachable"]]
        raise bad_input("to", "nobody holds {to} for demand {uid!r} (see escalationPath); levels above {here} with "
                        "someone: {holders}", to=to, uid=uid, here=here, holders=", ".join(holders) or Message("none"))
    escalation = {"uid": f"escalation-{uuid.uuid4().hex}", "name": f"上报 {uid}：{here} → {to}",
                  "nameEn": f"Escalation of {uid}: {here} to {to}", "source": "IMPORTED",
                  "fromLevel": here, "toLevel": to, "reason": reason,
                  "escalatedOn": writer.today, "escalatedAt": writer.at}
    changes = {"before": {"level": from_level}, "after": {"level": to}, "escalation": escalation}
    audit = writer.audit(DEMAND, uid, changes)
    plan = EscalateDemand(uid, from_level, current["status"], escalation, audit, _audit_uid(), writer.projection,
                          authorise_writes.node_guard(DEMAND, writer.grant))
    rows = await writer.write(plan, "uid")
    return writer.shaped(rows[0])

