"""The access matrix of issue 12 as data: the grants (role × scope), the nodes each operation is
tried on, and the outcome each case expects (tests/test_access_matrix.py runs them over HTTP).

Expectations come from docs/security.md ("Who may see and change what") and from the
independent account of which seed node belongs to which town (tests/authorisation.py, networkx
over the seed files), never from graph/authorise.py. graph/model.py is read only for the shape of
the schema (which field is which relationship), not for who may see what.
"""
from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

import networkx as nx

from graph.model import NODE_TYPES, TYPES
from seed.loader import read_seed
from tests.authorisation import PLURALS, seed_towns

NZ, ZM = "town-nanzhuang", "town-zumiao"
K = 5  # DANGJIAN_SUPPRESSION_K's default: the server runs without the setting
TYPE_NAMES = tuple(t.name for t in NODE_TYPES)  # AuditEntry last
WRITABLE = tuple(t.name for t in NODE_TYPES if t.writable)
PLURAL = {**PLURALS, "AuditEntry": "auditEntries"}


@dataclass(frozen=True)
class G:
    """A grant of the matrix: a role (None: no token at all) and the towns it is limited to."""

    id: str
    role: str | None
    towns: tuple[str, ...] = ()
    district_reads: bool = False  # --read-whole-district / dangjian_reads: "district"

    @property
    def reads_limited(self) -> bool:
        return bool(self.towns) and not self.district_reads

    @property
    def district_admin(self) -> bool:
        """An admin for the whole district: the audit trail, undo and import are theirs alone."""
        return self.role == "admin" and not self.towns

    @property
    def writer(self) -> bool:
        return self.role in ("editor", "admin")


GRANTS = (
    G("anonymous", None),
    G("viewer", "viewer"), G("viewer@nanzhuang", "viewer", (NZ,)),
    G("researcher", "researcher"), G("researcher@nanzhuang", "researcher", (NZ,)),
    G("editor", "editor"), G("editor@nanzhuang", "editor", (NZ,)),
    G("editor@nanzhuang+district-reads", "editor", (NZ,), district_reads=True),
    G("admin", "admin"), G("admin@nanzhuang", "admin", (NZ,)),
)
BY_ID = {g.id: g for g in GRANTS}
KINDS = ("key", "jwt")


def kind_of(*indexes: int) -> str:
    """Half the cases of each (grant, operation) use the API key, half the JWT: both credentials
    of every grant are exercised on every operation."""
    return KINDS[sum(indexes) % 2]


def credential(case) -> str:
    return case.kind if case.grant.role else "no-token"


# -- what a grant sees (docs/security.md, "Who may see and change what") -----------------------

