"""Statistics plans rendered (graph/statistics.py): one statement per question, values as
parameters. Labels and relationship types are read from the model by the fields that carry them,
so a renamed type or relationship changes these statements with it."""
from __future__ import annotations

from graph.cypher.builder import CypherBuilder, quote
from graph.cypher.registry import renders
from graph.model import ENUMS, TYPES
from graph.plan import CompiledQuery
from graph.statistics import DEMAND_GROUPS as DEMAND_GROUP_NAMES
from graph.statistics import (
    AreaStatistics, CoverageGaps, DemandStatistics, DistrictTotals, OrganisationsByZones, ZoneComposition, ZoneLinks,
)

NODE_MAP = "{{.uid, .name, .nameEn, .source, label: labels({v})[0]}}"


def _label(name: str) -> str:
    return quote(TYPES[name].label)


def _type(type_name: str, field: str) -> str:
    """The relationship type behind a model field, for patterns (`IN_TOWN` from Zone.town)."""
    return quote(TYPES[type_name].rel(field).type)


def _enum(name: str, value: str) -> str:
    assert value in ENUMS[name], (name, value)
    return value


TOWN, ZONE, COMMUNITY, GRID = _label("Town"), _label("Zone"), _label("Community"), _label("Grid")
ORGANISATION, MEMBER, ENTERPRISE, DEPARTMENT = (_label("Organisation"), _label("Member"), _label("Enterprise"),
                                                _label("Department"))
DISTRICT, DEMAND = _label("District"), _label("Demand")
IN_TOWN, LEADS = _type("Zone", "town"), _type("Zone", "lead")
PART_OF, SERVES = _type("Zone", "internalOrganisations"), _type("Zone", "externalOrganisations")
MEMBER_OF, SECRETARY_OF = _type("Member", "memberOf"), _type("Member", "secretaryOf")
RUNS, BASED_IN = _type("Member", "enterprises"), _type("Community", "organisations")
SUNK_TO, RAISED_IN = _type("Grid", "departments"), _type("Demand", "community")
RESOLVED_BY = _type("Demand", "resolvedByOrganisation")
VILLAGE, URBAN = _enum("CommunityKind", "VILLAGE"), _enum("CommunityKind", "URBAN_COMMUNITY")
RESOLVED = _enum("DemandStatus", "RESOLVED")
NEED, PROBLEM = _enum("DemandKind", "NEED"), _enum("DemandKind", "PROBLEM")
VISIT, RESOURCE, SERVICE_TEAM, ACTION_PROJECT = (_label("Visit"), _label("Resource"), _label("ServiceTeam"),
                                                 _label("ActionProject"))
VISITED, RAISED_DURING = _type("Visit", "community"), _type("Visit", "demands")
SERVES_AREA = _type("Resource", "town")
# An organisation's role in a zone: its "1", an "N" or an "X".
ONE_N_X = f"{LEADS}|{PART_OF}|{SERVES}"
N_X = f"{PART_OF}|{SERVES}"


def node_map(var: str) -> str:
    return var + " " + NODE_MAP.format(v=var)


def _by_kind(var: str, pattern: str, alias: str) -> str:
    return (f"CALL {{ WITH {var} MATCH {pattern} WITH o.kind AS kind, count(DISTINCT o) AS n "
            f"RETURN collect({{kind: kind, count: n}}) AS {alias} }}")


