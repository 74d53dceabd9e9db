"""demandStatistics' figures from its rows (graph/statistics.py DemandStatistics): counts per group,
time to resolve, the share resolved at each level, and series by MONTH or WEEK.

Which demands count, with a date range `from`..`to` (ISO dates, inclusive) or without one:
- `collected`: demands raised (raisedOn) in the range; without a range, every demand matched;
- `resolved`: demands RESOLVED whose resolvedOn is in the range; without a range, every RESOLVED
  demand. So within a range `resolutionRate` is a flow (resolved in it ÷ raised in it), which can
  pass 1; without one, it is the share of the demands resolved;
- days to resolve: resolvedOn − raisedOn in whole days, for the resolved demands counted that have
  both dates (`timedCount`). `medianDaysToResolve` and `p90DaysToResolve` are nearest-rank
  percentiles: the value at rank ⌈p·n⌉ of the n sorted days (1-based), so always a real day count
  (the median of an even count is the lower middle value). Null with no timed demand.
Groups MONTH ("2015-03") and WEEK (ISO week, "2015-W11"): a demand is collected in the period of
its raisedOn and resolved (with its days) in the period of its resolvedOn; every period from the
first to the last is listed, empty ones with zeros; a demand missing the date is `unassigned`.
LEVEL groups by resolvedLevel; `resolvedAtGrassroots` counts those resolved at LEAD or N (消化在基层:
inside the community and its zone), `resolvedWithLevel` those resolved at any recorded level.
"""
from __future__ import annotations

import calendar
import datetime as dt
import math
import re
from collections import defaultdict
from typing import Any

from graph.model_work import ESCALATION_LEVELS
from graph.statistics import PERIOD_GROUPS
from resolvers.errors import bad_input

GRASSROOTS = ("LEAD", "N")  # the community's committee or the zone's lead, and the zone's own organisations
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_PERIODS = 5000  # periods a series lists at most (over 400 years by MONTH, 95 by WEEK)


def check_date(value: str | None, argument: str) -> str | None:
    """`value` if it is an ISO date (YYYY-MM-DD, a real day), else BAD_USER_INPUT naming `argument`."""
    if value is None:
        return None
    try:
        if not isinstance(value, str) or not ISO_DATE.match(value):
            raise ValueError
        dt.date.fromisoformat(value)
    except ValueError:
        raise bad_input(argument, "{value!r} is not an ISO date (YYYY-MM-DD)", value=value) from None
    return value


def check_range(from_date: str | None, to_date: str | None) -> tuple[str | None, str | None]:
    """Both ends checked; `to` before `from` is BAD_USER_INPUT naming `to`."""
    check_date(from_date, "from")
    check_date(to_date, "to")
    if from_date is not None and to_date is not None and to_date < from_date:
        raise bad_input("to", "{to_date} is before from ({from_date}); the range is inclusive at both ends",
                        to_date=to_date, from_date=from_date)
    return from_date, to_date


def nearest_rank(days: list[int], p: float) -> int | None:
    """The nearest-rank p-th percentile (0 < p ≤ 1) of `days`: the ⌈p·n⌉-th smallest; None for none."""
    if not days:
        return None
    ordered = sorted(days)
    return ordered[max(math.ceil(p * len(ordered)), 1) - 1]


def _date(text: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if isinstance(text, str) and ISO_DATE.match(text) else None
    except ValueError:
        return None


def period_of(group_by: str, day: dt.date) -> str:
    if group_by == "MONTH":
        return f"{day.year:04d}-{day.month:02d}"
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def period_bounds(group_by: str, key: str) -> tuple[dt.date, dt.date]:
    """The first and last day of a period key."""
    if group_by == "MONTH":
        year, month = int(key[:4]), int(key[5:7])
        # calendar.monthrange, not "the next month's first day − 1": 9999-12 has no next month.
        return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])
    start = dt.date.fromisocalendar(int(key[:4]), int(key[6:8]), 1)
    # 9999's last ISO week ends in year 10000, which Python's dates do not reach: end at 9999-12-31.
    return start, dt.date.max if start > dt.date.max - dt.timedelta(days=6) else start + dt.timedelta(days=6)


