"""GraphQL types and the root field for visit coverage (resolvers/visits.py; docs/visits.md)."""
from __future__ import annotations

from typing import Annotated, Any, Optional

import strawberry
from strawberry.types import Info

from graph.grants import grant_of
from resolvers import visits
from resolvers.read import reader_for
from resolvers.selection import SelectionReader
from resolvers.suppression import Cells
from schema.research import GraphNode, graph_node

_SUPPRESSED = ("(suppressed under k for viewers and researchers, and rounded to a multiple of k: "
               "docs/security.md)")


@strawberry.type(description="The figures of a set of visits: every visit-coverage object has them.")
class VisitFigures:
    visits: int = strawberry.field(description="Visits made in the period.")
    householdsRegistered: Optional[int] = strawberry.field(
        description="The base of the visit rate: registered households (a community's own; a team's: its "
                    "communities'; the total: the communities in scope). Null when unknown.")
    householdsVisited: Optional[int] = strawberry.field(
        description=f"Households visited for the first time that year {_SUPPRESSED}.")
    visitRate: Optional[float] = strawberry.field(
        description="householdsVisited / householdsRegistered, 0–1 within a year (4 places), of the released "
                    "counts; null without a base.")
    residentsReceived: Optional[int] = strawberry.field(description=f"Residents received {_SUPPRESSED}.")
    demandsCollected: Optional[int] = strawberry.field(
        description=f"Demands RAISED_DURING the period's visits {_SUPPRESSED}.")
    demandsResolved: Optional[int] = strawberry.field(description=f"Of those, RESOLVED now {_SUPPRESSED}.")
    resolutionRate: Optional[float] = strawberry.field(
        description="demandsResolved / demandsCollected (0–1, 4 places); null for none.")
    suppressed: list[str] = strawberry.field(
        description="The counts here withheld by small-cell suppression; empty otherwise.")


@strawberry.type(description="The visits of the period to one community, or by one team.")
class VisitGroup(VisitFigures):
    group: Optional[GraphNode] = strawberry.field(
        description="The community (byCommunity) or stationed team (byTeam); null for the visits that have none, "
                    "listed last.")


@strawberry.type(description="Stationed-contact visits matching `where`, made in the period: the totals (the "
                             "groups summed; the base: the communities in scope), and by community and by team.")
class VisitCoverageReport(VisitFigures):
    date_from: Optional[str] = strawberry.field(name="from", description="The period's first day, as given.")
    to: Optional[str] = strawberry.field(description="The period's last day, as given.")
    byCommunity: list[VisitGroup] = strawberry.field(
        description="Every community in scope (visited by any visit matching `where`, on any date), by uid; "
                    "those not visited in the period with 0.")
    byTeam: list[VisitGroup] = strawberry.field(
        description="Every stationed team that made a visit matching `where`, by uid; its base is the "
                    "households registered in the communities it is stationed in.")


def _group(row: dict) -> Any:
    return VisitGroup(**{**row, "group": graph_node(row["group"]) if row["group"] else None})


def visit_fields(visit_where: type) -> dict[str, Any]:
    """The root field `visitCoverage`, which takes the generated VisitWhere."""

    async def visit_coverage(info: Info, where=None,
                             date_from: Annotated[Optional[str], strawberry.argument(
                                 name="from", description="ISO date, YYYY-MM-DD: the first day (inclusive) "
                                                          "of visitedOn; omitted: no lower bound.")] = None,
                             to: Annotated[Optional[str], strawberry.argument(
                                 description="ISO date, YYYY-MM-DD: the last day (inclusive); omitted: no upper "
                                             "bound.")] = None) -> VisitCoverageReport:
        report = await visits.visit_coverage(reader_for(info.context), SelectionReader(info).root(info).args.get("where"),
                                             date_from, to)
        report = visits.release_report(report, Cells(grant_of(info.context)))
        return VisitCoverageReport(**{
            **{k: v for k, v in report.items() if k not in ("from", "byCommunity", "byTeam")},
            "date_from": report["from"], "byCommunity": [_group(g) for g in report["byCommunity"]],
            "byTeam": [_group(g) for g in report["byTeam"]]})

    visit_coverage.__annotations__["where"] = Optional[visit_where]
    return {"visitCoverage": strawberry.field(
        resolver=visit_coverage,
        description="Stationed-contact visits (驻点联系走访) matching `where` made from `from` to `to` (inclusive): "
                    "households visited against households registered and the visit rate, residents received, "
                    "demands collected and the share resolved; in total, by community and by team. Not paged. "
                    "One read. Bad dates: BAD_USER_INPUT naming `from` or `to`.")}
