"""Issue 12's access matrix over HTTP, on both engines: every grant of tests/access_matrix_cases.py
(anonymous, viewer, researcher, editor, admin; district-wide and limited to Nanzhuang; an editor
limited to Nanzhuang who reads the whole district) against one `dangjian serve --production` per
engine, with real credentials (API keys from `dangjian token create`, HS256 JWTs), for every type
and operation. Expectations are the cases module's (docs/security.md and the seed oracle); the
write cases leave the graph as seeded, which the last test checks."""
from __future__ import annotations

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from graph.model import TYPES
from graph.plan import CompiledQuery
from resolvers.ids import to_global_id as gid
from seed.loader import read_seed
from tests.access_matrix_cases import (
    ANCHORS, BY_ID, CREATE, DISTRICT_WIDE, GRANTS, IMPORT_CASES, KINDS, LINKS, NZ, PLURAL, READ_CASES, STAT_CASES,
    STATS, SUBJECTS, TYPE_NAMES, WRITABLE, WRITE_CASES, ZM, create_input, credential, found_by_name, import_outcome,
    mutation, neighbourhood, oracle, probe_query, release,
)
from tests.auth_support import AUDIENCE, ISSUER, SECRET, bearer, claims, make_key, production_server, sign
from tests.conftest import TEST_GRAPH

GRAPH = f"{TEST_GRAPH}_matrix"
O = oracle()
ADMIN = BY_ID["admin"]
# The matrix sends thousands of requests a minute per grant: rate limits are not what it tests.
ENV = {"DANGJIAN_JWT_SECRET": SECRET, "DANGJIAN_JWT_ISSUER": ISSUER, "DANGJIAN_JWT_AUDIENCE": AUDIENCE,
       **{f"DANGJIAN_RATE_{r}": "1000000/minute" for r in ("VIEWER", "RESEARCHER", "EDITOR", "ADMIN", "FAILED_AUTH")}}
# The seed has no contacts: the setup gives one to members of Nanzhuang, Zumiao and no town.
CONTACTS = {u: f"mx-contact-{i}@example.org" for i, u in
            enumerate(("member-nanzhuang-secretary-01", "member-illustrative-001", "member-illustrative-227"))}
PERSONAL = ("name", "nameEn", "description", "contact")
# Members' personal values that no other seed text holds (a name that is also an organisation's
# description would be no leak); no viewer answer may contain one.
_PUBLIC = " ".join(str(v) for u, p in O.seed.props.items() for k, v in p.items()
                   if O.seed.label[u] != "Member" or k not in PERSONAL)
SECRETS = {v for u in O.of("Member") for k in PERSONAL if (v := O.seed.props[u].get(k)) and len(v) >= 3
           and v not in _PUBLIC} | set(CONTACTS.values())


