"""The seed graph holds the article's counts, keeps its honesty rules, and is validated.

Pure Python: reads seed/data with read_seed(); no database.
"""
from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest

from seed import generate_illustrative
from seed.loader import DEFAULT_SEED_DIR, SeedError, SeedGraph, read_seed

DEPARTMENT_NAMES = {"城管", "公安", "安监", "政法"}


class Index:
    """Adjacency lookups over a SeedGraph, by uid and relationship type."""

    def __init__(self, graph: SeedGraph):
        self.graph = graph
        self.props = {n["uid"]: n for rows in graph.nodes.values() for n in rows}
        self.outs: dict[tuple[str, str], list[str]] = defaultdict(list)
        self.ins: dict[tuple[str, str], list[str]] = defaultdict(list)
        for (_, rel_type, _), rows in graph.relationships.items():
            for start, end in rows:
                self.outs[(start, rel_type)].append(end)
                self.ins[(end, rel_type)].append(start)

    def nodes(self, label: str, **where: object) -> list[dict]:
        return [n for n in self.graph.nodes.get(label, []) if all(n.get(k) == v for k, v in where.items())]

    def out(self, uid: str, rel_type: str, label: str | None = None) -> list[str]:
        return [u for u in self.outs[(uid, rel_type)] if label is None or self.graph.label_of(u) == label]

    def into(self, uid: str, rel_type: str, label: str | None = None) -> list[str]:
        return [u for u in self.ins[(uid, rel_type)] if label is None or self.graph.label_of(u) == label]

    def town_of(self, uid: str) -> str | None:
        towns = self.out(uid, "IN_TOWN")
        return self.props[towns[0]]["nameEn"] if towns else None


@pytest.fixture(scope="module")
def ix() -> Index:
    return Index(read_seed())


# --------------------------------------------------------------------------- places


def test_district_and_towns(ix):
    (district,) = ix.nodes("District")
    assert (district["name"], district["nameEn"], district["source"]) == ("禅城区", "Chancheng", "ARTICLE")
    towns = {t["nameEn"]: t for t in ix.nodes("Town")}
    assert set(towns) == {"Zumiao", "Shiwan", "Zhangcha", "Nanzhuang"}
    assert {t["nameEn"]: t["kind"] for t in towns.values()} == {
        "Zumiao": "SUBDISTRICT", "Shiwan": "SUBDISTRICT", "Zhangcha": "SUBDISTRICT", "Nanzhuang": "TOWN"}
    for town in towns.values():
        assert ix.out(town["uid"], "IN_DISTRICT") == [district["uid"]]
    nanzhuang = towns["Nanzhuang"]
    assert (nanzhuang["residentsReceived"], nanzhuang["householdsVisited"], nanzhuang["householdVisitRate"]) \
        == (3719, 30000, 0.944)
    assert "近3万" in nanzhuang["description"]


def test_zumiao_zones(ix):
    zones = ix.nodes("Zone")
    assert len(zones) == 22
    assert all(ix.town_of(z["uid"]) == "Zumiao" for z in zones)
    assert len({z["name"] for z in zones}) == 22
    (peide,) = ix.nodes("Zone", nameEn="Peide")
    assert (peide["name"], peide["source"], peide["isDemonstration"], peide["isPilot"]) \
        == ("培德片区", "ARTICLE", True, True)
    assert len([z for z in zones if z["isDemonstration"]]) == 4
    assert [z["uid"] for z in zones if z.get("isPilot")] == [peide["uid"]]


def test_every_zone_has_exactly_one_lead(ix):
    for zone in ix.nodes("Zone"):
        assert len(ix.into(zone["uid"], "LEADS")) == 1, zone["uid"]


def test_demonstration_zones_absorbed_113_organisations(ix):
    absorbed = {org for zone in ix.nodes("Zone", isDemonstration=True)
                for rel in ("PART_OF", "SERVES") for org in ix.into(zone["uid"], rel)}
    assert len(absorbed) == 113


