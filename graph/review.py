"""The town committee's monthly review (每月对全镇驻点联系工作进行问题分析和阶段小结) as a plan
(graph/cypher/review.py renders it as one statement)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MonthlyReview:
    """The town `town_uid` in the month from `first_day` to `last_day` (ISO dates). One row, or
    none when no such town is visible:

    {town (node map), raised, resolved (raisedOn / resolvedOn in the month), open (raised by the
    month's end and not resolved by then), overdueCount (of those, raised before `overdue_before`:
    open more than 30 days at the month's end), overdue: [{demand (node map), raisedOn, status,
    level}] (the oldest `limit`, by raisedOn then uid), householdsRegistered, registeredCommunities,
    visits, householdsVisited, residentsReceived (the month's visits to its communities),
    visitDemands, visitDemandsResolved (demands RAISED_DURING them; RESOLVED now),
    escalationCount, escalationsByLevel: [{level (toLevel), count}], escalations: [{escalation,
    demand (node maps), fromLevel, toLevel, escalatedOn}] (escalatedOn in the month, of demands
    raised in the town; the first `limit` by escalatedOn then uid)}.

    The town's communities are those IN_TOWN it or IN_ZONE a zone IN_TOWN it (Community.town_via),
    each once. A demand is resolved by a day when its resolvedOn is on or before it, or (undated) when its
    status is RESOLVED; one without raisedOn is never counted raised or open."""

    town_uid: str
    first_day: str
    last_day: str
    overdue_before: str
    limit: int
    towns: tuple[str, ...] | None = None  # only these towns (a grant whose reads are limited to them)
    # The two lists start after this (date, uid) position: each list's own date (raisedOn,
    # escalatedOn) then uid, as a cursor of the lists' order names it.
    after: tuple[str, str] | None = None
