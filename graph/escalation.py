"""Escalation plans: who is responsible for a demand at each level, and moving it up a level
(graph/cypher/escalation.py renders them; resolvers/escalation.py builds them).

The levels (graph/model_work.py ESCALATION_LEVELS, lowest first) and who holds each, read from
the graph for the community the demand was raised in (RAISED_IN):

    LEAD             organisations BASED_IN the community (its joint or village committee) and the
                     lead ("1", LEADS) of the zone the community is IN_ZONE
    N                the zone's internal organisations (PART_OF)
    X                the zone's external organisations (SERVES) and the district departments
                     SUNK_TO a grid that COVERS the community
    TOWN_CENTRE      the command centre (level TOWN) IN_TOWN the community's town (its own IN_TOWN,
                     or its zone's)
    DISTRICT_CENTRE  the command centre (level DISTRICT) IN_DISTRICT that town's district
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graph.model_work import ESCALATION_LEVELS
from graph.plan import Filter, LabelAccess, Projection
from graph.write_plan import Audit

# The columns of an EscalationPath row that hold each level's holders: (column, level, role).
# The role says why a node is there, in the article's words.
HOLDERS: tuple[tuple[str, str, str], ...] = (
    ("based", "LEAD", "COMMUNITY_COMMITTEE"),
    ("lead", "LEAD", "ZONE_LEAD"),
    ("internal", "N", "INTERNAL_ORGANISATION"),
    ("external", "X", "EXTERNAL_ORGANISATION"),
    ("sunk", "X", "SUNK_DEPARTMENT"),
    ("townCentre", "TOWN_CENTRE", "TOWN_CENTRE"),
    ("districtCentre", "DISTRICT_CENTRE", "DISTRICT_CENTRE"),
)
assert {level for _, level, _ in HOLDERS} == set(ESCALATION_LEVELS), "a level nobody can hold"


@dataclass(frozen=True)
class EscalationPath:
    """The demand `uid` and, for each of its levels, who holds it. Zero rows when there is no such
    demand (or the grant does not see it); else one row {demand, community, zones, towns,
    <HOLDERS columns>}: demand is {uid, name, nameEn, source, label, status, level, resolvedLevel},
    the others lists of node maps {uid, name, nameEn, source, label}, in uid order, each node one
    the grant sees (`access`, graph/authorise.py; None: everything)."""

    uid: str
    access: LabelAccess | None = None


@dataclass(frozen=True)
class EscalateDemand:
    """Move the demand `uid` from `from_level` (None: it has no level yet, read as LEAD) to
    `escalation["toLevel"]`, while its status is still `status` and it passes `guard` (the grant's
    rule on the node): set Demand.level, create the Escalation node with `escalation` (its stored
    properties, no nulls) and its ESCALATES link, and the audit entry, in one statement. Rows:
    {node} read back in `projection`; none when a guard failed (nothing written)."""

    uid: str
    from_level: str | None
    status: str
    escalation: dict[str, Any]
    audit: Audit
    audit_uid: str
    projection: Projection | None = None
    guard: Filter | None = None  # the grant's rule on the demand (graph/authorise_writes.py node_guard)