def test_peide_lead_hospital_and_external_organisations(ix):
    (peide,) = ix.nodes("Zone", nameEn="Peide")
    internal = [ix.props[u] for u in ix.into(peide["uid"], "PART_OF")]
    external = [ix.props[u] for u in ix.into(peide["uid"], "SERVES")]
    assert any(o["kind"] == "INSTITUTION" and "医院" in o["name"] for o in internal)
    assert len(internal) >= 3 and len(external) >= 3
    assert any(o["kind"] == "ORGAN" for o in external)
    doctors = [m for m in ix.nodes("Member") if "医生" in (m.get("role") or "")]
    assert len(doctors) >= 3


def test_some_zones_have_no_external_organisation(ix):
    gaps = [z for z in ix.nodes("Zone") if not ix.into(z["uid"], "SERVES")]
    assert len(gaps) >= 3
    assert not any(z["isDemonstration"] for z in gaps)


def test_zumiao_communities_belong_to_a_zone(ix):
    for zone in ix.nodes("Zone"):
        communities = ix.into(zone["uid"], "IN_ZONE", "Community")
        assert len(communities) >= 2
        assert all(ix.town_of(c) == "Zumiao" for c in communities)


def test_nanzhuang_has_exactly_18_villages(ix):
    villages = [c for c in ix.nodes("Community", kind="VILLAGE") if ix.town_of(c["uid"]) == "Nanzhuang"]
    assert len(villages) == 18
    assert all(c["source"] == "ILLUSTRATIVE" for c in villages)


def test_article_villages_have_no_town(ix):
    for name in ("石头村", "番村村"):
        (village,) = ix.nodes("Community", name=name)
        assert village["source"] == "ARTICLE" and village["kind"] == "VILLAGE"
        assert ix.out(village["uid"], "IN_TOWN") == []


def test_zhangcha_communities_and_committees(ix):
    joint = ix.nodes("Organisation", kind="JOINT", source="ARTICLE")
    assert sorted(ix.props[ix.out(o["uid"], "BASED_IN")[0]]["nameEn"] for o in joint) \
        == ["Chunyang", "Dongbian", "Jiangwan"]
    assert all(ix.town_of(o["uid"]) == "Zhangcha" for o in joint)
    park_committees = ix.nodes("Organisation", kind="PARK", source="ARTICLE")
    zhangcha = [o for o in park_committees if ix.town_of(o["uid"]) == "Zhangcha"]
    assert sorted(o["name"] for o in zhangcha) == ["华南电源创新科技园党委", "智慧新城党委"]
    for committee in park_committees:  # Software Park too
        (park,) = ix.out(committee["uid"], "COMMITTEE_OF")
        assert ix.town_of(park) == ix.town_of(committee["uid"])
        enterprises = ix.into(park, "IN_PARK")
        assert enterprises
        for enterprise in enterprises:
            (branch,) = ix.into(enterprise, "ORGANISATION_OF")
            assert ix.out(branch, "SUBORDINATE_TO") == [committee["uid"]]


# --------------------------------------------------------------------------- people


def test_nanzhuang_village_secretaries(ix):
    """Contract 02: 15 of the 18 village secretaries run an enterprise."""
    villages = {c["uid"] for c in ix.nodes("Community", kind="VILLAGE") if ix.town_of(c["uid"]) == "Nanzhuang"}
    for village in villages:
        (org,) = ix.into(village, "BASED_IN")
        assert ix.props[org]["kind"] == "COMMUNITY" and ix.town_of(org) == "Nanzhuang"
        assert len(ix.into(org, "SECRETARY_OF")) == 1
    entrepreneurs = [m for m in ix.nodes("Member")
                     if ix.out(m["uid"], "RUNS")
                     and any(set(ix.out(o, "BASED_IN")) & villages for o in ix.out(m["uid"], "SECRETARY_OF"))]
    assert len(entrepreneurs) == 15


def test_article_people(ix):
    members = {m["nameEn"]: m for m in ix.nodes("Member", source="ARTICLE")}
    assert set(members) == {"Liu Donghao", "Kong Haiwen", "Liao Yibin"}
    (district_committee,) = ix.nodes("Organisation", kind="DISTRICT")
    assert ix.out(members["Liu Donghao"]["uid"], "SECRETARY_OF") == [district_committee["uid"]]
    assert district_committee["uid"] in ix.out(members["Kong Haiwen"]["uid"], "MEMBER_OF")
    (municipal,) = ix.nodes("Organisation", kind="MUNICIPAL")
    assert ix.out(members["Liao Yibin"]["uid"], "MEMBER_OF") == [municipal["uid"]]
    for town_committee in ix.nodes("Organisation", kind="TOWN"):
        assert ix.out(town_committee["uid"], "SUBORDINATE_TO") == [district_committee["uid"]]