def _periods(group_by: str, first: str, last: str) -> list[str]:
    """Every period key from `first` to `last`; BAD_USER_INPUT naming `groupBy` beyond MAX_PERIODS
    (dates centuries apart would otherwise list hundreds of thousands of empty periods)."""
    keys, day = [], period_bounds(group_by, first)[0]
    while True:
        key = period_of(group_by, day)
        keys.append(key)
        if len(keys) > MAX_PERIODS:
            raise bad_input("groupBy", "the demands span more than {MAX_PERIODS} periods by {group_by} ({first} to "
                                       "{last}); narrow them with from and to", MAX_PERIODS=MAX_PERIODS,
                            group_by=group_by, first=first, last=last)
        if key >= last:
            return keys
        day = period_bounds(group_by, key)[1] + dt.timedelta(days=1)


class _Tally:
    def __init__(self) -> None:
        self.name: str | None = None
        self.collected = 0
        self.resolved = 0
        self.days: list[int] = []


def _inside(day: str | None, from_date: str | None, to_date: str | None) -> bool:
    if from_date is None and to_date is None:
        return True
    return day is not None and (from_date is None or day >= from_date) and (to_date is None or day <= to_date)


def tally(rows: list[dict[str, Any]], group_by: str, from_date: str | None, to_date: str | None
          ) -> tuple[dict[str | None, _Tally], _Tally, dict[str, int]]:
    """Per group key (None: no group), the whole, and {resolvedAtGrassroots, resolvedWithLevel}."""
    periods = group_by in PERIOD_GROUPS
    groups: dict[str | None, _Tally] = defaultdict(_Tally)
    whole, levels = _Tally(), {"resolvedAtGrassroots": 0, "resolvedWithLevel": 0}
    for row in rows:
        n, raised, resolved = row["n"], row["raisedOn"], row["resolvedOn"]
        raised_day, resolved_day = _date(raised), _date(resolved)
        if _inside(raised, from_date, to_date):
            key = (period_of(group_by, raised_day) if raised_day else None) if periods else row["key"]
            groups[key].collected += n
            groups[key].name = row["name"]
            whole.collected += n
        if row["done"] and _inside(resolved, from_date, to_date):
            key = (period_of(group_by, resolved_day) if resolved_day else None) if periods else row["key"]
            groups[key].resolved += n
            groups[key].name = row["name"]
            whole.resolved += n
            if raised_day and resolved_day:
                days = [(resolved_day - raised_day).days] * n
                groups[key].days += days
                whole.days += days
            if row["level"] is not None:
                levels["resolvedWithLevel"] += n
                levels["resolvedAtGrassroots"] += n if row["level"] in GRASSROOTS else 0
    if periods:
        known = sorted(k for k in groups if k is not None)
        for key in _periods(group_by, known[0], known[-1]) if known else []:
            groups[key]  # an empty period is listed, with zeros
    return groups, whole, levels


def figures(t: _Tally) -> dict[str, Any]:
    return {"collected": t.collected, "resolved": t.resolved, "timedCount": len(t.days),
            "medianDaysToResolve": nearest_rank(t.days, 0.5), "p90DaysToResolve": nearest_rank(t.days, 0.9)}


def group_order(group_by: str):
    """How groups are listed: periods in time order; levels lowest first; others most collected
    first, then by key. The group of demands with none comes last (periods, levels)."""
    if group_by in PERIOD_GROUPS:
        return lambda g: (g["unassigned"], g["key"])
    if group_by == "LEVEL":
        rank = {level: i for i, level in enumerate(ESCALATION_LEVELS)}
        return lambda g: (g["unassigned"], rank.get(g["key"], len(rank)), g["key"])
    return lambda g: (-g["collected"], g["key"], g["unassigned"])
