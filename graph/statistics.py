"""Cypher for the research statistics: one statement per question, values as parameters."""
from __future__ import annotations

from graph.cypher import CypherBuilder
from graph.model import TYPES
from graph.plan import CompiledQuery, Filter

NODE_MAP = "{{.uid, .name, .nameEn, .source, label: labels({v})[0]}}"
ONE_N_X = ("LEADS", "PART_OF", "SERVES")


def node_map(var: str) -> str:
    return var + " " + NODE_MAP.format(v=var)


def _by_kind(var: str, pattern: str, alias: str) -> str:
    return (f"CALL {{ WITH {var} MATCH {pattern} WITH o.kind AS kind, count(DISTINCT o) AS n "
            f"RETURN collect({{kind: kind, count: n}}) AS {alias} }}")


def zone_composition(where: Filter | None, limit: int, after: str | None = None) -> CompiledQuery:
    """The zones that match `where`: `total` (how many) and `absorbed` (distinct N and X
    organisations across all of them), then `page`: the first `limit` zones by uid after the
    uid `after`, each with its lead ("1"), inside ("N") and outside ("X") organisations by kind,
    its own distinct N and X count and the members reachable through its 1, N and X.
    The figures across all matched never depend on the page (`limit`, `after`)."""
    b = CypherBuilder()
    lines = b.filtered_match("z", TYPES["Zone"], where)
    after_test = f"WITH z WHERE toString(z.uid) > {b.param(after)} " if after is not None else ""
    lines += [
        "WITH collect(z) AS matched",
        "CALL { WITH matched UNWIND matched AS z MATCH (z)<-[:PART_OF|SERVES]-(o:Organisation) "
        "RETURN count(DISTINCT o) AS absorbedAll }",
        f"CALL {{ WITH matched UNWIND matched AS z {after_test}WITH z ORDER BY z.uid LIMIT {b.param(limit)}",
        "CALL { WITH z MATCH (z)<-[:LEADS]-(l:Organisation) RETURN head(collect(" + node_map("l") + ")) AS lead }",
        _by_kind("z", "(z)<-[:PART_OF]-(o:Organisation)", "internal"),
        _by_kind("z", "(z)<-[:SERVES]-(o:Organisation)", "external"),
        "CALL { WITH z MATCH (z)<-[:PART_OF|SERVES]-(o:Organisation) RETURN count(DISTINCT o) AS absorbed }",
        "CALL { WITH z MATCH (z)<-[:LEADS|PART_OF|SERVES]-(:Organisation)<-[:MEMBER_OF|SECRETARY_OF]-(m:Member) "
        "RETURN count(DISTINCT m) AS members }",
        f"RETURN collect({{zone: {node_map('z')}, lead: lead, internal: internal, external: external, "
        "absorbed: absorbed, members: members}) AS page }",
        "RETURN size(matched) AS total, absorbedAll AS absorbed, page",
    ]
    return CompiledQuery("\n".join(lines), b.params)


def area_statistics(town_uid: str | None) -> CompiledQuery:
    """Counts for each town (or one): zones, villages and communities, grids, organisations by
    kind, members, and village secretaries who run an enterprise."""
    b = CypherBuilder()
    village, urban = b.param("VILLAGE"), b.param("URBAN_COMMUNITY")
    where = f" WHERE t.uid = {b.param(town_uid)}" if town_uid is not None else ""
    lines = [
        f"MATCH (t:Town){where}",
        "CALL { WITH t MATCH (t)<-[:IN_TOWN]-(z:Zone) RETURN count(z) AS zones }",
        f"CALL {{ WITH t MATCH (t)<-[:IN_TOWN]-(c:Community) RETURN count(CASE WHEN c.kind = {village} THEN 1 END)"
        f" AS villages, count(CASE WHEN c.kind = {urban} THEN 1 END) AS urbanCommunities }}",
        "CALL { WITH t MATCH (t)<-[:IN_TOWN]-(g:Grid) RETURN count(g) AS grids }",
        _by_kind("t", "(t)<-[:IN_TOWN]-(o:Organisation)", "organisations"),
        "CALL { WITH t MATCH (t)<-[:IN_TOWN]-(:Organisation)<-[:MEMBER_OF|SECRETARY_OF]-(m:Member) "
        "RETURN count(DISTINCT m) AS members }",
        f"CALL {{ WITH t MATCH (t)<-[:IN_TOWN]-(:Community {{kind: {village}}})<-[:BASED_IN]-(:Organisation)"
        "<-[:SECRETARY_OF]-(s:Member) WITH DISTINCT s "
        "RETURN count(s) AS villageSecretaries, "
        "count(CASE WHEN size([(s)-[:RUNS]->(:Enterprise) | 1]) > 0 THEN 1 END) AS entrepreneurSecretaries }",
        f"RETURN {node_map('t')} AS area, zones, villages, urbanCommunities, grids, organisations, members, "
        "villageSecretaries, entrepreneurSecretaries ORDER BY t.uid",
    ]
    return CompiledQuery("\n".join(lines), b.params)