# --------------------------------------------------------------------------- grids


def test_122_grids_each_with_the_four_departments(ix):
    departments = ix.nodes("Department")
    assert {d["name"] for d in departments} == DEPARTMENT_NAMES
    assert all(d["source"] == "ARTICLE" for d in departments)
    grids = sorted(ix.nodes("Grid"), key=lambda g: g["uid"])
    assert [g["uid"] for g in grids] == [f"grid-{n:03d}" for n in range(1, 123)]
    assert [g["number"] for g in grids] == list(range(1, 123))
    for grid in grids:
        (town,) = ix.out(grid["uid"], "IN_TOWN")
        covers = ix.out(grid["uid"], "COVERS")
        assert covers and all(ix.out(c, "IN_TOWN") == [town] for c in covers)
        assert {ix.props[d]["name"] for d in ix.into(grid["uid"], "SUNK_TO")} == DEPARTMENT_NAMES
        (centre,) = ix.into(grid["uid"], "COMMANDS")
        assert ix.props[centre]["level"] == "TOWN" and ix.out(centre, "IN_TOWN") == [town]


def test_command_centres(ix):
    (district_centre,) = ix.nodes("CommandCentre", level="DISTRICT")
    assert ix.out(district_centre["uid"], "IN_DISTRICT")
    assert {ix.props[d]["name"] for d in ix.out(district_centre["uid"], "COMMANDS")} == DEPARTMENT_NAMES
    town_centres = ix.nodes("CommandCentre", level="TOWN")
    assert sorted(ix.town_of(c["uid"]) for c in town_centres) == ["Nanzhuang", "Shiwan", "Zhangcha", "Zumiao"]
    assert all(c["source"] == "ARTICLE" for c in ix.nodes("CommandCentre"))


# --------------------------------------------------------------------------- demands


def test_252_resolved_nanzhuang_demands(ix):
    demands = [d for d in ix.nodes("Demand")
               if ix.town_of(ix.out(d["uid"], "RAISED_IN")[0]) == "Nanzhuang"]
    assert len(demands) == 252
    assert len({d["category"] for d in demands}) >= 6
    escalated = 0
    for demand in demands:
        assert demand["status"] == "RESOLVED" and demand["source"] == "ILLUSTRATIVE"
        dates = [demand[k] for k in ("raisedOn", "assignedOn", "resolvedOn")]
        assert all(re.fullmatch(r"2015-\d\d-\d\d", d) for d in dates) and dates == sorted(dates)
        (resolver,) = ix.out(demand["uid"], "RESOLVED_BY")
        assert ix.out(demand["uid"], "ASSIGNED_TO") == [resolver]
        if ix.graph.label_of(resolver) == "Department":
            escalated += 1
        else:
            assert ix.out(resolver, "BASED_IN") == ix.out(demand["uid"], "RAISED_IN")
    assert 0 < escalated < 126  # most stay in the village; some go to "X"


def test_article_demands(ix):
    article = {d["category"]: d for d in ix.nodes("Demand", source="ARTICLE")}
    assert set(article) == {"TRANSPORT", "UTILITIES"}
    assert ix.props[ix.out(article["TRANSPORT"]["uid"], "RAISED_IN")[0]]["name"] == "石头村"
    assert ix.props[ix.out(article["UTILITIES"]["uid"], "RAISED_IN")[0]]["name"] == "番村村"
    for demand in article.values():
        assert demand["status"] == "RESOLVED"
        assert not ix.out(demand["uid"], "RESOLVED_BY") and not ix.out(demand["uid"], "ASSIGNED_TO")


# --------------------------------------------------------------------------- programmes


@pytest.mark.parametrize("kind, town, count", [
    ("LIVELIHOOD_PROJECT", "Zumiao", 13), ("SERVICE_ITEM", "Zumiao", 77), ("ACTION_PROJECT", "Shiwan", 0)])
def test_programme_counts(ix, kind, town, count):
    programmes = ix.nodes("Programme", kind=kind)
    assert len(programmes) == count
    assert all(ix.town_of(p["uid"]) == town for p in programmes)