class Oracle:
    """The seed as networkx sees it: towns of each node (tests/authorisation.py), adjacency, and
    the related uids of each relationship field."""

    def __init__(self) -> None:
        self.seed = seed_towns()
        self.pairs = {key: [tuple(p) for p in pairs] for key, pairs in read_seed().relationships.items()}
        self.undirected = nx.Graph()
        self.undirected.add_nodes_from(self.seed.label)
        self.undirected.add_edges_from(p for pairs in self.pairs.values() for p in pairs)

    def sees(self, g: G, uid: str, label: str | None = None) -> bool:
        """Does the grant read this node? The audit trail is the district admins' alone; a grant whose reads
        are limited sees nodes of its towns and of no town."""
        if (label or self.seed.label.get(uid)) == "AuditEntry":
            return g.district_admin
        return not g.reads_limited or self.seed.visible(uid, g.towns)

    def of(self, label: str) -> list[str]:
        return self.seed.of(label)

    def related(self, label: str, uid: str, field: str) -> list[str]:
        """The uids a relationship field lists, from the seed's relationship files."""
        rel = TYPES[label].rel(field)
        if rel.direction == "OUT":
            return sorted(b for a, b in self.pairs.get((label, rel.type, rel.target), ()) if a == uid)
        return sorted(a for a, b in self.pairs.get((rel.target, rel.type, label), ()) if b == uid)

    def hops(self, g: G, start: str, end: str, max_hops: int = 6) -> int | None:
        """Shortest path length through nodes the grant sees, or None."""
        seen = self.undirected.subgraph(u for u in self.undirected if self.sees(g, u))
        try:
            length = nx.shortest_path_length(seen, start, end)
        except (nx.NetworkXNoPath, nx.NodeNotFound):
            return None
        return length if length <= max_hops else None

    # Samples for the reads, chosen so that a Nanzhuang grant's answer differs from the district's.
    nz = G("nanzhuang", "viewer", (NZ,))

    def visible_sample(self, label: str) -> str:
        """A node a Nanzhuang grant sees, preferably one with hidden neighbours; else any node."""
        nodes = [u for u in self.of(label) if len(self.undirected[u]) <= 150]
        shown = [u for u in nodes if self.sees(self.nz, u)]
        with_hidden = [u for u in shown if any(not self.sees(self.nz, n) for n in self.undirected[u])]
        return (with_hidden or shown or nodes)[0]

    def hidden_sample(self, label: str) -> str | None:
        return next((u for u in self.of(label) if not self.sees(self.nz, u)), None)

    def search_sample(self, label: str) -> str:
        """A node with a name no other seed node has (so first: 100 cannot cut it off), a
        Nanzhuang one where there is one: its researcher and editor see its name."""
        names = Counter(p["name"] for p in self.seed.props.values())
        unique = [u for u in self.of(label) if names[self.seed.props[u]["name"]] == 1]
        return next((u for u in unique if self.seed.towns[u] == {NZ}), None) or next(
            (u for u in unique if self.sees(self.nz, u)), unique[0])

    @lru_cache(maxsize=None)
    def nested_sample(self, target: str) -> tuple[str, str, tuple[str, ...]] | None:
        """(parent type, field, parents) for a nested read of `target`: parents a Nanzhuang grant
        sees whose field lists target nodes it does not see (and some it does, where possible)."""
        best = None
        for parent_type, field in sorted((t.name, r.name) for t in NODE_TYPES for r in t.rels if r.target == target):
            for parent in self.of(parent_type):
                listed = self.related(parent_type, parent, field)
                if not listed or len(listed) > 150:
                    continue
                hidden = sum(not self.sees(self.nz, u) for u in listed)
                score = self.sees(self.nz, parent) * 4 + (hidden > 0) * 2 + (hidden < len(listed))
                if best is None or score > best[0]:
                    best = (score, parent_type, field, (parent,))
        return None if best is None else best[1:]


@lru_cache(maxsize=1)
def oracle() -> Oracle:
    return Oracle()


def sight(g: G, label: str) -> str:
    """How much of a type the grant reads, as the case ids say it: 401 (no token), none, towns
    (its towns' nodes and nodes of no town) or all."""
    if g.role is None:
        return "401"
    if label == "AuditEntry":
        return "all" if g.district_admin else "none"
    return "towns" if g.reads_limited else "all"


def found_by_name(g: G, uid: str, label: str) -> bool:
    """Does a search by name find this node: the grant sees it and, for a member, the name
    (viewers never; researchers and editors with towns only there). Search covers every type but
    the audit trail (NodeType.is_data, graph/cypher/search.py), read through auditEntries alone."""
    if label == "AuditEntry" or not oracle().sees(g, uid, label):
        return False
    if label != "Member" or g.role == "admin":
        return True
    return g.role != "viewer" and (not g.towns or bool(oracle().seed.towns[uid] & set(g.towns)))


def neighbourhood(g: G, uid: str, label: str) -> set[str]:
    """A node and the neighbours the grant sees (depth 1)."""
    o = oracle()
    return {uid} | ({n for n in o.undirected[uid] if o.sees(g, n)} if label != "AuditEntry" else set())


PEOPLE = ("members", "villageSecretaries", "entrepreneurSecretaries", "membersReachable", "collected", "resolved")


def release(value, g: G):
    """An exact answer (an admin's) as the grant should get it: counts of people and demands, for
    viewers and researchers, null under k and else rounded half up to a multiple of k."""
    if isinstance(value, list):
        return [release(v, g) for v in value]
    if isinstance(value, dict):
        return {k: release(v, g) if k not in PEOPLE or v is None or g.role not in ("viewer", "researcher")
                else None if v < K else K * int(v / K + 0.5) for k, v in value.items()}
    return value


# -- the read matrix -------------------------------------------------------------------------------

READ_OPS = ("read", "nested", "node", "search", "path", "neighbourhood", "export")
STATS = {
    "townStatistics": "{ x: townStatistics { area { uid } members villageSecretaries entrepreneurSecretaries } }",
    "districtStatistics": "{ x: districtStatistics { zones members villageSecretaries entrepreneurSecretaries } }",
    "coverageGaps": "{ x: coverageGaps { gridsWithoutDepartment { count } villagesWithoutSecretary { count } } }",
    "bridgingOrganisations": "{ x: bridgingOrganisations { totalCount } }",
    "demandStatistics": "{ x: demandStatistics(groupBy: STATUS) { collected resolved } }",
    "zoneComposition": "{ x: zoneComposition(first: 200) { zones { zone { uid } membersReachable } } }",
}
# Refused (rule scope:district) to a grant whose reads are limited to towns.
DISTRICT_WIDE = ("districtStatistics", "coverageGaps", "bridgingOrganisations")


