"""Small-cell suppression of the research statistics, for viewers and researchers.

The counts the statistics give of people (members, village secretaries) and of residents'
demands could single someone out when small: "the one entrepreneur secretary of a village".
For a viewer or researcher grant (graph/grants.py) each such count is released as:
- null, and its field named in the object's `suppressed` list, when under k
  (`DANGJIAN_SUPPRESSION_K`, default 5; zero included: a zero shown would tell the rest apart);
- otherwise rounded to the nearest multiple of k (7 → 5, 8 → 10).

Rounding is what makes differencing useless: two released counts are both multiples of k, so no
difference between two answers (a total minus its groups, one filter minus a narrower one) is a
number between 1 and k - 1. Shares are computed from the released counts, and null when either is
withheld. Editors and admins get exact figures. Counts of organisations, zones, grids and villages
describe the network itself (the article publishes them) and are never withheld.
"""
from __future__ import annotations

from typing import Any

from graph import limits
from graph.grants import RESEARCHER, VIEWER, Grant

SUPPRESSED_ROLES = (VIEWER, RESEARCHER)

# The counts of people or demands in each statistics object, and the shares made from them.
AREA_COUNTS = ("members", "villageSecretaries", "entrepreneurSecretaries", "householdsVisited", "residentsReceived",
               "demandsCollectedOnVisits", "demandsResolvedOnVisits", "needs", "problems")
ZONE_COUNTS = ("membersReachable",)
DEMAND_COUNTS = ("collected", "resolved", "timedCount")
DEMAND_TOTAL_COUNTS = DEMAND_COUNTS + ("resolvedAtGrassroots", "resolvedWithLevel")
# Days to resolve, withheld with their base (timedCount): a median of two demands is theirs.
DEMAND_DAYS = ("medianDaysToResolve", "p90DaysToResolve")


class Cells:
    """How one grant's statistics are released: exact (k None) or suppressed and rounded."""

    def __init__(self, grant: Grant, k: int | None = None) -> None:
        self.k = (k or limits.SUPPRESSION_K) if grant.role in SUPPRESSED_ROLES else None

    def count(self, n: int | None) -> int | None:
        if self.k is None or n is None:
            return n
        if n < self.k:
            return None
        return self.k * int(n / self.k + 0.5)  # half up: 7.5 → 10 for k = 5

    def release(self, row: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
        """`row` with its `fields` released, and `suppressed` naming those withheld."""
        released = {name: self.count(row[name]) for name in fields}
        suppressed = [name for name in fields if released[name] is None and row[name] is not None]
        return {**row, **released, "suppressed": suppressed}

    @staticmethod
    def share(part: int | None, whole: int | None) -> float | None:
        return share(part, whole)


def share(part: int | None, whole: int | None) -> float | None:
    """part / whole to 4 places; None when either is unknown (withheld) or the whole is 0."""
    return round(part / whole, 4) if part is not None and whole else None


def area(row: dict[str, Any], cells: Cells) -> dict[str, Any]:
    released = cells.release(row, AREA_COUNTS)
    released["entrepreneurSecretaryShare"] = cells.share(released["entrepreneurSecretaries"],
                                                         released["villageSecretaries"])
    released["householdVisitRate"] = cells.share(released["householdsVisited"], released["householdsRegistered"])
    released["visitResolutionRate"] = cells.share(released["demandsResolvedOnVisits"],
                                                  released["demandsCollectedOnVisits"])
    return released


def zone_report(report: dict[str, Any], cells: Cells) -> dict[str, Any]:
    return {**report, "zones": [cells.release(z, ZONE_COUNTS) for z in report["zones"]]}


def demand_report(report: dict[str, Any], cells: Cells) -> dict[str, Any]:
    """The counts released, the shares made from the released counts (each group's
    `shareOfResolved`: its resolved ÷ all resolved), and the days to resolve withheld where
    their base (timedCount) is."""
    def rated(row: dict[str, Any], counts: tuple[str, ...]) -> dict[str, Any]:
        released = cells.release(row, counts)
        released["resolutionRate"] = cells.share(released["resolved"], released["collected"])
        if released["timedCount"] is None:
            withheld = [name for name in DEMAND_DAYS if row[name] is not None]
            released.update(dict.fromkeys(withheld))
            released["suppressed"] = released["suppressed"] + withheld
        return released

    top = rated(report, DEMAND_TOTAL_COUNTS)
    top["absorbedAtGrassroots"] = cells.share(top["resolvedAtGrassroots"], top["resolvedWithLevel"])
    groups = [rated(g, DEMAND_COUNTS) for g in report["groups"]]
    for group in groups:
        group["shareOfResolved"] = cells.share(group["resolved"], top["resolved"])
    return {**top, "groups": groups}
