"""Escalation plans rendered (graph/escalation.py): the path of responsibility, one statement;
an escalation, one guarded statement with its audit entry (as graph/cypher/writes.py does).

Labels and relationship types are read from the model by the fields that carry them."""
from __future__ import annotations

from graph.cypher.access import visible_test
from graph.cypher.builder import CypherBuilder, quote
from graph.cypher.registry import renders
from graph.cypher.writes import _WriteBuilder
from graph.escalation import EscalateDemand, EscalationPath
from graph.filters import MATCH_NONE
from graph.model import ENUMS, TYPES
from graph.plan import And, Compare, CompiledQuery, LabelAccess


def _label(name: str) -> str:
    return quote(TYPES[name].label)


def _type(type_name: str, field: str) -> str:
    return quote(TYPES[type_name].rel(field).type)


DEMAND, COMMUNITY, ZONE, TOWN = _label("Demand"), _label("Community"), _label("Zone"), _label("Town")
ORGANISATION, DEPARTMENT, GRID = _label("Organisation"), _label("Department"), _label("Grid")
CENTRE, DISTRICT, ESCALATION = _label("CommandCentre"), _label("District"), _label("Escalation")
RAISED_IN, IN_ZONE, BASED_IN = _type("Demand", "community"), _type("Community", "zone"), _type("Community", "organisations")
LEADS, PART_OF = _type("Zone", "lead"), _type("Zone", "internalOrganisations")
SERVES, COVERS = _type("Zone", "externalOrganisations"), _type("Community", "grids")
SUNK_TO, IN_TOWN = _type("Grid", "departments"), _type("Community", "town")
IN_DISTRICT, ESCALATES = _type("Town", "district"), _type("Escalation", "demand")
TOWN_LEVEL, DISTRICT_LEVEL = "TOWN", "DISTRICT"
assert {TOWN_LEVEL, DISTRICT_LEVEL} <= set(ENUMS["CommandLevel"])

NODE_MAP = "{v} {{.uid, .name, .nameEn, .source, label: labels({v})[0]}}"


def _listed(b: CypherBuilder, access: LabelAccess | None, imports: str, match: str, alias: str) -> str:
    """A subquery collecting the distinct nodes `n` that `match` finds (from `imports`) and the
    grant sees, as node maps in uid order, into `alias`."""
    calls: list[str] = []
    test = visible_test(b, "n", access, calls)
    seen = [*calls, f"WITH n WHERE {test}"] if test is not None else []
    return " ".join([f"CALL {{ WITH {imports} {match} WITH DISTINCT n", *seen,
                     f"WITH n ORDER BY n.uid RETURN collect({NODE_MAP.format(v='n')}) AS {alias} }}"])


@renders(EscalationPath)
def escalation_path(plan: EscalationPath, dialect=None) -> CompiledQuery:
    """The demand, the community it was raised in, that community's zones and towns, and the
    holders of each level (graph/escalation.py HOLDERS), in one statement. The community is
    carried as a list (`cs`): a demand without one then has empty lists, not a null to match on."""
    b = CypherBuilder(dialect)
    demand = TYPES["Demand"]
    uid = Compare(demand.prop("uid"), "eq", plan.uid)
    where = uid
    if plan.access is not None:
        readable, test = plan.access.filter_of(demand.label)
        test = test if readable else MATCH_NONE
        where = uid if test is None else And((uid, test))
    town_level, district_level = b.param(TOWN_LEVEL), b.param(DISTRICT_LEVEL)
    lines = b.filtered_match("d", demand, where)
    lines += [
        f"OPTIONAL MATCH (d)-[:{RAISED_IN}]->(c:{COMMUNITY}) WITH d, collect(c) AS cs",
        f"CALL {{ WITH cs UNWIND cs AS c MATCH (c)-[:{IN_ZONE}]->(z:{ZONE}) RETURN collect(DISTINCT z) AS zs }}",
        f"CALL {{ WITH cs UNWIND cs AS c MATCH (c)-[:{IN_TOWN}]->(t:{TOWN}) RETURN collect(DISTINCT t) AS own }}",
        f"CALL {{ WITH zs UNWIND zs AS z MATCH (z)-[:{IN_TOWN}]->(t:{TOWN}) RETURN collect(DISTINCT t) AS via }}",
        "WITH d, cs, zs, own + via AS ts",
        _listed(b, plan.access, "cs", "UNWIND cs AS n", "community"),
        _listed(b, plan.access, "zs", "UNWIND zs AS n", "zones"),
        _listed(b, plan.access, "ts", "UNWIND ts AS n", "towns"),
        _listed(b, plan.access, "cs", f"UNWIND cs AS c MATCH (c)<-[:{BASED_IN}]-(n:{ORGANISATION})", "based"),
        _listed(b, plan.access, "zs", f"UNWIND zs AS z MATCH (z)<-[:{LEADS}]-(n:{ORGANISATION})", "lead"),
        _listed(b, plan.access, "zs", f"UNWIND zs AS z MATCH (z)<-[:{PART_OF}]-(n:{ORGANISATION})", "internal"),
        _listed(b, plan.access, "zs", f"UNWIND zs AS z MATCH (z)<-[:{SERVES}]-(n:{ORGANISATION})", "external"),
        _listed(b, plan.access, "cs",
                f"UNWIND cs AS c MATCH (c)<-[:{COVERS}]-(:{GRID})<-[:{SUNK_TO}]-(n:{DEPARTMENT})", "sunk"),
        _listed(b, plan.access, "ts",
                f"UNWIND ts AS t MATCH (t)<-[:{IN_TOWN}]-(n:{CENTRE}) WHERE n.level = {town_level}", "townCentre"),
        _listed(b, plan.access, "ts", f"UNWIND ts AS t MATCH (t)-[:{IN_DISTRICT}]->(:{DISTRICT})"
                                      f"<-[:{IN_DISTRICT}]-(n:{CENTRE}) WHERE n.level = {district_level}",
                "districtCentre"),
        "RETURN d {.uid, .name, .nameEn, .source, .status, .level, .resolvedLevel, label: labels(d)[0]} AS demand, "
        "community, zones, towns, based, lead, internal, external, sunk, townCentre, districtCentre",
    ]
    return CompiledQuery("\n".join(lines), b.params)


@renders(EscalateDemand)
def escalate_demand(plan: EscalateDemand, dialect=None) -> CompiledQuery:
    """Lock the demand, check it is still at `from_level` with `status` and passes the grant's
    rule (after the lock, as graph/cypher/writes.py compile_update explains), then set its level,
    create the Escalation and its ESCALATES link, record the audit entry and read the demand back."""
    b = _WriteBuilder(dialect)
    level = "n.level IS NULL" if plan.from_level is None else f"n.level = {b.param(plan.from_level)}"
    tests = [f"n.status = {b.param(plan.status)}", level]
    lines = [" ".join([f"MATCH (n:{DEMAND}) WHERE n.uid = {b.param(plan.uid)} SET n.uid = n.uid",
                       *b.node_guard(plan.guard, tests)]),
             b.set_clause("n", {"level": plan.escalation["toLevel"]}),
             f"CREATE (e:{ESCALATION}) " + b.set_clause("e", plan.escalation),
             f"CREATE (e)-[:{ESCALATES}]->(n)",
             b.audit(plan.audit, plan.audit_uid)]
    lines += b.read_back("n", plan.projection)
    return CompiledQuery("\n".join(lines), b.params)