@dataclass(frozen=True)
class ReadCase:
    op: str
    grant: G
    type: str
    kind: str

    @property
    def id(self) -> str:
        return f"{self.op}:{self.grant.id}:{self.type}:{credential(self)}->{sight(self.grant, self.type)}"


# No relationship field lists audit entries: there is no nested read of them.
READ_CASES = [ReadCase(op, g, t, kind_of(gi, oi, ti))
              for oi, op in enumerate(READ_OPS) for gi, g in enumerate(GRANTS) for ti, t in enumerate(TYPE_NAMES)
              if not (op == "nested" and t == "AuditEntry")]
STAT_CASES = [ReadCase(op, g, "-", kind_of(gi, oi)) for oi, op in enumerate(STATS) for gi, g in enumerate(GRANTS)]


# -- the write matrix ------------------------------------------------------------------------------

# Where the node written lies: "nanzhuang" belongs to Nanzhuang alone, "other-town" to one other
# town, "district" to no town, "foreign-link" is a Nanzhuang node linked to another town's node
# (the link the case makes, changes or leaves), "new" a new town.
# The seed's nodes each case writes (tests/test_access_matrix.py checks them against the
# oracle); None: a node the case creates first, as the admin, and deletes after.
SUBJECTS = {
    "District": {"district": "district-chancheng"},
    "Town": {"nanzhuang": NZ, "other-town": ZM},
    "Zone": {"nanzhuang": None, "other-town": "zone-zumiao-01", "district": None},
    "Community": {"nanzhuang": "community-nanzhuang-village-01", "other-town": "community-zumiao-01",
                  "district": "community-fancun"},
    "Grid": {"nanzhuang": "grid-087", "other-town": "grid-001", "district": None},
    "Park": {"nanzhuang": None, "other-town": "park-software", "district": None},
    "Enterprise": {"nanzhuang": None, "other-town": "enterprise-park-07", "district": "enterprise-nanzhuang-01"},
    "Organisation": {"nanzhuang": "org-nanzhuang-village-01", "other-town": "org-zumiao-community-01",
                     "district": "org-x-01"},
    "Member": {"nanzhuang": "member-nanzhuang-secretary-01", "other-town": "member-illustrative-001",
               "district": "member-illustrative-227"},
    "Department": {"district": "dept-political-legal"},
    "CommandCentre": {"nanzhuang": "cc-nanzhuang", "other-town": "cc-zumiao", "district": "cc-chancheng-district"},
    "Demand": {"nanzhuang": "demand-nanzhuang-001", "other-town": None,
               "district": "demand-fancun-lane-power-and-lamps"},
    "Programme": {"nanzhuang": "programme-my-secretary", "other-town": "programme-healthy-peide",
                  "district": "programme-governance-cloud-platform"},
    # The network's work (the seed's lists are Shiwan's, its teams and visits Nanzhuang's).
    "Resource": {"nanzhuang": None, "other-town": "resource-shiwan-002", "district": "resource-shiwan-009"},
    "ServiceTeam": {"nanzhuang": None, "other-town": "team-shiwan-002", "district": "team-shiwan-012"},
    "ActionProject": {"nanzhuang": None, "other-town": "action-project-shiwan-001", "district": None},
    "StationedTeam": {"nanzhuang": "stationed-team-nanzhuang-01", "other-town": None, "district": None},
    "Visit": {"nanzhuang": "visit-nanzhuang-01-01", "other-town": None, "district": None},
}
# What a new node needs besides uid and name, and the field through which it belongs to a town.
CREATE = {
    "District": ({}, None), "Town": ({"kind": "TOWN"}, None), "Department": ({}, None),
    "Zone": ({"isDemonstration": False}, "town"), "Community": ({"kind": "VILLAGE"}, "town"),
    "Grid": ({}, "town"), "Park": ({}, "town"), "Enterprise": ({}, "park"),
    "Organisation": ({"kind": "SOCIAL"}, "town"), "Member": ({}, "memberOf"),
    "CommandCentre": ({"level": "TOWN"}, "town"), "Demand": ({"category": "OTHER"}, "community"),
    "Programme": ({"kind": "SERVICE"}, "town"),
    "Resource": ({"kind": "VENUE", "categories": ["OTHER"], "coverage": "TOWN", "capacity": 1}, "town"),
    "ServiceTeam": ({"categories": ["OTHER"], "coverage": "TOWN", "capacity": 1}, "town"),
    "ActionProject": ({"status": "PLANNED"}, "town"), "StationedTeam": ({}, "town"),
    "Visit": ({"visitedOn": "2015-06-01", "householdsVisited": 1, "residentsReceived": 1}, "community"),
}
# The node a new node's town field names, per placement (None: the seed has no Nanzhuang park, so
# the case creates one first). A "district" node is created without it, except a demand, which
# must name a community: one that belongs to no town.
ANCHORS = {
    "nanzhuang": {"Town": NZ, "Park": None, "Organisation": "org-nanzhuang-village-01",
                  "Community": "community-nanzhuang-village-01"},
    "other-town": {"Town": ZM, "Park": "park-software", "Organisation": "org-zumiao-community-01",
                   "Community": "community-zumiao-01"},
    "district": {"Community": "community-fancun"},
}
# Links the cases make: (field, a target of no other town than Nanzhuang's, field, a target of
# another town). A Nanzhuang editor may link the first, not the second (rule scope:target).
LINKS = {
    "District": ("programmes", "programme-my-secretary", None, None),
    "Town": ("programmes", "programme-governance-cloud-platform", "programmes", "programme-healthy-peide"),
    "Zone": ("externalOrganisations", "org-x-05", "externalOrganisations", "org-zumiao-community-01"),
    "Community": ("grids", "grid-088", "grids", "grid-001"),
    "Grid": ("communities", "community-nanzhuang-village-02", "communities", "community-zumiao-01"),
    "Park": ("enterprises", "enterprise-nanzhuang-01", "partyCommittee", "org-zumiao-community-01"),
    "Enterprise": ("runBy", "member-nanzhuang-secretary-02", "runBy", "member-illustrative-001"),
    "Organisation": ("programmes", "programme-governance-cloud-platform", "programmes", "programme-healthy-peide"),
    "Member": ("memberOf", "org-x-01", "memberOf", "org-zumiao-community-01"),
    "Department": ("commandCentres", "cc-nanzhuang", None, None),
    "CommandCentre": ("departments", "dept-political-legal", "grids", "grid-001"),
    "Demand": ("community", "community-nanzhuang-village-02", "community", "community-zumiao-01"),
    "Programme": ("organisers", "org-x-01", "organisers", "org-zumiao-community-01"),
    # Fields the subjects have no link in yet (a single-valued connect would replace one).
    "Resource": ("providerDepartment", "dept-political-legal", "providerOrganisation", "org-zumiao-community-01"),
    "ServiceTeam": ("members", "member-nanzhuang-secretary-03", "members", "member-illustrative-001"),
    "ActionProject": ("demands", "demand-shitou-baoyuan-road-bus", "demands", "demand-shiwan-001"),
    "StationedTeam": ("communities", "community-nanzhuang-village-05", "communities", "community-zumiao-01"),
    "Visit": ("demands", "demand-shitou-baoyuan-road-bus", "demands", "demand-shiwan-001"),
}
WRITE_OPS = ("create", "update", "delete", "connect", "disconnect")


