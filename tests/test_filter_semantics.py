"""The semantics of `where`, as docs/filters.md tables them: two-valued, complete, and never
widened by null.

Every expectation comes from `evaluate`, an independent Python reading of the same filter over
the seed files; Hypothesis builds filters at random and the API must give the same set.
"""
from __future__ import annotations

from collections import defaultdict

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from graph.model import ENUMS, TYPES, NodeType, Prop
from seed.loader import read_seed

SEED = read_seed()
BY_UID = {n["uid"]: n for rows in SEED.nodes.values() for n in rows}


def _links() -> dict[tuple[str, str], dict[str, list[str]]]:
    found: dict[tuple[str, str], dict[str, list[str]]] = {}
    for node_type in TYPES.values():
        for rel in node_type.rels:
            by_uid: dict[str, list[str]] = defaultdict(list)
            if rel.direction == "OUT":
                for start, end in SEED.relationships.get((node_type.name, rel.type, rel.target), []):
                    by_uid[start].append(end)
            else:
                for start, end in SEED.relationships.get((rel.target, rel.type, node_type.name), []):
                    by_uid[end].append(start)
            found[node_type.name, rel.name] = by_uid
    return found


LINKS = _links()


# ----------------------------------------------------------------------------- the reference


def _compare(node_type: NodeType, node: dict, prop: Prop, op: str, operand) -> bool:
    if prop.pattern is not None:  # isEntrepreneur: runs an enterprise
        value = bool(LINKS[node_type.name, "enterprises"].get(node["uid"]))
    else:
        value = node.get(prop.name)
    if op == "isNull":
        return (value is None) == operand
    if operand is None:  # only eq: null has a meaning
        return value is None
    if value is None:
        return False
    return {
        "eq": lambda: value == operand, "in": lambda: value in operand,
        "contains": lambda: operand in value, "startsWith": lambda: value.startswith(operand),
        "endsWith": lambda: value.endswith(operand), "lt": lambda: value < operand,
        "lte": lambda: value <= operand, "gt": lambda: value > operand, "gte": lambda: value >= operand,
    }[op]()


def evaluate(node_type: NodeType, node: dict, where: dict) -> bool:
    """Does `node` pass `where`? The reading docs/filters.md gives, written independently."""
    for key, value in where.items():
        if key == "AND":
            ok = all(evaluate(node_type, node, w) for w in value)
        elif key == "OR":
            ok = any(evaluate(node_type, node, w) for w in value)
        elif key == "NOT":
            ok = not evaluate(node_type, node, value)
        elif (prop := node_type.prop(key)) is not None:
            if value is None:
                ok = _compare(node_type, node, prop, "isNull", True)
            else:
                ok = all(_compare(node_type, node, prop, op, operand) for op, operand in value.items())
        else:
            rel = node_type.rel(key)
            target = TYPES[rel.target]
            related = [BY_UID[u] for u in LINKS[node_type.name, key].get(node["uid"], [])]
            if value is None:
                ok = not related
            elif not rel.many:
                ok = any(evaluate(target, r, value) for r in related)
            else:
                ok = True
                for quantifier, sub in value.items():
                    hits = sum(evaluate(target, r, sub) for r in related)
                    ok = ok and {"some": hits > 0, "none": hits == 0, "single": hits == 1,
                                 "all": hits == len(related)}[quantifier]
        if not ok:
            return False
    return True


def expected(type_name: str, where: dict) -> set[str]:
    node_type = TYPES[type_name]
    return {n["uid"] for n in SEED.nodes[type_name] if evaluate(node_type, n, where)}


def matching(gql, type_name: str, where, variables_only: bool = True) -> set[str]:
    plural = TYPES[type_name].plural
    body = gql(f"query($w: {type_name}Where) {{ r: {plural}(where: $w, first: 1000) {{ totalCount nodes {{ uid }} }} }}",
               {"w": where})
    assert not body.get("errors"), (where, body.get("errors"))
    result = body["data"]["r"]
    uids = {n["uid"] for n in result["nodes"]}
    assert result["totalCount"] == len(uids)
    return uids


