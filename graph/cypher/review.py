"""The monthly review rendered (graph/review.py): one statement, values as parameters. Dates are
ISO strings compared as strings; labels and relationship types come from the model's fields."""
from __future__ import annotations

from graph.cypher.builder import CypherBuilder, quote
from graph.cypher.registry import renders
from graph.cypher.statistics import node_map
from graph.cypher.visits import in_period
from graph.model import ENUMS, TYPES
from graph.plan import CompiledQuery
from graph.review import MonthlyReview

DEMAND_TYPE, ESCALATION_TYPE = TYPES["Demand"], TYPES["Escalation"]
TOWN, COMMUNITY, ZONE, DEMAND, VISIT, ESCALATION = (quote(TYPES[n].label) for n in (
    "Town", "Community", "Zone", "Demand", "Visit", "Escalation"))
IN_TOWN, RAISED_IN = quote(TYPES["Community"].rel("town").type), quote(DEMAND_TYPE.rel("community").type)
ZONE_IN_TOWN, IN_ZONE = quote(TYPES["Zone"].rel("town").type), quote(TYPES["Community"].rel("zone").type)
# A community belongs to a town through its own town or its zone's (the model's Community.town_via).
assert TYPES["Community"].town_via == ("town", "zone")
VISITED, RAISED_DURING = quote(TYPES["Visit"].rel("community").type), quote(TYPES["Visit"].rel("demands").type)
ESCALATES = quote(ESCALATION_TYPE.rel("demand").type)
RESOLVED = "RESOLVED"
assert RESOLVED in ENUMS["DemandStatus"]


@renders(MonthlyReview)
def monthly_review(plan: MonthlyReview, dialect=None) -> CompiledQuery:
    """Demands raised, resolved and open; the overdue ones; the month's visits; its escalations."""
    b = CypherBuilder(dialect)
    first, last, cutoff, limit = (b.param(v) for v in (plan.first_day, plan.last_day, plan.overdue_before,
                                                        plan.limit))
    raised_on = b.range_ref("d", DEMAND_TYPE.prop("raisedOn"))
    resolved_on = b.range_ref("d", DEMAND_TYPE.prop("resolvedOn"))
    escalated_on = b.range_ref("e", ESCALATION_TYPE.prop("escalatedOn"))
    # Resolved by the month's end: dated on or before it, or undated and RESOLVED.
    closed = (f"((d.resolvedOn IS NOT NULL AND {resolved_on} <= {last}) OR "
              f"(d.resolvedOn IS NULL AND coalesce(d.status = {b.param(RESOLVED)}, false)))")
    open_at_end = f"(d.raisedOn IS NOT NULL AND {raised_on} <= {last} AND NOT {closed})"
    overdue = f"({open_at_end} AND {raised_on} < {cutoff})"
    demands = f"UNWIND cs AS c MATCH (c)<-[:{RAISED_IN}]-(d:{DEMAND})"
    visits = (f"UNWIND cs AS c MATCH (c)<-[:{VISITED}]-(v:{VISIT}) "
              f"WHERE {in_period(b, 'v', plan.first_day, plan.last_day)}")
    escalations = (f"{demands} MATCH (d)<-[:{ESCALATES}]-(e:{ESCALATION}) "
                   f"WHERE {escalated_on} >= {first} AND {escalated_on} <= {last}")
    after_overdue = after_escalation = ""
    if plan.after is not None:  # the lists' pages after a (date, uid) position
        on, uid = (b.param(v) for v in plan.after)
        after_overdue = f" AND ({raised_on} > {on} OR ({raised_on} = {on} AND d.uid > {uid}))"
        after_escalation = f" AND ({escalated_on} > {on} OR ({escalated_on} = {on} AND e.uid > {uid}))"
    tests = [f"t.uid = {b.param(plan.town_uid)}"]
    if plan.towns is not None:  # a grant that reads only its towns (graph/authorise.py)
        tests.append(f"t.uid IN {b.param(list(plan.towns))}")
    lines = [
        f"MATCH (t:{TOWN}) WHERE " + " AND ".join(tests),
        # The town's communities, once each (uids: a community in a zone usually has both ways).
        f"CALL {{ WITH t OPTIONAL MATCH (t)<-[:{IN_TOWN}]-(c:{COMMUNITY}) WITH t, collect(c) AS own "
        f"OPTIONAL MATCH (t)<-[:{ZONE_IN_TOWN}]-(:{ZONE})<-[:{IN_ZONE}]-(z:{COMMUNITY}) WITH own, collect(z) AS via "
        "RETURN own + [x IN via WHERE NOT x.uid IN [o IN own | o.uid]] AS zoned }",
        "WITH t, zoned AS cs",
        "CALL { WITH cs UNWIND cs AS c RETURN sum(c.householdsRegistered) AS "
        "householdsRegistered, count(c.householdsRegistered) AS registeredCommunities }",
        f"CALL {{ WITH cs {demands} RETURN "
        f"count(CASE WHEN {raised_on} >= {first} AND {raised_on} <= {last} THEN 1 END) AS raised, "
        f"count(CASE WHEN {resolved_on} >= {first} AND {resolved_on} <= {last} THEN 1 END) AS resolved, "
        f"count(CASE WHEN {open_at_end} THEN 1 END) AS open, count(CASE WHEN {overdue} THEN 1 END) AS overdueCount }}",
        f"CALL {{ WITH cs {demands} WHERE {overdue}{after_overdue} WITH d ORDER BY d.raisedOn, d.uid LIMIT {limit} "
        f"RETURN collect({{demand: {node_map('d')}, raisedOn: d.raisedOn, status: d.status, level: d.level}}) "
        "AS overdue }",
        f"CALL {{ WITH cs {visits} RETURN count(v) AS visits, sum(v.householdsVisited) AS householdsVisited, "
        "sum(v.residentsReceived) AS residentsReceived }",
        f"CALL {{ WITH cs {visits} MATCH (v)<-[:{RAISED_DURING}]-(d:{DEMAND}) WITH DISTINCT d "
        f"RETURN count(d) AS visitDemands, count(CASE WHEN d.status = {b.param(RESOLVED)} THEN 1 END) "
        "AS visitDemandsResolved }",
        f"CALL {{ WITH cs {escalations} WITH e.toLevel AS level, count(e) AS n "
        "RETURN sum(n) AS escalationCount, collect({level: level, count: n}) AS escalationsByLevel }",
        f"CALL {{ WITH cs {escalations}{after_escalation} WITH e, d ORDER BY e.escalatedOn, e.uid LIMIT {limit} "
        f"RETURN collect({{escalation: {node_map('e')}, demand: {node_map('d')}, fromLevel: e.fromLevel, "
        "toLevel: e.toLevel, escalatedOn: e.escalatedOn}) AS escalations }",
        f"RETURN {node_map('t')} AS town, raised, resolved, open, overdueCount, overdue, householdsRegistered, "
        "registeredCommunities, visits, householdsVisited, residentsReceived, visitDemands, visitDemandsResolved, "
        "escalationCount, escalationsByLevel, escalations",
    ]
    return CompiledQuery("\n".join(lines), b.params)