def district_totals() -> CompiledQuery:
    """The same counts for the whole graph (communities without a town included)."""
    b = CypherBuilder()
    village, urban = b.param("VILLAGE"), b.param("URBAN_COMMUNITY")
    lines = [
        "MATCH (d:District) WITH head(collect(" + node_map("d") + ")) AS area",
        "CALL { MATCH (z:Zone) RETURN count(z) AS zones }",
        f"CALL {{ MATCH (c:Community) RETURN count(CASE WHEN c.kind = {village} THEN 1 END) AS villages, "
        f"count(CASE WHEN c.kind = {urban} THEN 1 END) AS urbanCommunities }}",
        "CALL { MATCH (g:Grid) RETURN count(g) AS grids }",
        "CALL { MATCH (o:Organisation) WITH o.kind AS kind, count(o) AS n RETURN collect({kind: kind, count: n}) "
        "AS organisations }",
        "CALL { MATCH (m:Member) RETURN count(m) AS members }",
        f"CALL {{ MATCH (:Community {{kind: {village}}})<-[:BASED_IN]-(:Organisation)<-[:SECRETARY_OF]-(s:Member) "
        "WITH DISTINCT s RETURN count(s) AS villageSecretaries, "
        "count(CASE WHEN size([(s)-[:RUNS]->(:Enterprise) | 1]) > 0 THEN 1 END) AS entrepreneurSecretaries }",
        "RETURN area, zones, villages, urbanCommunities, grids, organisations, members, villageSecretaries, "
        "entrepreneurSecretaries",
    ]
    return CompiledQuery("\n".join(lines), b.params)


DEMAND_GROUPS = {
    # group → (pattern to the grouping node or None, the group, its key, its name). Demands are
    # grouped by the node or value itself, and key and name read from it afterwards: grouping by
    # (key, name) pairs cost a quarter more at city scale (1 M demands: 330 → 250 ms).
    "TOWN": ("OPTIONAL MATCH (d)-[:RAISED_IN]->(:Community)-[:IN_TOWN]->(g:Town)", "g", "grp.uid", "grp.name"),
    "COMMUNITY": ("OPTIONAL MATCH (d)-[:RAISED_IN]->(g:Community)", "g", "grp.uid", "grp.name"),
    "CATEGORY": (None, "d.category", "grp", "grp"),
    "RESOLVER": ("OPTIONAL MATCH (d)-[:RESOLVED_BY]->(g)", "g", "grp.uid", "grp.name"),
    "RESOLVER_TYPE": ("OPTIONAL MATCH (d)-[:RESOLVED_BY]->(g)", "labels(g)[0]", "grp", "grp"),
    "STATUS": (None, "d.status", "grp", "grp"),
}


def demand_statistics(group_by: str, where: Filter | None) -> CompiledQuery:
    """Demands collected and resolved per group. A demand with no group (no town, community or
    resolver; no value) falls in a group whose key and name are null: the resolver names it."""
    b = CypherBuilder()
    pattern, group, key, name = DEMAND_GROUPS[group_by]
    lines = b.filtered_match("d", TYPES["Demand"], where)
    if pattern:
        lines += ["WITH d", pattern]
    lines += [
        f"WITH {group} AS grp, count(d) AS collected, "
        f"count(CASE WHEN d.status = {b.param('RESOLVED')} THEN 1 END) AS resolved",
        f"RETURN {key} AS key, {name} AS name, collected, resolved",
    ]
    return CompiledQuery("\n".join(lines), b.params)


