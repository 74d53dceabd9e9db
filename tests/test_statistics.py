"""Research statistics over the real endpoint, checked against read_seed() (and networkx on it),
plus the centrality cache exercised in-process on the test graph and on a scratch copy."""
from __future__ import annotations

from collections import Counter, defaultdict

import networkx as nx
import pytest

from graph.plan import CompiledQuery
from resolvers.ids import from_global_id
from resolvers.plans import MAX_PAGE_SIZE
from resolvers.statistics import CENTRALITY
from schema.schema import build_schema
from seed.loader import read_seed
from tests.conftest import scratch_graph

SEED = read_seed()
NODES = {n["uid"]: n for rows in SEED.nodes.values() for n in rows}
EDGES = {(s, rel, t) for (_, rel, _), pairs in SEED.relationships.items() for s, t in pairs}
ONE_N_X = ("LEADS", "PART_OF", "SERVES")

NODE = "id nodeId label uid name nameEn source"
AREA = (f"area {{ {NODE} }} zones villages urbanCommunities grids organisations organisationsByKind {{ kind count }}"
        " members villageSecretaries entrepreneurSecretaries entrepreneurSecretaryShare")
GAP = f"count nodes {{ {NODE} }}"
GAPS = ("query($first: Int) { r: coverageGaps(first: $first) { gridsWithoutDepartment { %s }"
        " zonesWithoutExternalOrganisation { %s } villagesWithoutSecretary { %s } } }" % (GAP, GAP, GAP))
BRIDGING = ("query($by: BridgingMeasure!, $first: Int) { r: bridgingOrganisations(by: $by, first: $first) {"
            " by approximate organisations { organisation { %s } zonesServed zonesLinked betweenness } } }" % NODE)
DEMANDS = ("query($g: DemandGroupBy!, $w: DemandWhere) { r: demandStatistics(groupBy: $g, where: $w) {"
           " groupBy collected resolved resolutionRate groups { key name collected resolved resolutionRate } } }")


def into(uid: str, *types: str) -> set[str]:
    """uids with a relationship of one of `types` pointing at `uid`."""
    return {s for s, rel, t in EDGES if t == uid and rel in types}


def of_label(uids, label: str) -> set[str]:
    return {u for u in uids if SEED.label_of(u) == label}


def check_node(node: dict, uid: str) -> None:
    """An entry for the node `uid`: its nodeId is the node's global id, its own id is not."""
    assert node["uid"] == uid and node["label"] == SEED.label_of(uid)
    assert from_global_id(node["nodeId"]) == (node["label"], uid)
    assert node["id"] != node["nodeId"]
    assert node["name"] == NODES[uid]["name"] and node["nameEn"] == NODES[uid].get("nameEn")


def by_kind(uids) -> list[dict]:
    counts = Counter(NODES[u]["kind"] for u in uids)
    return sorted(({"kind": k, "count": n} for k, n in counts.items()), key=lambda r: (-r["count"], r["kind"]))


def members_of(orgs) -> set[str]:
    return {s for s, rel, t in EDGES if t in orgs and rel in ("MEMBER_OF", "SECRETARY_OF")}


def share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


# --------------------------------------------------------------------------- zone composition


def expected_zone(uid: str) -> dict:
    lead, inside, outside = into(uid, "LEADS"), into(uid, "PART_OF"), into(uid, "SERVES")
    return {"lead": lead, "internalCount": len(inside), "externalCount": len(outside),
            "internalByKind": by_kind(inside), "externalByKind": by_kind(outside),
            "absorbed": len(inside | outside), "membersReachable": len(members_of(lead | inside | outside))}


def zone_composition(data, where: dict) -> dict:
    return data("query($w: ZoneWhere) { r: zoneComposition(where: $w) { absorbedOrganisations zones {"
                f" zone {{ {NODE} }} lead {{ {NODE} }} internalCount externalCount"
                " internalByKind { kind count } externalByKind { kind count } absorbed membersReachable } } }",
                {"w": where})["r"]


