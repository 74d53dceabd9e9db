"""`dangjian generate`: a synthetic city of the seed's shape, at any scale, all ILLUSTRATIVE.

Degrees are skewed like real networks: members join organisations with Zipf-like
weights (a few organisations are large), and a few outside ("X") organisations serve
many zones. Generation is deterministic for a given shape and random seed.
"""
from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass, fields, replace

from graph.model import ENUMS


@dataclass(frozen=True)
class CityShape:
    towns: int = 4
    zones: int = 22
    communities: int = 73
    grids: int = 122
    departments: int = 4
    parks: int = 3
    enterprises: int = 24
    organisations: int = 216
    members: int = 400
    demands: int = 254
    programmes: int = 339

    def scaled(self, factor: float) -> "CityShape":
        return replace(self, **{f.name: max(1, round(getattr(self, f.name) * factor)) for f in fields(self)
                                if f.name not in ("towns", "departments")},
                       towns=max(4, round(4 * factor ** 0.5)), departments=max(4, min(40, round(4 * factor ** 0.5))))


PRESETS = {
    "seed": CityShape(),
    "x10": CityShape().scaled(10),
    "x100": CityShape().scaled(100),
    # The city: ≥ 1,000,000 members, 50,000 organisations, 5,000 grids, 1,000,000 demands.
    "city": CityShape(towns=50, zones=2000, communities=5000, grids=5000, departments=40, parks=200,
                      enterprises=20000, organisations=50000, members=1_000_000, demands=1_000_000,
                      programmes=10000),
}

ORG_KINDS = ("BRANCH", "ORGAN", "ENTERPRISE", "INSTITUTION", "SOCIAL", "JOINT")
Batch = tuple[str, object, list]  # ("nodes", label, rows) or ("relationships", (from, TYPE, to), pairs)


def _uid(kind: str, i: int) -> str:
    return f"city-{kind}-{i:07d}"


def _node(prefix: str, zh: str, en: str, i: int, **props) -> dict:
    return {"uid": _uid(prefix, i), "name": f"示例{zh}{i:07d}", "nameEn": f"Illustrative {en} {i:07d}",
            "source": "ILLUSTRATIVE", **props}


def _zipf(rng: random.Random, n: int, k: int, exponent: float = 1.1) -> list[int]:
    """k draws from 0..n-1 where index i has weight 1/(i+1)^exponent, shuffled so that
    the heavy indexes are not always the first ones."""
    weights = list(itertools.accumulate(1 / (i + 1) ** exponent for i in range(n)))
    order = list(range(n))
    rng.shuffle(order)
    return [order[i] for i in rng.choices(range(n), cum_weights=weights, k=k)]


