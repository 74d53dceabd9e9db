"""Generate the ILLUSTRATIVE seed files, seed/data/illustrative_*.yaml.

The 2015 article gives counts without names (22 zones, 113 organisations, 18 villages,
252 problems, 122 grids, 13/77/238 programmes). These files fill those counts with nodes
whose names say they are made up (示例…, "Illustrative …") so that queries have something
to return. Every choice is a pure function of an index (via SHA-256, not `random`), so
re-running gives byte-identical files on any Python version.

    python -m seed.generate_illustrative [--out DIR]
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
from pathlib import Path

import yaml

OUT_DIR = Path(__file__).resolve().parent / "data"
PREFIX = "illustrative_"

TOWN = {t: f"town-{t}" for t in ("zumiao", "shiwan", "zhangcha", "nanzhuang")}
TOWN_CENTRE = {t: f"cc-{t}" for t in TOWN}
DEPARTMENTS = ("dept-urban-management", "dept-public-security", "dept-work-safety", "dept-political-legal")
PEIDE = "zone-zumiao-peide"

# Internal ("N") organisations per demonstration zone, including the second community's
# committee. With 18 distinct external ("X") ones they make the article's 113.
DEMO_INTERNAL = (24, 25, 24, 22)  # Peide, zone 01, 02, 03 -> 95
DEMO_EXTERNAL = 18
NON_DEMO_EXTERNAL = 6  # a pool that serves only non-demonstration zones
ARTICLE_ABSORBED = 113
assert sum(DEMO_INTERNAL) + DEMO_EXTERNAL == ARTICLE_ABSORBED

N_KINDS = ("ENTERPRISE", "ORGAN", "INSTITUTION", "BRANCH", "SOCIAL", "ENTERPRISE", "BRANCH")
N_NAMES = {
    "ORGAN": ("示例机关党支部", "Illustrative Organ Party Branch"),
    "ENTERPRISE": ("示例企业党支部", "Illustrative Enterprise Party Branch"),
    "INSTITUTION": ("示例事业单位党支部", "Illustrative Public Institution Party Branch"),
    "SOCIAL": ("示例社会组织党支部", "Illustrative Social Organisation Party Branch"),
    "BRANCH": ("示例小区党支部", "Illustrative Neighbourhood Party Branch"),
}
X_KINDS = ("ORGAN", "ORGAN", "INSTITUTION", "SOCIAL", "ORGAN", "ENTERPRISE")
X_NAMES = {
    "ORGAN": ("示例区直机关党支部", "Illustrative District Organ Party Branch"),
    "INSTITUTION": ("示例区属事业单位党支部", "Illustrative District Public Institution Party Branch"),
    "SOCIAL": ("示例社会组织党委", "Illustrative Social Organisation Party Committee"),
    "ENTERPRISE": ("示例驻区企业党支部", "Illustrative Resident Enterprise Party Branch"),
}

NANZHUANG_VILLAGES = 18
NOT_ENTREPRENEUR = (4, 11, 17)  # the 3 of 18 village secretaries who run no enterprise
DEMANDS_PER_VILLAGE = 14  # 18 * 14 = 252
CATEGORIES = {  # category: (Chinese, English, weight)
    "TRANSPORT": ("交通", "Transport", 3), "UTILITIES": ("水电", "Utilities", 3),
    "PUBLIC_SAFETY": ("治安", "Public Safety", 2), "ENVIRONMENT": ("环境", "Environment", 3),
    "HEALTH": ("医疗", "Health", 2), "ELDERLY_CARE": ("养老", "Elderly Care", 2),
    "EDUCATION": ("教育", "Education", 1), "EMPLOYMENT": ("就业", "Employment", 1),
    "ADMINISTRATION": ("办事", "Administration", 2), "OTHER": ("其他", "Other", 1),
}
# Which sunk department ("X") takes an escalated demand of a category; others stay in the village.
ESCALATE_TO = {
    "PUBLIC_SAFETY": "dept-public-security", "ENVIRONMENT": "dept-urban-management",
    "TRANSPORT": "dept-urban-management", "UTILITIES": "dept-work-safety",
    "ADMINISTRATION": "dept-political-legal", "OTHER": "dept-political-legal",
}
YEAR_START, ARTICLE_DATE = dt.date(2015, 1, 5), dt.date(2015, 12, 30)

# 122 grids: how many per town, in grid-number order.
GRID_PLAN = (("zumiao", 40), ("shiwan", 24), ("zhangcha", 22), ("nanzhuang", 36))
ZHANGCHA_COMMUNITIES = ("community-zhangcha-jiangwan", "community-zhangcha-chunyang",
                        "community-zhangcha-dongbian")
SHIWAN_COMMUNITIES = 6
PARKS = (("park-smart-new-city", "org-smart-new-city-committee", "zhangcha"),
         ("park-power-innovation", "org-power-park-committee", "zhangcha"),
         ("park-software", "org-software-park-committee", "shiwan"))
ENTERPRISES_PER_PARK = 3

# Descriptions as (Chinese, English) pairs; pairs can be added: NOTE_ZONE + NOTE_DEMO.
NOTE_ZONE = ("示例：文章称祖庙划分22个片区，只列培德", "Illustrative: the article counts 22 Zumiao zones and names only Peide.")
NOTE_DEMO = ("；示范区之一（文章称4个示范区，未列名）", "One of the 4 demonstration zones, which the article does not name.")
NOTE_ZCOMM = ("示例：文章未列祖庙村居名称", "Illustrative: the article names no Zumiao communities.")
NOTE_LEAD = ("；此社区党委任片区龙头党组织（“1”）", 'This committee leads its zone (the "1").')
NOTE_DEMO_N = ("示例：文章称4个示范区吸收片区内外党组织113个，未列名；此为片区内（N）",
               "Illustrative: one of the 113 organisations the article counts, from inside the zone (N).")
NOTE_DEMO_X = ("示例：文章称4个示范区吸收片区内外党组织113个，未列名；此为片区外（X）",
               "Illustrative: one of the 113 organisations the article counts, from outside the zone (X).")
NOTE_OTHER_N = ("示例：非示范片区的片区内（N）组织，文章未列",
                "Illustrative: an inside (N) organisation of a non-demonstration zone.")
NOTE_OTHER_X = ("示例：只服务非示范片区的片区外（X）组织，文章未列",
                "Illustrative: an outside (X) organisation serving only non-demonstration zones.")
NOTE_HOSPITAL = ("示例：文章提到片区医院和党员医生参与“健康培德”，未具名",
                 "Illustrative: the article mentions zone hospitals and party-member doctors in Healthy Peide "
                 "without naming them.")
NOTE_MEMBER = ("示例：文章未列普通党员，此为使成员查询有结果", "Illustrative: the article names no ordinary members.")
NOTE_VILLAGE = ("示例：文章称南庄有18个村，未列村名", "Illustrative: the article counts 18 villages without naming them.")
NOTE_VORG = ("示例：南庄示例村的村党组织", "Illustrative: the party organisation of an illustrative Nanzhuang village.")
NOTE_VSEC = ("示例：文章称18个村中15名民营企业家任村书记，未具名",
             "Illustrative: the article says 15 of 18 village secretaries are private entrepreneurs, without names.")
NOTE_VENT = ("示例：村书记经营的民营企业，文章未具名",
             "Illustrative: an enterprise run by a village secretary; the article names none.")
NOTE_DEMAND = ("示例：文章称南庄收集问题252条、解决率100%，未列具体问题",
               "Illustrative: the article counts 252 problems collected in Nanzhuang, all resolved, without listing them.")
NOTE_ESCALATED = ("；需区直部门协调，交由下沉的“X”解决", 'Escalated to a sunk district department (the "X").')
NOTE_GRID = ("示例：文章称云平台将禅城划为122个网格，未列网格名称及所属镇街",
             "Illustrative: the article counts 122 grids without naming them or placing them in towns.")
NOTE_SCOMM = ("示例：文章未列石湾社区名称", "Illustrative: the article names no Shiwan communities.")
NOTE_PENT = ("示例：园区企业，文章未列", "Illustrative: a park enterprise; the article names none.")
NOTE_PORG = ("示例：园区企业党支部，隶属园区党委", "Illustrative: an enterprise party branch under the park committee.")
NOTE_LIVELIHOOD = ("示例：文章称祖庙13个民生项目，只列医务社工、创客空间",
                   "Illustrative: the article counts 13 livelihood projects and names only two.")
NOTE_ITEM = ("示例：文章称村居一门式可办77项自然人事项，未列事项",
             "Illustrative: the article counts 77 one-door natural-person service items without listing them.")
NOTE_ACTION = ("示例：文章称石湾制定行动（活动）项目238项，未列名",
               "Illustrative: the article counts 238 Shiwan action projects without naming them.")


def pick(n: int, *key: object) -> int:
    """A stable pseudo-random integer in [0, n) for `key`."""
    digest = hashlib.sha256("/".join(map(str, key)).encode()).digest()
    return int.from_bytes(digest[:8], "big") % n


class Doc:
    """One output file: nodes by label and [from, to] rows by relationship type, in insertion order."""

    def __init__(self, topic: str, summary: str):
        self.topic, self.summary = topic, summary
        self.nodes: dict[str, list[dict]] = {}
        self.rels: dict[str, list[list[str]]] = {}

    def node(self, label: str, uid: str, name: str, name_en: str, note: tuple[str, ...],
             **props: object) -> str:
        assert "示例" in name and name_en.startswith("Illustrative"), uid
        description = "".join(note[0::2]) + " / " + " ".join(note[1::2])
        row = {"uid": uid, "name": name, "nameEn": name_en, "source": "ILLUSTRATIVE", **props,
               "description": description}
        self.nodes.setdefault(label, []).append(row)
        return uid

    def rel(self, rel_type: str, start: str, end: str) -> None:
        self.rels.setdefault(rel_type, []).append([start, end])


class Counters:
    """Running numbers shared by all files, so member names are unique graph-wide."""

    def __init__(self):
        self.values: dict[str, int] = {}

    def next(self, key: str) -> int:
        self.values[key] = self.values.get(key, 0) + 1
        return self.values[key]


def add_members(doc: Doc, counters: Counters, org: str, count: int, secretary_role: str) -> None:
    for k in range(count):
        n = counters.next("member")
        uid = doc.node("Member", f"member-illustrative-{n:03d}", f"示例党员{n:03d}",
                       f"Illustrative Party Member {n:03d}", NOTE_MEMBER,
                       role=secretary_role if k == 0 else "党员")
        doc.rel("MEMBER_OF", uid, org)
        if k == 0:
            doc.rel("SECRETARY_OF", uid, org)


# --------------------------------------------------------------------------- Zumiao


def zumiao(counters: Counters) -> tuple[Doc, list[str]]:
    doc = Doc("zumiao", "Zumiao's 21 unnamed zones, all zone communities, lead (1), inside (N) "
                        "and outside (X) organisations, and their members.")
    zones = [PEIDE] + [f"zone-zumiao-{i:02d}" for i in range(1, 22)]
    communities: list[str] = []
    for index, zone in enumerate(zones):
        demo = index < len(DEMO_INTERNAL)
        if index:
            doc.node("Zone", zone, f"示例片区{index:02d}", f"Illustrative Zone {index:02d}",
                     NOTE_ZONE + (NOTE_DEMO if demo else ()), isDemonstration=demo, isPilot=False)
            doc.rel("IN_TOWN", zone, TOWN["zumiao"])
        # Two communities per zone; the first one's committee leads the zone, the second is an "N".
        for side in (0, 1):
            c = len(communities) + 1
            community = doc.node("Community", f"community-zumiao-{c:02d}", f"示例祖庙社区{c:02d}",
                                 f"Illustrative Zumiao Community {c:02d}", NOTE_ZCOMM, kind="URBAN_COMMUNITY")
            communities.append(community)
            doc.rel("IN_TOWN", community, TOWN["zumiao"])
            doc.rel("IN_ZONE", community, zone)
            org = doc.node("Organisation", f"org-zumiao-community-{c:02d}", f"示例祖庙社区{c:02d}党委",
                           f"Illustrative Zumiao Community {c:02d} Party Committee",
                           (NOTE_ZCOMM + NOTE_LEAD) if side == 0 else (NOTE_DEMO_N if demo else NOTE_OTHER_N),
                           kind="COMMUNITY")
            doc.rel("BASED_IN", org, community)
            doc.rel("IN_TOWN", org, TOWN["zumiao"])
            doc.rel("SUBORDINATE_TO", org, "org-zumiao-committee")
            doc.rel("LEADS" if side == 0 else "PART_OF", org, zone)
            if side == 0:
                add_members(doc, counters, org, 5 if demo else 1, "社区党委书记")
            elif demo:
                add_members(doc, counters, org, 2, "社区党委书记")
        extra = DEMO_INTERNAL[index] - 1 if demo else index % 3
        if zone == PEIDE:
            extra -= 1
            peide_hospital(doc)
        for _ in range(extra):
            internal_org(doc, counters, zone, demo)
    external_orgs(doc, counters, zones)
    return doc, communities


def peide_hospital(doc: Doc) -> None:
    org = doc.node("Organisation", "org-zumiao-peide-hospital", "示例片区医院党支部",
                   "Illustrative Zone Hospital Party Branch", NOTE_HOSPITAL, kind="INSTITUTION")
    doc.rel("IN_TOWN", org, TOWN["zumiao"])
    doc.rel("PART_OF", org, PEIDE)
    for k in range(1, 7):
        uid = doc.node("Member", f"member-peide-doctor-{k:02d}", f"示例党员医生{k:02d}",
                       f"Illustrative Party-Member Doctor {k:02d}", NOTE_HOSPITAL,
                       role="党支部书记、党员医生" if k == 1 else "党员医生")
        doc.rel("MEMBER_OF", uid, org)
        if k == 1:
            doc.rel("SECRETARY_OF", uid, org)


def internal_org(doc: Doc, counters: Counters, zone: str, demo: bool) -> None:
    n = counters.next("internal")
    kind = N_KINDS[n % len(N_KINDS)]
    k = counters.next(f"internal-{kind}")
    zh, en = N_NAMES[kind]
    org = doc.node("Organisation", f"org-zumiao-n-{n:03d}", f"{zh}{k:03d}", f"{en} {k:03d}",
                   NOTE_DEMO_N if demo else NOTE_OTHER_N, kind=kind)
    doc.rel("IN_TOWN", org, TOWN["zumiao"])
    doc.rel("PART_OF", org, zone)
    if demo:
        add_members(doc, counters, org, 2, "党支部书记")


def external_orgs(doc: Doc, counters: Counters, zones: list[str]) -> None:
    """X organisations: 18 serve the demonstration zones (several bridge two or three of them,
    a few also serve ordinary zones); a pool of 6 serves only ordinary zones. Ordinary zones
    whose number is a multiple of 4 get none, so coverage-gap reports find something."""
    demo_zones, ordinary = zones[:len(DEMO_INTERNAL)], zones[len(DEMO_INTERNAL):]
    served: dict[int, list[str]] = {}
    for j in range(DEMO_EXTERNAL):
        served[j] = [demo_zones[j % 4]]
        if j % 3 == 0:
            served[j].append(demo_zones[(j + 1) % 4])
        if j % 5 == 0:
            served[j].append(demo_zones[(j + 2) % 4])
    pool = list(range(DEMO_EXTERNAL, DEMO_EXTERNAL + NON_DEMO_EXTERNAL))
    for j in pool:
        served[j] = []
    for zone in ordinary:
        number = int(zone.rsplit("-", 1)[1])
        if number % 4 == 0:
            continue
        served[pool[number % len(pool)]].append(zone)
        if number % 3 == 0:
            served[pool[(number + 1) % len(pool)]].append(zone)
        if number % 5 == 1:  # a demonstration-zone X that also bridges to an ordinary zone
            served[number % DEMO_EXTERNAL].append(zone)
    for j in range(DEMO_EXTERNAL + NON_DEMO_EXTERNAL):
        kind = X_KINDS[j % len(X_KINDS)]
        k = counters.next(f"external-{kind}")
        zh, en = X_NAMES[kind]
        org = doc.node("Organisation", f"org-x-{j + 1:02d}", f"{zh}{k:02d}", f"{en} {k:02d}",
                       NOTE_DEMO_X if j < DEMO_EXTERNAL else NOTE_OTHER_X, kind=kind)
        for zone in served[j]:
            doc.rel("SERVES", org, zone)
        add_members(doc, counters, org, 5, "党支部书记" if kind != "SOCIAL" else "党委书记")


# --------------------------------------------------------------------------- other towns


def shiwan() -> tuple[Doc, list[str]]:
    doc = Doc("shiwan", "Shiwan's unnamed communities.")
    communities = []
    for c in range(1, SHIWAN_COMMUNITIES + 1):
        uid = doc.node("Community", f"community-shiwan-{c:02d}", f"示例石湾社区{c:02d}",
                       f"Illustrative Shiwan Community {c:02d}", NOTE_SCOMM, kind="URBAN_COMMUNITY")
        doc.rel("IN_TOWN", uid, TOWN["shiwan"])
        communities.append(uid)
    return doc, communities


def parks(counters: Counters) -> Doc:
    doc = Doc("parks", "Enterprises in the three article parks and their party branches.")
    e = 0
    for park, committee, town in PARKS:
        for _ in range(ENTERPRISES_PER_PARK):
            e += 1
            enterprise = doc.node("Enterprise", f"enterprise-park-{e:02d}", f"示例园区企业{e:02d}",
                                  f"Illustrative Park Enterprise {e:02d}", NOTE_PENT)
            doc.rel("IN_PARK", enterprise, park)
            org = doc.node("Organisation", f"org-park-enterprise-{e:02d}", f"示例园区企业{e:02d}党支部",
                           f"Illustrative Park Enterprise {e:02d} Party Branch", NOTE_PORG, kind="ENTERPRISE")
            doc.rel("ORGANISATION_OF", org, enterprise)
            doc.rel("SUBORDINATE_TO", org, committee)
            doc.rel("IN_TOWN", org, TOWN[town])
            add_members(doc, counters, org, 3, "党支部书记")
    return doc


def nanzhuang() -> tuple[Doc, list[str], list[str]]:
    doc = Doc("nanzhuang", "Nanzhuang's 18 villages, their party organisations and secretaries "
                           "(15 of them private entrepreneurs).")
    villages, orgs, e = [], [], 0
    for v in range(1, NANZHUANG_VILLAGES + 1):
        village = doc.node("Community", f"community-nanzhuang-village-{v:02d}", f"示例南庄村{v:02d}",
                           f"Illustrative Nanzhuang Village {v:02d}", NOTE_VILLAGE, kind="VILLAGE")
        doc.rel("IN_TOWN", village, TOWN["nanzhuang"])
        org = doc.node("Organisation", f"org-nanzhuang-village-{v:02d}", f"示例南庄村{v:02d}党委",
                       f"Illustrative Nanzhuang Village {v:02d} Party Committee", NOTE_VORG, kind="COMMUNITY")
        doc.rel("BASED_IN", org, village)
        doc.rel("IN_TOWN", org, TOWN["nanzhuang"])
        doc.rel("SUBORDINATE_TO", org, "org-nanzhuang-committee")
        entrepreneur = v not in NOT_ENTREPRENEUR
        secretary = doc.node("Member", f"member-nanzhuang-secretary-{v:02d}", f"示例村书记{v:02d}",
                             f"Illustrative Village Secretary {v:02d}", NOTE_VSEC,
                             role="村党委书记、民营企业家" if entrepreneur else "村党委书记")
        doc.rel("MEMBER_OF", secretary, org)
        doc.rel("SECRETARY_OF", secretary, org)
        if entrepreneur:
            e += 1
            enterprise = doc.node("Enterprise", f"enterprise-nanzhuang-{e:02d}", f"示例民营企业{e:02d}",
                                  f"Illustrative Private Enterprise {e:02d}", NOTE_VENT)
            doc.rel("RUNS", secretary, enterprise)
        villages.append(village)
        orgs.append(org)
    return doc, villages, orgs


def demands(villages: list[str], orgs: list[str]) -> Doc:
    doc = Doc("demands", "The 252 problems Nanzhuang's stationed teams collected in 2015, all resolved.")
    weighted = [c for c, (_, _, w) in CATEGORIES.items() for _ in range(w)]
    n = 0
    for village, org in zip(villages, orgs):
        for _ in range(DEMANDS_PER_VILLAGE):
            n += 1
            category = weighted[pick(len(weighted), "category", n)]
            zh, en, _ = CATEGORIES[category]
            raised = YEAR_START + dt.timedelta(days=pick(340, "raised", n))
            assigned = raised + dt.timedelta(days=pick(3, "assigned", n))
            resolved = min(assigned + dt.timedelta(days=1 + pick(21, "resolved", n)), ARTICLE_DATE)
            escalated = category in ESCALATE_TO and pick(3, "escalate", n) == 0
            resolver = ESCALATE_TO[category] if escalated else org
            uid = doc.node("Demand", f"demand-nanzhuang-{n:03d}", f"示例{zh}诉求{n:03d}",
                           f"Illustrative {en} Demand {n:03d}",
                           NOTE_DEMAND + (NOTE_ESCALATED if escalated else ()),
                           category=category, status="RESOLVED", raisedOn=raised.isoformat(),
                           assignedOn=assigned.isoformat(), resolvedOn=resolved.isoformat())
            doc.rel("RAISED_IN", uid, village)
            doc.rel("ASSIGNED_TO", uid, resolver)
            doc.rel("RESOLVED_BY", uid, resolver)
    return doc


def grids(communities: dict[str, list[str]]) -> Doc:
    doc = Doc("grids", "The 122 grids of the social governance cloud platform, with the four "
                       "departments sunk to each and the town command centre over it.")
    number = 0
    for town, count in GRID_PLAN:
        cs = communities[town]
        for i in range(count):
            number += 1
            # Spread a town's communities over its grids; each grid covers at least one.
            covers = [c for j, c in enumerate(cs) if j % count == i] or [cs[i % len(cs)]]
            grid = doc.node("Grid", f"grid-{number:03d}", f"示例网格{number:03d}",
                            f"Illustrative Grid {number:03d}", NOTE_GRID, number=number)
            doc.rel("IN_TOWN", grid, TOWN[town])
            for community in covers:
                doc.rel("COVERS", grid, community)
            for department in DEPARTMENTS:
                doc.rel("SUNK_TO", department, grid)
            doc.rel("COMMANDS", TOWN_CENTRE[town], grid)
    assert number == 122
    return doc


def programmes() -> Doc:
    doc = Doc("programmes", "Zumiao's 11 unnamed livelihood projects and 77 one-door service items; "
                            "Shiwan's 238 action projects.")
    plan = (("LIVELIHOOD_PROJECT", "zumiao", 11, "示例民生项目", "Illustrative Livelihood Project", NOTE_LIVELIHOOD, 2),
            ("SERVICE_ITEM", "zumiao", 77, "示例自然人事项", "Illustrative Service Item", NOTE_ITEM, 2),
            ("ACTION_PROJECT", "shiwan", 238, "示例行动项目", "Illustrative Action Project", NOTE_ACTION, 3))
    for kind, town, count, zh, en, note, width in plan:
        for i in range(1, count + 1):
            uid = doc.node("Programme", f"programme-{town}-{kind.lower().replace('_', '-')}-{i:03d}",
                           f"{zh}{i:0{width}d}", f"{en} {i:0{width}d}", note, kind=kind)
            doc.rel("IN_TOWN", uid, TOWN[town])
    return doc


# --------------------------------------------------------------------------- output


def scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    text = str(value)
    # Plain style when YAML reads it back unchanged (so dates, "yes", "a: b" get quoted).
    try:
        plain = text == text.strip() and "\n" not in text and yaml.safe_load(f"k: {text}") == {"k": text}
    except yaml.YAMLError:
        plain = False
    return text if plain else json.dumps(text, ensure_ascii=False)


def render(doc: Doc) -> str:
    lines = ["# Generated by seed/generate_illustrative.py; do not edit by hand, re-run the script.",
             f"# {doc.summary}",
             "# Every node here is ILLUSTRATIVE: made up to fill a count the article gives without names."]
    lines.append("nodes:")
    for label, rows in doc.nodes.items():
        lines.append(f"  {label}:")
        for row in rows:
            for i, (key, value) in enumerate(row.items()):
                lines.append(f"    {'- ' if i == 0 else '  '}{key}: {scalar(value)}")
    lines.append("relationships:")
    for rel_type, rows in doc.rels.items():
        lines.append(f"  {rel_type}:")
        lines.extend(f"    - [{start}, {end}]" for start, end in rows)
    text = "\n".join(lines) + "\n"
    assert yaml.safe_load(text) == {"nodes": doc.nodes, "relationships": doc.rels}, doc.topic
    return text


def build() -> list[Doc]:
    counters = Counters()
    zumiao_doc, zumiao_communities = zumiao(counters)
    shiwan_doc, shiwan_communities = shiwan()
    nanzhuang_doc, villages, village_orgs = nanzhuang()
    communities = {"zumiao": zumiao_communities, "shiwan": shiwan_communities,
                   "zhangcha": list(ZHANGCHA_COMMUNITIES), "nanzhuang": villages}
    return [zumiao_doc, shiwan_doc, parks(counters), nanzhuang_doc, demands(villages, village_orgs),
            grids(communities), programmes()]


def generate(out_dir: Path = OUT_DIR) -> list[Path]:
    """Write every illustrative_*.yaml into out_dir and return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for doc in build():
        path = out_dir / f"{PREFIX}{doc.topic}.yaml"
        path.write_text(render(doc), encoding="utf-8")
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="output directory (default: seed/data)")
    for path in generate(parser.parse_args().out):
        print(path)


if __name__ == "__main__":
    main()