def placements(op: str, type_name: str) -> tuple[str, ...]:
    """Every placement a town-limited writer is tried on, for this operation and type."""
    if type_name in ("District", "Department"):
        return ("district",)
    if type_name == "Town":
        return {"create": ("new",), "delete": ("new",), "update": ("nanzhuang", "other-town"),
                "connect": ("nanzhuang", "foreign-link", "other-town"),
                "disconnect": ("nanzhuang", "other-town")}[op]
    if op in ("create", "update"):
        return "nanzhuang", "other-town", "district"
    # A demand's one writable link is its community, its town: linking another town's community
    # moves the demand there, so it is never left linked across (connect alone is tried).
    across = () if type_name == "Demand" and op != "connect" else ("foreign-link",)
    return ("nanzhuang", "other-town", "district")[: 3 if op == "delete" else 2] + across


def outcome(g: G, op: str, type_name: str, placement: str) -> str:
    """The expected answer: ok, 401, or the FORBIDDEN rule (docs/security.md, "Refusals")."""
    if g.role is None:
        return "401"
    if not g.writer:
        return "role"
    if not g.towns:
        return "ok"
    if op == "create":
        return "ok" if placement == "nanzhuang" else "scope:created"
    if placement in ("other-town", "district", "new"):
        return "scope:node"  # a town (new or not) is never deleted by a town-limited grant
    if placement == "foreign-link":
        if type_name == "Member" and op != "connect":
            return "scope:node"  # the link to another town's organisation makes the member theirs too
        return "scope:neighbours" if op == "delete" else "scope:target"
    return "ok"