class Matrix:
    """The server, each grant's two credentials, and requests that scan whatever a viewer gets."""

    def __init__(self, url: str, backend, engine) -> None:
        self.http = httpx.Client(base_url=url, timeout=60)
        self.backend = backend
        flags = {g.id: [f for t in g.towns for f in ("--town", t)] + ["--read-whole-district"] * g.district_reads
                 for g in GRANTS if g.role}
        with ThreadPoolExecutor(3) as pool:  # one `dangjian token create` process per grant
            keys = dict(zip(flags, pool.map(lambda i: make_key(engine, GRAPH, self.name(BY_ID[i], "key"),
                                                               BY_ID[i].role, *flags[i]), flags)))
        self.tokens = {i: {"key": keys[i], "jwt": self.jwt(BY_ID[i])} for i in flags}
        for uid, contact in CONTACTS.items():
            self.admin("mutation($u: String!, $c: String) { updateMember(uid: $u, input: {contact: $c}) { uid } }",
                       {"u": uid, "c": contact})

    @staticmethod
    def name(g, kind: str) -> str:
        """The credential's name: the actor of what it writes."""
        return f"矩阵 {g.id} ({kind})" if g.role else "-"

    def jwt(self, g) -> str:
        extra = {"dangjian_towns": list(g.towns)} if g.towns else {}
        extra.update({"dangjian_reads": "district"} if g.district_reads else {})
        return sign(claims(sub=g.id, name=self.name(g, "jwt"), dangjian_role=g.role, exp=int(time.time()) + 7200,
                           **extra), key=SECRET, algorithm="HS256", kid=None)

    def headers(self, g, kind: str) -> dict:
        return bearer(self.tokens[g.id][kind]) if g.role else {}

    def gql(self, g, kind: str, query: str, variables: dict | None = None) -> httpx.Response:
        return self.scan(g, self.http.post("/graphql", json={"query": query, "variables": variables or {}},
                                           headers=self.headers(g, kind)))

    def get(self, g, kind: str, path: str) -> httpx.Response:
        return self.scan(g, self.http.get(path, headers=self.headers(g, kind)))

    def scan(self, g, r: httpx.Response) -> httpx.Response:
        """No viewer answer, whatever it is, holds a member's real name, pinyin, note or contact."""
        if g.role == "viewer":
            text = json.dumps(r.json(), ensure_ascii=False) if "json" in r.headers.get("content-type", "") else r.text
            leaked = sorted(s for s in SECRETS if s in text)
            assert not leaked, f"{g.id} was shown personal values {leaked[:3]} by {r.request.url}"
        return r

    def data(self, g, kind: str, query: str, variables: dict | None = None) -> dict:
        body = self.gql(g, kind, query, variables).json()
        assert "errors" not in body, (g.id, kind, body)
        return body["data"]

    def admin(self, query: str, variables: dict | None = None) -> dict:
        return self.data(ADMIN, "key", query, variables)

    async def audit(self) -> dict[str, str]:
        """Every audit entry's uid and name, read from the database itself."""
        rows = await self.backend.read(CompiledQuery("MATCH (a:AuditEntry) RETURN a.uid AS uid, a.name AS name"))
        return {r["uid"]: r["name"] for r in rows}


@pytest.fixture(scope="module")
async def m(engine, data_dir):
    async with production_server(engine, data_dir, GRAPH, ENV) as (url, backend):
        matrix = Matrix(url, backend, engine)
        yield matrix
        matrix.http.close()


def refused_401(r: httpx.Response) -> None:
    assert r.status_code == 401 and (r.url.path != "/graphql" or r.json()["errors"][0]["extensions"]["code"]
                                     == "UNAUTHENTICATED"), r.text


def uids(value) -> list[str]:
    return [] if value is None else sorted(v["uid"] for v in value) if isinstance(value, list) else [value["uid"]]


# -- reads: the whole type, a nested list, then one node at a time -----------------------------------

async def op_read(m, c):
    """Every node of the type, with its personal fields: a member's are shown where the grant sees
    the name (found_by_name), else masked: 李** and null."""
    found, after, fields = [], None, "uid name nameEn description" + " contact" * (c.type == "Member")
    while after is not False:
        page = m.data(c.grant, c.kind, f"query($a: String) {{ x: {PLURAL[c.type]}(first: 200, after: $a) "
                                       f"{{ totalCount nodes {{ {fields} }} pageInfo {{ hasNextPage endCursor }} }} }}",
                      {"a": after})["x"]
        found += page["nodes"]
        after = page["pageInfo"]["hasNextPage"] and page["pageInfo"]["endCursor"]
    every = list(await m.audit()) if c.type == "AuditEntry" else O.of(c.type)
    expected = sorted(u for u in every if O.sees(c.grant, u, c.type))
    assert (sorted(n["uid"] for n in found), page["totalCount"]) == (expected, len(expected))
    for n in found if c.type == "Member" else ():
        real = {**O.seed.props[n["uid"]], "contact": CONTACTS.get(n["uid"])}
        shown = found_by_name(c.grant, n["uid"], "Member")
        assert n == {"uid": n["uid"], **({k: real.get(k) for k in PERSONAL} if shown else
                                         {**dict.fromkeys(PERSONAL), "name": real["name"][0] + "**"})}, n


async def op_nested(m, c):
    parent_type, field, parents = O.nested_sample(c.type)
    selection = f"{field}{'(first: 200)' if TYPES[parent_type].rel(field).many else ''} {{ uid name nameEn }}"
    data = m.data(c.grant, c.kind, f"query($p: [String!]) {{ x: {PLURAL[parent_type]}(where: {{uid: {{in: $p}}}}) "
                                   f"{{ nodes {{ uid {selection} }} }} }}", {"p": list(parents)})
    assert {n["uid"]: uids(n[field]) for n in data["x"]["nodes"]} == {
        p: [u for u in O.related(parent_type, p, field) if O.sees(c.grant, u)] for p in parents
        if O.sees(c.grant, p)}, (parent_type, field)


