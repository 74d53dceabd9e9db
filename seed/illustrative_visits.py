"""Nanzhuang's stationed-contact teams (驻点联系团队) and their visits through 2015.

The article gives the town's figures for the year and nothing else: 3,719 residents received,
nearly 30,000 households visited (stored as 30,000), a visit rate of 94.4%, 252 problems
collected, all resolved. The illustrative teams and visits here add up to exactly those figures:
- 6 teams, each stationed in 3 of the 18 illustrative villages, each with 4 illustrative members
  (uids member-nanzhuang-stationed-NN: a prefix of their own, unique graph-wide), members of the
  town committee (the article: town leaders and staff are stationed in the villages);
- 24 visits per village, every 15 days from 2015-01-03 (before the first problem was raised),
  each made by the village's team; a village's households visited (first visits that year) sum
  to its registered households less a share of the town's 1,780 unvisited ones, so no village
  passes 100% and the 18 sum to 30,000 of 31,780 (94.4%); residents received sum to 3,719;
- each of the 252 problems (seed/illustrative_towns.demands) RAISED_DURING the latest visit to its
  own village made on or before the day it was raised.
Every split is a pure function of its index (pick, SHA-256), as for the rest of the seed.
"""
from __future__ import annotations

import datetime as dt

from seed.illustrative_common import TOWN, Doc, pick
from seed.illustrative_towns import HOUSEHOLDS_REGISTERED, NANZHUANG_VILLAGES, village_households

HOUSEHOLDS_VISITED = 30_000  # "走访入户近3万户": the article's "nearly 30,000", stored as 30,000
RESIDENTS_RECEIVED = 3_719
TEAMS = 6
VILLAGES_PER_TEAM = 3
MEMBERS_PER_TEAM = 4
VISITS_PER_VILLAGE = 24
FIRST_VISIT = dt.date(2015, 1, 3)
VISIT_EVERY = dt.timedelta(days=15)  # the 24th visit is on 2015-12-14

NOTE_TEAM = ("示例：文章称南庄镇领导、干部驻点联系各村，未列团队名称",
             "Illustrative: the article says Nanzhuang's leaders and staff are stationed in the villages, "
             "without naming the teams.")
NOTE_TEAM_MEMBER = ("示例：驻点联系团队成员，文章未具名", "Illustrative: a stationed-contact team member; the article names none.")
NOTE_VISIT = ("示例：文章称南庄接访群众3719人、走访入户近3万户、入户率94.4%，未列具体走访",
              "Illustrative: the article counts 3,719 residents received and nearly 30,000 households visited "
              "(94.4%) in Nanzhuang, without listing the visits.")


def split(total: int, weights: list[int]) -> list[int]:
    """`total` shared in proportion to `weights` (largest remainder, ties to the lower index): the
    parts are whole numbers that sum to `total` exactly."""
    whole = sum(weights)
    parts = [total * w // whole for w in weights]
    order = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % whole), i))
    for i in order[:total - sum(parts)]:
        parts[i] += 1
    return parts


def village_figures() -> list[tuple[int, int, int]]:
    """Per village (1-based order): (registered, visited, received) households and residents."""
    registered = [village_households(v) for v in range(1, NANZHUANG_VILLAGES + 1)]
    # The town's unvisited households, shared by size and a stable factor (1 to 9) per village.
    unvisited = split(HOUSEHOLDS_REGISTERED - HOUSEHOLDS_VISITED,
                      [h * (1 + pick(9, "unvisited", v)) for v, h in enumerate(registered, 1)])
    received = split(RESIDENTS_RECEIVED, [1 + pick(9, "received", v) for v in range(1, len(registered) + 1)])
    return [(h, h - u, r) for h, u, r in zip(registered, unvisited, received)]


def visit_date(k: int) -> dt.date:
    """The date of a village's k-th visit (1-based)."""
    return FIRST_VISIT + (k - 1) * VISIT_EVERY


def visits(villages: list[str], demands: Doc) -> Doc:
    """The teams, their members and visits; and the RAISED_DURING link of every Nanzhuang demand in
    `demands` (the Doc seed/illustrative_towns.demands made) to a visit of its own village."""
    assert len(villages) == NANZHUANG_VILLAGES == TEAMS * VILLAGES_PER_TEAM
    doc = Doc("visits", "Nanzhuang's 6 stationed-contact teams and their 432 visits in 2015: 30,000 households "
                        "visited of 31,780 registered (94.4%), 3,719 residents received, the 252 problems collected.")
    team_of: dict[str, str] = {}
    for t in range(1, TEAMS + 1):
        team = doc.node("StationedTeam", f"stationed-team-nanzhuang-{t:02d}", f"示例南庄驻点联系团队{t:02d}",
                        f"Illustrative Nanzhuang Stationed-Contact Team {t:02d}", NOTE_TEAM)
        doc.rel("IN_TOWN", team, TOWN["nanzhuang"])
        for village in villages[(t - 1) * VILLAGES_PER_TEAM:t * VILLAGES_PER_TEAM]:
            doc.rel("STATIONED_IN", team, village)
            team_of[village] = team
        for m in range(1, MEMBERS_PER_TEAM + 1):
            n = (t - 1) * MEMBERS_PER_TEAM + m
            member = doc.node("Member", f"member-nanzhuang-stationed-{n:02d}", f"示例驻点队员{n:02d}",
                              f"Illustrative Stationed Team Member {n:02d}", NOTE_TEAM_MEMBER,
                              role="驻点联系团队队长" if m == 1 else "驻点联系团队队员")
            doc.rel("MEMBER_OF", member, "org-nanzhuang-committee")
            doc.rel("IN_TEAM", member, team)
    visit_dates: dict[str, list[tuple[str, str]]] = {}
    for v, (village, (_, visited, received)) in enumerate(zip(villages, village_figures()), 1):
        households = split(visited, [1 + pick(9, "households", v, k) for k in range(1, VISITS_PER_VILLAGE + 1)])
        residents = split(received, [1 + pick(9, "residents", v, k) for k in range(1, VISITS_PER_VILLAGE + 1)])
        for k in range(1, VISITS_PER_VILLAGE + 1):
            on = visit_date(k).isoformat()
            visit = doc.node("Visit", f"visit-nanzhuang-{v:02d}-{k:02d}", f"示例南庄村{v:02d}走访{k:02d}",
                             f"Illustrative Visit {k:02d} to Nanzhuang Village {v:02d}", NOTE_VISIT,
                             visitedOn=on, householdsVisited=households[k - 1], residentsReceived=residents[k - 1])
            doc.rel("MADE_BY", visit, team_of[village])
            doc.rel("VISITED", visit, village)
            visit_dates.setdefault(village, []).append((on, visit))
    raised_in = dict(demands.rels["RAISED_IN"])
    for demand in demands.nodes["Demand"]:
        made = [uid for on, uid in visit_dates[raised_in[demand["uid"]]] if on <= demand["raisedOn"]]
        doc.rel("RAISED_DURING", demand["uid"], made[-1])  # the latest visit before it was raised
    return doc
