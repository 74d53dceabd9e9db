"""Shiwan's "four lists" (四个清单), made up to the article's sizes: needs and problems (600+),
resources and service teams (400+), and the 238 action (activity) projects made from them.

The article gives the counts only; every node here is ILLUSTRATIVE with an obviously made-up name.
Each Shiwan community gets a community party organisation (its "1" at community level: Shiwan
has no zones in this seed), which takes and resolves its demands; demands of the categories in
ESCALATE_TO are sometimes taken by the sunk department ("X") instead.

Sizes: SHIWAN_DEMANDS demands (kind NEED or PROBLEM), SHIWAN_RESOURCES resources and
SHIWAN_TEAMS service teams (coverage COMMUNITY, TOWN or DISTRICT, with the matching SERVES_AREA
link, none for DISTRICT), ACTION_PROJECTS action projects (IN_TOWN Shiwan, addressing 1 or 2
demands and using 1 or 2 of the demands' candidates). Every choice is `pick()`: deterministic.
"""
from __future__ import annotations

import datetime as dt

from seed.illustrative_common import DEPARTMENTS, TOWN, Doc, pick
from seed.illustrative_towns import ARTICLE_DATE, CATEGORIES, ESCALATE_TO, YEAR_START

SHIWAN_DEMANDS = 620  # "needs and problems: 600+"
SHIWAN_RESOURCES = 300
SHIWAN_TEAMS = 110  # resources and teams: 410, "400+"
ACTION_PROJECTS = 238
SHIWAN_COMMITTEE = "org-shiwan-committee"
SHIWAN_PARK_COMMITTEE = "org-software-park-committee"
SHIWAN_ENTERPRISES = ("enterprise-park-07", "enterprise-park-08", "enterprise-park-09")  # in park-software
RESOURCE_KINDS = {"VENUE": ("场地", "Venue"), "FUNDS": ("资金", "Funds"), "EXPERTISE": ("专业", "Expertise"),
                  "EQUIPMENT": ("设备", "Equipment"), "VOLUNTEER_HOURS": ("志愿时数", "Volunteer Hours")}
# Coverage weights: most resources serve one community or the whole town; a few the district.
COVERAGE = ("COMMUNITY",) * 5 + ("TOWN",) * 4 + ("DISTRICT",)
LAST_DAY = dt.date(2015, 12, 31)

NOTE_CORG = ("示例：文章未列石湾社区党组织，此为使“四个清单”匹配有社区一级的“1”",
             'Illustrative: the article names no Shiwan community party organisations; one per community '
             'gives matching its "1".')
NOTE_NEED = ("示例：文章称石湾需求、问题清单600余条，未列具体条目",
             "Illustrative: the article counts 600+ Shiwan needs and problems without listing them.")
NOTE_RESOURCE = ("示例：文章称石湾资源、服务团队清单400余项，未列具体条目",
                 "Illustrative: the article counts 400+ Shiwan resources and service teams without listing them.")
NOTE_ACTION = ("示例：文章称石湾制定行动（活动）项目238项，未列名",
               "Illustrative: the article counts 238 Shiwan action projects without naming them.")


def community_organisations(doc: Doc, communities: list[str]) -> list[str]:
    """One COMMUNITY party organisation per Shiwan community, BASED_IN it, IN_TOWN Shiwan."""
    orgs = []
    for i, community in enumerate(communities, 1):
        org = doc.node("Organisation", f"org-shiwan-community-{i:02d}", f"示例石湾社区{i:02d}党委",
                       f"Illustrative Shiwan Community {i:02d} Party Committee", NOTE_CORG, kind="COMMUNITY")
        doc.rel("BASED_IN", org, community)
        doc.rel("IN_TOWN", org, TOWN["shiwan"])
        doc.rel("SUBORDINATE_TO", org, SHIWAN_COMMITTEE)
        orgs.append(org)
    return orgs


def _day(offset: int) -> dt.date:
    return min(YEAR_START + dt.timedelta(days=offset), ARTICLE_DATE)


