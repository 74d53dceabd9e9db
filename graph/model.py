"""The graph model: every label, property and relationship, in one place.

The Strawberry schema, the seed validator and the Cypher builder are all derived
from these declarations, so a new field is added here and nowhere else.
"""
from __future__ import annotations

from dataclasses import dataclass

ENUMS: dict[str, tuple[str, ...]] = {
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
        "LIVELIHOOD_PROJECT", "SERVICE_ITEM", "ACTION_PROJECT", "SERVICE", "PLATFORM",
        "TRAINING",
    ),
}

# Each scalar's Python type (checked by graph/validation.py; used by Strawberry and the seed loader).
PYTHON_TYPES: dict[str, type] = {"String": str, "Int": int, "Float": float, "Boolean": bool}
SCALARS = tuple(PYTHON_TYPES)
# The Python values a scalar accepts: an Int is a Float too.
ACCEPTED_TYPES: dict[str, type | tuple[type, ...]] = {**PYTHON_TYPES, "Float": (int, float)}


@dataclass(frozen=True)
class Prop:
    """A stored (or computed) property, exposed as a GraphQL field of the same name."""

    name: str
    type: str  # one of SCALARS or a key of ENUMS
    required: bool = False
    description: str = ""
    # A computed Boolean: a relationship pattern from `{n}` that is true when it matches.
    pattern: str | None = None
    # "date" (YYYY-MM-DD) or "datetime" (ISO 8601, UTC): checked on every write.
    format: str | None = None
    # Set by a workflow (the demand's status and its dates), never by generic create/update.
    managed: bool = False
    # Inclusive bounds of a number (money and counts are never negative; rates are shares).
    minimum: float | None = None
    maximum: float | None = None
    # Hit often by filters and sorts: every engine keeps a range index on it (graph/dialects/).
    indexed: bool = False
    # How few nodes an equality on it picks out: 2 one (uid), 1 a few (names, numbers), 0 a
    # large share (enums, Booleans). The planner anchors a MATCH on the most identifying test.
    identifying: int = 0
    # Personal (graph/authorise.py): "name" shows as 李** where masked, "hidden" as null.
    personal: str | None = None

    @property
    def is_enum(self) -> bool:
        return self.type in ENUMS

    @property
    def text_ordered(self) -> bool:
        """<, <=, >, >= compare it as text (strings and enums), which some engines' range
        indexes answer wrongly (graph/dialects/falkordb.py)."""
        return self.type == "String" or self.is_enum


@dataclass(frozen=True)
class Rel:
    """A relationship field: `(this)-[:type]->(target)` when direction is OUT."""

    name: str
    type: str
    direction: str  # "OUT" or "IN"
    target: str  # a NodeType name
    many: bool  # False: single-valued on this side (at most one related node)
    description: str = ""
    managed: bool = False  # changed only by a workflow mutation

    @property
    def single(self) -> bool:
        return not self.many


@dataclass(frozen=True)
class NodeType:
    name: str  # GraphQL type name, also the node label
    plural: str  # root connection field
    description: str
    props: tuple[Prop, ...] = ()
    rels: tuple[Rel, ...] = ()
    writable: bool = True  # generic create/update/delete/connect mutations exist
    # Properties whose values never decrease in this order (raised ≤ assigned ≤ resolved), checked on writes.
    orderings: tuple[tuple[str, ...], ...] = ()
    # Fields leading to the node's towns, as a member's organisations (graph/authorise.py); none: no town.
    town_via: tuple[str, ...] = ()
    admin_only: bool = False  # read only by admins of the whole district (the audit trail)

    @property
    def label(self) -> str:
        return self.name

    def prop(self, name: str) -> Prop | None:
        return next((p for p in self.all_props if p.name == name), None)

    def rel(self, name: str) -> Rel | None:
        return next((r for r in self.rels if r.name == name), None)

    @property
    def all_props(self) -> tuple[Prop, ...]:
        # A type may redeclare a common field in its place (a member's name is personal).
        own = {p.name: p for p in self.props}
        common = tuple(own.get(p.name, p) for p in COMMON_PROPS)
        return common + tuple(p for p in self.props if p.name not in {c.name for c in COMMON_PROPS})

    @property
    def stored_props(self) -> tuple[Prop, ...]:
        return tuple(p for p in self.all_props if p.pattern is None)

    @property
    def personal_props(self) -> tuple[Prop, ...]:
        return tuple(p for p in self.all_props if p.personal)


