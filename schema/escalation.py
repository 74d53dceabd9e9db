"""GraphQL for escalation (上报): `escalationPath(demand:)`, who is responsible for a demand at each
level, and the mutation `escalateDemand(uid:, to:, reason:)` (resolvers/escalation.py)."""
from __future__ import annotations

import enum
from typing import Any, Optional

import strawberry
from strawberry.types import Info

from graph.escalation import HOLDERS
from resolvers.escalation import escalate_demand, escalation_path
from schema.inputs import ENUM_TYPES
from schema.research import GraphNode, graph_node
from schema.types import GeneratedTypes

EscalationLevel = ENUM_TYPES["EscalationLevel"]
ResponsibleRole = strawberry.enum(
    enum.Enum("ResponsibleRole", {role: role for _, _, role in HOLDERS}),
    description="Why a node holds a level: COMMUNITY_COMMITTEE (based in the community: its joint or village "
                "committee) and ZONE_LEAD (the zone's \"1\") at LEAD; INTERNAL_ORGANISATION (\"N\") at N; "
                "EXTERNAL_ORGANISATION (\"X\") and SUNK_DEPARTMENT (a district department sunk to a grid that "
                "covers the community) at X; TOWN_CENTRE and DISTRICT_CENTRE (command centres).")


@strawberry.type(description="One holder of a level, and why it holds it.")
class Responsible:
    role: ResponsibleRole
    node: GraphNode


@strawberry.type(description="One level of responsibility for a demand, and who holds it, read from the graph.")
class EscalationStep:
    level: EscalationLevel
    rank: int = strawberry.field(description="1 (LEAD) to 5 (DISTRICT_CENTRE): the order of escalation.")
    description: str = strawberry.field(description="Who holds this level, in Chinese and English.")
    current: bool = strawberry.field(description="The demand's level now (a demand with no level is at LEAD).")
    reachable: bool = strawberry.field(description="Someone holds this level for the demand; escalateDemand "
                                                   "refuses a level that nobody holds.")
    responsible: list[Responsible] = strawberry.field(description="Every holder with its role, by role then uid.")
    organisations: list[GraphNode] = strawberry.field(description="The party organisations among them, by uid.")
    departments: list[GraphNode] = strawberry.field(description="The district departments among them, by uid.")
    commandCentres: list[GraphNode] = strawberry.field(description="The command centres among them, by uid.")


@strawberry.type(description="The ordered chain of who is responsible for a demand at each level (每一级由谁负责).")
class EscalationPath:
    demand: GraphNode
    status: str = strawberry.field(description="RAISED, ASSIGNED or RESOLVED.")
    level: Optional[EscalationLevel] = strawberry.field(description="The demand's level now; null for a demand "
                                                                    "loaded without one (read as LEAD).")
    resolvedLevel: Optional[EscalationLevel] = strawberry.field(description="The level it was resolved at.")
    community: Optional[GraphNode] = strawberry.field(description="The community it was raised in.")
    zones: list[GraphNode] = strawberry.field(description="The zone(s) of that community.")
    towns: list[GraphNode] = strawberry.field(description="The community's town (its own, or its zone's).")
    levels: list[EscalationStep] = strawberry.field(description="All five levels, lowest (LEAD) first; a level "
                                                                "nobody holds is there with empty lists.")


def _path(result: dict[str, Any]) -> EscalationPath:
    def nodes(rows: list[dict]) -> list[GraphNode]:
        return [graph_node(n) for n in rows]

    levels = [EscalationStep(**{**lv, "level": EscalationLevel(lv["level"]),
                                "responsible": [Responsible(role=ResponsibleRole(r["role"]), node=graph_node(r["node"]))
                                                for r in lv["responsible"]],
                                "organisations": nodes(lv["organisations"]), "departments": nodes(lv["departments"]),
                                "commandCentres": nodes(lv["commandCentres"])})
              for lv in result["levels"]]
    level, resolved = result["level"], result["resolvedLevel"]
    return EscalationPath(demand=graph_node(result["demand"]), status=result["status"],
                          level=EscalationLevel(level) if level else None,
                          resolvedLevel=EscalationLevel(resolved) if resolved else None,
                          community=graph_node(result["community"]) if result["community"] else None,
                          zones=nodes(result["zones"]), towns=nodes(result["towns"]), levels=levels)


@strawberry.type
class EscalationQuery:
    @strawberry.field(description="Who is responsible for the demand with uid `demand` at each level, from the "
                                  "graph: 1. the community's joint committee or the zone's lead; 2. the zone's N "
                                  "organisations; 3. its X organisations and the district departments sunk to the "
                                  "demand's grid; 4. the town's and 5. the district's command centre. One read. "
                                  "NOT_FOUND naming `demand` when there is no such demand.")
    async def escalationPath(self, info: Info, demand: str) -> EscalationPath:
        return _path(await escalation_path(info.context, demand))


def escalation_fields(types: GeneratedTypes) -> dict[str, Any]:
    """The mutation escalateDemand, returning the demand as stored after the write."""

    async def escalate(info: Info, uid: str, to: Any, reason: str) -> Any:
        return await escalate_demand(info, uid, to.value if isinstance(to, enum.Enum) else to, reason)

    escalate.__annotations__.update(to=EscalationLevel, **{"return": types.objects["Demand"]})
    return {"escalateDemand": strawberry.field(
        resolver=escalate,
        description="Move a demand up to the level `to` (above its level now, and held by someone: see "
                    "escalationPath), for `reason`: sets its level and records an Escalation (上报) and an audit "
                    "entry, in one write. Refused, writing nothing, for a RESOLVED demand (CONFLICT `uid`), a "
                    "level not above its own or held by nobody (BAD_USER_INPUT `to`) or a blank reason "
                    "(BAD_USER_INPUT `reason`).")}
