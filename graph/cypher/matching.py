"""Matching plans rendered (graph/matching.py): one statement each.

The statement groups the demands matched by what their ranking depends on (category, community,
zone, town: demands alike share a ranking), then gathers, once, every candidate (Resource,
ServiceTeam) that serves one of their categories: categories, coverage and SERVES_AREA places,
capacity and open action projects, its providers' uids; and every provider (OFFERS, or a team's
TEAM_OF organisation) with its 1+N+X ties (BASED_IN communities, zones it LEADS, is PART_OF or
SERVES, communities covered by grids it is SUNK_TO) and its resolved demands per category. The
scoring is then list expressions over that one row (FalkorDB copies every list a row carries, so
the candidates are never carried per demand): integer points (graph/matching.py `numerator`),
ranked highest first, ties by uid.
"""
from __future__ import annotations

from graph.cypher.access import visible_test
from graph.cypher.builder import CypherBuilder, quote
from graph.cypher.registry import renders
from graph.matching import (
    CAPACITY_TOP, CATEGORY_POINTS, COEFFICIENTS, OPEN_STATUSES, SCALE, TOTAL_WEIGHT, MatchDemand, MatchingReport,
)
from graph.model import ENUMS, TYPES
from graph.plan import CompiledQuery, LabelAccess


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


DEMAND_MAP = "d {.uid, .name, .nameEn, .source, .category, .kind, .status, label: labels(d)[0]}"


def _groups(b: CypherBuilder, where) -> list[str]:
    """One row: `groups`, the demands matching `where` grouped by {cat, cu, zu, tu, tn, ds}
    (category, community, zone and town uids, town name, the demands); `resolvedByCategory`,
    [category, resolved demands] pairs over the whole graph."""
    resolved = b.param("RESOLVED")
    return b.filtered_match("d", TYPES["Demand"], where) + [
        f"OPTIONAL MATCH (d)-[:{RAISED_IN}]->(c:{COMMUNITY})",
        f"OPTIONAL MATCH (c)-[:{IN_ZONE}]->(z:{ZONE})",
        f"OPTIONAL MATCH (c)-[:{IN_TOWN}]->(t1:{TOWN})",
        f"OPTIONAL MATCH (z)-[:{IN_TOWN}]->(t2:{TOWN})",
        "WITH d, c.uid AS cu, z.uid AS zu, coalesce(t1, t2) AS t",
        "WITH d.category AS cat, cu, zu, t.uid AS tu, t.name AS tn, collect(d) AS ds",
        "WITH collect({cat: cat, cu: cu, zu: zu, tu: tu, tn: tn, ds: ds}) AS groups",
        f"CALL {{ OPTIONAL MATCH (x:{DEMAND} {{status: {resolved}}}) WITH x.category AS cat, count(x) AS n "
        "RETURN collect([cat, n]) AS resolvedByCategory }",
    ]


def _candidates(b: CypherBuilder, access: LabelAccess | None) -> list[str]:
    """`candidates` (resources, then teams) serving a category of `groups`, and `providers`, each
    `visible` or not to the grant (`access`): every provider counts in the score, only the
    visible are named."""
    calls: list[str] = []
    visible = visible_test(b, "p", access, calls, in_value=True) or "true"
    resolved, open_ = b.param("RESOLVED"), b.param(list(OPEN_STATUSES))

    def offers(label: str, providers: str, alias: str) -> str:
        return (f"CALL {{ WITH groups MATCH (r:{label}) WHERE any(c IN r.categories WHERE c IN [g IN groups | g.cat]) "
                f"RETURN collect({{node: {node_map('r')}, uid: r.uid, categories: r.categories, "
                f"coverage: r.coverage, capacity: r.capacity, areas: [(r)-[:{SERVES_AREA}]->(a) | a.uid], "
                f"open: size([(r)<-[:{USES}]-(ap:{PROJECT}) WHERE ap.status IN {open_} | 1]), "
                f"providers: {providers}}}) AS {alias} }}")

    return [
        offers(RESOURCE, f"[(r)<-[:{OFFERS}]-(p) | p.uid]", "resources"),
        offers(TEAM, f"[(r)-[:{TEAM_OF}]->(p) | p.uid]", "teams"),
        f"CALL {{ MATCH (p)-[:{OFFERS}]->(:{RESOURCE}) WITH DISTINCT p RETURN collect(p) AS offering }}",
        f"CALL {{ MATCH (:{TEAM})-[:{TEAM_OF}]->(p) WITH DISTINCT p RETURN collect(p) AS teamOrganisations }}",
        "CALL { WITH offering, teamOrganisations UNWIND offering + teamOrganisations AS p WITH DISTINCT p",
        *calls,
        f"CALL {{ WITH p OPTIONAL MATCH (p)<-[:{RESOLVED_BY}]-(y:{DEMAND} {{status: {resolved}}}) "
        "WITH y.category AS cat, count(y) AS n RETURN collect([cat, n]) AS resolved }",
        f"CALL {{ WITH p OPTIONAL MATCH (p)-[:{SUNK_TO}]->(:{GRID})-[:{COVERS}]->(x:{COMMUNITY}) WITH DISTINCT x "
        "RETURN collect(x.uid) AS sunk }",
        # MATCH, not pattern comprehensions: FalkorDB finds no pattern from a node taken out of a list.
        f"CALL {{ WITH p OPTIONAL MATCH (p)-[tie:{BASED_IN}|{LEADS}|{PART_OF}|{SERVES}]->(x) "
        "RETURN collect([type(tie), x.uid]) AS ties }",
        f"RETURN collect({{uid: p.uid, node: {node_map('p')}, "
        + ", ".join(f"{name}: [e IN ties WHERE e[0] = {b.param(TYPES[t].rel(f).type)} | e[1]]"
                    for name, t, f in (("based", "Organisation", "community"), ("leads", "Zone", "lead"),
                                       ("partOf", "Zone", "internalOrganisations"),
                                       ("serves", "Zone", "externalOrganisations")))
        + f", sunk: sunk, resolved: resolved, visible: {visible}}}) AS providers }}",
    ]