COMMON_PROPS = (
    Prop("uid", "String", True, "Stable business key, unique across the whole graph.", indexed=True, identifying=2),
    Prop("name", "String", True, "Name in Chinese, as the organisation department writes it.", indexed=True,
         identifying=1),
    Prop("nameEn", "String", False, "English name or pinyin.", indexed=True, identifying=1),
    Prop("source", "Source", True, "ARTICLE: named in the 2015 report; ILLUSTRATIVE: made up to fill a count; IMPORTED: loaded by a user."),
    Prop("description", "String", False, "A short note, in Chinese or English."),
)


def out(name: str, type_: str, target: str, many: bool, description: str = "", managed: bool = False) -> Rel:
    return Rel(name, type_, "OUT", target, many, description, managed)


def into(name: str, type_: str, target: str, many: bool, description: str = "", managed: bool = False) -> Rel:
    return Rel(name, type_, "IN", target, many, description, managed)


NODE_TYPES: tuple[NodeType, ...] = (
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
        props=(Prop("kind", "CommunityKind", True, "VILLAGE or URBAN_COMMUNITY.", indexed=True),),
        rels=(
            out("town", "IN_TOWN", "Town", False),
            out("zone", "IN_ZONE", "Zone", False),
            into("grids", "COVERS", "Grid", True, "Grids that cover this community."),
            into("organisations", "BASED_IN", "Organisation", True),
            into("demands", "RAISED_IN", "Demand", True),
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
        ),
        town_via=("memberOf", "secretaryOf", "enterprises"),
    ),
    NodeType(
        "Department", "departments", "A district department (区直部门) sunk to the grids.",
        rels=(
            out("grids", "SUNK_TO", "Grid", True),
            into("commandCentres", "COMMANDS", "CommandCentre", True),
            into("resolvedDemands", "RESOLVED_BY", "Demand", True),
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

AUDIT_ENTRY = NodeType(
    "AuditEntry", "auditEntries",
    "One write: who made it, when, what changed, and where the data came from. Written in the same "
    "statement as the change itself.",
    props=(
        Prop("at", "String", True, "ISO 8601 timestamp (UTC).", format="datetime"),
        Prop("actor", "String", True, "Who wrote: the X-Actor request header, or the import's --actor."),
        Prop("action", "String", True, "create, update, delete, connect, disconnect, raise, assign, resolve, "
             "import, undo; refused (a write the grant did not allow); token-create, token-revoke."),
        Prop("targetType", "String", True, "The type written."),
        Prop("targetUid", "String", False, "The node written; empty for an import."),
        Prop("changes", "String", True, "JSON: the fields before and after, or the links added and removed."),
        Prop("batchId", "String", False, "The import batch, for IMPORTED data."),
        Prop("undoes", "String", False, "For action undo: the uid of the entry it reverses.", indexed=True),
    ),
    writable=False,
    admin_only=True,
)

NODE_TYPES = NODE_TYPES + (AUDIT_ENTRY,)
TYPES: dict[str, NodeType] = {t.name: t for t in NODE_TYPES}
WRITABLE_TYPES: tuple[NodeType, ...] = tuple(t for t in NODE_TYPES if t.writable)


def fields_of(label: str, rel_type: str, direction: str, other: str) -> list[Rel]:
    """The fields of `label` for relationships of `rel_type` in `direction` to `other`."""
    return [r for r in TYPES[label].rels if r.type == rel_type and r.direction == direction and r.target == other]


def reverse_rels(node_type: NodeType, rel: Rel) -> list[Rel]:
    """The target type's fields for the same relationship, seen from its other end."""
    return fields_of(rel.target, rel.type, "IN" if rel.direction == "OUT" else "OUT", node_type.name)


def reverse_is_single(node_type: NodeType, rel: Rel) -> bool:
    """Is the same relationship single-valued when seen from the target's side (one lead per
    zone: each organisation field `leads` is a list, but Zone.lead is single)?"""
    return any(r.single for r in reverse_rels(node_type, rel))


def single_sides(triple: tuple[str, str, str]) -> tuple[bool, bool]:
    """Is the relationship (from label, type, to label) single-valued at its start node, at its end?"""
    source, rel_type, target = triple
    return (any(r.single for r in fields_of(source, rel_type, "OUT", target)),
            any(r.single for r in fields_of(target, rel_type, "IN", source)))


def is_managed(node_type: NodeType, rel: Rel) -> bool:
    """A relationship only a workflow may change, whichever side it is seen from."""
    return rel.managed or any(r.managed for r in reverse_rels(node_type, rel))


def relationship_endpoints() -> set[tuple[str, str, str]]:
    """Every allowed (from label, relationship type, to label) triple."""
    triples = set()
    for node_type in NODE_TYPES:
        for rel in node_type.rels:
            if rel.direction == "OUT":
                triples.add((node_type.label, rel.type, rel.target))
            else:
                triples.add((rel.target, rel.type, node_type.label))
    return triples