@renders(ZoneComposition)
def zone_composition(plan: ZoneComposition, dialect=None) -> CompiledQuery:
    """The zones that match `where`: `total` (how many) and `absorbed` (distinct N and X
    organisations across all of them), then `page`: the first `limit` zones by uid after the
    uid `after`, each with its lead ("1"), inside ("N") and outside ("X") organisations by kind,
    its own distinct N and X count and the members reachable through its 1, N and X.
    The figures across all matched never depend on the page (`limit`, `after`)."""
    b = CypherBuilder(dialect)
    zone = TYPES["Zone"]
    lines = b.filtered_match("z", zone, plan.where)
    after = plan.after
    after_test = f"WITH z WHERE {b.range_ref('z', zone.prop('uid'))} > {b.param(after)} " if after is not None else ""
    lines += [
        "WITH collect(z) AS matched",
        f"CALL {{ WITH matched UNWIND matched AS z MATCH (z)<-[:{N_X}]-(o:{ORGANISATION}) "
        "RETURN count(DISTINCT o) AS absorbedAll }",
        f"CALL {{ WITH matched UNWIND matched AS z {after_test}WITH z ORDER BY z.uid LIMIT {b.param(plan.limit)}",
        f"CALL {{ WITH z MATCH (z)<-[:{LEADS}]-(l:{ORGANISATION}) RETURN head(collect(" + node_map("l") + ")) AS lead }",
        _by_kind("z", f"(z)<-[:{PART_OF}]-(o:{ORGANISATION})", "internal"),
        _by_kind("z", f"(z)<-[:{SERVES}]-(o:{ORGANISATION})", "external"),
        f"CALL {{ WITH z MATCH (z)<-[:{N_X}]-(o:{ORGANISATION}) RETURN count(DISTINCT o) AS absorbed }}",
        f"CALL {{ WITH z MATCH (z)<-[:{ONE_N_X}]-(:{ORGANISATION})<-[:{MEMBER_OF}|{SECRETARY_OF}]-(m:{MEMBER}) "
        "RETURN count(DISTINCT m) AS members }",
        f"RETURN collect({{zone: {node_map('z')}, lead: lead, internal: internal, external: external, "
        "absorbed: absorbed, members: members}) AS page }",
        "RETURN size(matched) AS total, absorbedAll AS absorbed, page",
    ]
    return CompiledQuery("\n".join(lines), b.params)


# The network's work per area (issue 13): the stationed-contact visits, Shiwan's four lists and the
# action projects. Households registered: summed over the communities that have the figure
# (registeredCommunities says how many do, so "unknown" is not read as 0).
REGISTERED = "sum(c.householdsRegistered) AS householdsRegistered, count(c.householdsRegistered) AS registeredCommunities"
WORK_COLUMNS = ("householdsRegistered, registeredCommunities, visits, householdsVisited, residentsReceived, "
                "visitDemands, visitDemandsResolved, needs, problems, resources, serviceTeams, actionProjects")


def _visit_figures(visits: str, demands: str, b: CypherBuilder) -> list[str]:
    """Visits (matched by `visits`, var v) summed; the distinct demands raised during them (`demands`, var d)."""
    return [
        f"CALL {{ {visits} RETURN count(v) AS visits, sum(v.householdsVisited) AS householdsVisited, "
        "sum(v.residentsReceived) AS residentsReceived }",
        f"CALL {{ {demands} WITH DISTINCT d RETURN count(d) AS visitDemands, "
        f"count(CASE WHEN d.status = {b.param(RESOLVED)} THEN 1 END) AS visitDemandsResolved }}",
    ]


def _kinds_of_demand(match: str, b: CypherBuilder) -> str:
    return (f"CALL {{ {match} RETURN count(CASE WHEN d.kind = {b.param(NEED)} THEN 1 END) AS needs, "
            f"count(CASE WHEN d.kind = {b.param(PROBLEM)} THEN 1 END) AS problems }}")


def _served(label: str, alias: str) -> str:
    """Distinct nodes of `label` serving the town t: SERVES_AREA it, or a community or zone in it.
    Collected one place at a time (anchored on t), then added up after a WITH: FalkorDB refuses
    an aggregate inside an expression."""
    return (f"CALL {{ WITH t OPTIONAL MATCH (t)<-[:{SERVES_AREA}]-(x:{label}) WITH t, collect(x) AS xs "
            f"OPTIONAL MATCH (t)<-[:{IN_TOWN}]-(:{COMMUNITY})<-[:{SERVES_AREA}]-(x:{label}) "
            "WITH t, xs, collect(x) AS more WITH t, xs + more AS xs "
            f"OPTIONAL MATCH (t)<-[:{IN_TOWN}]-(:{ZONE})<-[:{SERVES_AREA}]-(x:{label}) "
            "WITH xs, collect(x) AS more UNWIND xs + more AS x "
            f"RETURN count(DISTINCT x) AS {alias} }}")


