"""The demand workflow: raise → assign → resolve, with timestamps at each step.

Each step checks the current status before writing and the write itself is guarded
on that status, so two concurrent steps cannot both succeed.
"""
from __future__ import annotations

from typing import Any

from graph.model import TYPES
from graph.model_work import ESCALATION_LEVELS
from i18n import Message
from resolvers.errors import bad_input, conflict
from graph.write_plan import utc_now
from resolvers.writes import create_node, link_change, update_node

DEMAND = TYPES["Demand"]
FIRST_LEVEL = ESCALATION_LEVELS[0]  # LEAD: a demand is raised with its community (resolvers/escalation.py)
NEXT_STEP = {"RAISED": "assign", "ASSIGNED": "resolve", "RESOLVED": None}


def _out_of_order(action: str, uid: str, status: str | None, step: str | None) -> Message:
    """Why a demand in `status` cannot take `action` now: a whole msgid per case, so that a
    translation may order its words freely."""
    if action == "assign":
        if step:
            return Message("demand {uid!r} is {status}, so it cannot be assigned; its next step is {step}Demand",
                           uid=uid, status=status, step=step)
        return Message("demand {uid!r} is {status}, so it cannot be assigned; it is closed", uid=uid, status=status)
    if step:
        return Message("demand {uid!r} is {status}, so it cannot be resolved; its next step is {step}Demand",
                       uid=uid, status=status, step=step)
    return Message("demand {uid!r} is {status}, so it cannot be resolved; it is closed", uid=uid, status=status)


async def raise_demand(info: Any, given: dict[str, Any]) -> dict[str, Any]:
    at, today = utc_now()
    given = {"raisedOn": today, **given}
    return await create_node(info, DEMAND, given, action="raise",
                             managed={"status": "RAISED", "raisedAt": at, "level": FIRST_LEVEL})


async def assign_demand(info: Any, uid: str, organisation: str | None, department: str | None) -> dict[str, Any]:
    return await _step(info, uid, organisation, department, "assign", "RAISED", "ASSIGNED", "assignedTo")


async def resolve_demand(info: Any, uid: str, organisation: str | None, department: str | None) -> dict[str, Any]:
    return await _step(info, uid, organisation, department, "resolve", "ASSIGNED", "RESOLVED", "resolvedBy")


async def _step(info: Any, uid: str, organisation: str | None, department: str | None, action: str,
                from_status: str, to_status: str, field_prefix: str) -> dict[str, Any]:
    if (organisation is None) == (department is None):
        raise bad_input("organisation", "{action}Demand takes exactly one of organisation or department",
                        action=action)
    argument, target_uid = ("organisation", organisation) if organisation is not None else ("department", department)
    rel = DEMAND.rel(f"{field_prefix}{argument.capitalize()}")
    link = link_change(DEMAND, rel, [target_uid], argument)

    def check(current: dict[str, Any]) -> None:
        if current.get("status") != from_status:
            step = NEXT_STEP.get(current.get("status"))
            raise conflict("uid", _out_of_order(action, uid, current.get("status"), step))

    def resolved_level(current: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        # Resolved at the level it is at (escalateDemand moves it; none yet: LEAD), provided
        # that level still holds when the write runs.
        return {"resolvedLevel": current.get("level") or FIRST_LEVEL}, {"level": current.get("level")}

    at, today = utc_now()
    stamp = "assigned" if to_status == "ASSIGNED" else "resolved"
    return await update_node(info, DEMAND, uid, {}, action=action,
                             managed={"status": to_status, f"{stamp}At": at, f"{stamp}On": today},
                             connect={link: argument}, expect={"status": from_status}, current_check=check,
                             derive=resolved_level if to_status == "RESOLVED" else None)