def check_zones(report: dict, uids: list[str]) -> None:
    assert [z["zone"]["uid"] for z in report["zones"]] == sorted(uids)
    for zone in report["zones"]:
        check_node(zone["zone"], zone["zone"]["uid"])
        expected = expected_zone(zone["zone"]["uid"])
        lead = expected.pop("lead")
        assert len(lead) == 1
        check_node(zone["lead"], next(iter(lead)))
        assert {k: zone[k] for k in expected} == expected
    absorbed = {o for u in uids for o in into(u, "PART_OF", "SERVES")}
    assert report["absorbedOrganisations"] == len(absorbed)


def test_demonstration_zones_absorbed_113(data):
    report = zone_composition(data, {"isDemonstration": {"eq": True}})
    demonstration = [z["uid"] for z in SEED.nodes["Zone"] if z["isDemonstration"]]
    assert len(report["zones"]) == len(demonstration) == 4
    assert report["absorbedOrganisations"] == 113  # the article's figure
    check_zones(report, demonstration)
    assert all(z["membersReachable"] > 0 for z in report["zones"])


def test_peide_composition(data):
    report = zone_composition(data, {"nameEn": {"eq": "Peide"}})
    check_zones(report, ["zone-zumiao-peide"])
    assert report["zones"][0]["externalCount"] > 0


def test_composition_of_every_zone_and_first(data):
    report = zone_composition(data, None)
    check_zones(report, [z["uid"] for z in SEED.nodes["Zone"]])
    first = data("{ zoneComposition(first: 2) { zones { zone { uid } } } }")["zoneComposition"]["zones"]
    assert [z["zone"]["uid"] for z in first] == sorted(z["uid"] for z in SEED.nodes["Zone"])[:2]


# --------------------------------------------------------------------------- town and district


def expected_area(uids: set[str] | None) -> dict:
    """Counts over the nodes IN_TOWN of the town(s) `uids`; None: the whole graph."""
    def inside(label: str) -> set[str]:
        rows = {n["uid"] for n in SEED.nodes.get(label, [])}
        return rows if uids is None else {u for u in rows if any((u, "IN_TOWN", t) in EDGES for t in uids)}

    communities, orgs = inside("Community"), inside("Organisation")
    villages = {c for c in communities if NODES[c]["kind"] == "VILLAGE"}
    village_orgs = {s for s, rel, t in EDGES if rel == "BASED_IN" and t in villages}
    secretaries = {s for s, rel, t in EDGES if rel == "SECRETARY_OF" and t in village_orgs}
    entrepreneurs = {s for s in secretaries if any(e[0] == s and e[1] == "RUNS" for e in EDGES)}
    return {"zones": len(inside("Zone")), "villages": len(villages), "urbanCommunities": len(communities - villages),
            "grids": len(inside("Grid")), "organisations": len(orgs), "organisationsByKind": by_kind(orgs),
            "members": len(members_of(orgs)) if uids is not None else len(SEED.nodes["Member"]),
            "villageSecretaries": len(secretaries), "entrepreneurSecretaries": len(entrepreneurs),
            "entrepreneurSecretaryShare": share(len(entrepreneurs), len(secretaries))}


def without_area(row: dict) -> dict:
    return {k: v for k, v in row.items() if k != "area"}


def test_nanzhuang_entrepreneur_secretaries(data):
    rows = data('{ r: townStatistics(uid: "town-nanzhuang") { %s } }' % AREA)["r"]
    assert len(rows) == 1
    town = rows[0]
    check_node(town["area"], "town-nanzhuang")
    assert town["villages"] == 18
    assert town["villageSecretaries"] == 18 and town["entrepreneurSecretaries"] == 15
    assert town["entrepreneurSecretaryShare"] == round(15 / 18, 4) == 0.8333
    assert without_area(town) == expected_area({"town-nanzhuang"})


def test_every_town_matches_the_seed(data):
    rows = data("{ r: townStatistics { %s } }" % AREA)["r"]
    towns = sorted(t["uid"] for t in SEED.nodes["Town"])
    assert [r["area"]["uid"] for r in rows] == towns
    for row in rows:
        check_node(row["area"], row["area"]["uid"])
        assert without_area(row) == expected_area({row["area"]["uid"]}), row["area"]["uid"]


def test_unknown_town_gives_no_rows(data):
    assert data('{ townStatistics(uid: "town-nowhere") { zones } }')["townStatistics"] == []


