"""The escalations (上报) of the illustrative seed: one Escalation for each demand the seed shows
escalated, whatever module made it.

A demand is escalated when its level is above LEAD: the seed then records one escalation from
LEAD straight to that level (Nanzhuang's villages have no zone, so there is no "N" to pass
through), on a day between the demand's raisedOn and its resolvedOn (or raisedOn itself, when it
has neither a later date nor room between them). The article says problems needing district
coordination were handed to the departments sunk to the grids, without listing any: every
escalation here is ILLUSTRATIVE.
"""
from __future__ import annotations

import datetime as dt

from graph.model_work import ESCALATION_LEVELS
from seed.illustrative_common import Doc, pick

NOTE = ("示例：文章称需区级协调的问题交由下沉到村的区直部门（“X”）解决，未列具体上报记录",
        'Illustrative: the article says problems needing district coordination went to the district departments '
        'sunk to the villages (the "X"), without listing escalations.')
REASONS = {  # the level escalated to: (Chinese, English)
    "N": ("村（社区）层面无法解决，需片区内党组织协调", "Needs the zone's own organisations to coordinate."),
    "X": ("需区直部门协调，村（社区）层面无法解决", "Needs district-level coordination beyond the village."),
    "TOWN_CENTRE": ("需镇街指挥中心统筹", "Needs the town command centre."),
    "DISTRICT_CENTRE": ("需区指挥中心统筹", "Needs the district command centre."),
}
FIRST = ESCALATION_LEVELS[0]


def escalation_day(raised: str, resolved: str | None, n: str) -> str:
    """A day after raisedOn and no later than resolvedOn (the day before it when there is room)."""
    start = dt.date.fromisoformat(raised)
    end = dt.date.fromisoformat(resolved) if resolved else start + dt.timedelta(days=7)
    span = (end - start).days
    if span <= 0:
        return raised
    return (start + dt.timedelta(days=1 + pick(max(span - 1, 1), "escalated", n))).isoformat()


def escalations(*demand_docs: Doc) -> Doc:
    """One Escalation (LEAD → the demand's level) per demand of `demand_docs` above LEAD."""
    doc = Doc("escalations", "One escalation for each illustrative demand above LEAD, from LEAD to its level.")
    for source in demand_docs:
        for demand in source.nodes.get("Demand", []):
            level = demand.get("level")
            if level is None or level == FIRST:
                continue
            uid = demand["uid"]
            number = uid.removeprefix("demand-")
            zh, en = REASONS[level]
            escalation = doc.node("Escalation", f"escalation-{number}", f"示例上报{number}",
                                  f"Illustrative Escalation {number}", NOTE, fromLevel=FIRST, toLevel=level,
                                  reason=f"{zh} / {en}", escalatedOn=escalation_day(demand["raisedOn"],
                                                                                     demand.get("resolvedOn"), uid))
            doc.rel("ESCALATES", escalation, uid)
    return doc
