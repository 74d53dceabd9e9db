"""GraphQL types and the root field for the monthly review (resolvers/review.py; docs/visits.md)."""
from __future__ import annotations

from typing import Any, Optional

import strawberry
from strawberry.types import Info

from graph.grants import grant_of
from resolvers import review
from resolvers.read import reader_for
from resolvers.suppression import Cells
from schema.labels import LABEL_DOC, Language, group_label, language_of
from schema.research import GraphNode, graph_node
from schema.types import PageInfo
from schema.visits import VisitFigures

_SUPPRESSED = "(suppressed under k for viewers and researchers, and rounded to a multiple of k)"


@strawberry.type(description="A demand still open at the month's end, raised more than 30 days before it.")
class OverdueDemand:
    demand: GraphNode
    raisedOn: str
    daysOpen: Optional[int] = strawberry.field(description="Days from raisedOn to the month's last day.")
    status: Optional[str] = strawberry.field(description="Its status now (RAISED, ASSIGNED, or RESOLVED later).")
    level: Optional[str] = strawberry.field(description="Who is responsible now (EscalationLevel).")


@strawberry.type(description="Escalations to one level in the month.")
class LevelCount:
    level: Optional[str]
    count: Optional[int] = strawberry.field(description=f"Escalations {_SUPPRESSED}.")

    @strawberry.field(description=LABEL_DOC)
    def label(self, info: Info, lang: Optional[Language] = None) -> str:
        return group_label(language_of(info, lang), self.level, None, "EscalationLevel")


@strawberry.type(description="One escalation (上报) in the month.")
class MonthlyEscalation:
    escalation: GraphNode
    demand: GraphNode
    fromLevel: str
    toLevel: str
    escalatedOn: str


@strawberry.type(description="The town committee's monthly review of the stationed-contact work "
                             "(每月问题分析和阶段小结): one town, one month.")
class MonthlyReview:
    town: GraphNode
    month: str = strawberry.field(description="YYYY-MM, as given.")
    date_from: str = strawberry.field(name="from", description="The month's first day.")
    to: str = strawberry.field(description="The month's last day.")
    demandsRaised: Optional[int] = strawberry.field(
        description=f"The town's demands raised in the month (raisedOn) {_SUPPRESSED}.")
    demandsResolved: Optional[int] = strawberry.field(
        description=f"The town's demands resolved in the month (resolvedOn) {_SUPPRESSED}.")
    demandsOpen: Optional[int] = strawberry.field(
        description=f"Raised by the month's end and not resolved by then {_SUPPRESSED}.")
    overdueCount: Optional[int] = strawberry.field(
        description=f"Of the open ones, raised more than 30 days before the month's end {_SUPPRESSED}.")
    overdue: list[OverdueDemand] = strawberry.field(
        description="The oldest overdue demands, by raisedOn then uid: at most `first` (default 100), after "
                    "`after`; overdueCount counts them all.")
    overduePageInfo: PageInfo = strawberry.field(description="Paging of `overdue`: pass endCursor as `after`.")
    coverage: VisitFigures = strawberry.field(
        description="The month's visits to the town's communities; the visit rate's base is the households "
                    "registered in all of them.")
    escalationCount: Optional[int] = strawberry.field(
        description=f"Escalations of the town's demands in the month (escalatedOn) {_SUPPRESSED}.")
    escalationsByLevel: list[LevelCount] = strawberry.field(
        description="The month's escalations by the level escalated to, most first.")
    escalations: list[MonthlyEscalation] = strawberry.field(
        description="The month's escalations by escalatedOn then uid: at most `first` (default 100), after "
                    "`after`.")
    escalationsPageInfo: PageInfo = strawberry.field(
        description="Paging of `escalations`: pass endCursor as `after`.")
    suppressed: list[str] = strawberry.field(
        description="The counts here withheld by small-cell suppression; empty otherwise.")


@strawberry.type
class ReviewQuery:
    @strawberry.field(description="The town committee's monthly review (南庄镇党委每月对驻点联系工作进行问题分析和"
                                  "阶段小结), in one read: demands raised, resolved and still open at the month's "
                                  "end; the open ones older than 30 days; the visits and the coverage; the "
                                  "escalations. `town`: a town's uid; `month`: YYYY-MM; `first` (default 100, "
                                  "≤ 1000) and `after` page the two lists: a cursor is a position in (date, uid) "
                                  "order, from which each list continues (its own date: raisedOn, escalatedOn). "
                                  "Errors: BAD_USER_INPUT naming `month`, `first` or `after`; "
                                  "NOT_FOUND naming `town`.")
    async def monthlyReview(self, info: Info, town: str, month: str, first: Optional[int] = None,
                            after: Optional[str] = None) -> MonthlyReview:
        result = await review.monthly_review(reader_for(info.context), town, month, first, after)
        result = review.release_review(result, Cells(grant_of(info.context)))
        return _review(result)


def _review(r: dict[str, Any]) -> MonthlyReview:
    coverage = r["coverage"]
    return MonthlyReview(
        town=graph_node(r["town"]), month=r["month"], date_from=r["from"], to=r["to"],
        demandsRaised=r["demandsRaised"], demandsResolved=r["demandsResolved"], demandsOpen=r["demandsOpen"],
        overdueCount=r["overdueCount"], overduePageInfo=PageInfo(**r["overduePageInfo"]),
        escalationsPageInfo=PageInfo(**r["escalationsPageInfo"]),
        overdue=[OverdueDemand(**{**o, "demand": graph_node(o["demand"])}) for o in r["overdue"]],
        coverage=VisitFigures(**coverage), escalationCount=r["escalationCount"],
        escalationsByLevel=[LevelCount(**g) for g in r["escalationsByLevel"]],
        escalations=[MonthlyEscalation(**{**e, "escalation": graph_node(e["escalation"]),
                                          "demand": graph_node(e["demand"])}) for e in r["escalations"]],
        suppressed=r["suppressed"])
