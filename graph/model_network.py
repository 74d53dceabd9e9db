"""The 1+N+X network: places, organisations, members, departments, demands and programmes."""
from __future__ import annotations

from graph.model_core import NodeType, Prop, into, out

NETWORK_ENUMS: dict[str, tuple[str, ...]] = {
    "Source": ("ARTICLE", "ILLUSTRATIVE", "IMPORTED"),
    "TownKind": ("TOWN", "SUBDISTRICT"),
    "CommunityKind": ("VILLAGE", "URBAN_COMMUNITY"),
    "OrganisationKind": (
        "MUNICIPAL", "DISTRICT", "TOWN", "JOINT", "PARK", "COMMUNITY", "BRANCH",
        "ORGAN", "ENTERPRISE", "INSTITUTION", "SOCIAL",
    ),
    "CommandLevel": ("DISTRICT", "TOWN"),
    "DemandStatus": ("RAISED", "ASSIGNED", "RESOLVED"),
    "DemandCategory": (
        "TRANSPORT", "UTILITIES", "PUBLIC_SAFETY", "ENVIRONMENT", "HEALTH",
        "ELDERLY_CARE", "EDUCATION", "EMPLOYMENT", "ADMINISTRATION", "OTHER",
    ),
    "ProgrammeKind": (
        # ACTION_PROJECT: kept for imported data; Shiwan's action projects are ActionProject nodes.
        "LIVELIHOOD_PROJECT", "SERVICE_ITEM", "ACTION_PROJECT", "SERVICE", "PLATFORM",
        "TRAINING",
    ),
}