def shiwan_demands(doc: Doc, communities: list[str], orgs: list[str]) -> list[dict]:
    """SHIWAN_DEMANDS demands: about half resolved, a quarter assigned, a quarter raised.
    Returns {uid, community, category, status, raisedOn} per demand, in uid order."""
    weighted = [c for c, (_, _, w) in CATEGORIES.items() for _ in range(w)]
    made = []
    for n in range(1, SHIWAN_DEMANDS + 1):
        c = pick(len(communities), "sw-community", n)
        category = weighted[pick(len(weighted), "sw-category", n)]
        kind = "NEED" if pick(20, "sw-kind", n) < 11 else "PROBLEM"
        zh, en, _ = CATEGORIES[category]
        status = ("RESOLVED", "RESOLVED", "ASSIGNED", "RAISED")[pick(4, "sw-status", n)]
        raised = _day(pick(330, "sw-raised", n))
        assigned = min(raised + dt.timedelta(days=pick(4, "sw-assigned", n)), ARTICLE_DATE)
        resolved = min(assigned + dt.timedelta(days=1 + pick(30, "sw-resolved", n)), ARTICLE_DATE)
        escalated = category in ESCALATE_TO and pick(3, "sw-escalate", n) == 0
        taker = ESCALATE_TO[category] if escalated else orgs[c]
        level = "X" if escalated and status != "RAISED" else "LEAD"
        props: dict = {"category": category, "kind": kind, "status": status, "level": level,
                       "raisedOn": raised.isoformat()}
        if status != "RAISED":
            props["assignedOn"] = assigned.isoformat()
        if status == "RESOLVED":
            props["resolvedOn"] = resolved.isoformat()
            props["resolvedLevel"] = level
        list_zh, list_en = ("需求", "Need") if kind == "NEED" else ("问题", "Problem")
        uid = doc.node("Demand", f"demand-shiwan-{n:03d}", f"示例石湾{zh}{list_zh}{n:03d}",
                       f"Illustrative Shiwan {en} {list_en} {n:03d}", NOTE_NEED, **props)
        doc.rel("RAISED_IN", uid, communities[c])
        if status != "RAISED":
            doc.rel("ASSIGNED_TO", uid, taker)
        if status == "RESOLVED":
            doc.rel("RESOLVED_BY", uid, taker)
        made.append({"uid": uid, "community": communities[c], "category": category, "status": status,
                     "raisedOn": raised})
    return made


def _categories(key: str, n: int) -> list[str]:
    """One to three distinct categories, in the model's order."""
    names = list(CATEGORIES)
    count = 1 + pick(3, key, "count", n)
    chosen = {names[pick(len(names), key, "cat", n, k)] for k in range(count)}
    return [c for c in names if c in chosen]


def _place(doc: Doc, uid: str, key: str, n: int, communities: list[str], home: str | None) -> dict:
    """Coverage and its SERVES_AREA link; returns {coverage, area} (area None for DISTRICT)."""
    coverage = COVERAGE[pick(len(COVERAGE), key, "coverage", n)]
    area = None
    if coverage == "COMMUNITY":
        area = home or communities[pick(len(communities), key, "community", n)]
    elif coverage == "TOWN":
        area = TOWN["shiwan"]
    if area is not None:
        doc.rel("SERVES_AREA", uid, area)
    return {"coverage": coverage, "area": area}