def test_district_totals(data):
    district = data("{ r: districtStatistics { %s } }" % AREA)["r"]
    check_node(district["area"], SEED.nodes["District"][0]["uid"])
    expected = expected_area(None)
    assert without_area(district) == expected
    assert expected["villages"] + expected["urbanCommunities"] == len(SEED.nodes["Community"])
    assert district["grids"] == 122


# --------------------------------------------------------------------------- demands


UNASSIGNED = "unassigned"


def demand_keys(group_by: str) -> dict[str, str]:
    """Each demand's group key per the seed ("unassigned" when it has none)."""
    keys = {}
    for demand in SEED.nodes["Demand"]:
        uid = demand["uid"]
        community = next((t for s, rel, t in EDGES if s == uid and rel == "RAISED_IN"), None)
        resolver = next((t for s, rel, t in EDGES if s == uid and rel == "RESOLVED_BY"), None)
        keys[uid] = {
            "TOWN": next((t for s, rel, t in EDGES if s == community and rel == "IN_TOWN"), None),
            "COMMUNITY": community, "CATEGORY": demand["category"], "STATUS": demand["status"],
            "RESOLVER": resolver, "RESOLVER_TYPE": SEED.label_of(resolver) if resolver else None,
        }[group_by] or UNASSIGNED
    return keys


@pytest.mark.parametrize("group_by", ["TOWN", "COMMUNITY", "CATEGORY", "RESOLVER", "RESOLVER_TYPE", "STATUS"])
def test_demand_groups_match_the_seed_and_sum_to_the_total(data, group_by):
    result = data(DEMANDS, {"g": group_by})["r"]
    demands = SEED.nodes["Demand"]
    resolved = {d["uid"] for d in demands if d["status"] == "RESOLVED"}
    assert result["groupBy"] == group_by
    assert result["collected"] == len(demands) and result["resolved"] == len(resolved)
    assert result["resolutionRate"] == share(len(resolved), len(demands))
    assert sum(g["collected"] for g in result["groups"]) == len(demands)
    assert sum(g["resolved"] for g in result["groups"]) == len(resolved)
    keys = demand_keys(group_by)
    expected = {key: (sum(1 for u in keys if keys[u] == key), sum(1 for u in resolved if keys[u] == key))
                for key in set(keys.values())}
    assert {g["key"]: (g["collected"], g["resolved"]) for g in result["groups"]} == expected
    assert [g["collected"] for g in result["groups"]] == sorted((g["collected"] for g in result["groups"]),
                                                                reverse=True)
    for group in result["groups"]:
        assert group["resolutionRate"] == share(group["resolved"], group["collected"])
        if group["key"] == UNASSIGNED:
            assert group["name"] == "未归属 / unassigned"
        elif group_by in ("TOWN", "COMMUNITY", "RESOLVER"):
            assert group["name"] == NODES[group["key"]]["name"]
        else:
            assert group["name"] == group["key"]


def test_nanzhuang_demands_are_the_articles_252(data):
    groups = {g["key"]: g for g in data(DEMANDS, {"g": "TOWN"})["r"]["groups"]}
    nanzhuang = groups["town-nanzhuang"]
    assert (nanzhuang["collected"], nanzhuang["resolved"], nanzhuang["resolutionRate"]) == (252, 252, 1.0)
    assert nanzhuang["name"] == NODES["town-nanzhuang"]["name"]


def test_demand_where_filter(data):
    where = {"community": {"town": {"nameEn": {"eq": "Nanzhuang"}}}}
    result = data(DEMANDS, {"g": "TOWN", "w": where})["r"]
    assert (result["collected"], result["resolved"], result["resolutionRate"]) == (252, 252, 1.0)
    assert [g["key"] for g in result["groups"]] == ["town-nanzhuang"]
    by_category = data(DEMANDS, {"g": "CATEGORY", "w": where})["r"]
    keys = demand_keys("TOWN")
    expected = Counter(d["category"] for d in SEED.nodes["Demand"] if keys[d["uid"]] == "town-nanzhuang")
    assert {g["key"]: g["collected"] for g in by_category["groups"]} == dict(expected)


# --------------------------------------------------------------------------- coverage gaps