def refused(gql, type_name: str, where, field: str) -> None:
    plural = TYPES[type_name].plural
    body = gql(f"query($w: {type_name}Where) {{ {plural}(where: $w) {{ totalCount }} }}", {"w": where})
    errors = body.get("errors") or []
    assert len(errors) == 1 and errors[0]["extensions"]["code"] == "BAD_USER_INPUT", body
    assert errors[0]["extensions"]["field"] == field, errors[0]


# ----------------------------------------------------------------------------- the inputs


def test_not_is_the_complement_where_a_property_is_missing(gql):
    assert matching(gql, "Town", {"NOT": {"residentsReceived": {"eq": 3719}}}) == \
        {"town-zumiao", "town-shiwan", "town-zhangcha"}


def test_none_equals_all_not(gql):
    pair = {"uid": {"in": ["community-shitou", "community-fancun"]}}
    condition = {"raisedOn": {"gte": "2015-01-01"}}
    none = matching(gql, "Community", {**pair, "demands": {"none": condition}})
    all_not = matching(gql, "Community", {**pair, "demands": {"all": {"NOT": condition}}})
    assert none == all_not == {"community-shitou", "community-fancun"}


def test_an_explicit_null_never_widens(gql):
    assert matching(gql, "Town", {"residentsReceived": {"eq": None}}) == expected(
        "Town", {"residentsReceived": {"eq": None}}) == {"town-zumiao", "town-shiwan", "town-zhangcha"}
    body = gql("query($u: String) { zones(where: { uid: { eq: $u } }) { totalCount } }", {"u": None})
    assert body["data"]["zones"]["totalCount"] == 0
    inline = gql("{ zones(where: { lead: null }) { totalCount } }")
    assert inline["data"]["zones"]["totalCount"] == len(expected("Zone", {"lead": None})) == 0
    assert matching(gql, "Zone", {"lead": None}) == set()
    assert matching(gql, "Town", {"residentsReceived": None}) == {"town-zumiao", "town-shiwan", "town-zhangcha"}


def test_empty_operands(gql):
    every = {n["uid"] for n in SEED.nodes["Zone"]}
    assert len(every) == 22
    assert matching(gql, "Zone", {"NOT": {}}) == set()
    assert matching(gql, "Zone", {"OR": []}) == set()
    assert matching(gql, "Zone", {"AND": []}) == every
    assert matching(gql, "Zone", {}) == every
    assert matching(gql, "Zone", {"uid": {"in": []}}) == set()
    assert matching(gql, "Zone", {"NOT": {"OR": []}}) == every
    assert matching(gql, "Zone", {"internalOrganisations": {"some": {}}}) == expected(
        "Zone", {"internalOrganisations": {"some": {}}})
    assert matching(gql, "Zone", {"internalOrganisations": {"all": {"OR": []}}}) == expected(
        "Zone", {"internalOrganisations": {"all": {"OR": []}}})


@pytest.mark.parametrize("where,field", [
    ({"uid": {"contains": None}}, "where.uid.contains"),
    ({"residentsReceived": {"lt": None}}, "where.residentsReceived.lt"),
    ({"kind": {"in": None}}, "where.kind.in"),
    ({"kind": {"isNull": None}}, "where.kind.isNull"),
    ({"NOT": None}, "where.NOT"),
    ({"OR": None}, "where.OR"),
    ({"AND": [None]}, "$w"),  # the schema says [TownWhere!]: graphql-core refuses the variable
    ({"zones": {"some": None}}, "where.zones.some"),
])
def test_null_without_a_meaning_is_refused(gql, where, field):
    refused(gql, "Town", where, field)


# ----------------------------------------------------------------------------- the table, swept


