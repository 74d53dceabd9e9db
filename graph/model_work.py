"""The network's work, as the article tells it: Shiwan's "four lists" (needs, problems, resources,
service teams) turned into action projects; demands escalated from the grassroots up to "X" and the
command centres; Nanzhuang's stationed-contact teams and their visits.

Needs and problems are demands (`Demand.kind`); the other lists are the types below. The escalation
levels are ordered: a demand only moves up them (resolvers/escalation.py).
"""
from __future__ import annotations

from graph.model_core import NodeType, Prop, into, out

WORK_ENUMS: dict[str, tuple[str, ...]] = {
    "DemandKind": ("NEED", "PROBLEM"),
    "ResourceKind": ("VENUE", "FUNDS", "EXPERTISE", "EQUIPMENT", "VOLUNTEER_HOURS"),
    # The area a resource or team serves, narrowest first.
    "Coverage": ("COMMUNITY", "ZONE", "TOWN", "DISTRICT"),
    "ProjectStatus": ("PLANNED", "ACTIVE", "COMPLETED"),
    # Who is responsible, lowest first: the community's joint committee or the zone's lead ("1"),
    # the zone's N organisations, the X organisations and departments sunk to the grid, then the
    # town's and the district's social-governance command centres.
    "EscalationLevel": ("LEAD", "N", "X", "TOWN_CENTRE", "DISTRICT_CENTRE"),
}
ESCALATION_LEVELS = WORK_ENUMS["EscalationLevel"]

_PLACE_NOTE = "The place it serves, at the level its coverage names (none for DISTRICT)."


def _served_places(kind: str) -> tuple:
    """The community, zone and town a resource or team serves: one of them, as its coverage says."""
    return (
        out("community", "SERVES_AREA", "Community", False, _PLACE_NOTE),
        out("zone", "SERVES_AREA", "Zone", False, _PLACE_NOTE),
        out("town", "SERVES_AREA", "Town", False, _PLACE_NOTE),
        into("actionProjects", "USES", "ActionProject", True, f"Action projects that use this {kind}."),
    )


_MATCHING_PROPS = (
    Prop("categories", "DemandCategory", True, "The demand categories it serves.", many=True),
    Prop("coverage", "Coverage", True, "How far it reaches: COMMUNITY, ZONE, TOWN or DISTRICT.", indexed=True),
    Prop("capacity", "Int", True, "How many demands it can take on at once; open action projects "
         "(PLANNED or ACTIVE) that use it count against it.", minimum=0),
)

WORK_TYPES: tuple[NodeType, ...] = (
    NodeType(
        "Resource", "resources", "A resource (资源) on Shiwan's resource list: a venue, funds, expertise, "
        "equipment or volunteer hours an organisation, enterprise or department offers.",
        props=(Prop("kind", "ResourceKind", True, indexed=True),) + _MATCHING_PROPS,
        rels=(
            into("providerOrganisation", "OFFERS", "Organisation", False, "The organisation offering it."),
            into("providerEnterprise", "OFFERS", "Enterprise", False, "The enterprise offering it."),
            into("providerDepartment", "OFFERS", "Department", False, "The department offering it."),
        ) + _served_places("resource"),
        town_via=("community", "zone", "town"),
    ),
    NodeType(
        "ServiceTeam", "serviceTeams", "A service team (服务团队) on Shiwan's service-team list.",
        props=_MATCHING_PROPS,
        rels=(
            out("organisation", "TEAM_OF", "Organisation", False, "The party organisation the team belongs to."),
            into("members", "IN_TEAM", "Member", True),
        ) + _served_places("team"),
        town_via=("community", "zone", "town"),
    ),
    NodeType(
        "ActionProject", "actionProjects", "An action (activity) project (行动项目) made from the four lists: "
        "it addresses demands with resources and service teams.",
        props=(
            Prop("status", "ProjectStatus", True, "PLANNED, ACTIVE or COMPLETED.", indexed=True),
            Prop("startsOn", "String", False, "ISO date, YYYY-MM-DD.", format="date"),
            Prop("endsOn", "String", False, "ISO date, YYYY-MM-DD.", format="date"),
        ),
        rels=(
            out("town", "IN_TOWN", "Town", False),
            out("demands", "ADDRESSES", "Demand", True, "The needs and problems it addresses."),
            out("resources", "USES", "Resource", True),
            out("serviceTeams", "USES", "ServiceTeam", True),
        ),
        orderings=(("startsOn", "endsOn"),),
        town_via=("town",),
    ),
    NodeType(
        "Escalation", "escalations", "A demand moved up the levels of responsibility (上报), by escalateDemand.",
        props=(
            Prop("fromLevel", "EscalationLevel", True, indexed=True),
            Prop("toLevel", "EscalationLevel", True, indexed=True),
            Prop("reason", "String", True, "Why the level below could not resolve it."),
            Prop("escalatedOn", "String", True, "ISO date, YYYY-MM-DD.", format="date", indexed=True),
            Prop("escalatedAt", "String", False, "ISO 8601 timestamp (UTC) of escalateDemand.", format="datetime"),
        ),
        rels=(out("demand", "ESCALATES", "Demand", False),),
        writable=False,
        town_via=("demand",),
    ),
    NodeType(
        "StationedTeam", "stationedTeams", "A stationed-contact team (驻点联系团队), as Nanzhuang's: town "
        "leaders and staff who visit households in the communities they are stationed in.",
        rels=(
            out("town", "IN_TOWN", "Town", False),
            out("communities", "STATIONED_IN", "Community", True),
            into("members", "IN_TEAM", "Member", True),
            into("visits", "MADE_BY", "Visit", True),
        ),
        town_via=("town",),
    ),
    NodeType(
        "Visit", "visits", "One visit (走访) of a stationed-contact team to a community: the households "
        "visited for the first time that year and the residents received.",
        props=(
            Prop("visitedOn", "String", True, "ISO date, YYYY-MM-DD.", format="date", indexed=True),
            Prop("householdsVisited", "Int", True, "Households visited for the first time that year.", minimum=0),
            Prop("residentsReceived", "Int", True, "Residents received.", minimum=0),
        ),
        rels=(
            out("team", "MADE_BY", "StationedTeam", False),
            out("community", "VISITED", "Community", False),
            into("demands", "RAISED_DURING", "Demand", True, "Demands collected during the visit."),
        ),
        town_via=("community", "team"),
    ),
)