def expected_gaps() -> dict[str, list[str]]:
    villages = [c["uid"] for c in SEED.nodes["Community"] if c["kind"] == "VILLAGE"]
    with_secretary = {t for o, rel, t in EDGES if rel == "BASED_IN" and into(o, "SECRETARY_OF")}
    return {
        "gridsWithoutDepartment": sorted(g["uid"] for g in SEED.nodes["Grid"] if not into(g["uid"], "SUNK_TO")),
        "zonesWithoutExternalOrganisation": sorted(z["uid"] for z in SEED.nodes["Zone"] if not into(z["uid"], "SERVES")),
        "villagesWithoutSecretary": sorted(v for v in villages if v not in with_secretary),
    }


def test_coverage_gaps_match_the_seed(data):
    gaps = data(GAPS, {})["r"]
    expected = expected_gaps()
    assert expected["zonesWithoutExternalOrganisation"]  # the seed has some
    for name, uids in expected.items():
        assert gaps[name]["count"] == len(uids), name
        assert [n["uid"] for n in gaps[name]["nodes"]] == uids, name
        for node in gaps[name]["nodes"]:
            check_node(node, node["uid"])


@pytest.mark.parametrize("first", [0, 1, 2])
def test_first_caps_lists_not_counts(data, first):
    gaps = data(GAPS, {"first": first})["r"]
    for name, uids in expected_gaps().items():
        assert gaps[name]["count"] == len(uids)
        assert [n["uid"] for n in gaps[name]["nodes"]] == uids[:first]


@pytest.mark.parametrize("query, field", [
    ("{ coverageGaps(first: -1) { gridsWithoutDepartment { count } } }", "first"),
    ("{ coverageGaps(first: %d) { gridsWithoutDepartment { count } } }" % (MAX_PAGE_SIZE + 1), "first"),
    ("{ bridgingOrganisations(first: %d) { approximate } }" % (MAX_PAGE_SIZE + 1), "first"),
    ("{ zoneComposition(first: -1) { absorbedOrganisations } }", "first"),
])
def test_bad_first(gql, query, field):
    errors = gql(query)["errors"]
    assert len(errors) == 1 and errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert errors[0]["extensions"]["field"] == field


# --------------------------------------------------------------------------- bridging organisations


def zone_links(edges) -> dict[str, dict[str, set[str]]]:
    links: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for s, rel, t in edges:
        if rel in ONE_N_X and SEED.label_of(s) == "Organisation" and SEED.label_of(t) == "Zone":
            links[s][rel].add(t)
    return links


def betweenness(edges) -> dict[str, float]:
    network = nx.Graph()
    network.add_edges_from((("o", s), ("z", t)) for s, rel, t in edges if rel in ONE_N_X
                           and SEED.label_of(s) == "Organisation" and SEED.label_of(t) == "Zone")
    scores = nx.betweenness_centrality(network, normalized=True)
    return {uid: round(score, 6) for (side, uid), score in scores.items() if side == "o"}


def test_ranked_by_zones_served(data):
    report = data(BRIDGING, {"by": "ZONES_SERVED", "first": 500})["r"]
    assert report["by"] == "ZONES_SERVED" and report["approximate"] is False
    links = zone_links(EDGES)
    served = {o: len(r["SERVES"]) for o, r in links.items()}
    expected = sorted(links, key=lambda o: (-served[o], o))
    assert [o["organisation"]["uid"] for o in report["organisations"]] == expected
    scores = betweenness(EDGES)
    for row in report["organisations"]:
        uid = row["organisation"]["uid"]
        check_node(row["organisation"], uid)
        assert row["zonesServed"] == served[uid]
        assert row["zonesLinked"] == len(set().union(*links[uid].values()))
        assert row["betweenness"] == pytest.approx(scores[uid], abs=1e-6)
    default = data(BRIDGING, {"by": "ZONES_SERVED"})["r"]["organisations"]
    assert [o["organisation"]["uid"] for o in default] == expected[:20]
    top = data(BRIDGING, {"by": "ZONES_SERVED", "first": 3})["r"]["organisations"]
    assert [o["organisation"]["uid"] for o in top] == expected[:3]