def _gap(b: CypherBuilder, var: str, match: str, cap: str, after: str | None, count: str, nodes: str) -> str:
    """One gap: how many nodes `match` finds, and up to `cap` of them by uid after `after`."""
    mapped = node_map(var)
    if after is not None:  # collect() skips the nulls of the nodes before the cursor
        mapped = f"CASE WHEN toString({var}.uid) > {b.param(after)} THEN {mapped} END"
    return (f"CALL {{ {match} WITH {var} ORDER BY {var}.uid "
            f"RETURN count({var}) AS {count}, collect({mapped})[0..{cap}] AS {nodes} }}")


def coverage_gaps(limit: int, after: str | None = None) -> CompiledQuery:
    """Grids with no department, zones with no "X", villages with no secretary: each counted
    in full, and listed `limit` at a time by uid (after the uid `after`)."""
    b = CypherBuilder()
    cap, village = b.param(limit), b.param("VILLAGE")
    lines = [
        _gap(b, "g", "MATCH (g:Grid) WHERE NOT (g)<-[:SUNK_TO]-(:Department)", cap, after, "gridCount", "grids"),
        _gap(b, "z", "MATCH (z:Zone) WHERE NOT (z)<-[:SERVES]-(:Organisation)", cap, after, "zoneCount", "zones"),
        _gap(b, "c", f"MATCH (c:Community {{kind: {village}}}) "
                     "WHERE NOT (c)<-[:BASED_IN]-(:Organisation)<-[:SECRETARY_OF]-(:Member)",
             cap, after, "villageCount", "villages"),
        "RETURN gridCount, grids, zoneCount, zones, villageCount, villages",
    ]
    return CompiledQuery("\n".join(lines), b.params)


def zone_links() -> CompiledQuery:
    """The organisation–zone network (1+N+X links), for centrality."""
    return CompiledQuery(
        "MATCH (o:Organisation)-[r:LEADS|PART_OF|SERVES]->(z:Zone) "
        "RETURN o.uid AS organisation, z.uid AS zone, type(r) AS role ORDER BY organisation, zone, role")


def organisations_by_zones(limit: int, uids: list[str] | None = None,
                           after: tuple[int, int, str] | None = None) -> CompiledQuery:
    """Organisations with the zones they serve ("X") and the zones they are linked to at all:
    `page`, ranked (most zones served, then linked, then uid) and cut to `limit` after the
    ranking position `after` (zonesServed, zonesLinked, uid); or, given `uids`, those
    organisations. `total` (without `uids`): every organisation linked to a zone, whatever the page."""
    b = CypherBuilder()
    only = f"WHERE o.uid IN {b.param(uids)} " if uids is not None else ""
    keyset = ""
    if after is not None:
        served, linked, uid = (b.param(v) for v in after)
        keyset = (f"WITH o, zonesLinked, zonesServed WHERE zonesServed < {served} OR (zonesServed = {served} AND "
                  f"(zonesLinked < {linked} OR (zonesLinked = {linked} AND toString(o.uid) > {uid}))) ")
    # Given uids, the caller knows the total (the scored network's organisations).
    lines = [] if uids is not None else [
        "CALL { MATCH (o:Organisation)-[:LEADS|PART_OF|SERVES]->(:Zone) RETURN count(DISTINCT o) AS total }"]
    lines += [
        f"CALL {{ MATCH (o:Organisation)-[r:LEADS|PART_OF|SERVES]->(z:Zone) {only}"
        "WITH o, count(DISTINCT z) AS zonesLinked, "
        f"count(DISTINCT CASE WHEN type(r) = {b.param('SERVES')} THEN z END) AS zonesServed {keyset}"
        f"WITH o, zonesLinked, zonesServed ORDER BY zonesServed DESC, zonesLinked DESC, o.uid LIMIT {b.param(limit)} "
        f"RETURN collect({{organisation: {node_map('o')}, zonesServed: zonesServed, zonesLinked: zonesLinked}}) "
        "AS page }",
        "RETURN page" + (", total" if uids is None else ""),
    ]
    return CompiledQuery("\n".join(lines), b.params)