def test_shiwan_four_lists(ix):
    """600+ needs and problems, 400+ resources and service teams, 238 action projects (ActionProject
    nodes; no Programme of kind ACTION_PROJECT is left in the seed)."""
    shiwan_demands = [d for d in ix.nodes("Demand") if ix.town_of(ix.out(d["uid"], "RAISED_IN")[0]) == "Shiwan"]
    assert len(shiwan_demands) >= 600 and {d.get("kind") for d in shiwan_demands} == {"NEED", "PROBLEM"}
    assert len(ix.nodes("Resource")) + len(ix.nodes("ServiceTeam")) >= 400
    projects = ix.nodes("ActionProject")
    assert len(projects) == 238 and all(ix.town_of(p["uid"]) == "Shiwan" for p in projects)
    assert all(ix.out(p["uid"], "ADDRESSES", "Demand") for p in projects)
    for offer in ix.nodes("Resource") + ix.nodes("ServiceTeam"):
        areas = ix.out(offer["uid"], "SERVES_AREA")
        expected = {"COMMUNITY": ["Community"], "ZONE": ["Zone"], "TOWN": ["Town"], "DISTRICT": []}[offer["coverage"]]
        assert [ix.graph.label_of(a) for a in areas] == expected, offer["uid"]
    for community in ix.nodes("Community"):
        if ix.town_of(community["uid"]) == "Shiwan":
            assert ix.into(community["uid"], "BASED_IN", "Organisation"), community["uid"]


def test_named_article_programmes(ix):
    where = {p["name"]: (p["kind"], ix.town_of(p["uid"]), bool(ix.out(p["uid"], "IN_DISTRICT")))
             for p in ix.nodes("Programme", source="ARTICLE")}
    assert where == {
        "医务社工": ("LIVELIHOOD_PROJECT", "Zumiao", False), "创客空间": ("LIVELIHOOD_PROJECT", "Zumiao", False),
        "健康培德": ("SERVICE", "Zumiao", False), "我的书记": ("TRAINING", "Nanzhuang", False),
        "一门式行政服务": ("PLATFORM", None, True), "区域化党建平台": ("PLATFORM", None, True),
        "社会综合治理云平台": ("PLATFORM", None, True), "大数据微服务——互联网+民生服务": ("PLATFORM", "Zumiao", False),
        "爱心学堂": ("SERVICE", "Shiwan", False), "流动图书馆": ("SERVICE", "Shiwan", False),
        "志愿服务": ("SERVICE", "Shiwan", False), "党员民营企业家培养平台": ("TRAINING", "Shiwan", False),
        "禅城区青年创客聚力基地": ("PLATFORM", "Zhangcha", False),
    }
    (healthy_peide,) = ix.nodes("Programme", name="健康培德")
    assert ix.props[ix.out(healthy_peide["uid"], "IN_ZONE")[0]]["nameEn"] == "Peide"
    organisers = {ix.props[p]["name"]: ix.props[ix.out(p, "ORGANISED_BY")[0]]["name"]
                  for p in (n["uid"] for n in ix.nodes("Programme")) if ix.out(p, "ORGANISED_BY")}
    assert organisers["党员民营企业家培养平台"] == "软件园党委"
    assert organisers["禅城区青年创客聚力基地"] == "智慧新城党委"


# --------------------------------------------------------------------------- honesty and determinism


def test_illustrative_nodes_are_obviously_made_up(ix):
    for rows in ix.graph.nodes.values():
        for node in rows:
            if node["source"] == "ILLUSTRATIVE":
                assert "示例" in node["name"] and node["nameEn"].startswith("Illustrative"), node["uid"]
                assert node.get("description"), node["uid"]
            else:
                assert "示例" not in node["name"] and not node["nameEn"].startswith("Illustrative")


def test_uids_are_unique(ix):
    uids = [n["uid"] for rows in ix.graph.nodes.values() for n in rows]
    assert len(uids) == len(set(uids))


def test_generator_is_deterministic(tmp_path):
    written = generate_illustrative.generate(tmp_path)
    committed = sorted(p.name for p in DEFAULT_SEED_DIR.glob(f"{generate_illustrative.PREFIX}*.yaml"))
    assert sorted(p.name for p in written) == committed
    for path in written:
        assert path.read_bytes() == (DEFAULT_SEED_DIR / path.name).read_bytes(), path.name
        assert path.read_text(encoding="utf-8").startswith("# Generated by seed/generate_illustrative.py")


