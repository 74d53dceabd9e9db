"""Visit coverage plans: Nanzhuang's stationed-contact visits (驻点联系走访), before they are Cypher
(graph/cypher/visits.py renders them, in one statement)."""
from __future__ import annotations

from dataclasses import dataclass

from graph.plan import Filter


@dataclass(frozen=True)
class VisitCoverage:
    """The visits matching `where` (a Visit filter), and of them those made from `date_from` to
    `date_to` (ISO dates, inclusive; None: unbounded) on `visitedOn`. One row:

    - `communities`: [{community (node map), registered}]: the scope, every community a visit
      matching `where` was made to, on any date (so a community not visited in the period is
      there with no figures); `registered` is its householdsRegistered (null when unknown);
    - `teams`: [{team (node map), registered}]: every stationed team that made a visit matching
      `where`; `registered` sums the householdsRegistered of the communities it is stationed in;
    - `byCommunity`, `byTeam`: [{key (uid, or null for visits without one), visits, households,
      residents, demands, resolved}] over the visits in the period: householdsVisited and
      residentsReceived summed; demands RAISED_DURING them, and of those RESOLVED now.
    """

    where: Filter | None
    date_from: str | None = None
    date_to: str | None = None
