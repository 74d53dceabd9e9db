"""An independent account of the stationed-contact visits, computed in plain Python over the seed
files (seed/loader.read_seed), never through the code under test: what visitCoverage, the town
figures of townStatistics and monthlyReview should answer."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from functools import lru_cache

from seed.loader import read_seed


class SeedVisits:
    def __init__(self) -> None:
        seed = read_seed()
        self.seed = seed
        self.nodes = {n["uid"]: n for rows in seed.nodes.values() for n in rows}
        self.visits = {n["uid"]: n for n in seed.nodes.get("Visit", [])}
        self.demands = {n["uid"]: n for n in seed.nodes.get("Demand", [])}
        rel = defaultdict(dict)  # single-valued links: rel[type][start] = end
        many = defaultdict(lambda: defaultdict(set))  # many[type][end] = {starts}
        for (_, rel_type, _), pairs in seed.relationships.items():
            for start, end in pairs:
                rel[rel_type].setdefault(start, end)
                many[rel_type][end].add(start)
        self.community_of = {v: rel["VISITED"].get(v) for v in self.visits}
        self.team_of = {v: rel["MADE_BY"].get(v) for v in self.visits}
        self.raised_during = {d: rel["RAISED_DURING"][d] for d in self.demands if d in rel["RAISED_DURING"]}
        self.demand_community = {d: rel["RAISED_IN"].get(d) for d in self.demands}
        self.town_of_community = {c: t for c, t in rel["IN_TOWN"].items() if self.label(c) == "Community"}
        self.stationed_in = defaultdict(set)
        for (source, rel_type, _), pairs in seed.relationships.items():
            if rel_type == "STATIONED_IN":
                for team, community in pairs:
                    self.stationed_in[team].add(community)
        self.relationships = seed.relationships

    def label(self, uid: str) -> str:
        return self.seed.label_of(uid)

    def registered(self, community: str) -> int | None:
        return self.nodes[community].get("householdsRegistered")

    def town_of_visit(self, visit: str) -> str | None:
        return self.town_of_community.get(self.community_of[visit])

    def demands_of(self, visits) -> list[str]:
        chosen = set(visits)
        return sorted(d for d, v in self.raised_during.items() if v in chosen)


@lru_cache(maxsize=1)
def seed_visits() -> SeedVisits:
    return SeedVisits()


def rate(part, whole):
    return round(part / whole, 4) if part is not None and whole else None


def figures(sv: SeedVisits, visits, registered) -> dict:
    demands = sv.demands_of(visits)
    resolved = sum(1 for d in demands if sv.demands[d]["status"] == "RESOLVED")
    households = sum(sv.visits[v]["householdsVisited"] for v in visits)
    return {"visits": len(visits), "householdsRegistered": registered, "householdsVisited": households,
            "visitRate": rate(households, registered),
            "residentsReceived": sum(sv.visits[v]["residentsReceived"] for v in visits),
            "demandsCollected": len(demands), "demandsResolved": resolved, "resolutionRate": rate(resolved, len(demands)),
            "suppressed": []}


def in_period(on: str, date_from: str | None, date_to: str | None) -> bool:
    return (date_from is None or on >= date_from) and (date_to is None or on <= date_to)


def expected_coverage(sv: SeedVisits, matched: set[str], date_from: str | None, date_to: str | None) -> dict:
    """visitCoverage's answer for the visits `matched` by `where`."""
    hit = [v for v in sorted(matched) if in_period(sv.visits[v]["visitedOn"], date_from, date_to)]
    scope = sorted({sv.community_of[v] for v in matched} - {None})
    teams = sorted({sv.team_of[v] for v in matched} - {None})
    known = [sv.registered(c) for c in scope if sv.registered(c) is not None]
    by_community = [{"group": c, **figures(sv, [v for v in hit if sv.community_of[v] == c], sv.registered(c))}
                    for c in scope]
    by_team = [{"group": t, **figures(sv, [v for v in hit if sv.team_of[v] == t],
                                      sum(sv.registered(c) or 0 for c in sv.stationed_in[t]))} for t in teams]
    return {"from": date_from, "to": date_to, **figures(sv, hit, sum(known) if known else None),
            "byCommunity": by_community, "byTeam": by_team}


def month_bounds(month: str) -> tuple[str, str]:
    first = dt.date.fromisoformat(month + "-01")
    following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return first.isoformat(), (following - dt.timedelta(days=1)).isoformat()