def _town_work(b: CypherBuilder) -> list[str]:
    """The town t's visits (to its communities), four lists and action projects."""
    to_town = f"(t)<-[:{IN_TOWN}]-(:{COMMUNITY})"
    return [
        *_visit_figures(f"WITH t MATCH {to_town}<-[:{VISITED}]-(v:{VISIT})",
                        f"WITH t MATCH {to_town}<-[:{VISITED}]-(:{VISIT})<-[:{RAISED_DURING}]-(d:{DEMAND})", b),
        _kinds_of_demand(f"WITH t MATCH {to_town}<-[:{RAISED_IN}]-(d:{DEMAND})", b),
        _served(RESOURCE, "resources"),
        _served(SERVICE_TEAM, "serviceTeams"),
        f"CALL {{ WITH t MATCH (t)<-[:{IN_TOWN}]-(a:{ACTION_PROJECT}) RETURN count(a) AS actionProjects }}",
    ]


def _district_work(b: CypherBuilder) -> list[str]:
    """The same for the whole graph: every visit, demand, resource, team and project."""
    return [
        *_visit_figures(f"MATCH (v:{VISIT})", f"MATCH (:{VISIT})<-[:{RAISED_DURING}]-(d:{DEMAND})", b),
        _kinds_of_demand(f"MATCH (d:{DEMAND})", b),
        f"CALL {{ MATCH (x:{RESOURCE}) RETURN count(x) AS resources }}",
        f"CALL {{ MATCH (x:{SERVICE_TEAM}) RETURN count(x) AS serviceTeams }}",
        f"CALL {{ MATCH (a:{ACTION_PROJECT}) RETURN count(a) AS actionProjects }}",
    ]


@renders(AreaStatistics)
def area_statistics(plan: AreaStatistics, dialect=None) -> CompiledQuery:
    """Counts for each town (or one): zones, villages and communities, grids, organisations by
    kind, members, and village secretaries who run an enterprise."""
    b = CypherBuilder(dialect)
    village, urban = b.param(VILLAGE), b.param(URBAN)
    tests = [f"t.uid = {b.param(plan.town_uid)}"] if plan.town_uid is not None else []
    if plan.towns is not None:  # a grant that reads only its towns (graph/authorise.py)
        tests.append(f"t.uid IN {b.param(list(plan.towns))}")
    where = " WHERE " + " AND ".join(tests) if tests else ""
    lines = [
        f"MATCH (t:{TOWN}){where}",
        f"CALL {{ WITH t MATCH (t)<-[:{IN_TOWN}]-(z:{ZONE}) RETURN count(z) AS zones }}",
        f"CALL {{ WITH t MATCH (t)<-[:{IN_TOWN}]-(c:{COMMUNITY}) RETURN count(CASE WHEN c.kind = {village} THEN 1 END)"
        f" AS villages, count(CASE WHEN c.kind = {urban} THEN 1 END) AS urbanCommunities, {REGISTERED} }}",
        f"CALL {{ WITH t MATCH (t)<-[:{IN_TOWN}]-(g:{GRID}) RETURN count(g) AS grids }}",
        *_town_work(b),
        _by_kind("t", f"(t)<-[:{IN_TOWN}]-(o:{ORGANISATION})", "organisations"),
        f"CALL {{ WITH t MATCH (t)<-[:{IN_TOWN}]-(:{ORGANISATION})<-[:{MEMBER_OF}|{SECRETARY_OF}]-(m:{MEMBER}) "
        "RETURN count(DISTINCT m) AS members }",
        f"CALL {{ WITH t MATCH (t)<-[:{IN_TOWN}]-(:{COMMUNITY} {{kind: {village}}})<-[:{BASED_IN}]-(:{ORGANISATION})"
        f"<-[:{SECRETARY_OF}]-(s:{MEMBER}) WITH DISTINCT s "
        "RETURN count(s) AS villageSecretaries, "
        f"count(CASE WHEN size([(s)-[:{RUNS}]->(:{ENTERPRISE}) | 1]) > 0 THEN 1 END) AS entrepreneurSecretaries }}",
        f"RETURN {node_map('t')} AS area, zones, villages, urbanCommunities, grids, organisations, members, "
        f"villageSecretaries, entrepreneurSecretaries, {WORK_COLUMNS} ORDER BY t.uid",
    ]
    return CompiledQuery("\n".join(lines), b.params)