async def op_search(m, c):
    """A node by its name (Chinese: every label is scanned), one a Nanzhuang grant does not see by
    its English name where it has one (the full-text indexes' path)."""
    if c.type == "AuditEntry":
        tried = sorted((await m.audit()).items())[:1]
    else:
        shown, hidden = O.search_sample(c.type), O.hidden_sample(c.type)
        tried = [(shown, O.seed.props[shown]["name"])] + ([(hidden, O.seed.props[hidden].get("nameEn") or
                                                            O.seed.props[hidden]["name"])] if hidden else [])
    for uid, text in tried:
        hits = m.data(c.grant, c.kind, "query($t: String!) { search(text: $t, first: 100) { label uid name nameEn } }",
                      {"t": text})["search"]
        assert all(found_by_name(c.grant, h["uid"], h["label"]) for h in hits), hits
        assert any(h["uid"] == uid for h in hits) == found_by_name(c.grant, uid, c.type), (uid, hits)


def no_node(body: dict, field: str) -> None:
    """A hidden start is as if it did not exist."""
    error = body["errors"][0]
    assert (error["extensions"].get("code"), error["extensions"].get("field")) == ("BAD_USER_INPUT", field), body
    assert "no node" in error["message"], body


def node_by_id(m, c, uid: str, seen: bool) -> None:
    node = m.data(c.grant, c.kind, f"query($i: ID!) {{ node(id: $i) {{ id ... on {c.type} {{ uid }} "
                                   "... on Member { name contact } } }", {"i": gid(c.type, uid)})["node"]
    assert (node and (node["id"], node["uid"])) == ((gid(c.type, uid), uid) if seen else None), node


def path(m, c, uid: str, seen: bool) -> None:
    """To the district, through nodes the grant sees: the oracle's shortest path there."""
    body = m.gql(c.grant, c.kind, "query($f: ID!, $t: ID!) { path(from: $f, to: $t, maxHops: 6) "
                                  "{ found hops truncated nodes { uid label name nameEn } } }",
                 {"f": gid(c.type, uid), "t": gid("District", "district-chancheng")}).json()
    if not seen:
        return no_node(body, "from")
    found = body["data"]["path"]
    assert all(O.sees(c.grant, n["uid"], n["label"]) for n in found["nodes"]), found
    hops = None if c.type == "AuditEntry" else O.hops(c.grant, uid, "district-chancheng")
    assert found["truncated"] or (found["found"], found["hops"]) == (hops is not None, hops), (found, hops)


def ego(m, c, uid: str, seen: bool) -> None:
    body = m.gql(c.grant, c.kind, "query($i: ID!) { neighbourhood(id: $i, depth: 1, limit: 2000) "
                                  "{ truncated nodes { uid name nameEn } } }", {"i": gid(c.type, uid)}).json()
    if not seen:
        return no_node(body, "id")
    got = body["data"]["neighbourhood"]
    assert not got["truncated"] and {n["uid"] for n in got["nodes"]} == neighbourhood(c.grant, uid, c.type)


def export(m, c, uid: str, seen: bool) -> None:
    r = m.get(c.grant, c.kind, f"/export/{gid(c.type, uid)}.json?limit=2000")
    assert r.status_code == (200 if seen else 404), r.text
    if seen:
        assert {n["data"]["uid"] for n in r.json()["elements"]["nodes"]} == neighbourhood(c.grant, uid, c.type)


PER_NODE = {"node": node_by_id, "path": path, "neighbourhood": ego, "export": export}


@pytest.mark.parametrize("c", READ_CASES, ids=lambda c: c.id)
async def test_read(m, c):
    if c.grant.role is None:  # no token: refused before the request is read, whatever it asks
        return refused_401(m.get(c.grant, c.kind, f"/export/{gid('Town', NZ)}.json") if c.op == "export"
                           else m.gql(c.grant, c.kind, f"{{ {PLURAL[c.type]} {{ totalCount }} }}"))
    if c.op in PER_NODE:  # a node a Nanzhuang grant sees (where there is one) and one it does not
        tried = [min(await m.audit())] if c.type == "AuditEntry" else \
            [u for u in dict.fromkeys((O.visible_sample(c.type), O.hidden_sample(c.type))) if u]
        for uid in tried:
            PER_NODE[c.op](m, c, uid, O.sees(c.grant, uid, c.type))
        return
    await {"read": op_read, "nested": op_nested, "search": op_search}[c.op](m, c)