@dataclass(frozen=True)
class WriteCase:
    op: str
    grant: G
    type: str
    placement: str
    kind: str

    @property
    def expect(self) -> str:
        return outcome(self.grant, self.op, self.type, self.placement)

    @property
    def id(self) -> str:
        return f"{self.op}:{self.grant.id}:{self.type}:{self.placement}:{credential(self)}->{self.expect}"


def _write_cases() -> list[WriteCase]:
    cases = []
    for (oi, op), (gi, g), (ti, t) in itertools.product(enumerate(WRITE_OPS), enumerate(GRANTS), enumerate(WRITABLE)):
        every = placements(op, t)
        if g.towns and g.writer:
            chosen = every  # the town-limited writers: every placement
        elif g.writer:  # district-wide writers: across towns (another town's node, else the one there is)
            chosen = tuple(p for p in ("other-town", "new", "district") if p in every)[:1]
        else:  # readers and anonymous: refused whatever the node, tried on Nanzhuang's
            chosen = tuple(p for p in ("nanzhuang", "new", "district") if p in every)[:1]
        cases += [WriteCase(op, g, t, p, kind_of(gi, oi, ti, pi)) for pi, p in enumerate(chosen)]
    return cases


WRITE_CASES = _write_cases()
IMPORT_CASES = [ReadCase("import", g, "Organisation", kind_of(gi)) for gi, g in enumerate(GRANTS)]


def import_outcome(g: G) -> int:
    """POST /import: admins of the whole district only (graph/authorise.check_admin)."""
    if g.role is None:
        return 401
    return 200 if g.district_admin else 403


# -- the documents the write cases send --------------------------------------------------------------

def mutation(op: str, type_name: str) -> tuple[str, str]:
    """(the mutation field, the document) of one write."""
    if op == "create":
        field, input_type = ("raiseDemand", "RaiseDemandInput") if type_name == "Demand" else \
            (f"create{type_name}", f"{type_name}CreateInput")
        return field, f"mutation($input: {input_type}!) {{ {field}(input: $input) {{ uid }} }}"
    field = f"{op}{type_name}"
    if op == "update":
        return field, (f"mutation($uid: String!, $input: {type_name}UpdateInput!) "
                       f"{{ {field}(uid: $uid, input: $input) {{ uid }} }}")
    if op == "delete":
        return field, f"mutation($uid: String!) {{ {field}(uid: $uid) {{ deleted }} }}"
    return field, (f"mutation($uid: String!, $rel: {type_name}Relationship!, $targets: [String!]!) "
                   f"{{ {field}(uid: $uid, relationship: $rel, targets: $targets) {{ uid }} }}")


def create_input(type_name: str, uid: str, anchor: str | None) -> dict:
    extra, via = CREATE[type_name]
    given = {"uid": uid, "name": f"矩阵{type_name}", **extra}
    if via and anchor:
        given[via] = [anchor] if TYPES[type_name].rel(via).many else anchor
    return given


def probe_query(type_name: str, op: str) -> str:
    """What the admin reads before and after each write: the audit trail's size and this actor's
    entries of this action, the node written with all its links and, for a create or delete, the
    type's count (no write of one type creates or deletes another) and the node a create makes."""
    rels = " ".join(f"{r.name}{'(first: 1000)' if r.many else ''} {{ uid }}" for r in TYPES[type_name].rels)
    counted = op in ("create", "delete")
    return (f"query($sid: ID!, {'$cid: ID!, ' * counted}$actor: String!, $type: String!, $action: String!) {{ "
            "audit: auditEntries { totalCount } "
            "mine: auditEntries(where: {actor: {eq: $actor}, targetType: {eq: $type}, action: {eq: $action}}) "
            f"{{ totalCount }} subject: node(id: $sid) {{ ... on {type_name} {{ uid description {rels} }} }} "
            + (f"count: {PLURAL[type_name]} {{ totalCount }} created: node(id: $cid) {{ id }} " * counted) + "}")
