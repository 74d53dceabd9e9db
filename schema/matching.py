"""GraphQL types and fields for matching (Shiwan's "four lists"): matchDemand, matchingReport and
the planActionProject mutation. The score's definition: graph/matching.py and docs/matching.md."""
from __future__ import annotations

from typing import Any, Optional

import strawberry
from strawberry.types import Info

from graph.grants import grant_of
from resolvers import matching
from resolvers.read import reader_for
from resolvers.selection import SelectionReader
from resolvers.suppression import Cells
from schema.inputs import ENUM_TYPES
from schema.labels import LABEL_DOC, Language, group_label, language_of
from schema.research import GraphNode, graph_node
from schema.types import GeneratedTypes, PageInfo

DemandCategory, Coverage = ENUM_TYPES["DemandCategory"], ENUM_TYPES["Coverage"]
DemandStatus, ProjectStatus = ENUM_TYPES["DemandStatus"], ENUM_TYPES["ProjectStatus"]


@strawberry.type(description="The five components of a match's score, each from 0 to 1 (docs/matching.md).")
class MatchComponents:
    category: float = strawberry.field(description="How specific the candidate is: 1 category served → 1, 2 → 0.75, "
                                                   "3 → 0.5, 4 or more → 0.25.")
    place: float = strawberry.field(description="What it covers: the demand's community → 1, its zone → 2/3, its "
                                                "town → 1/3, the whole district → 0.")
    network: float = strawberry.field(description='Its provider in the 1+N+X network of the demand\'s place: the "1" '
                                                  '(the zone\'s lead or the community\'s organisation) → 1, an "N" → '
                                                  '2/3, an "X" (or a department sunk to its grid) → 1/3, else 0.')
    capacity: float = strawberry.field(description="Capacity left after open (PLANNED, ACTIVE) action projects, "
                                                   "0 to 4, over 4.")
    record: float = strawberry.field(description="Resolved demands of the category resolved by its provider, over "
                                                 "all resolved demands of the category.")


@strawberry.type(description="The weights of the components: score = Σ weight × component / Σ weight.")
class MatchWeights:
    category: int
    place: int
    network: int
    capacity: int
    record: int


@strawberry.type(description="The facts behind the components.")
class MatchReasons:
    categories: list[DemandCategory] = strawberry.field(description="The categories the candidate serves.")
    coverage: Coverage
    placeLevel: str = strawberry.field(description="COMMUNITY, ZONE, TOWN or DISTRICT: where it meets the demand.")
    networkRole: str = strawberry.field(description="LEAD (the \"1\"), N, X or NONE: its provider's role.")
    capacity: int
    openProjects: int = strawberry.field(description="Open (PLANNED or ACTIVE) action projects that use it.")
    capacityLeft: int = strawberry.field(description="capacity − openProjects, at least 0.")
    resolvedByProvider: int = strawberry.field(description="Resolved demands of the category its provider resolved.")
    resolvedInCategory: int = strawberry.field(description="Resolved demands of the category, in all.")


@strawberry.type(description="A candidate resource or service team for a demand, with its score and why.")
class DemandMatch:
    rank: int = strawberry.field(description="1 for the best; ties are broken by uid.")
    candidate: GraphNode
    score: float = strawberry.field(description="From 0 to 1, rounded to 4 decimals (ranked on the exact value).")
    components: MatchComponents
    weights: MatchWeights
    reasons: MatchReasons
    providers: list[GraphNode] = strawberry.field(description="Who offers it (OFFERS), or the team's organisation.")


@strawberry.type(description="Who can help with a demand, and why (谁能帮助解决这个诉求，为什么？).")
class DemandMatches:
    demand: GraphNode
    category: DemandCategory
    kind: Optional[str]
    status: DemandStatus
    totalCount: int = strawberry.field(description="Every candidate, whatever `first` and `after` say.")
    matches: list[DemandMatch] = strawberry.field(description="The page: `first` candidates, best first, after "
                                                              "`after`.")
    pageInfo: PageInfo


@strawberry.type(description="Demands of one category or town, and how many are covered (a candidate at or above "
                             "the threshold).")
class MatchingGroup:
    key: str = strawberry.field(description="The category, or the town's uid; \"unassigned\" for demands with no town.")
    name: str
    demands: Optional[int] = strawberry.field(description="Demands (suppressed under k for viewers and researchers, "
                                                          "and rounded to a multiple of k).")
    covered: Optional[int] = strawberry.field(description="Of those, covered (suppressed like demands).")
    coverage: Optional[float] = strawberry.field(description="covered / demands (0–1), of the released counts.")
    suppressed: list[str]
    by_category: strawberry.Private[bool] = False

    @strawberry.field(description=LABEL_DOC)
    def label(self, info: Info, lang: Optional[Language] = None) -> str:
        return group_label(language_of(info, lang), self.key, self.name,
                           "DemandCategory" if self.by_category else None)


@strawberry.type(description="A demand with no candidate at or above the threshold.")
class UncoveredDemand:
    demand: GraphNode
    category: DemandCategory
    bestScore: float = strawberry.field(description="Its best candidate's score; 0 when it has none.")
    best: Optional[GraphNode] = strawberry.field(description="Its best candidate, if any.")


@strawberry.type(description="A candidate that is the best match of more open demands than its capacity left.")
class OverAskedCandidate:
    candidate: GraphNode
    capacity: int
    openProjects: int
    capacityLeft: int
    asked: Optional[int] = strawberry.field(description="Open (not RESOLVED) demands of the set whose best candidate "
                                                        "it is (suppressed like demand counts).")
    suppressed: list[str]