NETWORK_TYPES: tuple[NodeType, ...] = (
    NodeType(
        "District", "districts", "A district (区), such as Chancheng.",
        rels=(
            into("towns", "IN_DISTRICT", "Town", True),
            into("commandCentres", "IN_DISTRICT", "CommandCentre", True),
            into("programmes", "IN_DISTRICT", "Programme", True, "District-wide platforms and programmes."),
        ),
    ),
    NodeType(
        "Town", "towns", "A town or subdistrict (镇街).",
        props=(
            Prop("kind", "TownKind", True, "TOWN (镇) or SUBDISTRICT (街道).", indexed=True),
            Prop("residentsReceived", "Int", description="Residents received by stationed-contact teams in 2015.",
                 minimum=0),
            Prop("householdsVisited", "Int", description="Households visited in 2015.", minimum=0),
            Prop("householdVisitRate", "Float", description="Share of households visited in 2015, 0 to 1.",
                 minimum=0, maximum=1),
        ),
        rels=(
            out("district", "IN_DISTRICT", "District", False),
            into("zones", "IN_TOWN", "Zone", True),
            into("communities", "IN_TOWN", "Community", True),
            into("grids", "IN_TOWN", "Grid", True),
            into("parks", "IN_TOWN", "Park", True),
            into("organisations", "IN_TOWN", "Organisation", True),
            into("programmes", "IN_TOWN", "Programme", True),
            into("commandCentres", "IN_TOWN", "CommandCentre", True),
            into("stationedTeams", "IN_TOWN", "StationedTeam", True),
            into("actionProjects", "IN_TOWN", "ActionProject", True),
        ),
    ),
    NodeType(
        "Zone", "zones", "A party-building zone (片区) of a town: one lead organisation, N inside, X from outside.",
        props=(
            Prop("isDemonstration", "Boolean", True, "One of Zumiao's 4 demonstration zones (示范区)."),
            Prop("isPilot", "Boolean", False, "The pilot zone (试点), such as Peide."),
        ),
        rels=(
            out("town", "IN_TOWN", "Town", False),
            into("lead", "LEADS", "Organisation", False, 'The lead organisation, the "1".'),
            into("internalOrganisations", "PART_OF", "Organisation", True, 'Organisations inside the zone, the "N".'),
            into("externalOrganisations", "SERVES", "Organisation", True, 'Organisations from outside the zone, the "X".'),
            into("communities", "IN_ZONE", "Community", True),
            into("programmes", "IN_ZONE", "Programme", True),
        ),
        town_via=("town",),
    ),
    NodeType(
        "Community", "communities", "A village (村) or urban community (社区).",
        props=(
            Prop("kind", "CommunityKind", True, "VILLAGE or URBAN_COMMUNITY.", indexed=True),
            Prop("householdsRegistered", "Int", False, "Households registered, the base of the visit rate.",
                 minimum=0),
        ),
        rels=(
            out("town", "IN_TOWN", "Town", False),
            out("zone", "IN_ZONE", "Zone", False),
            into("grids", "COVERS", "Grid", True, "Grids that cover this community."),
            into("organisations", "BASED_IN", "Organisation", True),
            into("demands", "RAISED_IN", "Demand", True),
            into("stationedTeams", "STATIONED_IN", "StationedTeam", True),
            into("visits", "VISITED", "Visit", True),
        ),
        town_via=("town", "zone"),
    ),
    NodeType(
        "Grid", "grids", "One of the 122 grids (网格) of the social governance cloud platform.",
        props=(Prop("number", "Int", False, "Grid number, from 1 (the seed has 1 to 122).", minimum=1, indexed=True, identifying=1),),
        rels=(
            out("town", "IN_TOWN", "Town", False),
            out("communities", "COVERS", "Community", True),
            into("departments", "SUNK_TO", "Department", True, "District departments assigned (下沉) to this grid."),
            into("commandCentres", "COMMANDS", "CommandCentre", True),
        ),
        town_via=("town",),
    ),
    NodeType(
        "Park", "parks", "An industrial or software park (园区).",
        rels=(
            out("town", "IN_TOWN", "Town", False),
            into("partyCommittee", "COMMITTEE_OF", "Organisation", False, "The park's own party committee (园区党委)."),
            into("enterprises", "IN_PARK", "Enterprise", True),
        ),
        town_via=("town",),
    ),
    NodeType(
        "Enterprise", "enterprises", "An enterprise, in a park or run by a member.",
        rels=(
            out("park", "IN_PARK", "Park", False),
            into("runBy", "RUNS", "Member", True, "Members who run the enterprise."),
            into("partyOrganisations", "ORGANISATION_OF", "Organisation", True),
            out("resources", "OFFERS", "Resource", True, "Resources the enterprise offers."),
        ),
        town_via=("park",),
    ),
    NodeType(
        "Organisation", "organisations", "A party organisation (党组织).",
        props=(Prop("kind", "OrganisationKind", True, "What kind of party organisation this is.", indexed=True),),
        rels=(
            out("community", "BASED_IN", "Community", False, "The community the organisation is based in."),
            out("town", "IN_TOWN", "Town", False),
            out("park", "COMMITTEE_OF", "Park", False, "The park whose committee this is."),
            out("enterprise", "ORGANISATION_OF", "Enterprise", False, "The enterprise whose party organisation this is."),
            out("parent", "SUBORDINATE_TO", "Organisation", False, "The organisation this one reports to."),
            into("children", "SUBORDINATE_TO", "Organisation", True),
            out("leads", "LEADS", "Zone", True, 'Zones this organisation leads, as their "1".'),
            out("partOf", "PART_OF", "Zone", True, 'Zones this organisation belongs to from inside, as an "N".'),
            out("serves", "SERVES", "Zone", True, 'Zones this organisation serves from outside, as an "X".'),
            into("members", "MEMBER_OF", "Member", True),
            into("secretaries", "SECRETARY_OF", "Member", True),
            into("resolvedDemands", "RESOLVED_BY", "Demand", True),
            into("programmes", "ORGANISED_BY", "Programme", True),
            out("resources", "OFFERS", "Resource", True, "Resources the organisation offers."),
            into("serviceTeams", "TEAM_OF", "ServiceTeam", True),
        ),
        town_via=("town", "community", "park", "enterprise"),
    ),
    NodeType(
        "Member", "members", "A party member (党员).",
        props=(
            Prop("name", "String", True, "Name in Chinese. Personal: shown as the surname and stars (李**) to "
                 "grants that may not see it.", indexed=True, identifying=1, personal="name"),
            Prop("nameEn", "String", False, "Name in pinyin. Personal: hidden from grants that may not see it.",
                 indexed=True, identifying=1, personal="hidden"),
            Prop("description", "String", False, "A short note. Personal: hidden from grants that may not see it.",
                 personal="hidden"),
            Prop("role", "String", False, "Post held, such as 区委书记."),
            Prop("contact", "String", False, "Telephone or e-mail, for the organisation department. Personal: "
                 "hidden from grants that may not see it.", personal="hidden"),
            Prop("isEntrepreneur", "Boolean", True, "True when the member runs an enterprise.",
                 pattern="({n})-[:RUNS]->(:Enterprise)"),
        ),
        rels=(
            out("memberOf", "MEMBER_OF", "Organisation", True),
            out("secretaryOf", "SECRETARY_OF", "Organisation", True, "Organisations whose secretary the member is."),
            out("enterprises", "RUNS", "Enterprise", True, "Enterprises the member runs."),
            out("serviceTeams", "IN_TEAM", "ServiceTeam", True),
            out("stationedTeams", "IN_TEAM", "StationedTeam", True),
        ),
        town_via=("memberOf", "secretaryOf", "enterprises"),
    ),
    NodeType(
        "Department", "departments", "A district department (区直部门) sunk to the grids.",
        rels=(
            out("grids", "SUNK_TO", "Grid", True),
            into("commandCentres", "COMMANDS", "CommandCentre", True),
            into("resolvedDemands", "RESOLVED_BY", "Demand", True),
            out("resources", "OFFERS", "Resource", True, "Resources the department offers."),
        ),
    ),
    NodeType(
        "CommandCentre", "commandCentres", "A district- or town-level social governance command centre (指挥中心).",
        props=(Prop("level", "CommandLevel", True),),
        rels=(
            out("district", "IN_DISTRICT", "District", False),
            out("town", "IN_TOWN", "Town", False),
            out("departments", "COMMANDS", "Department", True),
            out("grids", "COMMANDS", "Grid", True),
        ),
        town_via=("town",),
    ),
    NodeType(
        "Demand", "demands", "A problem or demand raised by residents (群众诉求).",
        props=(
            Prop("category", "DemandCategory", True, indexed=True),
            Prop("kind", "DemandKind", False, "NEED (需求) or PROBLEM (问题): which of Shiwan's lists it is on.",
                 indexed=True),
            Prop("level", "EscalationLevel", False, "Who is responsible now: LEAD when raised, moved up by "
                 "escalateDemand.", managed=True, indexed=True),
            Prop("resolvedLevel", "EscalationLevel", False, "The level at which it was resolved.", managed=True,
                 indexed=True),
            Prop("status", "DemandStatus", True, "RAISED → ASSIGNED → RESOLVED, moved by the workflow mutations.",
                 managed=True, indexed=True),
            Prop("raisedOn", "String", False, "ISO date, YYYY-MM-DD.", format="date"),
            Prop("assignedOn", "String", False, "ISO date, YYYY-MM-DD.", format="date", managed=True),
            Prop("resolvedOn", "String", False, "ISO date, YYYY-MM-DD.", format="date", managed=True),
            Prop("raisedAt", "String", False, "ISO 8601 timestamp (UTC) of raiseDemand.", format="datetime",
                 managed=True),
            Prop("assignedAt", "String", False, "ISO 8601 timestamp (UTC) of assignDemand.", format="datetime",
                 managed=True),
            Prop("resolvedAt", "String", False, "ISO 8601 timestamp (UTC) of resolveDemand.", format="datetime",
                 managed=True),
        ),
        rels=(
            out("community", "RAISED_IN", "Community", False),
            out("assignedToOrganisation", "ASSIGNED_TO", "Organisation", False, managed=True),
            out("assignedToDepartment", "ASSIGNED_TO", "Department", False, managed=True),
            out("resolvedByOrganisation", "RESOLVED_BY", "Organisation", False, managed=True),
            out("resolvedByDepartment", "RESOLVED_BY", "Department", False, managed=True),
            out("visit", "RAISED_DURING", "Visit", False, "The stationed-contact visit it was collected on."),
            into("escalations", "ESCALATES", "Escalation", True, managed=True),
            into("actionProjects", "ADDRESSES", "ActionProject", True),
        ),
        orderings=(("raisedOn", "assignedOn", "resolvedOn"), ("raisedAt", "assignedAt", "resolvedAt")),
        town_via=("community",),
    ),
    NodeType(
        "Programme", "programmes", "A programme, project, platform or named service.",
        props=(
            Prop("kind", "ProgrammeKind", True, indexed=True),
            Prop("budgetYuan", "Float", False, "Budget in yuan (元).", minimum=0),
            Prop("expectedBeneficiaries", "Int", False, "People expected to benefit.", minimum=0),
        ),
        rels=(
            out("district", "IN_DISTRICT", "District", False),
            out("town", "IN_TOWN", "Town", False),
            out("zone", "IN_ZONE", "Zone", False),
            out("organisers", "ORGANISED_BY", "Organisation", True),
        ),
        town_via=("town", "zone"),
    ),
)
