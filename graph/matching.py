"""Matching plans (Shiwan's "four lists"): who can help with a demand, and why; how well a set of
demands is covered. graph/cypher/matching.py renders each as one statement.

**The score** of a candidate (a Resource or ServiceTeam) for a demand is a weighted mean of five
components, each in [0, 1]:

| component  | weight | value                                                                            |
|------------|--------|----------------------------------------------------------------------------------|
| `category` | 2      | how specific it is: 1 category served → 1, 2 → 0.75, 3 → 0.5, 4 or more → 0.25  |
| `place`    | 3      | what it covers: the demand's community → 1, its zone → 2/3, its town → 1/3,      |
|            |        | the whole district (coverage DISTRICT) → 0                                       |
| `network`  | 2      | its provider (a team's organisation) in the 1+N+X network of the demand's place: |
|            |        | the zone's lead or the community's own organisation ("1") → 1, an N of the zone  |
|            |        | → 2/3, an X serving the zone or a department sunk to a grid covering the         |
|            |        | community → 1/3, anything else (an enterprise, another organisation) → 0         |
| `capacity` | 1      | capacity left (capacity − open action projects, PLANNED or ACTIVE, that use it), |
|            |        | clamped to 0..4, over 4                                                          |
| `record`   | 2      | resolved demands of the demand's category resolved by its provider, over all     |
|            |        | resolved demands of that category (0 when none is resolved)                      |

score = (2·category + 3·place + 2·network + 1·capacity + 2·record) / 10, in [0, 1].

A candidate must serve the demand's category (`category IN candidate.categories`) and reach its
place (a SERVES_AREA link to the demand's community, zone or town, or coverage DISTRICT); others
are not candidates. The statement ranks by the score's exact numerator (integers: `numerator`
below), highest first, ties by uid, so the order is exact and deterministic on every engine.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from graph.plan import Filter, LabelAccess

WEIGHTS = {"category": 2, "place": 3, "network": 2, "capacity": 1, "record": 2}
TOTAL_WEIGHT = sum(WEIGHTS.values())
# Points per component (record is a share, not points): component = points / top.
CATEGORY_POINTS = {1: 4, 2: 3, 3: 2}  # categories served → points; 4 or more → 1
CATEGORY_TOP = 4
PLACES = ("DISTRICT", "TOWN", "ZONE", "COMMUNITY")  # place points 0..3, the index here
PLACE_TOP = 3
ROLES = ("NONE", "X", "N", "LEAD")  # network points 0..3, the index here
NETWORK_TOP = 3
CAPACITY_TOP = 4  # capacity left beyond this many counts the same
# The common denominator of the points' shares: category /4, place /3, network /3, capacity /4.
SCALE = 12
COEFFICIENTS = {  # numerator = (Σ coefficient · points) · resolved_all' + record_coefficient · resolved_by_provider
    "category": SCALE // CATEGORY_TOP * WEIGHTS["category"],
    "place": SCALE // PLACE_TOP * WEIGHTS["place"],
    "network": SCALE // NETWORK_TOP * WEIGHTS["network"],
    "capacity": SCALE // CAPACITY_TOP * WEIGHTS["capacity"],
    "record": SCALE * WEIGHTS["record"],
}
OPEN_STATUSES = ("PLANNED", "ACTIVE")
DEFAULT_THRESHOLD = 0.5


def category_points(categories_served: int) -> int:
    return CATEGORY_POINTS.get(categories_served, 1)


def capacity_points(capacity: int, open_projects: int) -> int:
    return max(0, min(capacity - open_projects, CAPACITY_TOP))


def numerator(category: int, place: int, network: int, capacity: int, resolved_by: int, resolved_all: int) -> int:
    """The score times denominator(resolved_all): an integer, so ranking is exact."""
    base = (COEFFICIENTS["category"] * category + COEFFICIENTS["place"] * place
            + COEFFICIENTS["network"] * network + COEFFICIENTS["capacity"] * capacity)
    return base * max(resolved_all, 1) + COEFFICIENTS["record"] * resolved_by


def denominator(resolved_all: int) -> int:
    return SCALE * TOTAL_WEIGHT * max(resolved_all, 1)


def score(category: int, place: int, network: int, capacity: int, resolved_by: int, resolved_all: int) -> Fraction:
    """The score, exactly, from the points and the record's counts."""
    return Fraction(numerator(category, place, network, capacity, resolved_by, resolved_all),
                    denominator(resolved_all))


def components(category: int, place: int, network: int, capacity: int, resolved_by: int,
               resolved_all: int) -> dict[str, Fraction]:
    """Each component's value in [0, 1], exactly."""
    return {"category": Fraction(category, CATEGORY_TOP), "place": Fraction(place, PLACE_TOP),
            "network": Fraction(network, NETWORK_TOP), "capacity": Fraction(capacity, CAPACITY_TOP),
            "record": Fraction(resolved_by, resolved_all) if resolved_all else Fraction(0)}


@dataclass(frozen=True)
class MatchDemand:
    """Candidates for the demands matching `where` (a uid equality, plus the grant's visibility):
    one row per demand {demand, resolvedAll, total, remaining, page}; `page` holds the first `limit`
    candidates, best first, each {candidate, label, categories, coverage, capacity, open,
    provider, place, network, category, capacityPoints, resolvedBy, numerator} (points as in
    the module docstring), after the ranking position `after` (numerator, uid) when given.
    No row: no such demand (or not visible)."""

    where: Filter
    limit: int
    after: tuple[int, str] | None = None
    # What the grant sees (graph/authorise.py): a provider it does not see is scored, never named.
    access: LabelAccess | None = None


@dataclass(frozen=True)
class MatchingReport:
    """Over the demands matching `where`: one row {total, uncoveredCount, uncovered, byCategory,
    byTown, overAsked}. A demand is covered when its best candidate scores at least `threshold`;
    `uncovered` lists up to `limit` uncovered demands by uid ({demand, best, bestScore});
    byCategory and byTown: [{key, name, demands, covered}]; overAsked: candidates that are the best
    of more open (not RESOLVED) demands of the set than their capacity left, {candidate, label,
    capacity, open, asked}, by uid, up to `limit`. With `after` (a uid), both lists start after it."""

    where: Filter | None
    threshold: float
    limit: int
    after: str | None = None
    access: LabelAccess | None = None  # as MatchDemand's