@strawberry.type(description="How well a set of demands is matched (not paged except the two lists).")
class MatchingReport:
    threshold: float
    demands: Optional[int] = strawberry.field(description="Demands matched by `where` (suppressed like all demand "
                                                          "counts for viewers and researchers).")
    uncoveredCount: Optional[int] = strawberry.field(description="Of those, with no candidate at or above the "
                                                                 "threshold (all of them, not only the list).")
    uncovered: list[UncoveredDemand] = strawberry.field(description="The page: `first` of them by uid after `after`.")
    uncoveredPageInfo: PageInfo
    byCategory: list[MatchingGroup] = strawberry.field(description="Coverage per demand category, by key.")
    byTown: list[MatchingGroup] = strawberry.field(description="Coverage per town, by key.")
    overAskedCount: int = strawberry.field(description="Candidates asked for more than their capacity left (all).")
    overAsked: list[OverAskedCandidate] = strawberry.field(description="The page: `first` of them by uid after "
                                                                       "`after`.")
    overAskedPageInfo: PageInfo
    suppressed: list[str]


def _match(m: dict[str, Any]) -> DemandMatch:
    return DemandMatch(rank=m["rank"], candidate=graph_node(m["candidate"]), score=m["score"],
                       components=MatchComponents(**m["components"]), weights=MatchWeights(**m["weights"]),
                       reasons=MatchReasons(**m["reasons"]), providers=[graph_node(p) for p in m["providers"]])


def _report(r: dict[str, Any]) -> MatchingReport:
    return MatchingReport(
        threshold=r["threshold"], demands=r["demands"], uncoveredCount=r["uncoveredCount"],
        suppressed=r["suppressed"], overAskedCount=r["overAskedCount"],
        uncoveredPageInfo=PageInfo(**r["uncoveredPageInfo"]), overAskedPageInfo=PageInfo(**r["overAskedPageInfo"]),
        uncovered=[UncoveredDemand(demand=graph_node(u["demand"]), category=u["category"], bestScore=u["bestScore"],
                                   best=graph_node(u["best"]) if u["best"] else None) for u in r["uncovered"]],
        byCategory=[MatchingGroup(**g, by_category=True) for g in r["byCategory"]],
        byTown=[MatchingGroup(**g) for g in r["byTown"]],
        overAsked=[OverAskedCandidate(**{**o, "candidate": graph_node(o["candidate"])}) for o in r["overAsked"]])


def matching_fields(demand_where: type) -> dict[str, Any]:
    """matchDemand and matchingReport, for the Query type (`where` is the generated DemandWhere)."""

    async def match_demand(info: Info, uid: str, first: Optional[int] = None,
                           after: Optional[str] = None) -> DemandMatches:
        result = await matching.match_demand(reader_for(info.context), uid, first, after)
        return DemandMatches(demand=graph_node(result["demand"]), category=result["category"], kind=result["kind"],
                             status=result["status"], totalCount=result["totalCount"],
                             matches=[_match(m) for m in result["matches"]], pageInfo=PageInfo(**result["pageInfo"]))

    async def matching_report(info: Info, where=None, threshold: Optional[float] = None,
                              first: Optional[int] = None, after: Optional[str] = None) -> MatchingReport:
        args = SelectionReader(info).root(info).args
        report = await matching.matching_report(reader_for(info.context), args.get("where"), threshold, first,
                                                Cells(grant_of(info.context)), after)
        return _report(report)

    matching_report.__annotations__["where"] = Optional[demand_where]
    return {
        "matchDemand": strawberry.field(
            resolver=match_demand,
            description="Who can help with this demand, and why (谁能帮助解决这个诉求，为什么？): the resources and "
                        "service teams that serve its category and reach its place, ranked by score (ties by uid), "
                        "each with the components of its score. `first` (default 10, ≤ 1000) and `after` (a "
                        "pageInfo.endCursor) page the ranking; totalCount counts it all. One read."),
        "matchingReport": strawberry.field(
            resolver=matching_report,
            description="Over the demands matching `where` (default: all): those with no candidate scoring at "
                        "least `threshold` (default 0.5), the candidates asked for more than their capacity, and "
                        "coverage by category and by town. `first` (default 20, ≤ 1000) and `after` (an endCursor "
                        "of either list, applied to each) page the two lists; every count covers them all. One read."),
    }


def plan_action_project_fields(types: GeneratedTypes) -> dict[str, Any]:
    """planActionProject, for the Mutation type."""
    annotations = {"name": str, "nameEn": Optional[str], "description": Optional[str], "demands": list[str],
                   "resources": Optional[list[str]], "serviceTeams": Optional[list[str]], "town": str,
                   "status": Optional[ProjectStatus], "startsOn": Optional[str], "endsOn": Optional[str]}
    plan_input = strawberry.input(
        type("PlanActionProjectInput", (), {"__annotations__": annotations,
                                            **{k: strawberry.UNSET for k in annotations}}),
        description="An action project made from chosen matches: the demands it addresses, the resources and "
                    "service teams it uses (uids), its town; status defaults to PLANNED.")

    async def plan(info: Info, input: Any) -> Any:
        return await matching.plan_action_project(info, SelectionReader(info).root(info).args["input"])

    plan.__annotations__.update(input=plan_input, info=Info, **{"return": types.objects["ActionProject"]})
    return {"planActionProject": strawberry.field(
        resolver=plan, description="Create an action project (行动项目) from chosen matches, with its links and its "
                                   "audit entry in one statement; unknown uids are NOT_FOUND naming the field, and "
                                   "nothing is written.")}