@renders(DistrictTotals)
def district_totals(plan: DistrictTotals, dialect=None) -> CompiledQuery:
    """The same counts for the whole graph (communities without a town included)."""
    b = CypherBuilder(dialect)
    village, urban = b.param(VILLAGE), b.param(URBAN)
    lines = [
        f"MATCH (d:{DISTRICT}) WITH head(collect(" + node_map("d") + ")) AS area",
        f"CALL {{ MATCH (z:{ZONE}) RETURN count(z) AS zones }}",
        f"CALL {{ MATCH (c:{COMMUNITY}) RETURN count(CASE WHEN c.kind = {village} THEN 1 END) AS villages, "
        f"count(CASE WHEN c.kind = {urban} THEN 1 END) AS urbanCommunities, {REGISTERED} }}",
        f"CALL {{ MATCH (g:{GRID}) RETURN count(g) AS grids }}",
        *_district_work(b),
        f"CALL {{ MATCH (o:{ORGANISATION}) WITH o.kind AS kind, count(o) AS n RETURN collect({{kind: kind, count: n}}) "
        "AS organisations }",
        f"CALL {{ MATCH (m:{MEMBER}) RETURN count(m) AS members }}",
        f"CALL {{ MATCH (:{COMMUNITY} {{kind: {village}}})<-[:{BASED_IN}]-(:{ORGANISATION})<-[:{SECRETARY_OF}]-(s:{MEMBER}) "
        "WITH DISTINCT s RETURN count(s) AS villageSecretaries, "
        f"count(CASE WHEN size([(s)-[:{RUNS}]->(:{ENTERPRISE}) | 1]) > 0 THEN 1 END) AS entrepreneurSecretaries }}",
        "RETURN area, zones, villages, urbanCommunities, grids, organisations, members, villageSecretaries, "
        f"entrepreneurSecretaries, {WORK_COLUMNS}",
    ]
    return CompiledQuery("\n".join(lines), b.params)


DEMAND_GROUPS = {
    # group → (pattern to the grouping node or None, the group, its key, its name). Demands are
    # grouped by the node or value itself, and key and name read from it afterwards: grouping by
    # (key, name) pairs cost a quarter more at city scale (1 M demands: 330 → 250 ms).
    "TOWN": (f"OPTIONAL MATCH (d)-[:{RAISED_IN}]->(:{COMMUNITY})-[:{IN_TOWN}]->(g:{TOWN})", "g", "grp.uid", "grp.name"),
    "COMMUNITY": (f"OPTIONAL MATCH (d)-[:{RAISED_IN}]->(g:{COMMUNITY})", "g", "grp.uid", "grp.name"),
    "CATEGORY": (None, "d.category", "grp", "grp"),
    "RESOLVER": (f"OPTIONAL MATCH (d)-[:{RESOLVED_BY}]->(g)", "g", "grp.uid", "grp.name"),
    "RESOLVER_TYPE": (f"OPTIONAL MATCH (d)-[:{RESOLVED_BY}]->(g)", "labels(g)[0]", "grp", "grp"),
    "STATUS": (None, "d.status", "grp", "grp"),
}


@renders(DemandStatistics)
def demand_statistics(plan: DemandStatistics, dialect=None) -> CompiledQuery:
    """Demands collected and resolved per group. A demand with no group (no town, community or
    resolver; no value) falls in a group whose key and name are null: the resolver names it."""
    b = CypherBuilder(dialect)
    pattern, group, key, name = DEMAND_GROUPS[plan.group_by]
    lines = b.filtered_match("d", TYPES["Demand"], plan.where)
    if pattern:
        lines += ["WITH d", pattern]
    lines += [
        f"WITH {group} AS grp, count(d) AS collected, "
        f"count(CASE WHEN d.status = {b.param(RESOLVED)} THEN 1 END) AS resolved",
        f"RETURN {key} AS key, {name} AS name, collected, resolved",
    ]
    return CompiledQuery("\n".join(lines), b.params)


def _gap(b: CypherBuilder, var: str, match: str, cap: str, after: str | None, count: str, nodes: str) -> str:
    """One gap: how many nodes `match` finds, and up to `cap` of them by uid after `after`."""
    mapped = node_map(var)
    if after is not None:  # collect() skips the nulls of the nodes before the cursor
        uid = TYPES["Zone"].prop("uid")  # common to every type
        mapped = f"CASE WHEN {b.range_ref(var, uid)} > {b.param(after)} THEN {mapped} END"
    return (f"CALL {{ {match} WITH {var} ORDER BY {var}.uid "
            f"RETURN count({var}) AS {count}, collect({mapped})[0..{cap}] AS {nodes} }}")