@pytest.mark.parametrize("c", STAT_CASES, ids=lambda c: c.id.replace(":-", ""))
async def test_statistics(m, c):
    r = m.gql(c.grant, c.kind, STATS[c.op])
    if c.grant.role is None:
        return refused_401(r)
    body = r.json()
    if c.grant.reads_limited and c.op in DISTRICT_WIDE:
        error = body["errors"][0]["extensions"]
        assert (error["code"], error.get("rule")) == ("FORBIDDEN", "scope:district"), body
        return
    exact = m.admin(STATS[c.op])["x"]
    if c.op == "townStatistics":
        exact = [t for t in exact if O.sees(c.grant, t["area"]["uid"])]
        assert [t["area"]["uid"] for t in exact] == sorted(c.grant.towns if c.grant.reads_limited else O.of("Town"))
    if c.op == "zoneComposition":
        exact = {"zones": [z for z in exact["zones"] if O.sees(c.grant, z["zone"]["uid"])]}
    if c.op == "demandStatistics":  # the seed's own count of the demands the grant sees
        seen = lambda g: [O.seed.props[u]["status"] for u in O.of("Demand") if O.sees(g, u)]  # noqa: E731
        assert exact == {"collected": len(seen(ADMIN)), "resolved": seen(ADMIN).count("RESOLVED")}
        exact = {"collected": len(seen(c.grant)), "resolved": seen(c.grant).count("RESOLVED")}
    assert body["data"] == {"x": release(exact, c.grant)} and "errors" not in body, (body, exact)
    if c.grant.role in ("viewer", "researcher") and c.op in ("townStatistics", "districtStatistics",
                                                             "demandStatistics"):
        assert release(exact, c.grant) != exact, "no figure is under k or off a multiple of k: nothing to suppress"


# -- writes ------------------------------------------------------------------------------------------

def admin_write(m, op: str, t: str, uid: str, *args, quiet: bool = False) -> None:
    """The admin's setup and undo steps; an undo ignores errors (the case may have done it)."""
    variables = {"uid": uid} if op == "delete" else {"uid": uid, "input": {"description": args[0]}} \
        if op == "update" else {"uid": uid, "rel": args[0], "targets": [args[1]]}
    (m.gql if quiet else m.data)(ADMIN, "key", mutation(op, t)[1], variables)


def anchor_of(m, t: str, place: str, undo: list) -> str | None:
    """The node a new node of `t` at `place` is linked to, to belong to that town."""
    via = CREATE[t][1] and TYPES[t].rel(CREATE[t][1]).target
    if not via or via not in ANCHORS.get(place, {}):
        return None
    return ANCHORS[place][via] or fresh(m, via, place, undo)


def fresh(m, t: str, place: str, undo: list) -> str:
    """A node the admin creates for the case at `place`, deleted after it."""
    uid = f"mx-{t.lower()}-{uuid.uuid4().hex[:10]}"
    m.admin(mutation("create", t)[1], {"input": create_input(t, uid, anchor_of(m, t, place, undo))})
    undo.append(("delete", t, uid))
    return uid


