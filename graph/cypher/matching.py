"""Matching plans rendered (graph/matching.py): one statement each.

The statement first gathers every candidate (Resource, ServiceTeam) with what scoring needs of
it: categories, coverage and SERVES_AREA places, capacity and open action projects, and for each
provider (OFFERS, or a team's TEAM_OF organisation) its 1+N+X ties (BASED_IN communities, zones
it LEADS, is PART_OF or SERVES, communities covered by grids it is SUNK_TO) and the categories of
the demands it resolved. Then, per demand, the candidates that serve its category and reach its
place are scored with integer points (graph/matching.py `numerator`) and ranked in the statement,
ties by uid. Lists of a candidate's provider are uids and categories: scoring is list tests, not
further matches per demand.
"""
from __future__ import annotations

from graph.cypher.builder import CypherBuilder, quote
from graph.cypher.registry import renders
from graph.matching import (
    CAPACITY_TOP, CATEGORY_POINTS, COEFFICIENTS, OPEN_STATUSES, SCALE, TOTAL_WEIGHT, MatchDemand, MatchingReport,
)
from graph.model import ENUMS, TYPES
from graph.plan import CompiledQuery


def _label(name: str) -> str:
    return quote(TYPES[name].label)


def _type(type_name: str, field: str) -> str:
    return quote(TYPES[type_name].rel(field).type)


DEMAND, COMMUNITY, ZONE, TOWN, GRID = (_label(n) for n in ("Demand", "Community", "Zone", "Town", "Grid"))
RESOURCE, TEAM, PROJECT = _label("Resource"), _label("ServiceTeam"), _label("ActionProject")
SERVES_AREA, OFFERS, TEAM_OF = _type("Resource", "community"), _type("Resource", "providerOrganisation"), \
    _type("ServiceTeam", "organisation")
USES, BASED_IN = _type("ActionProject", "resources"), _type("Organisation", "community")
LEADS, PART_OF, SERVES = _type("Zone", "lead"), _type("Zone", "internalOrganisations"), \
    _type("Zone", "externalOrganisations")
SUNK_TO, COVERS = _type("Grid", "departments"), _type("Grid", "communities")
RESOLVED_BY, RAISED_IN = _type("Demand", "resolvedByOrganisation"), _type("Demand", "community")
IN_ZONE, IN_TOWN = _type("Community", "zone"), _type("Community", "town")
assert "RESOLVED" in ENUMS["DemandStatus"] and "DISTRICT" in ENUMS["Coverage"]


def node_map(var: str) -> str:
    return f"{var} {{.uid, .name, .nameEn, .source, label: labels({var})[0]}}"


def _offers(b: CypherBuilder, label: str, alias: str) -> str:
    """Every candidate of one label, with its facts and its providers' facts: one list."""
    resolved, open_ = b.param("RESOLVED"), b.param(list(OPEN_STATUSES))
    provider = (
        f"{{node: {node_map('p')}, "
        f"based: [(p)-[:{BASED_IN}]->(x:{COMMUNITY}) | x.uid], leads: [(p)-[:{LEADS}]->(x:{ZONE}) | x.uid], "
        f"partOf: [(p)-[:{PART_OF}]->(x:{ZONE}) | x.uid], serves: [(p)-[:{SERVES}]->(x:{ZONE}) | x.uid], "
        f"sunk: [(p)-[:{SUNK_TO}]->(:{GRID})-[:{COVERS}]->(x:{COMMUNITY}) | x.uid], "
        f"resolved: [(p)<-[:{RESOLVED_BY}]-(y:{DEMAND}) WHERE y.status = {resolved} | y.category]}}")
    return (
        f"CALL {{ MATCH (r:{label}) "
        f"CALL {{ WITH r MATCH (r)-[:{OFFERS}|{TEAM_OF}]-(p) WITH p ORDER BY p.uid "
        f"RETURN collect({provider}) AS providers }} "
        f"RETURN collect({{node: {node_map('r')}, uid: r.uid, categories: r.categories, coverage: r.coverage, "
        f"capacity: r.capacity, areas: [(r)-[:{SERVES_AREA}]->(a) | a.uid], "
        f"open: size([(r)<-[:{USES}]-(ap:{PROJECT}) WHERE ap.status IN {open_} | 1]), "
        f"providers: providers}}) AS {alias} }}")


