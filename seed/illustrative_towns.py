"""Shiwan, the parks, Nanzhuang's villages and demands, the grids and the programmes."""
from __future__ import annotations

import datetime as dt

from seed.illustrative_common import DEPARTMENTS, TOWN, TOWN_CENTRE, Counters, Doc, add_members, pick

NANZHUANG_VILLAGES = 18
NOT_ENTREPRENEUR = (4, 11, 17)  # the 3 of 18 village secretaries who run no enterprise
DEMANDS_PER_VILLAGE = 14  # 18 * 14 = 252
# Households registered in the 18 villages: 30,000 visited of 31,780 is the article's 94.4%.
HOUSEHOLDS_REGISTERED = 31_780
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
                           f"Illustrative Nanzhuang Village {v:02d}", NOTE_VILLAGE, kind="VILLAGE",
                           householdsRegistered=village_households(v))
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


def village_households(v: int) -> int:
    """Village v's registered households (1-based): 1,500 to 2,099, the last making up the total."""
    if v < NANZHUANG_VILLAGES:
        return 1500 + pick(600, "households", v)
    return HOUSEHOLDS_REGISTERED - sum(village_households(k) for k in range(1, NANZHUANG_VILLAGES))


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
                           category=category, kind="PROBLEM", status="RESOLVED",
                           level="X" if escalated else "LEAD", resolvedLevel="X" if escalated else "LEAD",
                           raisedOn=raised.isoformat(),
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
    # Shiwan's 238 action projects are ActionProject nodes (seed/illustrative_lists.py).
    doc = Doc("programmes", "Zumiao's 11 unnamed livelihood projects and 77 one-door service items.")
    plan = (("LIVELIHOOD_PROJECT", "zumiao", 11, "示例民生项目", "Illustrative Livelihood Project", NOTE_LIVELIHOOD, 2),
            ("SERVICE_ITEM", "zumiao", 77, "示例自然人事项", "Illustrative Service Item", NOTE_ITEM, 2))
    for kind, town, count, zh, en, note, width in plan:
        for i in range(1, count + 1):
            uid = doc.node("Programme", f"programme-{town}-{kind.lower().replace('_', '-')}-{i:03d}",
                           f"{zh}{i:0{width}d}", f"{en} {i:0{width}d}", note, kind=kind)
            doc.rel("IN_TOWN", uid, TOWN[town])
    return doc
