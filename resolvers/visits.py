"""visitCoverage: households visited against households registered, residents received and the
demands collected on the stationed-contact visits, in total, by community and by team. One read.

The visit rate's base (docs/visits.md):
- a community's: its own householdsRegistered;
- the total's: the householdsRegistered summed over the communities in scope, which are every
  community a visit matching `where` was made to, on any date: so "each community's rate last
  month" lists every community the teams visit, those not visited last month at 0;
- a team's: the householdsRegistered summed over the communities it is stationed in.
householdsVisited counts households visited for the first time that year (Visit.householdsVisited),
so within a year the rate is the share of households reached; over longer periods it can pass 1.
A base of 0 or unknown gives a null rate. Demands are those RAISED_DURING the visits of the period,
and `resolved` those whose status is RESOLVED now.
"""
from __future__ import annotations

from typing import Any

from graph.model import TYPES
from graph.visits import VisitCoverage
from resolvers.errors import bad_input
from resolvers.plans import build_filter
from resolvers.statistics import graph_node, one_row
from resolvers.suppression import Cells
from resolvers.values import check_prop_value

VISITED_ON = TYPES["Visit"].prop("visitedOn")
# Each figure and the key of the statement's groups that holds it.
_ROW_NAMES = {"visits": "visits", "householdsVisited": "households", "residentsReceived": "residents",
              "demandsCollected": "demands", "demandsResolved": "resolved"}


def check_period(date_from: str | None, date_to: str | None) -> None:
    """BAD_USER_INPUT naming `from` or `to` unless each is an ISO date (YYYY-MM-DD) and from ≤ to."""
    for value, path in ((date_from, "from"), (date_to, "to")):
        if value is not None:
            check_prop_value(VISITED_ON, value, path)
    if date_from is not None and date_to is not None and date_from > date_to:
        raise bad_input("to", "{date_to} is before from ({date_from}); give a period from ≤ to",
                        date_to=date_to, date_from=date_from)


def figures(group: dict[str, Any] | None, registered: int | None) -> dict[str, Any]:
    """One group's figures (zeros for no visits in the period) and its base; `release` adds the rates."""
    row = {name: (group or {}).get(key) or 0 for name, key in _ROW_NAMES.items()}
    return {**row, "householdsRegistered": registered}


def visit_report(communities: list[dict], teams: list[dict], by_community: list[dict],
                 by_team: list[dict]) -> dict[str, Any]:
    """The rows of a VisitCoverage read as the report: totals (the groups summed), `byCommunity`
    (the scope, by uid; visits without a community last, as `group` null) and `byTeam` (alike)."""
    community_groups = {g["key"]: g for g in by_community}
    team_groups = {g["key"]: g for g in by_team}
    registered = [c["registered"] for c in communities if c["registered"] is not None]
    totals = figures({key: sum(g[key] for g in by_community) for key in _ROW_NAMES.values()},
                     sum(registered) if registered else None)

    def entries(scope: list[dict], field: str, groups: dict) -> list[dict[str, Any]]:
        listed = [{"group": graph_node(s[field]), **figures(groups.get(s[field]["uid"]), s["registered"])}
                  for s in sorted(scope, key=lambda s: s[field]["uid"])]
        if None in groups:  # visits with no community (or team): counted in the totals, named here
            listed.append({"group": None, **figures(groups[None], None)})
        return listed

    return {**totals, "byCommunity": entries(communities, "community", community_groups),
            "byTeam": entries(teams, "team", team_groups)}


async def visit_coverage(read, where: dict | None, date_from: str | None, date_to: str | None) -> dict[str, Any]:
    """Coverage of the visits matching `where` made from `date_from` to `date_to` (inclusive).
    Raises BAD_USER_INPUT naming `from`, `to` or the `where` path; reads once."""
    check_period(date_from, date_to)
    plan = VisitCoverage(build_filter(TYPES["Visit"], where, "where"), date_from, date_to)
    row = one_row(await read(plan), communities=[], teams=[], byCommunity=[], byTeam=[])
    report = visit_report(row["communities"], row["teams"], row["byCommunity"], row["byTeam"])
    return {"from": date_from, "to": date_to, **report}


# Counts of households, residents and their demands: small ones could single someone out.
VISIT_COUNTS = ("householdsVisited", "residentsReceived", "demandsCollected", "demandsResolved")


def release(row: dict[str, Any], cells: Cells) -> dict[str, Any]:
    """A group's figures as the grant may see them (resolvers/suppression.py), with the rates
    computed from the released counts: visitRate = householdsVisited / householdsRegistered,
    resolutionRate = demandsResolved / demandsCollected (0–1, 4 places; null without a base)."""
    released = cells.release(row, VISIT_COUNTS)
    released["visitRate"] = cells.share(released["householdsVisited"], released["householdsRegistered"])
    released["resolutionRate"] = cells.share(released["demandsResolved"], released["demandsCollected"])
    return released


def release_report(report: dict[str, Any], cells: Cells) -> dict[str, Any]:
    return {**release(report, cells), "byCommunity": [release(g, cells) for g in report["byCommunity"]],
            "byTeam": [release(g, cells) for g in report["byTeam"]]}
