"""Undo under pressure, on both engines: random sequences of writes undone newest first return the
graph to its start (Hypothesis), and a write that lands between an undo's checks and its statement
makes the undo refuse, writing nothing."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from graph.plan import CompiledQuery
from graph.undo_plan import AuditEntryLookup
from graph.write_plan import Precheck
from resolvers.ids import to_global_id
from tests.conftest import scratch_graph
from tests.undo_helpers import UNDO, Recorder, difference, entries, execute, ok, state, undo

GRAPH = "undo_sequences_test"
ZONES = ("zone-zumiao-peide", "zone-zumiao-01", "zone-zumiao-02")
TOWNS = ("town-zumiao", "town-shiwan", "town-nanzhuang")


@pytest.fixture(scope="module")
async def graph(engine):
    async with scratch_graph(engine, GRAPH) as backend:
        yield backend


@pytest.fixture(scope="module")
async def orgs(graph) -> list[str]:
    rows = await graph.read(CompiledQuery("MATCH (o:Organisation) RETURN o.uid AS uid ORDER BY uid LIMIT 4"))
    return [row["uid"] for row in rows]


# One write each: (mutation text with {zone} {town} {org} {n} holes). Some fail in some states
# (deleting what is gone, creating what exists): a failed write writes nothing and is not undone.
WRITES = [
    'updateZone(uid: "{zone}", input: { name: "名{n}" }) { uid }',
    'updateZone(uid: "{zone}", input: { nameEn: null, isPilot: true }) { uid }',
    'updateZone(uid: "{zone}", input: { description: "说明{n}", isDemonstration: false }) { uid }',
    'connectZone(uid: "{zone}", relationship: externalOrganisations, targets: ["{org}"]) { uid }',
    'disconnectZone(uid: "{zone}", relationship: externalOrganisations, targets: ["{org}"]) { uid }',
    'connectZone(uid: "{zone}", relationship: town, targets: ["{town}"]) { uid }',
    'createProgramme(input: { uid: "programme-seq-{n}", name: "项目{n}", kind: SERVICE, zone: "{zone}",'
    ' town: "{town}", organisers: ["{org}"] }) { uid }',
    'deleteProgramme(uid: "programme-seq-{n}") { uid }',
    'deleteZone(uid: "{zone}") { uid }',
    'updateTown(uid: "{town}", input: { householdsVisited: {n} }) { uid }',
]

step = st.tuples(st.integers(0, len(WRITES) - 1), st.integers(0, 2), st.integers(0, 2), st.integers(0, 3),
                 st.integers(0, 2))


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(steps=st.lists(step, min_size=1, max_size=8))
async def test_writes_undone_newest_first_return_the_graph_to_its_start(graph, orgs, steps):
    start = await state(graph)
    done = []
    for write, zone, town, org, n in steps:
        text = (WRITES[write].replace("{zone}", ZONES[zone]).replace("{town}", TOWNS[town])
                .replace("{org}", orgs[org]).replace("{n}", str(n)))
        before = await entries(graph)
        result = await execute(graph, "mutation { %s }" % text)
        new = [e for uid, e in (await entries(graph)).items() if uid not in before]
        # A write that fails, or changes nothing, records nothing.
        assert len(new) <= (0 if result.errors else 1), (text, result.errors, new)
        done += new
    for entry in reversed(done):
        await undo(graph, entry["uid"])
    assert await state(graph) == start, difference(start, await state(graph))


class WriteMeanwhile:
    """The real backend, except that once the undo has read the entry and the node (its last
    read before the write), another writer changes the graph."""

    def __init__(self, backend, change: CompiledQuery) -> None:
        self.backend, self.change, self.done = backend, change, False

    def __getattr__(self, name):
        return getattr(self.backend, name)

    async def read(self, plan):
        rows = await self.backend.read(plan)
        if isinstance(plan, Precheck) and not self.done:
            self.done = True
            await self.backend.write(self.change)
            self.changed = await state(self.backend)
        return rows


ZONE = ZONES[0]
RACES = {
    # (the write to undo, what another writer does meanwhile)
    "update: the value changes": (
        'updateZone(uid: "%s", input: { name: "甲" }) { uid }' % ZONE,
        "MATCH (z:Zone {uid: '%s'}) SET z.name = '乙'" % ZONE),
    "create: a link is added": (
        'createZone(input: { uid: "zone-race", name: "竞", isDemonstration: false, town: "town-zumiao" }) { uid }',
        "MATCH (z:Zone {uid: 'zone-race'}), (o:Organisation {uid: 'org-zumiao-peide-hospital'}) "
        "CREATE (o)-[:SERVES]->(z)"),
    "create: a property is added": (
        'createZone(input: { uid: "zone-race", name: "竞", isDemonstration: false }) { uid }',
        "MATCH (z:Zone {uid: 'zone-race'}) SET z.description = 'meanwhile'"),
    "delete: the uid is taken": (
        'deleteZone(uid: "%s") { uid }' % ZONE,
        "CREATE (:Programme {uid: '%s', name: 'x', kind: 'SERVICE', source: 'IMPORTED'})" % ZONE),
    "delete: another end goes": (
        'deleteZone(uid: "%s") { uid }' % ZONE,
        "MATCH (t:Town {uid: 'town-zumiao'}) DETACH DELETE t"),
    "connect: the link goes": (
        'connectZone(uid: "%s", relationship: externalOrganisations, targets: ["org-zumiao-peide-hospital"]) '
        '{ uid }' % ZONE,
        "MATCH (:Organisation {uid: 'org-zumiao-peide-hospital'})-[r:SERVES]->(:Zone {uid: '%s'}) DELETE r" % ZONE),
    "connect replacing: the field is taken": (
        'connectZone(uid: "%s", relationship: town, targets: ["town-shiwan"]) { uid }' % ZONE,
        "MATCH (z:Zone {uid: '%s'}), (t:Town {uid: 'town-nanzhuang'}) CREATE (z)-[:IN_TOWN]->(t)" % ZONE),
    "any: another undo of it commits": (
        'updateZone(uid: "%s", input: { name: "甲" }) { uid }' % ZONE,
        "CREATE (:AuditEntry {uid: 'audit-race', name: 'undo', source: 'IMPORTED', at: '2026-01-01T00:00:00Z', "
        "actor: 'x', action: 'undo', targetType: 'Zone', changes: '{}', undoes: $entry})"),
}


@pytest.mark.parametrize("race", sorted(RACES))
async def test_a_write_between_the_checks_and_the_undo_makes_it_refuse(engine, race):
    write, meanwhile = RACES[race]
    async with scratch_graph(engine, "undo_race_test") as graph:
        entry = await Recorder(graph).write("mutation { %s }" % write)
        racing = WriteMeanwhile(graph, CompiledQuery(meanwhile, {"entry": entry["uid"]}))
        result = await execute(racing, UNDO, {"id": to_global_id("AuditEntry", entry["uid"])})
        assert racing.done
        assert result.errors and result.errors[0].extensions["code"] == "CONFLICT", result
        assert await state(graph) == racing.changed, "a refused undo wrote something"
        undos = [e for e in (await entries(graph)).values() if e["action"] == "undo" and e["uid"] != "audit-race"]
        assert undos == [], "a refused undo recorded an entry"
        assert (await graph.read(AuditEntryLookup(entry["uid"])))[0]["entry"]["uid"] == entry["uid"]


async def test_without_the_race_the_same_undo_goes_through(engine):
    """The race cases above fail for the race, not for the write they undo."""
    async with scratch_graph(engine, "undo_race_test") as graph:
        for write, _ in RACES.values():
            before = await state(graph)
            entry = await Recorder(graph).write("mutation { %s }" % write)
            await ok(graph, UNDO, {"id": to_global_id("AuditEntry", entry["uid"])})
            assert await state(graph) == before