def _max(items: str) -> str:
    return f"reduce(m = 0, v IN {items} | CASE WHEN v > m THEN v ELSE m END)"


def _ranked(b: CypherBuilder) -> list[str]:
    """Per demand row (d, cu, zu, tu, resolvedAll, candidates): `ranked`, its candidates best
    first, each with its points (graph/matching.py)."""
    district = b.param("DISTRICT")
    c = {name: b.param(value) for name, value in COEFFICIENTS.items()}
    category = " ".join(f"WHEN {n} THEN {b.param(p)}" for n, p in CATEGORY_POINTS.items())
    top = b.param(CAPACITY_TOP)
    network = _max("[p IN k.providers | CASE WHEN cu IN p.based OR zu IN p.leads THEN 3 WHEN zu IN p.partOf "
                   "THEN 2 WHEN zu IN p.serves OR cu IN p.sunk THEN 1 ELSE 0 END]")
    resolved_by = _max("[p IN k.providers | size([y IN p.resolved WHERE y = d.category])]")
    return [
        "CALL { WITH d, cu, zu, tu, resolvedAll, candidates",
        f"UNWIND [k IN candidates WHERE d.category IN k.categories AND (k.coverage = {district} OR "
        "any(a IN k.areas WHERE a = cu OR a = zu OR a = tu))] AS k",
        "WITH d, resolvedAll, k, k.capacity - k.open AS left, "
        "CASE WHEN cu IN k.areas THEN 3 WHEN zu IN k.areas THEN 2 WHEN tu IN k.areas THEN 1 ELSE 0 END AS place, "
        f"{network} AS network, {resolved_by} AS resolvedBy, "
        f"CASE size(k.categories) {category} ELSE 1 END AS category",
        f"WITH resolvedAll, k, place, network, resolvedBy, category, "
        f"CASE WHEN left >= {top} THEN {top} WHEN left <= 0 THEN 0 ELSE left END AS capacityPoints",
        f"WITH k, place, network, resolvedBy, category, capacityPoints, "
        f"({c['category']} * category + {c['place']} * place + {c['network']} * network + "
        f"{c['capacity']} * capacityPoints) * (CASE WHEN resolvedAll > 0 THEN resolvedAll ELSE 1 END) + "
        f"{c['record']} * resolvedBy AS numerator",
        "WITH k, place, network, resolvedBy, category, capacityPoints, numerator ORDER BY numerator DESC, k.uid",
        "RETURN collect({candidate: k.node, uid: k.uid, categories: k.categories, coverage: k.coverage, "
        "capacity: k.capacity, open: k.open, providers: [p IN k.providers | p.node], place: place, "
        "network: network, resolvedBy: resolvedBy, category: category, capacityPoints: capacityPoints, "
        "numerator: numerator}) AS ranked }",
    ]


def _demands(b: CypherBuilder, where) -> list[str]:
    """Candidates gathered once, then each demand matching `where` with its place and record base."""
    resolved = b.param("RESOLVED")
    lines = [
        f"OPTIONAL MATCH (x:{DEMAND} {{status: {resolved}}}) WITH x.category AS cat, count(x) AS n",
        "WITH collect([cat, n]) AS resolvedByCategory",
        _offers(b, RESOURCE, "resources"),
        _offers(b, TEAM, "teams"),
        "WITH resolvedByCategory, resources + teams AS candidates",
    ]
    lines += b.filtered_match("d", TYPES["Demand"], where, carry=("resolvedByCategory", "candidates"))
    lines += [
        f"OPTIONAL MATCH (d)-[:{RAISED_IN}]->(c:{COMMUNITY})",
        f"OPTIONAL MATCH (c)-[:{IN_ZONE}]->(z:{ZONE})",
        f"OPTIONAL MATCH (c)-[:{IN_TOWN}]->(t1:{TOWN})",
        f"OPTIONAL MATCH (z)-[:{IN_TOWN}]->(t2:{TOWN})",
        "WITH resolvedByCategory, candidates, d, c.uid AS cu, z.uid AS zu, coalesce(t1, t2) AS t",
        "WITH candidates, d, cu, zu, t, t.uid AS tu, "
        "coalesce(head([e IN resolvedByCategory WHERE e[0] = d.category | e[1]]), 0) AS resolvedAll",
    ]
    return lines