def _max(items: str) -> str:
    return f"reduce(m = 0, v IN {items} | CASE WHEN v > m THEN v ELSE m END)"


def _numerator(b: CypherBuilder, s: str, ra: str) -> str:
    """The score's numerator (graph/matching.py `numerator`) of the scored candidate `s`."""
    c = {name: b.param(value) for name, value in COEFFICIENTS.items()}
    return (f"(({c['category']} * {s}.category + {c['place']} * {s}.place + {c['network']} * {s}.network + "
            f"{c['capacity']} * {s}.capacityPoints) * (CASE WHEN {ra} > 0 THEN {ra} ELSE 1 END) + "
            f"{c['record']} * {s}.resolvedBy)")


def _scored(b: CypherBuilder) -> list[str]:
    """`scored`: per group {g, ra (resolved demands of its category), scored: its candidates, each
    {k, place, network, resolvedBy, category, capacityPoints} (points, graph/matching.py)}."""
    district, top = b.param("DISTRICT"), b.param(CAPACITY_TOP)
    category = " ".join(f"WHEN {n} THEN {b.param(p)}" for n, p in CATEGORY_POINTS.items())
    mine = "[p IN providers WHERE p.uid IN k.providers"
    network = _max(f"{mine} | CASE WHEN g.cu IN p.based OR g.zu IN p.leads THEN 3 WHEN g.zu IN p.partOf THEN 2 "
                   "WHEN g.zu IN p.serves OR g.cu IN p.sunk THEN 1 ELSE 0 END]")
    resolved_by = _max(f"{mine} | coalesce(head([e IN p.resolved WHERE e[0] = g.cat | e[1]]), 0)]")
    left = "(k.capacity - k.open)"
    return [
        "WITH groups, resolvedByCategory, resources + teams AS candidates, providers",
        "WITH providers, [g IN groups | {g: g, ra: coalesce(head([e IN resolvedByCategory WHERE e[0] = g.cat | e[1]]), 0), "
        f"scored: [k IN candidates WHERE g.cat IN k.categories AND (k.coverage = {district} OR "
        "any(a IN k.areas WHERE a = g.cu OR a = g.zu OR a = g.tu)) | {k: k, "
        "place: CASE WHEN g.cu IN k.areas THEN 3 WHEN g.zu IN k.areas THEN 2 WHEN g.tu IN k.areas THEN 1 ELSE 0 END, "
        f"network: {network}, resolvedBy: {resolved_by}, category: CASE size(k.categories) {category} ELSE 1 END, "
        f"capacityPoints: CASE WHEN {left} >= {top} THEN {top} WHEN {left} <= 0 THEN 0 ELSE {left} END}}]}}] "
        "AS scored",
    ]


def _statement(b: CypherBuilder, plan: MatchDemand | MatchingReport) -> list[str]:
    return _groups(b, plan.where) + _candidates(b, plan.access) + _scored(b)


CANDIDATE = ("{candidate: s.k.node, uid: s.k.uid, categories: s.k.categories, coverage: s.k.coverage, "
             "capacity: s.k.capacity, open: s.k.open, providers: [p IN providers WHERE p.uid IN s.k.providers "
             "AND p.visible | p.node], place: s.place, network: s.network, resolvedBy: s.resolvedBy, category: s.category, "
             "capacityPoints: s.capacityPoints, numerator: numerator}")


def _after_position(b: CypherBuilder, after: tuple[int, str] | None) -> str:
    """`ranked`, or the part of it after the ranking position (numerator, uid) `after`."""
    if after is None:
        return "ranked"
    n, uid = b.param(after[0]), b.param(after[1])
    return f"[m IN ranked WHERE m.numerator < {n} OR (m.numerator = {n} AND m.uid > {uid})]"


def _after_uid(b: CypherBuilder, items: str, key: str, after: str | None) -> str:
    return items if after is None else f"[x IN {items} WHERE x.{key} > {b.param(after)}]"