# --------------------------------------------------------------------------- validation


BASE = """\
nodes:
  Town:
    - {uid: town-a, name: 示例镇, nameEn: Illustrative Town, source: ILLUSTRATIVE, kind: TOWN}
  Zone:
    - {uid: zone-a, name: 示例片区, nameEn: Illustrative Zone, source: ILLUSTRATIVE, isDemonstration: false}
  Organisation:
    - {uid: org-a, name: 示例党委A, nameEn: Illustrative A, source: ILLUSTRATIVE, kind: JOINT}
    - {uid: org-b, name: 示例党委B, nameEn: Illustrative B, source: ILLUSTRATIVE, kind: JOINT}
relationships:
  IN_TOWN:
    - [zone-a, town-a]
  LEADS:
    - [org-a, zone-a]
"""


def seed_dir(tmp_path: Path, **files: str) -> Path:
    for name, text in {"base": BASE, **files}.items():
        (tmp_path / f"{name}.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def test_minimal_seed_is_valid(tmp_path):
    graph = read_seed(seed_dir(tmp_path))
    assert graph.label_of("zone-a") == "Zone"
    assert graph.relationships[("Organisation", "LEADS", "Zone")] == [("org-a", "zone-a")]


@pytest.mark.parametrize("name, extra, reason", [
    ("bad_enum", "nodes:\n  Town:\n    - {uid: town-b, name: 示例镇B, source: ILLUSTRATIVE, kind: CITY}\n",
     "kind"),
    ("dangling", "relationships:\n  PART_OF:\n    - [org-b, zone-missing]\n", "zone-missing"),
    ("duplicate", "nodes:\n  Park:\n    - {uid: org-a, name: 示例园区, source: ILLUSTRATIVE}\n",
     "duplicate uid 'org-a'"),
    ("second_lead", "relationships:\n  LEADS:\n    - [org-b, zone-a]\n", "LEADS"),
    ("two_towns", "nodes:\n  Town:\n    - {uid: town-b, name: 示例镇B, source: ILLUSTRATIVE, kind: TOWN}\n"
                  "relationships:\n  IN_TOWN:\n    - [zone-a, town-b]\n", "IN_TOWN"),
    ("wrong_endpoint", "relationships:\n  LEADS:\n    - [zone-a, org-a]\n", "not in the model"),
    ("unknown_label", "nodes:\n  Village:\n    - {uid: village-a, name: 示例村, source: ILLUSTRATIVE}\n",
     "unknown label"),
    ("unknown_prop", "nodes:\n  Park:\n    - {uid: park-a, name: 示例园区, source: ILLUSTRATIVE, size: 3}\n",
     "unknown property 'size'"),
    ("missing_prop", "nodes:\n  Park:\n    - {uid: park-a, source: ILLUSTRATIVE}\n", "'name'"),
    ("computed_prop", "nodes:\n  Member:\n    - {uid: member-a, name: 示例党员, source: ILLUSTRATIVE, "
                      "isEntrepreneur: true}\n", "computed"),
    ("unquoted_date", "nodes:\n  Demand:\n    - {uid: demand-a, name: 示例诉求, source: ILLUSTRATIVE, "
                      "category: OTHER, status: RAISED, raisedOn: 2015-03-01}\n", "quote it"),
    ("repeated_edge", "relationships:\n  IN_TOWN:\n    - [zone-a, town-a]\n", "given twice"),
    ("duplicate_key", "relationships:\n  PART_OF:\n    - [org-b, zone-a]\n  PART_OF: []\n", "duplicate key"),
    ("bad_uid", "nodes:\n  Park:\n    - {uid: Park A, name: 示例园区, source: ILLUSTRATIVE}\n", "slug"),
])
def test_read_seed_rejects(tmp_path, name, extra, reason):
    with pytest.raises(SeedError) as error:
        read_seed(seed_dir(tmp_path, **{f"z_{name}": extra}))
    message = str(error.value)
    assert reason in message
    assert "z_" in message or "base.yaml" in message  # names the file