def test_ranked_by_betweenness(data):
    report = data(BRIDGING, {"by": "BETWEENNESS", "first": 500})["r"]
    assert report["by"] == "BETWEENNESS" and report["approximate"] is False
    scores = betweenness(EDGES)
    assert max(scores.values()) > 0
    got = {o["organisation"]["uid"]: o["betweenness"] for o in report["organisations"]}
    assert set(got) == set(scores)
    assert got == pytest.approx(scores, abs=1e-6)
    values = [o["betweenness"] for o in report["organisations"]]
    assert values == sorted(values, reverse=True)
    expected = sorted(scores, key=lambda o: (-scores[o], o))
    assert [o["organisation"]["uid"] for o in report["organisations"]] == expected
    top = data(BRIDGING, {"by": "BETWEENNESS", "first": 5})["r"]["organisations"]
    assert [o["organisation"]["uid"] for o in top] == expected[:5]


# --------------------------------------------------------------------------- the centrality cache, in-process

BETWEENNESS = "{ bridgingOrganisations(by: BETWEENNESS, first: 500) { organisations { organisation { uid } betweenness } } }"


async def scores_via(schema, backend) -> dict[str, float]:
    result = await schema.execute(BETWEENNESS, context_value={"backend": backend})
    assert result.errors is None, result.errors
    return {o["organisation"]["uid"]: o["betweenness"] for o in result.data["bridgingOrganisations"]["organisations"]}


@pytest.fixture
async def scratch(engine):
    async with scratch_graph(engine, "centrality_test") as b:
        yield b


async def test_centrality_is_cached_until_the_network_changes(backend, scratch, monkeypatch):
    schema = build_schema()
    monkeypatch.setattr(CENTRALITY, "key", None)  # whatever an earlier in-process test left
    before = CENTRALITY.computed
    first = await scores_via(schema, backend)
    assert CENTRALITY.computed == before + 1
    assert await scores_via(schema, backend) == first
    assert CENTRALITY.computed == before + 1
    # The key is the network itself: an identical copy in another graph reuses the scores.
    assert await scores_via(schema, scratch) == first
    assert CENTRALITY.computed == before + 1

    org, zone = "org-x-20", "zone-zumiao-04"  # zone 04 has no "X" yet
    assert (org, "SERVES", zone) not in EDGES and not {s for s, rel, t in EDGES if rel == "SERVES" and t == zone}
    await scratch.write(CompiledQuery("MATCH (o:Organisation {uid: $o}), (z:Zone {uid: $z}) CREATE (o)-[:SERVES]->(z)",
                                      {"o": org, "z": zone}))
    changed = await scores_via(schema, scratch)
    assert CENTRALITY.computed == before + 2
    assert changed != first and changed[org] != first[org]
    assert changed == pytest.approx(betweenness(EDGES | {(org, "SERVES", zone)}), abs=1e-6)
    assert await scores_via(schema, scratch) == changed
    assert CENTRALITY.computed == before + 2
    # Back on the unchanged test graph, the network differs again: recomputed, same scores as before.
    assert await scores_via(schema, backend) == first
    assert CENTRALITY.computed == before + 3


@pytest.mark.parametrize("selection, reads", [
    ("organisations { organisation { uid } zonesServed zonesLinked }", 1),
    ("organisations { organisation { uid } zonesServed zonesLinked betweenness }", 2),
    ("approximate organisations { organisation { uid } zonesServed zonesLinked }", 2),
    ("organisations { organisation { uid } zonesServed zonesLinked ... on BridgingOrganisation { betweenness } }", 2),
])
def test_betweenness_is_computed_only_when_selected(gql, selection, reads):
    body = gql("{ bridgingOrganisations(first: 15) { %s } }" % selection)
    assert not body.get("errors"), body
    assert len(body["extensions"]["cypher"]) == reads
    plain = gql("{ bridgingOrganisations(first: 15) { organisations { organisation { uid } zonesServed zonesLinked } } }")
    strip = [{k: o[k] for k in ("organisation", "zonesServed", "zonesLinked")}
             for o in body["data"]["bridgingOrganisations"]["organisations"]]
    assert strip == plain["data"]["bridgingOrganisations"]["organisations"]