def _sample(prop: Prop, type_name: str):
    values = sorted({n[prop.name] for n in SEED.nodes[type_name] if n.get(prop.name) is not None}, key=repr)
    if prop.is_enum:
        return ENUMS[prop.type][0]
    return values[len(values) // 2] if values else {"String": "示例", "Int": 1, "Float": 0.5, "Boolean": True}[prop.type]


OPERATORS = {"String": ("eq", "in", "contains", "startsWith", "endsWith", "lt", "lte", "gt", "gte"),
             "Int": ("eq", "in", "lt", "lte", "gt", "gte"), "Float": ("eq", "in", "lt", "lte", "gt", "gte"),
             "Boolean": ("eq",)}
# One property of each kind: String, Int, Float, Boolean, enum, date; with absent values in the seed.
SWEPT = [("Town", "nameEn"), ("Town", "residentsReceived"), ("Town", "householdVisitRate"), ("Zone", "isPilot"),
         ("Community", "kind"), ("Demand", "raisedOn"), ("Programme", "expectedBeneficiaries"),
         ("Member", "isEntrepreneur"), ("Grid", "number")]


def _cases():
    for type_name, name in SWEPT:
        prop = TYPES[type_name].prop(name)
        ops = ("eq", "in") if prop.is_enum else OPERATORS[prop.type]
        value = _sample(prop, type_name)
        for op in ops:
            operand = [value] if op == "in" else (value[:1] if op in ("contains", "startsWith", "endsWith")
                                                    else value)
            yield type_name, {name: {op: operand}}
        yield type_name, {name: {"isNull": True}}
        yield type_name, {name: {"isNull": False}}
        yield type_name, {name: {"eq": None}}
        yield type_name, {name: None}


CASES = list(_cases())


@pytest.mark.parametrize("type_name,where", CASES, ids=[str(w) for _, w in CASES])
def test_each_operator_and_its_complement(gql, type_name, where):
    direct = matching(gql, type_name, where)
    assert direct == expected(type_name, where)
    every = {n["uid"] for n in SEED.nodes[type_name]}
    assert matching(gql, type_name, {"NOT": where}) == every - direct


QUANTIFIED = [("Community", "demands", {"raisedOn": {"gte": "2015-08-01"}}),
              ("Zone", "internalOrganisations", {"kind": {"eq": "COMMUNITY"}}),
              ("Organisation", "secretaries", {"isEntrepreneur": {"eq": True}}),
              ("Grid", "departments", {"nameEn": {"startsWith": "Urban"}}),
              ("Town", "zones", {"isPilot": {"eq": True}})]


@pytest.mark.parametrize("type_name,rel,condition", QUANTIFIED, ids=[f"{t}.{r}" for t, r, _ in QUANTIFIED])
def test_quantifiers_agree_with_each_other(gql, type_name, rel, condition):
    got = {q: matching(gql, type_name, {rel: {q: condition}}) for q in ("some", "all", "none", "single")}
    for quantifier, uids in got.items():
        assert uids == expected(type_name, {rel: {quantifier: condition}}), quantifier
    assert got["none"] == matching(gql, type_name, {rel: {"all": {"NOT": condition}}})
    assert got["some"] == matching(gql, type_name, {"NOT": {rel: {"none": condition}}})
    assert got["single"] <= got["some"]


# ----------------------------------------------------------------------------- random filters


def _leaf(type_name: str):
    node_type = TYPES[type_name]
    props = [p for p in node_type.all_props if p.name not in ("description",)]

    @st.composite
    def leaf(draw):
        prop = draw(st.sampled_from(props))
        seen = [n[prop.name] for n in SEED.nodes[type_name] if n.get(prop.name) is not None]
        if prop.is_enum:
            pool = list(ENUMS[prop.type])
        elif prop.type == "Boolean":
            pool = [True, False]
        else:
            pool = sorted(set(seen), key=repr)[:40] or [{"String": "示例", "Int": 3, "Float": 0.5}[prop.type]]
        ops = ("eq", "in", "isNull") if prop.is_enum else ("eq", "isNull") if prop.type == "Boolean" \
            else OPERATORS[prop.type] + ("isNull",)
        op = draw(st.sampled_from(ops))
        if op == "isNull":
            operand = draw(st.booleans())
        elif op == "in":
            operand = draw(st.lists(st.sampled_from(pool), max_size=3))
        elif op in ("contains", "startsWith", "endsWith"):
            text = draw(st.sampled_from(pool))
            start = draw(st.integers(0, max(len(text) - 1, 0)))
            operand = text[start:start + draw(st.integers(1, 3))]
        else:
            operand = draw(st.one_of(st.sampled_from(pool), st.none())) if op == "eq" else draw(st.sampled_from(pool))
        if operand is None:
            return {prop.name: draw(st.sampled_from([None, {"eq": None}]))}
        return {prop.name: {op: operand}}

    return leaf()


def _filters(type_name: str, depth: int = 2):
    node_type = TYPES[type_name]
    leaf = _leaf(type_name)
    if depth == 0:
        return leaf
    sub = _filters(type_name, depth - 1)
    options = [leaf,
               st.builds(lambda ws: {"AND": ws}, st.lists(sub, max_size=3)),
               st.builds(lambda ws: {"OR": ws}, st.lists(sub, max_size=3)),
               st.builds(lambda w: {"NOT": w}, sub),
               st.builds(lambda a, b: {**a, **b}, leaf, leaf)]
    for rel in node_type.rels:
        if rel.target in RANDOM_TYPES and rel.target != type_name:
            inner = _filters(rel.target, 0)
            if rel.many:
                options.append(st.builds(lambda q, w, r=rel.name: {r: {q: w}},
                                         st.sampled_from(["some", "all", "none", "single"]), inner))
            else:
                options.append(st.builds(lambda w, r=rel.name: {r: w}, st.one_of(inner, st.none())))
    return st.one_of(options)


RANDOM_TYPES = ("Town", "Zone", "Community", "Organisation", "Demand")


@pytest.mark.parametrize("type_name", RANDOM_TYPES)
def test_random_filters_match_the_reference(gql, type_name):
    @settings(max_examples=60, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(where=_filters(type_name))
    def check(where):
        assert matching(gql, type_name, where) == expected(type_name, where), where

    check()


# ----------------------------------------------------------------------------- bounds


def _nested(kind: str, levels: int) -> dict:
    where: dict = {"name": {"contains": "党"}}
    for i in range(levels):
        where = {"NOT": where} if kind == "NOT" else {kind: [where, {"uid": {"eq": f"none-{i}"}}]}
    return where


@pytest.mark.parametrize("kind", ["NOT", "AND", "OR"])
def test_nesting_is_flattened_within_the_bound_and_refused_beyond(gql, kind):
    within = _nested(kind, 15)  # 16 levels with the leaf's own
    assert matching(gql, "Organisation", within) == expected("Organisation", within)
    refused(gql, "Organisation", _nested(kind, 16), "where" + "".join(
        ".NOT" if kind == "NOT" else f".{kind}[0]" for _ in range(16)))


def test_alternating_not_and_or_reaches_the_engine_flat(gql):
    where: dict = {"name": {"contains": "党"}}
    for i in range(7):
        where = {"NOT": {"OR": [where, {"uid": {"eq": f"none-{i}"}}]}}
    body = gql("query($w: OrganisationWhere) { organisations(where: $w) { totalCount } }", {"w": where})
    statement = body["extensions"]["cypher"][0]["cypher"]
    assert "NOT (NOT" not in statement and "NOT ((" not in statement, statement
    assert body["data"]["organisations"]["totalCount"] == len(expected("Organisation", where))


def test_too_many_tests_are_refused(gql):
    many = {"OR": [{"uid": {"eq": f"u-{i}"}} for i in range(201)]}
    refused(gql, "Zone", many, "where")
    assert matching(gql, "Zone", {"OR": [{"uid": {"eq": f"u-{i}"}} for i in range(200)]}) == set()