@pytest.mark.parametrize("c", WRITE_CASES, ids=lambda c: c.id)
async def test_write(m, c):
    t, op, new = c.type, c.op, f"mx-new-{c.type.lower()}-{uuid.uuid4().hex[:10]}"
    base = "nanzhuang" if c.placement == "foreign-link" else c.placement
    field, target = LINKS[t][2:] if c.placement == "foreign-link" else LINKS[t][:2]
    if (t, op) == ("Demand", "disconnect"):  # its one link: the community it was raised in
        target = ANCHORS[base]["Community"]
    undo: list = []
    try:
        if op == "create":
            uid, variables = new, {"input": create_input(t, new, anchor_of(m, t, base, undo))}
            undo.append(("delete", t, new))
        else:
            # A delete that should happen, one whose node gets a link first, and a demand's links
            # (connecting its community replaces it) are tried on a node of the case's own.
            own = (op == "delete" and (c.expect == "ok" or c.placement == "foreign-link")) or \
                (t == "Demand" and op in ("connect", "disconnect"))
            uid = SUBJECTS[t].get(base) if SUBJECTS[t].get(base) and not own else fresh(m, t, base, undo)
            variables = {"uid": uid, **({"input": {"description": f"矩阵 {new}"}} if op == "update" else {}),
                         **({"rel": field, "targets": [target]} if op in ("connect", "disconnect") else {})}
        if (op == "disconnect" and t != "Demand") or (op == "delete" and c.placement == "foreign-link"):
            admin_write(m, "connect", t, uid, field, target)
        if op in ("connect", "disconnect"):
            undo.append(("disconnect", t, uid, field, target))
        action = "refused" if c.expect != "ok" else "raise" if (op, t) == ("create", "Demand") else op
        probe = {"sid": gid(t, uid), "actor": m.name(c.grant, c.kind), "type": t, "action": action,
                 **({"cid": gid(t, new)} if op in ("create", "delete") else {})}
        before = m.admin(probe_query(t, op), probe)
        if op == "update":
            undo.append(("update", t, uid, before["subject"]["description"]))
        r = m.gql(c.grant, c.kind, mutation(op, t)[1], variables)
        after = m.admin(probe_query(t, op), probe)
        # An undo of what is already so (a refused connect, a delete made) would be a request wasted.
        node = after["subject"] or after.get("created")
        undo = [s for s in undo if s[2] not in (uid, new) or node and (
            s[0] == "delete" or node["description"] != s[3] if s[0] != "disconnect" else s[4] in uids(node[s[3]]))]
        check_write(c, r, before, after, variables, field, target)
    finally:
        for step in reversed(undo):
            admin_write(m, *step, quiet=True)


def check_write(c, r, before, after, variables: dict, field: str, target: str) -> None:
    linked = lambda state: target in uids((state["subject"] or {}).get(field))  # noqa: E731
    # Each case must be able to fail: what it would change is not so already.
    assert {"create": lambda: before["created"] is None, "delete": lambda: before["subject"] is not None,
            "update": lambda: before["subject"]["description"] != variables["input"]["description"],
            "connect": lambda: not linked(before), "disconnect": lambda: linked(before)}[c.op](), before
    changed = {k for k in before if before[k] != after[k]}
    if c.expect == "401":
        refused_401(r)
        assert not changed, (before, after)  # not even an audit entry: there is nobody to record
        return
    body = r.json()
    recorded = all(after[k]["totalCount"] == before[k]["totalCount"] + 1 for k in ("audit", "mine"))
    if c.expect != "ok":  # FORBIDDEN naming the rule and the input, nothing written but the refusal
        given = variables.get("input", {})
        field_of = {"role": mutation(c.op, c.type)[0], "scope:target": "targets",
                    "scope:created": next((f"input.{k}" for k in given if TYPES[c.type].rel(k)), "input")}
        error = body["errors"][0]["extensions"]
        assert (error.get("code"), error.get("rule"), error.get("field")) == (
            "FORBIDDEN", c.expect, field_of.get(c.expect, "uid")), body
        assert body.get("data") is None and changed == {"audit", "mine"} and recorded, (body, before, after)
        return
    assert "errors" not in body and recorded, (body, before, after)
    grown = lambda: after["count"]["totalCount"] - before["count"]["totalCount"]  # noqa: E731
    assert {"create": lambda: after["created"] is not None and grown() == 1,
            "delete": lambda: after["subject"] is None and grown() == -1,
            "update": lambda: after["subject"]["description"] == variables["input"]["description"],
            "connect": lambda: linked(after), "disconnect": lambda: not linked(after)}[c.op](), (before, after)