DEMAND_MAP = "d {.uid, .name, .nameEn, .source, .category, .kind, .status, label: labels(d)[0]}"


@renders(MatchDemand)
def match_demand(plan: MatchDemand, dialect=None) -> CompiledQuery:
    """One row per demand matched (one: the plan's where names a uid): {demand, resolvedAll,
    total, page}, page the first `limit` of the ranked candidates."""
    b = CypherBuilder(dialect)
    lines = _demands(b, plan.where) + _ranked(b)
    lines.append(f"RETURN {DEMAND_MAP} AS demand, resolvedAll, size(ranked) AS total, "
                 f"ranked[0..{b.param(plan.limit)}] AS page")
    return CompiledQuery("\n".join(lines), b.params)


@renders(MatchingReport)
def matching_report(plan: MatchingReport, dialect=None) -> CompiledQuery:
    """One row over every demand matched: see graph/matching.py MatchingReport."""
    b = CypherBuilder(dialect)
    resolved, threshold, limit = b.param("RESOLVED"), b.param(float(plan.threshold)), b.param(plan.limit)
    den = b.param(SCALE * TOTAL_WEIGHT)
    lines = _demands(b, plan.where) + _ranked(b)
    lines += [
        "WITH d, t, resolvedAll, ranked[0] AS best",
        f"WITH d, t, best, toFloat({den} * (CASE WHEN resolvedAll > 0 THEN resolvedAll ELSE 1 END)) AS den",
        "WITH d, t, best, den, best IS NOT NULL AND toFloat(best.numerator) >= "
        f"{threshold} * den AS covered ORDER BY d.uid",
        f"WITH collect({{demand: {DEMAND_MAP}, town: t.uid, townName: t.name, category: d.category, "
        "status: d.status, best: best, bestScore: CASE WHEN best IS NULL THEN 0.0 ELSE "
        "toFloat(best.numerator) / den END, covered: covered}) AS rows",
        "CALL { WITH rows UNWIND rows AS x WITH x.category AS key, count(x) AS demands, "
        "count(CASE WHEN x.covered THEN 1 END) AS covered "
        "RETURN collect({key: key, name: key, demands: demands, covered: covered}) AS byCategory }",
        "CALL { WITH rows UNWIND rows AS x WITH x.town AS key, x.townName AS name, count(x) AS demands, "
        "count(CASE WHEN x.covered THEN 1 END) AS covered "
        "RETURN collect({key: key, name: name, demands: demands, covered: covered}) AS byTown }",
        f"CALL {{ WITH rows UNWIND rows AS x WITH x WHERE x.status <> {resolved} AND x.best IS NOT NULL "
        "WITH x.best.uid AS uid, collect(x.best) AS bests, count(x) AS asked "
        "WITH bests[0] AS best, asked WITH best, asked, best.capacity - best.open AS left "
        "WITH best, asked WHERE asked > (CASE WHEN left > 0 THEN left ELSE 0 END) "
        "WITH best, asked ORDER BY best.uid "
        "RETURN collect({candidate: best.candidate, capacity: best.capacity, open: best.open, asked: asked}) "
        "AS overAskedAll }",
        "WITH rows, byCategory, byTown, overAskedAll, [x IN rows WHERE NOT x.covered] AS uncoveredAll",
        f"RETURN size(rows) AS total, size(uncoveredAll) AS uncoveredCount, uncoveredAll[0..{limit}] AS uncovered, "
        f"byCategory, byTown, size(overAskedAll) AS overAskedCount, overAskedAll[0..{limit}] AS overAsked",
    ]
    return CompiledQuery("\n".join(lines), b.params)