def resources_and_teams(doc: Doc, communities: list[str], orgs: list[str]) -> list[dict]:
    """SHIWAN_RESOURCES resources (offered by a community organisation, the town or park
    committee, a park enterprise or a sunk department) and SHIWAN_TEAMS service teams (of a
    community organisation or the town committee). Returns {uid, categories, area} of each."""
    providers = [*orgs, *orgs, SHIWAN_COMMITTEE, SHIWAN_PARK_COMMITTEE, *SHIWAN_ENTERPRISES, *DEPARTMENTS]
    made = []
    for n in range(1, SHIWAN_RESOURCES + 1):
        provider = providers[pick(len(providers), "sw-provider", n)]
        kind = list(RESOURCE_KINDS)[pick(len(RESOURCE_KINDS), "sw-kind-r", n)]
        zh, en = RESOURCE_KINDS[kind]
        uid = f"resource-shiwan-{n:03d}"
        categories = _categories("sw-r", n)
        home = communities[orgs.index(provider)] if provider in orgs else None
        doc.node("Resource", uid, f"示例石湾{zh}资源{n:03d}", f"Illustrative Shiwan {en} Resource {n:03d}",
                 NOTE_RESOURCE, kind=kind, categories=categories, coverage="", capacity=1 + pick(6, "sw-cap-r", n))
        place = _place(doc, uid, "sw-r", n, communities, home)
        doc.nodes["Resource"][-1]["coverage"] = place["coverage"]
        doc.rel("OFFERS", provider, uid)
        made.append({"uid": uid, "categories": categories, "area": place["area"]})
    team_orgs = [*orgs, SHIWAN_COMMITTEE]
    for n in range(1, SHIWAN_TEAMS + 1):
        org = team_orgs[pick(len(team_orgs), "sw-team-org", n)]
        uid = f"team-shiwan-{n:03d}"
        categories = _categories("sw-t", n)
        home = communities[orgs.index(org)] if org in orgs else None
        doc.node("ServiceTeam", uid, f"示例石湾服务团队{n:03d}", f"Illustrative Shiwan Service Team {n:03d}",
                 NOTE_RESOURCE, categories=categories, coverage="", capacity=1 + pick(5, "sw-cap-t", n))
        place = _place(doc, uid, "sw-t", n, communities, home)
        doc.nodes["ServiceTeam"][-1]["coverage"] = place["coverage"]
        doc.rel("TEAM_OF", uid, org)
        made.append({"uid": uid, "categories": categories, "area": place["area"]})
    return made


def action_projects(doc: Doc, demands: list[dict], offers: list[dict]) -> None:
    """ACTION_PROJECTS projects over a fixed shuffle of the demands: each addresses one demand
    (and, one time in three, another of the same community and category), uses 1 or 2 of its
    candidates (category and place fit), and takes its status from the demand's: RESOLVED →
    COMPLETED, ASSIGNED → ACTIVE, RAISED → PLANNED."""
    order = sorted(demands, key=lambda d: (pick(1 << 30, "sw-ap-order", d["uid"]), d["uid"]))
    addressed: set[str] = set()
    status_of = {"RESOLVED": "COMPLETED", "ASSIGNED": "ACTIVE", "RAISED": "PLANNED"}
    chosen = order[:ACTION_PROJECTS]
    addressed.update(d["uid"] for d in chosen)
    for i, demand in enumerate(chosen, 1):
        uid = doc.node("ActionProject", f"action-project-shiwan-{i:03d}", f"示例行动项目{i:03d}",
                       f"Illustrative Action Project {i:03d}", NOTE_ACTION,
                       status=status_of[demand["status"]], **_dates(i, demand))
        doc.rel("IN_TOWN", uid, TOWN["shiwan"])
        doc.rel("ADDRESSES", uid, demand["uid"])
        if pick(3, "sw-ap-second", i) == 0:
            other = next((d for d in order if d["uid"] not in addressed and d["community"] == demand["community"]
                          and d["category"] == demand["category"]), None)
            if other is not None:
                addressed.add(other["uid"])
                doc.rel("ADDRESSES", uid, other["uid"])
        places = {demand["community"], TOWN["shiwan"], None}
        candidates = [o for o in offers if demand["category"] in o["categories"] and o["area"] in places]
        for k in range(min(len(candidates), 1 + pick(2, "sw-ap-uses", i))):
            used = candidates[pick(len(candidates), "sw-ap-use", i, k)]
            if [uid, used["uid"]] not in doc.rels.get("USES", []):
                doc.rel("USES", uid, used["uid"])


def _dates(i: int, demand: dict) -> dict:
    starts = min(demand["raisedOn"] + dt.timedelta(days=1 + pick(10, "sw-ap-start", i)), LAST_DAY)
    ends = min(starts + dt.timedelta(days=14 + pick(90, "sw-ap-end", i)), LAST_DAY)
    return {"startsOn": starts.isoformat(), "endsOn": ends.isoformat()}


def lists(communities: list[str]) -> Doc:
    """The whole file: illustrative_lists.yaml."""
    doc = Doc("lists", "Shiwan's four lists: 620 needs and problems, 300 resources and 110 service teams, "
                       "and the 238 action projects made from them; one party organisation per community.")
    orgs = community_organisations(doc, communities)
    demands = shiwan_demands(doc, communities, orgs)
    offers = resources_and_teams(doc, communities, orgs)
    action_projects(doc, demands, offers)
    return doc