@renders(CoverageGaps)
def coverage_gaps(plan: CoverageGaps, dialect=None) -> CompiledQuery:
    """Grids with no department, zones with no "X", villages with no secretary: each counted
    in full, and listed `limit` at a time by uid (after the uid `after`)."""
    b = CypherBuilder(dialect)
    cap, village, after = b.param(plan.limit), b.param(VILLAGE), plan.after
    lines = [
        _gap(b, "g", f"MATCH (g:{GRID}) WHERE NOT (g)<-[:{SUNK_TO}]-(:{DEPARTMENT})", cap, after, "gridCount", "grids"),
        _gap(b, "z", f"MATCH (z:{ZONE}) WHERE NOT (z)<-[:{SERVES}]-(:{ORGANISATION})", cap, after, "zoneCount", "zones"),
        _gap(b, "c", f"MATCH (c:{COMMUNITY} {{kind: {village}}}) "
                     f"WHERE NOT (c)<-[:{BASED_IN}]-(:{ORGANISATION})<-[:{SECRETARY_OF}]-(:{MEMBER})",
             cap, after, "villageCount", "villages"),
        "RETURN gridCount, grids, zoneCount, zones, villageCount, villages",
    ]
    return CompiledQuery("\n".join(lines), b.params)


@renders(ZoneLinks)
def zone_links(plan: ZoneLinks, dialect=None) -> CompiledQuery:
    """The organisation–zone network (1+N+X links), for centrality."""
    return CompiledQuery(
        f"MATCH (o:{ORGANISATION})-[r:{ONE_N_X}]->(z:{ZONE}) "
        "RETURN o.uid AS organisation, z.uid AS zone, type(r) AS role ORDER BY organisation, zone, role")


@renders(OrganisationsByZones)
def organisations_by_zones(plan: OrganisationsByZones, dialect=None) -> CompiledQuery:
    """Organisations with the zones they serve ("X") and the zones they are linked to at all:
    `page`, ranked (most zones served, then linked, then uid) and cut to `limit` after the
    ranking position `after` (zonesServed, zonesLinked, uid); or, given `uids`, those
    organisations. `total` (without `uids`): every organisation linked to a zone, whatever the page."""
    b = CypherBuilder(dialect)
    uids, after, limit = plan.uids, plan.after, plan.limit
    only = f"WHERE o.uid IN {b.param(list(uids))} " if uids is not None else ""
    keyset = ""
    if after is not None:
        served, linked, uid = (b.param(v) for v in after)
        ranged = b.range_ref("o", TYPES["Organisation"].prop("uid"))
        keyset = (f"WITH o, zonesLinked, zonesServed WHERE zonesServed < {served} OR (zonesServed = {served} AND "
                  f"(zonesLinked < {linked} OR (zonesLinked = {linked} AND {ranged} > {uid}))) ")
    # Given uids, the caller knows the total (the scored network's organisations).
    lines = [] if uids is not None else [
        f"CALL {{ MATCH (o:{ORGANISATION})-[:{ONE_N_X}]->(:{ZONE}) RETURN count(DISTINCT o) AS total }}"]
    lines += [
        f"CALL {{ MATCH (o:{ORGANISATION})-[r:{ONE_N_X}]->(z:{ZONE}) {only}"
        "WITH o, count(DISTINCT z) AS zonesLinked, "
        f"count(DISTINCT CASE WHEN type(r) = {b.param(TYPES['Zone'].rel('externalOrganisations').type)} THEN z END)"
        f" AS zonesServed {keyset}"
        f"WITH o, zonesLinked, zonesServed ORDER BY zonesServed DESC, zonesLinked DESC, o.uid LIMIT {b.param(limit)} "
        f"RETURN collect({{organisation: {node_map('o')}, zonesServed: zonesServed, zonesLinked: zonesLinked}}) "
        "AS page }",
        "RETURN page" + (", total" if uids is None else ""),
    ]
    return CompiledQuery("\n".join(lines), b.params)

assert tuple(DEMAND_GROUPS) == DEMAND_GROUP_NAMES, "graph/statistics.DEMAND_GROUPS and the renderer disagree"