def seed_world(sv: SeedVisits) -> dict:
    """The seed's demands, visits and escalations as plain records, for expected_review; a test
    adds its own records to a copy."""
    escalates = {}
    for (_, rel_type, _), pairs in sv.relationships.items():
        if rel_type == "ESCALATES":
            escalates.update(pairs)
    return {
        "demands": {d: {**n, "community": sv.demand_community[d]} for d, n in sv.demands.items()},
        "visits": {v: {**n, "community": sv.community_of[v]} for v, n in sv.visits.items()},
        "raised_during": dict(sv.raised_during),
        "escalations": {e["uid"]: {**e, "demand": escalates.get(e["uid"])} for e in sv.seed.nodes.get("Escalation", [])},
        "registered": {c: sv.registered(c) for c in sv.town_of_community},
        "town_of_community": dict(sv.town_of_community),
    }


def expected_review(world: dict, town: str, month: str, first: int = 100) -> dict:
    """monthlyReview's answer, by the definitions in docs/visits.md, over `world`."""
    first_day, last_day = month_bounds(month)
    cutoff = (dt.date.fromisoformat(last_day) - dt.timedelta(days=30)).isoformat()
    communities = {c for c, t in world["town_of_community"].items() if t == town}
    demands = {u: d for u, d in world["demands"].items() if d["community"] in communities}

    def closed(d: dict) -> bool:
        return d.get("resolvedOn") is not None and d["resolvedOn"] <= last_day or (
            d.get("resolvedOn") is None and d.get("status") == "RESOLVED")

    open_ = {u: d for u, d in demands.items() if d.get("raisedOn") and d["raisedOn"] <= last_day and not closed(d)}
    overdue = sorted((d["raisedOn"], u) for u, d in open_.items() if d["raisedOn"] < cutoff)
    visits = [v for v, n in world["visits"].items() if n["community"] in communities
              and first_day <= n["visitedOn"] <= last_day]
    collected = [d for d, v in world["raised_during"].items() if v in set(visits)]
    known = [world["registered"][c] for c in communities if world["registered"].get(c) is not None]
    registered = sum(known) if known else None
    households = sum(world["visits"][v]["householdsVisited"] for v in visits)
    resolved_on_visits = sum(1 for d in collected if world["demands"][d]["status"] == "RESOLVED")
    escalations = sorted((e["escalatedOn"], u) for u, e in world["escalations"].items()
                         if e["demand"] in demands and first_day <= e["escalatedOn"] <= last_day)
    levels: dict[str, int] = defaultdict(int)
    for _, u in escalations:
        levels[world["escalations"][u]["toLevel"]] += 1
    return {
        "town": {"uid": town}, "month": month, "from": first_day, "to": last_day,
        "demandsRaised": sum(1 for d in demands.values() if first_day <= (d.get("raisedOn") or "") <= last_day),
        "demandsResolved": sum(1 for d in demands.values() if first_day <= (d.get("resolvedOn") or "") <= last_day),
        "demandsOpen": len(open_), "overdueCount": len(overdue),
        "overdue": [{"demand": {"uid": u}, "raisedOn": on,
                     "daysOpen": (dt.date.fromisoformat(last_day) - dt.date.fromisoformat(on)).days,
                     "status": demands[u]["status"], "level": demands[u].get("level")} for on, u in overdue[:first]],
        "coverage": {"visits": len(visits), "householdsRegistered": registered, "householdsVisited": households,
                     "visitRate": rate(households, registered),
                     "residentsReceived": sum(world["visits"][v]["residentsReceived"] for v in visits),
                     "demandsCollected": len(collected), "demandsResolved": resolved_on_visits,
                     "resolutionRate": rate(resolved_on_visits, len(collected)), "suppressed": []},
        "escalationCount": len(escalations),
        "escalationsByLevel": sorted(({"level": k, "count": n} for k, n in levels.items()),
                                     key=lambda g: (-g["count"], g["level"])),
        "escalations": [{"escalation": {"uid": u}, "demand": {"uid": world["escalations"][u]["demand"]},
                         "fromLevel": world["escalations"][u]["fromLevel"], "toLevel": world["escalations"][u]["toLevel"],
                         "escalatedOn": on} for on, u in escalations[:first]],
        "suppressed": [],
    }
