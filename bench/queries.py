"""The benchmark's queries: GraphQL documents and the hand-written Cypher that returns the
same data through the same client (the physical limit to compare against)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EXAMPLES = Path(__file__).resolve().parents[1] / "web" / "examples"


@dataclass(frozen=True)
class BenchQuery:
    name: str
    graphql: str
    variables: dict[str, Any] = field(default_factory=dict)
    cypher: str | None = None  # hand-written equivalent
    params: dict[str, Any] = field(default_factory=dict)


def contract(name: str) -> str:
    return (EXAMPLES / name).read_text()


QUERIES = [
    BenchQuery(
        "contract-01-peide", contract("01-peide-external.graphql"),
        cypher="MATCH (z:Zone) WHERE z.nameEn = $name "
               "CALL { WITH z MATCH (z)-[:IN_TOWN]->(t:Town) RETURN head(collect(t {.nameEn})) AS town } "
               "CALL { WITH z MATCH (z)<-[:LEADS]-(l:Organisation) RETURN head(collect(l {.name})) AS lead } "
               "CALL { WITH z MATCH (z)<-[:SERVES]-(o:Organisation) RETURN collect(o {.name, .kind, .source}) AS x } "
               "RETURN z.name AS name, z.nameEn AS nameEn, town, lead, x",
        params={"name": "Peide"}),
    BenchQuery(
        "contract-02-secretaries", contract("02-nanzhuang-entrepreneur-secretaries.graphql"),
        # Anchored on the town, as an expert writes it: starting from members scans 1M at city
        # scale, and FalkorDB left to choose starts from every village (the kind index).
        cypher="MATCH (t:Town {nameEn: $town}) WITH t "
               "MATCH (t)<-[:IN_TOWN]-(c:Community)<-[:BASED_IN]-(o:Organisation)<-[:SECRETARY_OF]-(m:Member), "
               "(m)-[:RUNS]->(:Enterprise) WHERE c.kind = $kind "
               "WITH DISTINCT m ORDER BY m.uid LIMIT 100 "
               # Related fields for all rows at once: FalkorDB runs a CALL once per row.
               "OPTIONAL MATCH (m)-[:RUNS]->(e:Enterprise) WITH m, collect(e.name) AS enterprises "
               "OPTIONAL MATCH (m)-[:SECRETARY_OF]->(s:Organisation) OPTIONAL MATCH (s)-[:BASED_IN]->(sc:Community) "
               "WITH m, enterprises, collect([s.name, sc.name]) AS secretaryOf "
               "RETURN m.name AS name, enterprises, secretaryOf ORDER BY m.uid",
        params={"kind": "VILLAGE", "town": "Nanzhuang"}),
    BenchQuery(
        "contract-03-villages", contract("03-nanzhuang-villages.graphql"),
        cypher="MATCH (t:Town {nameEn: $town}) WITH t MATCH (c:Community)-[:IN_TOWN]->(t) WHERE c.kind = $kind "
               "RETURN count(c) AS n",
        params={"kind": "VILLAGE", "town": "Nanzhuang"}),
    BenchQuery(
        "contract-04-grids", contract("04-grids.graphql"),
        cypher="MATCH (g:Grid) WITH g ORDER BY g.uid LIMIT 6 "
               "OPTIONAL MATCH (g)<-[:SUNK_TO]-(d:Department) WITH g, collect([d.name, d.nameEn]) AS departments "
               "WITH collect([g.uid, g.name, departments]) AS page CALL { MATCH (n:Grid) RETURN count(n) AS total } "
               "RETURN page, total"),
    BenchQuery(
        "contract-05-zones-page", contract("05-zumiao-zones-paged.graphql"), {"after": None},
        cypher="MATCH (z:Zone)-[:IN_TOWN]->(t:Town) WHERE t.nameEn = $town WITH z ORDER BY z.name, z.uid LIMIT 6 "
               "WITH collect([z.uid, z.name]) AS page "
               "CALL { MATCH (n:Zone)-[:IN_TOWN]->(t:Town) WHERE t.nameEn = $town RETURN count(n) AS total } "
               "RETURN page, total",
        params={"town": "Zumiao"}),
    BenchQuery(
        "nested-3-levels-100", "{ zones(first: 100) { nodes { uid name externalOrganisations { uid name"
                               " members(first: 5) { uid name } } } } }",
        cypher="MATCH (z:Zone) WITH z ORDER BY z.uid LIMIT 100 "
               "OPTIONAL MATCH (z)<-[:SERVES]-(o:Organisation) "
               "CALL { WITH o MATCH (o)<-[:MEMBER_OF]-(m:Member) WITH m LIMIT 5 RETURN collect([m.uid, m.name]) AS ms } "
               "WITH z, collect([o.uid, o.name, ms]) AS os "
               "RETURN z.uid AS uid, z.name AS name, os ORDER BY uid"),
    BenchQuery(
        "page-1000", "{ members(first: 1000) { nodes { uid name nameEn source } } }",
        cypher="MATCH (m:Member) WITH m ORDER BY m.uid LIMIT 1000 RETURN m.uid AS uid, m.name AS name, "
               "m.nameEn AS nameEn, m.source AS source"),
    # Research: what an expert would write for exactly the fields selected (ours computes some
    # it was not asked for: kinds, node lists, the composition's union in Python).
    BenchQuery("research-zone-composition", "{ zoneComposition(first: 20) { absorbedOrganisations zones { zone { name }"
                                            " internalCount externalCount membersReachable } } }",
               cypher="MATCH (z:Zone) WITH collect(z) AS matched "
                      "CALL { WITH matched UNWIND matched AS z MATCH (z)<-[:PART_OF|SERVES]-(o:Organisation) "
                      "RETURN count(DISTINCT o) AS absorbedOrganisations } "
                      "CALL { WITH matched UNWIND matched AS z WITH z ORDER BY z.uid LIMIT 20 "
                      "CALL { WITH z MATCH (z)<-[:PART_OF]-(o:Organisation) RETURN count(DISTINCT o) AS internal } "
                      "CALL { WITH z MATCH (z)<-[:SERVES]-(o:Organisation) RETURN count(DISTINCT o) AS external } "
                      "CALL { WITH z MATCH (z)<-[:LEADS|PART_OF|SERVES]-(:Organisation)<-[:MEMBER_OF|SECRETARY_OF]-(m:Member) "
                      "RETURN count(DISTINCT m) AS members } "
                      "RETURN collect([z.name, internal, external, members]) AS zones } "
                      "RETURN zones, absorbedOrganisations"),
    BenchQuery("research-town-statistics", "{ townStatistics { area { name } zones villages grids members"
                                           " entrepreneurSecretaryShare } }",
               cypher="MATCH (t:Town) "
                      "CALL { WITH t MATCH (t)<-[:IN_TOWN]-(z:Zone) RETURN count(z) AS zones } "
                      "CALL { WITH t MATCH (t)<-[:IN_TOWN]-(c:Community {kind: $village}) RETURN count(c) AS villages } "
                      "CALL { WITH t MATCH (t)<-[:IN_TOWN]-(g:Grid) RETURN count(g) AS grids } "
                      "CALL { WITH t MATCH (t)<-[:IN_TOWN]-(:Organisation)<-[:MEMBER_OF|SECRETARY_OF]-(m:Member) "
                      "RETURN count(DISTINCT m) AS members } "
                      "CALL { WITH t MATCH (t)<-[:IN_TOWN]-(:Community {kind: $village})<-[:BASED_IN]-(:Organisation)"
                      "<-[:SECRETARY_OF]-(s:Member) WITH DISTINCT s RETURN count(s) AS secretaries, "
                      "count(CASE WHEN size([(s)-[:RUNS]->(:Enterprise) | 1]) > 0 THEN 1 END) AS entrepreneurs } "
                      "RETURN t.name AS name, zones, villages, grids, members, "
                      "CASE WHEN secretaries = 0 THEN null ELSE toFloat(entrepreneurs) / secretaries END AS share "
                      "ORDER BY t.uid",
               params={"village": "VILLAGE"}),
    BenchQuery("research-demand-statistics", "{ demandStatistics(groupBy: CATEGORY) { collected resolved"
                                             " resolutionRate groups { key collected resolved } } }",
               cypher="MATCH (d:Demand) WITH d.category AS key, count(d) AS collected, "
                      "count(CASE WHEN d.status = $resolved THEN 1 END) AS resolved ORDER BY collected DESC, key "
                      "WITH collect([key, collected, resolved]) AS groups, sum(collected) AS c, sum(resolved) AS r "
                      "RETURN groups, c, r, CASE WHEN c = 0 THEN null ELSE toFloat(r) / c END AS rate",
               params={"resolved": "RESOLVED"}),
    BenchQuery("research-coverage-gaps", "{ coverageGaps(first: 10) { gridsWithoutDepartment { count }"
                                         " zonesWithoutExternalOrganisation { count } villagesWithoutSecretary { count } } }",
              
               cypher="CALL { MATCH (g:Grid) WHERE NOT (g)<-[:SUNK_TO]-(:Department) RETURN count(g) AS grids } "
                      "CALL { MATCH (z:Zone) WHERE NOT (z)<-[:SERVES]-(:Organisation) RETURN count(z) AS zones } "
                      "CALL { MATCH (c:Community {kind: $village}) "
                      "WHERE NOT (c)<-[:BASED_IN]-(:Organisation)<-[:SECRETARY_OF]-(:Member) RETURN count(c) AS villages } "
                      "RETURN grids, zones, villages",
               params={"village": "VILLAGE"}),
    BenchQuery("research-bridging", "{ bridgingOrganisations(first: 10) { organisations { organisation { name }"
                                    " zonesServed } } }",
               cypher="MATCH (o:Organisation)-[r:LEADS|PART_OF|SERVES]->(z:Zone) "
                      "WITH o, count(DISTINCT z) AS zonesLinked, "
                      "count(DISTINCT CASE WHEN type(r) = $serves THEN z END) AS zonesServed "
                      "RETURN o.name AS name, zonesServed ORDER BY zonesServed DESC, zonesLinked DESC, o.uid LIMIT 10",
               params={"serves": "SERVES"}),
]
