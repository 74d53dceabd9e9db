"""Visit coverage rendered (graph/visits.py): one statement, values as parameters. Labels and
relationship types come from the model's fields."""
from __future__ import annotations

from graph.cypher.builder import CypherBuilder, quote
from graph.cypher.registry import renders
from graph.cypher.statistics import node_map
from graph.model import ENUMS, TYPES
from graph.plan import CompiledQuery
from graph.visits import VisitCoverage

VISIT = TYPES["Visit"]
COMMUNITY, TEAM, DEMAND = (quote(TYPES[n].label) for n in ("Community", "StationedTeam", "Demand"))
VISITED, MADE_BY = quote(VISIT.rel("community").type), quote(VISIT.rel("team").type)
RAISED_DURING, STATIONED_IN = quote(VISIT.rel("demands").type), quote(TYPES["StationedTeam"].rel("communities").type)
RESOLVED = "RESOLVED"
assert RESOLVED in ENUMS["DemandStatus"]
_GROUP = ("{key: key, visits: visits, households: households, residents: residents, demands: demands, "
          "resolved: resolved}")


def in_period(b: CypherBuilder, var: str, date_from: str | None, date_to: str | None) -> str:
    """A Boolean expression: the visit `var` was made in the period (true when unbounded)."""
    on = b.range_ref(var, VISIT.prop("visitedOn"))
    tests = ([f"{on} >= {b.param(date_from)}"] if date_from is not None else []) + (
        [f"{on} <= {b.param(date_to)}"] if date_to is not None else [])
    return "(" + " AND ".join(tests) + ")" if tests else "true"


def _grouped(key: str, alias: str) -> str:
    """The visits of the period (`rows`) summed per `key`, as the list `alias`. Aggregated in a
    WITH first: FalkorDB refuses an aggregate inside an expression."""
    return (f"CALL {{ WITH rows UNWIND rows AS x WITH x.{key} AS key, count(x) AS visits, "
            "sum(x.households) AS households, sum(x.residents) AS residents, sum(x.demands) AS demands, "
            f"sum(x.resolved) AS resolved RETURN collect({_GROUP}) AS {alias} }}")


@renders(VisitCoverage)
def visit_coverage(plan: VisitCoverage, dialect=None) -> CompiledQuery:
    """The scope (communities and teams of every visit matching `where`), and the visits of the
    period grouped by community and by team; the resolver sums the groups into the totals."""
    b = CypherBuilder(dialect)
    lines = b.filtered_match("v", VISIT, plan.where)
    lines += [
        f"OPTIONAL MATCH (v)-[:{VISITED}]->(c:{COMMUNITY})",
        f"OPTIONAL MATCH (v)-[:{MADE_BY}]->(t:{TEAM})",
        f"OPTIONAL MATCH (v)<-[:{RAISED_DURING}]-(d:{DEMAND})",
        f"WITH v, c, t, count(d) AS demands, count(CASE WHEN d.status = {b.param(RESOLVED)} THEN 1 END) AS resolved",
        f"WITH collect(CASE WHEN {in_period(b, 'v', plan.date_from, plan.date_to)} THEN {{community: c.uid, "
        "team: t.uid, households: v.householdsVisited, residents: v.residentsReceived, demands: demands, "
        "resolved: resolved} END) AS rows, collect(DISTINCT c) AS communities, collect(DISTINCT t) AS teams",
        _grouped("community", "byCommunity"),
        _grouped("team", "byTeam"),
        f"CALL {{ WITH communities UNWIND communities AS c RETURN collect({{community: {node_map('c')}, "
        "registered: c.householdsRegistered}) AS scope }",
        f"CALL {{ WITH teams UNWIND teams AS t OPTIONAL MATCH (t)-[:{STATIONED_IN}]->(s:{COMMUNITY}) "
        f"WITH t, sum(s.householdsRegistered) AS registered RETURN collect({{team: {node_map('t')}, "
        "registered: registered}) AS teamScope }",
        "RETURN scope AS communities, teamScope AS teams, byCommunity, byTeam",
    ]
    return CompiledQuery("\n".join(lines), b.params)
