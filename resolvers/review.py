"""monthlyReview(town:, month:): the town committee's monthly review of the stationed-contact work
(the article: 南庄镇党委每月对全镇驻点联系工作进行问题分析和阶段小结), in one read.

For the month M of the town T (docs/visits.md):
- T's communities: those in T, or in a zone of T (the model's Community.town_via);
- demandsRaised / demandsResolved: T's demands (raised in its communities) with raisedOn /
  resolvedOn in M;
- demandsOpen: raised on or before M's last day and not resolved by then (resolvedOn after it, or
  none and not RESOLVED): the state at the month's end, whatever has happened since;
- overdue: of the open ones, those raised more than OVERDUE_DAYS days before M's last day;
  `overdueCount` counts them all, `overdue` lists the oldest `first` (default 100);
- coverage: M's visits to T's communities, their households and residents, the demands collected
  on them; the visit rate's base is the households registered in all of T's communities;
- escalations: Escalation nodes with escalatedOn in M, of T's demands: counted, by the level
  escalated to, and the first `first` listed by escalatedOn.
Errors: BAD_USER_INPUT naming `month` (not YYYY-MM), `first`; NOT_FOUND naming `town` (no such
town, or none this grant reads).
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Any

from graph.review import MonthlyReview
from resolvers.errors import bad_input, not_found
from resolvers.ids import decode_cursor, encode_cursor
from resolvers.plans import check_limit
from resolvers.statistics import graph_node, page_info
from resolvers.suppression import Cells
from resolvers.values import check_text
from resolvers.visits import release

OVERDUE_DAYS = 30
DEFAULT_LIST = 100
MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
# Counts of demands: released through the grant's Cells (resolvers/suppression.py).
REVIEW_COUNTS = ("demandsRaised", "demandsResolved", "demandsOpen", "overdueCount", "escalationCount")


def month_period(month: Any) -> tuple[str, str]:
    """The first and last day of `month` (YYYY-MM); BAD_USER_INPUT naming `month` otherwise."""
    if not isinstance(month, str) or not MONTH.fullmatch(month) or month < "0001-01":
        raise bad_input("month", "must be a month, YYYY-MM (e.g. 2015-11), got {month!r}", month=month)
    year, number = int(month[:4]), int(month[5:])
    # calendar.monthrange, not "the first of the next month − 1 day": 9999-12 has no next month.
    return dt.date(year, number, 1).isoformat(), dt.date(year, number, calendar.monthrange(year, number)[1]).isoformat()


def _days(start: str | None, end: str) -> int | None:
    try:
        return (dt.date.fromisoformat(end) - dt.date.fromisoformat(start)).days if start else None
    except ValueError:  # a stored date that is not ISO (imported data is checked, but be safe)
        return None


# A cursor of the two lists: a position in (date, uid) order, the date each list's own.
LISTS_ORDER = "monthlyReview:date,uid"


def _position(after: Any) -> tuple[str, str] | None:
    """The (date, uid) position a cursor of the review's lists stands at; BAD_USER_INPUT naming
    `after` for a cursor of anything else."""
    if after is None:
        return None
    check_text(after, "after")
    values = decode_cursor(after, LISTS_ORDER, 2) if isinstance(after, str) else None
    if not values or not all(isinstance(v, str) for v in values):
        raise bad_input("after", "invalid cursor: not one of this review's lists")
    return values[0], values[1]


def _cursor(date: str | None, uid: str) -> str:
    return encode_cursor(LISTS_ORDER, [date or "", uid])


async def monthly_review(read, town: Any, month: Any, first: int | None = None, after: Any = None) -> dict[str, Any]:
    """The review as plain data (counts exact; `release_review` applies the grant's suppression).
    `first` and `after` page the two lists (overdue, escalations) together: a cursor is a
    position in (date, uid) order, and each list continues from it."""
    check_text(town, "town")
    first_day, last_day = month_period(month)
    limit = check_limit(first, "first", DEFAULT_LIST)
    position = _position(after)
    cutoff = (dt.date.fromisoformat(last_day) - dt.timedelta(days=OVERDUE_DAYS)).isoformat()
    rows = await read(MonthlyReview(town, first_day, last_day, cutoff, limit + 1, after=position))
    if not rows:
        raise not_found("town", "no town with uid {town!r} that this grant reads", town=town)
    row = rows[0]
    registered = row["householdsRegistered"] if row["registeredCommunities"] else None
    coverage = {"visits": row["visits"], "householdsRegistered": registered,
                "householdsVisited": row["householdsVisited"], "residentsReceived": row["residentsReceived"],
                "demandsCollected": row["visitDemands"], "demandsResolved": row["visitDemandsResolved"]}
    overdue = sorted(row["overdue"], key=lambda o: (o["raisedOn"], o["demand"]["uid"]))
    escalations = sorted(row["escalations"], key=lambda e: (e["escalatedOn"], e["escalation"]["uid"]))
    pages = {
        "overduePageInfo": page_info(overdue[:limit], len(overdue) > limit, after,
                                     lambda o: _cursor(o["raisedOn"], o["demand"]["uid"])),
        "escalationsPageInfo": page_info(escalations[:limit], len(escalations) > limit, after,
                                         lambda e: _cursor(e["escalatedOn"], e["escalation"]["uid"])),
    }
    overdue, escalations = overdue[:limit], escalations[:limit]
    return {
        "town": graph_node(row["town"]), "month": month, "from": first_day, "to": last_day, **pages,
        "demandsRaised": row["raised"], "demandsResolved": row["resolved"], "demandsOpen": row["open"],
        "overdueCount": row["overdueCount"],
        "overdue": [{"demand": graph_node(o["demand"]), "raisedOn": o["raisedOn"], "status": o["status"],
                     "level": o["level"], "daysOpen": _days(o["raisedOn"], last_day)} for o in overdue],
        "coverage": coverage, "escalationCount": row["escalationCount"],
        "escalationsByLevel": sorted(({"level": g["level"], "count": g["count"]} for g in row["escalationsByLevel"]),
                                     key=lambda g: (-g["count"], str(g["level"]))),
        "escalations": [{**e, "escalation": graph_node(e["escalation"]), "demand": graph_node(e["demand"])}
                        for e in escalations],
    }


def release_review(review: dict[str, Any], cells: Cells) -> dict[str, Any]:
    """The review as the grant may see it: the counts of demands and the coverage's counts
    released like every statistic (resolvers/suppression.py)."""
    released = cells.release(review, REVIEW_COUNTS)
    released["coverage"] = release(review["coverage"], cells)
    released["escalationsByLevel"] = [{**g, "count": cells.count(g["count"])} for g in review["escalationsByLevel"]]
    return released
