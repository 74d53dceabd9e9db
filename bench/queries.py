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
    naive: bool = True  # the resolver-per-field baseline can answer it


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
    BenchQuery("research-zone-composition", "{ zoneComposition(first: 20) { absorbedOrganisations zones { zone { name }"
                                            " internalCount externalCount membersReachable } } }", naive=False),
    BenchQuery("research-town-statistics", "{ townStatistics { area { name } zones villages grids members"
                                           " entrepreneurSecretaryShare } }", naive=False),
    BenchQuery("research-demand-statistics", "{ demandStatistics(groupBy: CATEGORY) { collected resolved"
                                             " resolutionRate groups { key collected resolved } } }", naive=False),
    BenchQuery("research-coverage-gaps", "{ coverageGaps(first: 10) { gridsWithoutDepartment { count }"
                                         " zonesWithoutExternalOrganisation { count } villagesWithoutSecretary { count } } }",
               naive=False),
    BenchQuery("research-bridging", "{ bridgingOrganisations(first: 10) { organisations { organisation { name }"
                                    " zonesServed } } }", naive=False),
]