@renders(MatchDemand)
def match_demand(plan: MatchDemand, dialect=None) -> CompiledQuery:
    """One row per demand matched (one: the plan's where names a uid): {demand, resolvedAll,
    total, remaining, page}: page the first `limit` of the ranked candidates after `after`,
    remaining how many come after it."""
    b = CypherBuilder(dialect)
    lines = _statement(b, plan) + [
        "UNWIND scored AS sg UNWIND sg.g.ds AS d",
        "WITH d, sg.ra AS resolvedAll, sg.scored AS candidates, providers",
        "CALL { WITH resolvedAll, candidates, providers UNWIND candidates AS s",
        f"WITH s, providers, {_numerator(b, 's', 'resolvedAll')} AS numerator, s.k.uid AS uid",
        f"WITH s, providers, numerator ORDER BY numerator DESC, uid RETURN collect({CANDIDATE}) AS ranked }}",
        f"WITH d, resolvedAll, size(ranked) AS total, {_after_position(b, plan.after)} AS rest",
        f"RETURN {DEMAND_MAP} AS demand, resolvedAll, total, size(rest) AS remaining, "
        f"rest[0..{b.param(plan.limit)}] AS page",
    ]
    return CompiledQuery("\n".join(lines), b.params)


@renders(MatchingReport)
def matching_report(plan: MatchingReport, dialect=None) -> CompiledQuery:
    """One row over every demand matched: see graph/matching.py MatchingReport."""
    b = CypherBuilder(dialect)
    resolved, threshold, limit = b.param("RESOLVED"), b.param(float(plan.threshold)), b.param(plan.limit)
    den = b.param(SCALE * TOTAL_WEIGHT)
    n_s, n_best = _numerator(b, "s", "sg.ra"), _numerator(b, "best", "sg.ra")
    better = f"best IS NULL OR {n_s} > {n_best} OR ({n_s} = {n_best} AND s.k.uid < best.k.uid)"
    lines = _statement(b, plan) + [
        f"UNWIND scored AS sg WITH sg, providers, reduce(best = null, s IN sg.scored | CASE WHEN {better} THEN s ELSE best END)"
        " AS best",
        f"WITH sg.g AS g, sg.ra AS ra, best, CASE WHEN best IS NULL THEN null ELSE {n_best} END AS numerator",
        f"WITH g, best, numerator, toFloat({den} * (CASE WHEN ra > 0 THEN ra ELSE 1 END)) AS den",
        "UNWIND g.ds AS d",
        f"WITH d, g, best, numerator, den, numerator IS NOT NULL AND toFloat(numerator) >= {threshold} * den AS covered "
        "ORDER BY d.uid",
        f"WITH collect({{demand: {DEMAND_MAP}, town: g.tu, townName: g.tn, category: d.category, status: d.status, "
        "best: CASE WHEN best IS NULL THEN null ELSE {candidate: best.k.node, uid: best.k.uid, "
        "capacity: best.k.capacity, open: best.k.open} END, "
        "bestScore: CASE WHEN numerator IS NULL THEN 0.0 ELSE toFloat(numerator) / den END, covered: covered}) AS rows",
        "CALL { WITH rows UNWIND rows AS x WITH x.category AS key, count(x) AS demands, "
        "count(CASE WHEN x.covered THEN 1 END) AS covered "
        "RETURN collect({key: key, name: key, demands: demands, covered: covered}) AS byCategory }",
        "CALL { WITH rows UNWIND rows AS x WITH x.town AS key, x.townName AS name, count(x) AS demands, "
        "count(CASE WHEN x.covered THEN 1 END) AS covered "
        "RETURN collect({key: key, name: name, demands: demands, covered: covered}) AS byTown }",
        f"CALL {{ WITH rows UNWIND rows AS x WITH x WHERE x.status <> {resolved} AND x.best IS NOT NULL "
        "WITH x.best.uid AS uid, collect(x.best) AS bests, count(x) AS asked "
        "WITH uid, bests[0] AS best, asked WITH uid, best, asked, best.capacity - best.open AS left "
        "WITH uid, best, asked WHERE asked > (CASE WHEN left > 0 THEN left ELSE 0 END) "
        "WITH uid, best, asked ORDER BY uid "
        "RETURN collect({candidate: best.candidate, capacity: best.capacity, open: best.open, asked: asked}) "
        "AS overAskedAll }",
        "WITH rows, byCategory, byTown, overAskedAll, [x IN rows WHERE NOT x.covered] AS uncoveredAll",
        f"RETURN size(rows) AS total, size(uncoveredAll) AS uncoveredCount, "
        f"{_after_uid(b, 'uncoveredAll', 'demand.uid', plan.after)}[0..{limit}] AS uncovered, byCategory, byTown, "
        f"size(overAskedAll) AS overAskedCount, {_after_uid(b, 'overAskedAll', 'candidate.uid', plan.after)}"
        f"[0..{limit}] AS overAsked",
    ]
    return CompiledQuery("\n".join(lines), b.params)