@pytest.mark.parametrize("c", IMPORT_CASES, ids=lambda c: f"{c.grant.id}:{credential(c)}->{import_outcome(c.grant)}")
async def test_import(m, c):
    """POST /import of one new organisation of Zumiao, as `dangjian import` files."""
    g, uid = c.grant, f"mx-import-{uuid.uuid4().hex[:10]}"
    files = [("files", ("Organisation.csv", f"uid,name,kind\n{uid},矩阵导入,SOCIAL\n".encode(), "text/csv")),
             ("files", ("Organisation-IN_TOWN-Town.csv", f"from,to\n{uid},{ZM}\n".encode(), "text/csv"))]
    probe = ("query($i: ID!, $a: String!) { org: node(id: $i) { id } "
             'refused: auditEntries(where: {actor: {eq: $a}, action: {eq: "refused"}}) { totalCount } }')
    variables = {"i": gid("Organisation", uid), "a": m.name(g, c.kind)}
    before = m.admin(probe, variables)
    r = m.scan(g, m.http.post("/import", files=files, headers=m.headers(g, c.kind)))
    batch = r.json().get("batchId") if r.status_code == 200 else None
    if batch:  # undone at once, expected or not, so the graph stays as seeded
        m.admin("mutation($b: String!) { undoImport(batchId: $b) { action } }", {"b": batch})
    assert r.status_code == import_outcome(g), r.text
    after = m.admin(probe, variables)
    if batch:
        entry = m.admin('query($b: String) { auditEntries(where: {batchId: {eq: $b}, action: {eq: "import"}}) '
                        "{ nodes { actor } } }", {"b": batch})["auditEntries"]["nodes"]
        assert entry == [{"actor": m.name(g, c.kind)}] and after["org"] is None
    elif g.role is None:
        refused_401(r)
    else:
        assert r.json()["code"] == "FORBIDDEN" and after["org"] is None, r.text
        # docs/security.md: "every refused write is recorded in the audit trail (action refused)"
        assert after["refused"]["totalCount"] == before["refused"]["totalCount"] + 1, "the refusal is not recorded"


# -- the matrix itself -------------------------------------------------------------------------------

def test_the_case_tables_agree_with_the_oracle():
    """The hand-picked nodes of the write cases lie where their placement says, and the scan of
    viewers' answers looks for every member's real values."""
    assert len(SECRETS) > 800 and all(O.seed.props["member-illustrative-001"][k] in SECRETS for k in PERSONAL[:3])
    where = {"nanzhuang": lambda towns: towns == {NZ}, "district": lambda towns: not towns,
             "other-town": lambda towns: len(towns) == 1 and NZ not in towns}
    for place, label, uid in [(p, t, u) for t, placed in SUBJECTS.items() for p, u in placed.items()] + \
            [(p, t, u) for p, anchors in ANCHORS.items() for t, u in anchors.items()]:
        assert uid is None or (O.seed.label[uid] == label and where[place](O.seed.towns[uid])), (place, label, uid)
    for t, (_, inside, _, outside) in LINKS.items():
        assert O.seed.towns[inside] <= {NZ}, (t, inside)  # a Nanzhuang editor may link it
        assert outside is None or (O.seed.towns[outside] and NZ not in O.seed.towns[outside]), (t, outside)


@pytest.mark.parametrize("g", [g for g in GRANTS if g.role], ids=lambda g: g.id)
async def test_both_credentials_carry_the_same_grant(m, g):
    """The key and the JWT of a grant see the same number of every type: the oracle's."""
    expected = {t: {"totalCount": sum(O.sees(g, u) for u in O.of(t))} for t in TYPE_NAMES[:-1]}
    expected["AuditEntry"] = {"totalCount": len(await m.audit()) if g.district_admin else 0}
    for kind in KINDS:
        assert m.data(g, kind, "{ " + " ".join(f"{t}: {PLURAL[t]} {{ totalCount }}" for t in TYPE_NAMES) + " }") \
            == expected, kind


async def test_the_graph_is_as_seeded_after_the_matrix(m):
    """The write cases put back what they changed: every type's count and every relationship."""
    counts = m.admin("{ " + " ".join(f"{t}: {PLURAL[t]} {{ totalCount }}" for t in WRITABLE) + " }")
    assert counts == {t: {"totalCount": len(O.of(t))} for t in WRITABLE}
    rows = await m.backend.read(CompiledQuery("MATCH (a)-[r]->(b) WHERE NOT a:ApiKey AND NOT b:ApiKey "
                                              "RETURN count(r) AS n"))
    assert rows == [{"n": sum(len(p) for p in read_seed().relationships.values())}]