def generate(shape: CityShape, seed: int = 0, batch_size: int = 5000) -> Iterator[Batch]:
    """Nodes first, then relationships, in batches ready for the loader."""
    rng = random.Random(seed)
    s = shape

    def chunks(kind, key, items):
        items = list(items)
        for start in range(0, len(items), batch_size):
            yield kind, key, items[start:start + batch_size]

    yield from chunks("nodes", "District", [{"uid": "city-district", "name": "示例城市", "nameEn": "Illustrative City",
                                             "source": "ILLUSTRATIVE"}])
    yield from chunks("nodes", "Town", (_node("town", "镇", "Town", i, kind="TOWN") for i in range(s.towns)))
    zone_town = [i % s.towns for i in range(s.zones)]
    yield from chunks("nodes", "Zone", (_node("zone", "片区", "Zone", i, isDemonstration=rng.random() < 0.05)
                                        for i in range(s.zones)))
    community_zone = [i % s.zones for i in range(s.communities)]
    kinds = ["VILLAGE" if rng.random() < 0.4 else "URBAN_COMMUNITY" for _ in range(s.communities)]
    yield from chunks("nodes", "Community", (_node("community", "社区", "Community", i, kind=kinds[i])
                                             for i in range(s.communities)))
    grid_town = [i % s.towns for i in range(s.grids)]
    yield from chunks("nodes", "Grid", (_node("grid", "网格", "Grid", i, number=i + 1) for i in range(s.grids)))
    yield from chunks("nodes", "Department", (_node("department", "部门", "Department", i) for i in range(s.departments)))
    yield from chunks("nodes", "CommandCentre", [_node("centre", "指挥中心", "Command Centre", i,
                                                       level="DISTRICT" if i == 0 else "TOWN")
                                                 for i in range(s.towns + 1)])
    yield from chunks("nodes", "Park", (_node("park", "园区", "Park", i) for i in range(s.parks)))
    yield from chunks("nodes", "Enterprise", (_node("enterprise", "企业", "Enterprise", i) for i in range(s.enterprises)))
    # The first organisations are the communities' own (one each), then the rest by kind.
    org_kind = ["COMMUNITY" if i < s.communities else rng.choice(ORG_KINDS) for i in range(s.organisations)]
    yield from chunks("nodes", "Organisation", (_node("org", "党组织", "Organisation", i, kind=org_kind[i])
                                                for i in range(s.organisations)))
    yield from chunks("nodes", "Member", (_node("member", "党员", "Member", i) for i in range(s.members)))
    categories, statuses = ENUMS["DemandCategory"], ("RESOLVED",) * 8 + ("ASSIGNED", "RAISED")
    demand_status = [rng.choice(statuses) for _ in range(s.demands)]
    yield from chunks("nodes", "Demand", (
        _node("demand", "诉求", "Demand", i, category=rng.choice(categories), status=demand_status[i],
              raisedOn=f"2015-{1 + i % 12:02d}-{1 + i % 28:02d}",
              resolvedOn=f"2015-{1 + i % 12:02d}-28" if demand_status[i] == "RESOLVED" else None)
        for i in range(s.demands)))
    programme_kinds = ENUMS["ProgrammeKind"]
    yield from chunks("nodes", "Programme", (_node("programme", "项目", "Programme", i, kind=rng.choice(programme_kinds))
                                             for i in range(s.programmes)))

    u = _uid
    yield from chunks("relationships", ("Town", "IN_DISTRICT", "District"), ([u("town", i), "city-district"]
                                                                            for i in range(s.towns)))
    yield from chunks("relationships", ("Zone", "IN_TOWN", "Town"), ([u("zone", i), u("town", zone_town[i])]
                                                                    for i in range(s.zones)))
    yield from chunks("relationships", ("Community", "IN_ZONE", "Zone"),
                      ([u("community", i), u("zone", community_zone[i])] for i in range(s.communities)))
    yield from chunks("relationships", ("Community", "IN_TOWN", "Town"),
                      ([u("community", i), u("town", zone_town[community_zone[i]])] for i in range(s.communities)))
    yield from chunks("relationships", ("Grid", "IN_TOWN", "Town"), ([u("grid", i), u("town", grid_town[i])]
                                                                    for i in range(s.grids)))
    communities_of_town: dict[int, list[int]] = {}
    for c in range(s.communities):
        communities_of_town.setdefault(zone_town[community_zone[c]], []).append(c)
    covers = [[u("grid", g), u("community", c)] for g in range(s.grids)
              for c in {rng.choice(communities_of_town.get(grid_town[g], [0])) for _ in range(2)}]
    yield from chunks("relationships", ("Grid", "COVERS", "Community"), covers)
    sunk = [[u("department", d), u("grid", g)] for g in range(s.grids)
            for d in rng.sample(range(s.departments), min(4, s.departments))]
    yield from chunks("relationships", ("Department", "SUNK_TO", "Grid"), sunk)
    yield from chunks("relationships", ("CommandCentre", "COMMANDS", "Department"),
                      ([u("centre", 0), u("department", d)] for d in range(s.departments)))
    yield from chunks("relationships", ("CommandCentre", "COMMANDS", "Grid"),
                      ([u("centre", 1 + grid_town[g]), u("grid", g)] for g in range(s.grids)))
    yield from chunks("relationships", ("Park", "IN_TOWN", "Town"), ([u("park", p), u("town", p % s.towns)]
                                                                    for p in range(s.parks)))
    yield from chunks("relationships", ("Enterprise", "IN_PARK", "Park"),
                      ([u("enterprise", e), u("park", rng.randrange(s.parks))] for e in range(s.enterprises)
                       if rng.random() < 0.7))
    yield from chunks("relationships", ("Organisation", "BASED_IN", "Community"),
                      ([u("org", c), u("community", c)] for c in range(min(s.communities, s.organisations))))
    yield from chunks("relationships", ("Organisation", "IN_TOWN", "Town"),
                      ([u("org", o), u("town", o % s.towns)] for o in range(s.organisations)))
    enterprise_orgs = [o for o in range(s.organisations) if org_kind[o] == "ENTERPRISE"]
    yield from chunks("relationships", ("Organisation", "ORGANISATION_OF", "Enterprise"),
                      ([u("org", o), u("enterprise", i % s.enterprises)] for i, o in enumerate(enterprise_orgs)))
    # 1+N+X: each zone's lead is one of its communities' organisations; N from inside,
    # X from outside, chosen with skew so a few organisations serve many zones.
    yield from chunks("relationships", ("Organisation", "LEADS", "Zone"),
                      ([u("org", z % min(s.communities, s.organisations)), u("zone", z)] for z in range(s.zones)))
    others = list(range(min(s.communities, s.organisations), s.organisations)) or [0]
    part_of = {(o, z) for z in range(s.zones) for o in rng.sample(others, min(len(others), 8))}
    yield from chunks("relationships", ("Organisation", "PART_OF", "Zone"),
                      ([u("org", o), u("zone", z)] for o, z in sorted(part_of)))
    serving = _zipf(rng, len(others), 3 * s.zones, exponent=1.2)
    serves = {(others[o], z) for o, z in zip(serving, [z for z in range(s.zones) for _ in range(3)])}
    yield from chunks("relationships", ("Organisation", "SERVES", "Zone"),
                      ([u("org", o), u("zone", z)] for o, z in sorted(serves) if (o, z) not in part_of))
    member_org = _zipf(rng, s.organisations, s.members)
    yield from chunks("relationships", ("Member", "MEMBER_OF", "Organisation"),
                      ([u("member", m), u("org", member_org[m])] for m in range(s.members)))
    secretary: dict[int, int] = {}
    for m, o in enumerate(member_org):
        secretary.setdefault(o, m)
    yield from chunks("relationships", ("Member", "SECRETARY_OF", "Organisation"),
                      ([u("member", m), u("org", o)] for o, m in sorted(secretary.items())))
    yield from chunks("relationships", ("Member", "RUNS", "Enterprise"),
                      ([u("member", m), u("enterprise", rng.randrange(s.enterprises))] for m in range(s.members)
                       if rng.random() < 0.02))
    demand_community = [rng.randrange(s.communities) for _ in range(s.demands)]
    yield from chunks("relationships", ("Demand", "RAISED_IN", "Community"),
                      ([u("demand", d), u("community", demand_community[d])] for d in range(s.demands)))
    handled = [d for d in range(s.demands) if demand_status[d] != "RAISED"]
    by_department = {d for d in handled if rng.random() < 0.3}
    for rel_type, wanted in (("ASSIGNED_TO", handled), ("RESOLVED_BY", [d for d in handled
                                                                       if demand_status[d] == "RESOLVED"])):
        yield from chunks("relationships", ("Demand", rel_type, "Department"),
                          ([u("demand", d), u("department", d % s.departments)] for d in wanted if d in by_department))
        yield from chunks("relationships", ("Demand", rel_type, "Organisation"),
                          ([u("demand", d), u("org", demand_community[d] % s.organisations)] for d in wanted
                           if d not in by_department))
    yield from chunks("relationships", ("Programme", "IN_TOWN", "Town"),
                      ([u("programme", p), u("town", p % s.towns)] for p in range(s.programmes)))


async def load_city(backend, shape: CityShape, seed: int = 0, batch_size: int = 5000,
                    progress=None) -> tuple[int, int]:
    """CREATE the city into an empty graph; `progress(label or type, rows)` after each batch."""
    from graph.loading import create_nodes_query, create_relationships_query

    nodes = rels = 0
    for kind, key, rows in generate(shape, seed, batch_size):
        if kind == "nodes":
            await backend.write(create_nodes_query(key, rows))
            nodes += len(rows)
        else:
            await backend.write(create_relationships_query(*key, rows))
            rels += len(rows)
        if progress:
            progress(key if isinstance(key, str) else key[1], len(rows))
    return nodes, rels
