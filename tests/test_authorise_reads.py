"""The authorisation pass on reads (graph/authorise.py), on both engines, against an independent
account of the seed (tests/authorisation.py): what each grant sees, how personal fields are
masked on every read path, and how a filter treats what the grant cannot see."""
from __future__ import annotations

import re

import pytest

from graph.grants import Grant
from resolvers.ids import to_global_id
from tests.authorisation import PLURALS, run, seed_towns, text_of

NANZHUANG = ("town-nanzhuang",)
TWO_TOWNS = ("town-zumiao", "town-shiwan")
MASKED_NAME = re.compile(r"^.\*\*$")


async def _all_uids(backend, grant: Grant, plural: str) -> list[str]:
    uids: list[str] = []
    after = None
    while True:
        body = await run(backend, grant, f"query($a: String) {{ {plural}(first: 1000, after: $a) "
                                         "{ totalCount nodes { uid } pageInfo { hasNextPage endCursor } } }",
                         {"a": after})
        assert "errors" not in body, body
        page = body["data"][plural]
        uids += [n["uid"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            assert page["totalCount"] == len(uids)
            return uids
        after = page["pageInfo"]["endCursor"]


@pytest.mark.parametrize("towns", [NANZHUANG, TWO_TOWNS])
async def test_a_grant_limited_to_towns_reads_what_belongs_to_them_or_to_no_town(backend, towns):
    seed = seed_towns()
    grant = Grant("viewer", "v", towns, reads_scoped=True)
    for label, plural in PLURALS.items():
        expected = sorted(u for u in seed.of(label) if seed.visible(u, towns))
        assert sorted(await _all_uids(backend, grant, plural)) == expected, label


async def test_reads_are_district_wide_unless_limited(backend):
    seed = seed_towns()
    for grant in (Grant("viewer", "v"), Grant("editor", "e", NANZHUANG, reads_scoped=False),
                  Grant("researcher", "r", TWO_TOWNS, reads_scoped=False)):
        assert sorted(await _all_uids(backend, grant, "members")) == seed.of("Member")


async def test_a_node_outside_the_towns_is_as_if_it_did_not_exist(backend):
    grant = Grant("viewer", "v", NANZHUANG, reads_scoped=True)
    zumiao = to_global_id("Town", "town-zumiao")
    body = await run(backend, grant, "query($id: ID!) { node(id: $id) { id } }", {"id": zumiao})
    assert body == {"data": {"node": None}}
    body = await run(backend, grant, "query($id: ID!) { neighbourhood(id: $id) { nodes { uid } } }", {"id": zumiao})
    assert body["errors"][0]["code"] == "BAD_USER_INPUT" and "no node" in body["errors"][0]["message"]
    # The same question about a town the grant covers is answered.
    body = await run(backend, grant, "query($id: ID!) { neighbourhood(id: $id) { nodes { uid } } }",
                     {"id": to_global_id("Town", "town-nanzhuang")})
    seed = seed_towns()
    uids = {n["uid"] for n in body["data"]["neighbourhood"]["nodes"]}
    assert uids and all(seed.visible(u, NANZHUANG) for u in uids)


async def test_nested_lists_and_relationship_filters_count_only_visible_nodes(backend):
    """A district department's grids lie in every town: a grant limited to Nanzhuang sees only
    Nanzhuang's in the nested list, and `some`, `all`, `none` and `single` quantify over those alone."""
    seed = seed_towns()
    grant = Grant("viewer", "v", NANZHUANG, reads_scoped=True)
    body = await run(backend, grant, "{ departments(first: 1000) { nodes { uid grids { uid } } } }")
    listed = {d["uid"]: sorted(g["uid"] for g in d["grids"]) for d in body["data"]["departments"]["nodes"]}
    full = await run(backend, Grant("admin", "a"), "{ departments(first: 1000) { nodes { uid grids { uid number } } } }")
    grids = {d["uid"]: d["grids"] for d in full["data"]["departments"]["nodes"]}
    assert any(len(v) > len(listed[d]) for d, v in grids.items()), "the test needs hidden grids"
    for department, all_grids in grids.items():
        assert listed[department] == sorted(g["uid"] for g in all_grids if seed.visible(g["uid"], NANZHUANG))
    for limit in (3, 40, 90, 200):
        tests = {"some": lambda ok, n: ok >= 1, "all": lambda ok, n: ok == n, "none": lambda ok, n: ok == 0,
                 "single": lambda ok, n: ok == 1}
        for quantifier, holds in tests.items():
            query = f"{{ departments(first: 1000, where: {{grids: {{{quantifier}: {{number: {{lt: {limit}}}}}}}}}) " \
                    "{ nodes { uid } } }"
            got = {n["uid"] for n in (await run(backend, grant, query))["data"]["departments"]["nodes"]}
            expected = set()
            for department, all_grids in grids.items():
                seen = [g for g in all_grids if seed.visible(g["uid"], NANZHUANG)]
                if holds(sum(1 for g in seen if g["number"] is not None and g["number"] < limit), len(seen)):
                    expected.add(department)
            assert got == expected, (quantifier, limit)


async def test_a_viewer_never_sees_a_personal_field_on_any_read_path(backend):
    seed = seed_towns()
    members = {u: seed.props[u] for u in seed.of("Member")}
    secrets = {m["name"] for m in members.values()} | {m.get("nameEn") for m in members.values() if m.get("nameEn")}
    viewer = Grant("viewer", "v")
    member_id = to_global_id("Member", "member-illustrative-001")
    org = "org-zumiao-community-01"
    queries = [
        "{ members(first: 1000) { nodes { uid name nameEn description contact role } } }",
        f'{{ organisations(where: {{uid: {{eq: "{org}"}}}}) {{ nodes {{ members {{ name nameEn }} '
        "secretaries { name } } } }",
        f'{{ node(id: "{member_id}") {{ ... on Member {{ name nameEn memberOf {{ members {{ name }} }} }} }} }}',
        f'{{ neighbourhood(id: "{to_global_id("Organisation", org)}", depth: 1) {{ nodes {{ label name nameEn }} }} }}',
        '{ search(text: "示例党员") { name nameEn } }',
        '{ search(text: "Illustrative Party Member") { name nameEn } }',
        f'{{ path(from: "{member_id}", to: "{to_global_id("Town", "town-zumiao")}") {{ nodes {{ name nameEn }} }} }}',
    ]
    for query in queries:
        body = await run(backend, viewer, query)
        assert "errors" not in body, (query, body)
        text = text_of(body)
        leaked = sorted(s for s in secrets if s in text)
        assert not leaked, (query, leaked[:3])
    body = await run(backend, viewer, "{ members(first: 1000) { nodes { name nameEn contact description } } }")
    for node in body["data"]["members"]["nodes"]:
        assert MASKED_NAME.match(node["name"]) and node["nameEn"] is None and node["contact"] is None


async def test_a_researcher_sees_personal_fields_within_their_towns_only(backend):
    seed = seed_towns()
    grant = Grant("researcher", "r", NANZHUANG, reads_scoped=False)
    body = await run(backend, grant, "{ members(first: 1000) { nodes { uid name nameEn } } }")
    shown = masked = 0
    for node in body["data"]["members"]["nodes"]:
        stored = seed.props[node["uid"]]
        if seed.towns[node["uid"]] & set(NANZHUANG):
            assert (node["name"], node["nameEn"]) == (stored["name"], stored.get("nameEn"))
            shown += 1
        else:
            assert node["name"] == stored["name"][0] + "**" and node["nameEn"] is None
            masked += 1
    assert shown and masked
    assert sorted(await _all_uids(backend, Grant("researcher", "r"), "members")) == seed.of("Member")
    body = await run(backend, Grant("researcher", "r"), '{ members(first: 5) { nodes { name } } }')
    assert not any(MASKED_NAME.match(n["name"]) for n in body["data"]["members"]["nodes"])


async def test_a_filter_on_a_masked_field_matches_only_where_it_is_shown(backend):
    seed = seed_towns()
    inside = next(u for u in seed.of("Member") if seed.towns[u] == frozenset(NANZHUANG))
    outside = next(u for u in seed.of("Member") if seed.towns[u] == frozenset({"town-zumiao"}))
    query = "query($n: String) { members(where: {name: {eq: $n}}) { totalCount } }"
    researcher = Grant("researcher", "r", NANZHUANG, reads_scoped=False)
    for uid, expected in ((inside, 1), (outside, 0)):
        body = await run(backend, researcher, query, {"n": seed.props[uid]["name"]})
        assert body["data"]["members"]["totalCount"] == expected
    viewer = Grant("viewer", "v")
    body = await run(backend, viewer, query, {"n": seed.props[inside]["name"]})
    assert body["data"]["members"]["totalCount"] == 0
    # Its negation is the complement, as for any test: every member.
    body = await run(backend, viewer, "query($n: String) { members(where: {NOT: {name: {eq: $n}}}) { totalCount } }",
                     {"n": seed.props[inside]["name"]})
    assert body["data"]["members"]["totalCount"] == len(seed.of("Member"))


@pytest.mark.parametrize("sort", ["[{name: ASC}]", "[{nameEn: DESC}]"])
async def test_sorting_on_a_masked_field_is_refused(backend, sort):
    for grant in (Grant("viewer", "v"), Grant("editor", "e", NANZHUANG, reads_scoped=False)):
        body = await run(backend, grant, f"{{ members(sort: {sort}) {{ totalCount }} }}")
        assert body["errors"][0]["code"] == "FORBIDDEN" and body["errors"][0]["rule"] == "personal"
        body = await run(backend, grant, f"{{ organisations(first: 1) {{ nodes {{ members(sort: {sort}) {{ uid }} }} }} }}")
        assert body["errors"][0]["code"] == "FORBIDDEN"
    body = await run(backend, Grant("researcher", "r"), f"{{ members(sort: {sort}, first: 2) {{ totalCount }} }}")
    assert "errors" not in body


async def test_the_audit_trail_is_read_by_admins_only(backend):
    for role in ("viewer", "researcher", "editor"):
        body = await run(backend, Grant(role, "x"), "{ auditEntries(first: 5) { totalCount nodes { uid } } }")
        assert body["data"]["auditEntries"] == {"totalCount": 0, "nodes": []}


async def test_district_wide_figures_need_district_wide_reads(backend):
    grant = Grant("viewer", "v", NANZHUANG, reads_scoped=True)
    for query in ("{ districtStatistics { zones } }", "{ coverageGaps { gridsWithoutDepartment { count } } }",
                  "{ bridgingOrganisations { totalCount } }"):
        body = await run(backend, grant, query)
        assert body["errors"][0]["code"] == "FORBIDDEN" and body["errors"][0]["rule"] == "scope:district"
    body = await run(backend, grant, "{ townStatistics { area { uid } grids } }")
    assert [t["area"]["uid"] for t in body["data"]["townStatistics"]] == list(NANZHUANG)
