"""/reports/{name}.{csv|xlsx} and `dangjian report`: every report, over the real HTTP server, holds
exactly the figures of the GraphQL answer to the same arguments (read here with documents of our
own, in one page of up to 1,000, while the report reads pages of `first`), under Chinese headers by
default and English ones with lang=en; bad parameters are 400s that name the parameter; a
town-limited token's report is its own GraphQL answer; the CLI writes the same table."""
from __future__ import annotations

import csv
import datetime
import io
import json
import re
import subprocess
import sys

import httpx
import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import i18n
from tests.auth_support import SECRET, bearer, claims, production_server, sign
from tests.conftest import REPO, TEST_GRAPH, cli_env

NANZHUANG, ZUMIAO = "town-nanzhuang", "town-zumiao"


@pytest.fixture(scope="module")
def http(server):
    with httpx.Client(base_url=server, timeout=120) as client:
        yield client


def _nodes(prefix_node):
    return [prefix_node["uid"], prefix_node["name"]] if prefix_node else [None, None]


def _town_where(towns, *path):
    if not towns:
        return None
    where = {"uid": {"in": towns}}
    for step in reversed(path):
        where = {step: where}
    return where


def _one_page(connection):
    assert connection["pageInfo"]["hasNextPage"] is False  # the whole list in one answer
    return connection


# Each: the GraphQL answer to the report's arguments, as (English headers, rows).

def zone_composition(data, params):
    towns = params["town"].split(",") if "town" in params else None
    answer = data("""query($w: ZoneWhere) { zoneComposition(where: $w, first: 200) {
        zones { zone { uid name } lead { uid name } internalCount externalCount absorbed membersReachable
                internalByKind { kind count } externalByKind { kind count } suppressed }
        pageInfo { hasNextPage } } }""", {"w": _town_where(towns, "town")})["zoneComposition"]
    kinds = lambda counts: "; ".join(f"{c['kind']}: {c['count']}" for c in counts)  # noqa: E731
    rows = [_nodes(z["zone"]) + _nodes(z["lead"]) + [z["internalCount"], z["externalCount"], z["absorbed"],
            z["membersReachable"], kinds(z["internalByKind"]), kinds(z["externalByKind"]), z["suppressed"]]
            for z in _one_page(answer)["zones"]]
    return (["zone uid", "zone", "lead organisation uid", "lead organisation", "internal organisations (N)",
             "external organisations (X)", "organisations absorbed", "members reachable",
             "internal organisations by kind", "external organisations by kind", "suppressed counts"], rows)


TOWN_FIELDS = ("zones villages urbanCommunities grids organisations members villageSecretaries entrepreneurSecretaries "
               "entrepreneurSecretaryShare visits householdsRegistered householdsVisited householdVisitRate "
               "residentsReceived demandsCollectedOnVisits demandsResolvedOnVisits visitResolutionRate needs problems "
               "resources serviceTeams actionProjects").split()


def town_statistics(data, params):
    rows = []
    for uid in params["town"].split(",") if "town" in params else [None]:
        towns = data("query($u: String) { townStatistics(uid: $u) { area { uid name } %s suppressed } }"
                     % " ".join(TOWN_FIELDS), {"u": uid})["townStatistics"]
        rows += [_nodes(t["area"]) + [t[f] for f in TOWN_FIELDS] + [t["suppressed"]] for t in towns]
    return (["town uid", "town", "zones", "villages", "urban communities", "grids", "organisations", "members",
             "village secretaries", "entrepreneur secretaries", "entrepreneur secretary share", "visits",
             "households registered", "households visited", "household visit rate", "residents received",
             "demands collected on visits", "demands resolved on visits", "visit resolution rate", "needs",
             "problems", "resources", "service teams", "action projects", "suppressed counts"], rows)


def demand_statistics(data, params):
    towns = params["town"].split(",") if "town" in params else None
    where = _town_where(towns, "community", "town")
    if "where" in params:
        where = {"AND": [json.loads(params["where"]), where]} if where else json.loads(params["where"])
    groups = data("""query($g: DemandGroupBy!, $w: DemandWhere, $f: String, $t: String) {
        demandStatistics(groupBy: $g, where: $w, from: $f, to: $t) { groups { key name zh: label(lang: ZH_CN)
        en: label(lang: EN) unassigned periodStart
        periodEnd collected resolved resolutionRate shareOfResolved timedCount medianDaysToResolve p90DaysToResolve
        suppressed } } }""", {"g": params["groupBy"], "w": where, "f": params.get("from"),
                              "t": params.get("to")})["demandStatistics"]["groups"]
    fields = ["key", "name", "zh", "en", "unassigned", "periodStart", "periodEnd", "collected", "resolved", "resolutionRate",
              "shareOfResolved", "timedCount", "medianDaysToResolve", "p90DaysToResolve", "suppressed"]
    return (["group key", "group", "group label (Chinese)", "group label (English)", "unassigned", "period start", "period end", "demands collected",
             "demands resolved", "resolution rate", "share of resolved", "resolved with both dates",
             "median days to resolve", "p90 days to resolve", "suppressed counts"],
            [[g[f] for f in fields] for g in groups])


def coverage_gaps(data, params):
    gaps = data("""{ coverageGaps(first: 1000) {
        gridsWithoutDepartment { nodes { uid name label } pageInfo { hasNextPage } }
        zonesWithoutExternalOrganisation { nodes { uid name label } pageInfo { hasNextPage } }
        villagesWithoutSecretary { nodes { uid name label } pageInfo { hasNextPage } } } }""")["coverageGaps"]
    rows = [[gap, n["uid"], n["name"], n["label"]] for gap in ("gridsWithoutDepartment",
            "zonesWithoutExternalOrganisation", "villagesWithoutSecretary") for n in _one_page(gaps[gap])["nodes"]]
    return ["gap", "node uid", "node name", "node type"], rows


def bridging_organisations(data, params):
    answer = data("""query($by: BridgingMeasure!) { bridgingOrganisations(by: $by, first: 1000) {
        organisations { organisation { uid name } zonesServed zonesLinked betweenness } pageInfo { hasNextPage } } }""",
                  {"by": params.get("by", "ZONES_SERVED")})["bridgingOrganisations"]
    rows = [[rank] + _nodes(o["organisation"]) + [o["zonesServed"], o["zonesLinked"], o["betweenness"]]
            for rank, o in enumerate(_one_page(answer)["organisations"], start=1)]
    return ["rank", "organisation uid", "organisation", "zones served", "zones linked", "betweenness"], rows


VISIT_FIELDS = ["visits", "householdsRegistered", "householdsVisited", "visitRate", "residentsReceived",
                "demandsCollected", "demandsResolved", "resolutionRate", "suppressed"]


def visit_coverage(data, params):
    part = {"COMMUNITY": "byCommunity", "TEAM": "byTeam"}[params.get("by", "COMMUNITY")]
    towns = params["town"].split(",") if "town" in params else None
    groups = data("""query($w: VisitWhere, $f: String, $t: String) { visitCoverage(where: $w, from: $f, to: $t) {
        %s { group { uid name } %s } } }""" % (part, " ".join(VISIT_FIELDS)),
                  {"w": _town_where(towns, "community", "town"), "f": params.get("from"),
                   "t": params.get("to")})["visitCoverage"][part]
    return (["community or team uid", "community or team", "visits", "households registered", "households visited",
             "visit rate", "residents received", "demands collected", "demands resolved", "resolution rate",
             "suppressed counts"], [_nodes(g["group"]) + [g[f] for f in VISIT_FIELDS] for g in groups])


def matching(data, params):
    part = {"CATEGORY": "byCategory", "TOWN": "byTown"}[params.get("by", "CATEGORY")]
    towns = params["town"].split(",") if "town" in params else None
    threshold = float(params["threshold"]) if "threshold" in params else None
    groups = data("""query($w: DemandWhere, $t: Float) { matchingReport(where: $w, threshold: $t) {
        %s { key name zh: label(lang: ZH_CN) en: label(lang: EN) demands covered coverage suppressed } } }""" % part,
                  {"w": _town_where(towns, "community", "town"), "t": threshold})["matchingReport"][part]
    fields = ["key", "name", "zh", "en", "demands", "covered", "coverage", "suppressed"]
    return (["group key", "group", "group label (Chinese)", "group label (English)", "demands", "demands covered", "coverage", "suppressed counts"],
            [[g[f] for f in fields] for g in groups])


EXPECTED = {"zone-composition": zone_composition, "town-statistics": town_statistics,
            "demand-statistics": demand_statistics, "coverage-gaps": coverage_gaps,
            "bridging-organisations": bridging_organisations, "visit-coverage": visit_coverage, "matching": matching}
CJK = re.compile(r"[\u4e00-\u9fff]")
CASES = [
    ("zone-composition", {}), ("zone-composition", {"first": "3"}),
    ("zone-composition", {"town": f"{NANZHUANG},{ZUMIAO}", "first": "2"}),
    ("town-statistics", {}), ("town-statistics", {"town": NANZHUANG}),
    ("demand-statistics", {"groupBy": "TOWN"}), ("demand-statistics", {"groupBy": "CATEGORY", "town": NANZHUANG}),
    ("demand-statistics", {"groupBy": "MONTH", "from": "2015-03-01", "to": "2015-08-31"}),
    ("demand-statistics", {"groupBy": "WEEK", "town": NANZHUANG, "from": "2015-05-01"}), ("demand-statistics", {"groupBy": "LEVEL"}),
    ("demand-statistics", {"groupBy": "STATUS", "where": json.dumps({"kind": {"eq": "PROBLEM"}})}),
    ("demand-statistics", {"groupBy": "RESOLVER_TYPE"}), ("demand-statistics", {"groupBy": "COMMUNITY"}),
    ("coverage-gaps", {}), ("coverage-gaps", {"first": "1"}),
    ("bridging-organisations", {"first": "7"}), ("bridging-organisations", {"by": "BETWEENNESS", "first": "50"}),
    ("visit-coverage", {}), ("visit-coverage", {"by": "TEAM", "from": "2015-04-01", "to": "2015-06-30"}),
    ("visit-coverage", {"town": NANZHUANG}),
    ("matching", {}), ("matching", {"by": "TOWN", "threshold": "0.6"}), ("matching", {"town": NANZHUANG}),
]


def text(value) -> str:
    """A value as the CSV writes it (docs/reports.md): empty for null, lists joined with ", "."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(value)
    return str(value)


def cell(value):
    """A value as the XLSX holds it: numbers as numbers, lists as text, null as an empty cell."""
    if isinstance(value, list):
        value = ", ".join(value)
    return None if value == "" else value  # openpyxl reads an empty string back as an empty cell


def read_csv(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf"), "no UTF-8 byte-order mark"
    return list(csv.reader(io.StringIO(body[3:].decode("utf-8"))))


def read_xlsx(body: bytes) -> list[list[list]]:
    workbook = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    return [[list(row) for row in sheet.iter_rows(values_only=True)] for sheet in workbook.worksheets]


def chinese(headers: list[str]) -> list[str]:
    return [i18n.translate(h, "zh-CN") for h in headers]


@pytest.mark.parametrize("name, params", CASES, ids=[f"{n}-{'-'.join(p.values())}" for n, p in CASES])
def test_every_report_holds_the_graphql_answer(http, data, name, params):
    headers, rows = EXPECTED[name](data, params)
    assert rows or name == "coverage-gaps", "a case with no rows proves little"
    english = http.get(f"/reports/{name}.csv", params={**params, "lang": "en"})
    assert english.status_code == 200, english.text
    assert english.headers["content-type"].startswith("text/csv")
    assert read_csv(english.content) == [headers] + [[text(v) for v in row] for row in rows]
    default = read_csv(http.get(f"/reports/{name}.csv", params=params).content)
    assert default[0] == chinese(headers) and all(h != e for h, e in zip(default[0], headers))
    assert default[1:] == [[text(v) for v in row] for row in rows]
    both = read_csv(http.get(f"/reports/{name}.csv", params={**params, "headers": "both"}).content)
    assert both[:2] == [chinese(headers), headers] and both[2:] == default[1:]
    workbook = http.get(f"/reports/{name}.xlsx", params=params)
    assert workbook.status_code == 200, workbook.text
    zh_sheet, en_sheet = read_xlsx(workbook.content)
    expected = [[cell(v) for v in row] for row in rows]
    assert zh_sheet == [chinese(headers)] + expected
    assert en_sheet == [headers] + expected


DAYS = st.dates(min_value=datetime.date(2014, 12, 1), max_value=datetime.date(2016, 1, 31))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(towns=st.lists(st.sampled_from(["town-zumiao", "town-shiwan", "town-zhangcha", NANZHUANG]), unique=True,
                      max_size=3),
       group_by=st.sampled_from(["TOWN", "CATEGORY", "LEVEL", "MONTH", "WEEK", "STATUS"]), start=DAYS, end=DAYS)
def test_any_towns_grouping_and_dates_give_the_graphql_answer(http, data, towns, group_by, start, end):
    start, end = sorted((start, end))  # a reversed range is a 400 (tested above with bad dates)
    params = {"groupBy": group_by, "from": start.isoformat(), "to": end.isoformat(),
              **({"town": ",".join(towns)} if towns else {})}
    headers, rows = demand_statistics(data, params)
    table = read_csv(http.get("/reports/demand-statistics.csv", params={**params, "lang": "en"}).content)
    assert table == [headers] + [[text(v) for v in row] for row in rows]


def test_the_district_figures_are_the_seeds(http):
    """An anchor outside GraphQL: the town statistics count the seed's towns and zones."""
    from seed.loader import read_seed

    seed = read_seed()
    table = read_csv(http.get("/reports/town-statistics.csv", params={"lang": "en"}).content)
    assert sorted(row[0] for row in table[1:]) == sorted(t["uid"] for t in seed.nodes["Town"])
    assert sum(int(row[2]) for row in table[1:]) == len(seed.nodes["Zone"])
    zones = read_csv(http.get("/reports/zone-composition.csv", params={"first": "5"}).content)
    assert sorted(row[0] for row in zones[1:]) == sorted(z["uid"] for z in seed.nodes["Zone"])


@pytest.mark.parametrize("path, params, field", [
    ("/reports/demand-statistics.csv", {}, "groupBy"),
    ("/reports/demand-statistics.csv", {"groupBy": "YEAR"}, "groupBy"),
    ("/reports/demand-statistics.xlsx", {"groupBy": "TOWN", "from": "2015-13-45"}, "from"),
    ("/reports/demand-statistics.csv", {"groupBy": "TOWN", "to": "yesterday"}, "to"),
    ("/reports/demand-statistics.csv", {"groupBy": "TOWN", "from": "2015-06-02", "to": "2015-06-01"}, "to"),
    ("/reports/demand-statistics.csv", {"groupBy": "TOWN", "where": "{not json"}, "where"),
    ("/reports/demand-statistics.csv", {"groupBy": "TOWN", "where": '{"colour": {"eq": "red"}}'}, "where"),
    ("/reports/zone-composition.csv", {"first": "0"}, "first"),
    ("/reports/zone-composition.csv", {"first": "ten"}, "first"),
    ("/reports/zone-composition.csv", {"town": "town nanzhuang!"}, "town"),
    ("/reports/zone-composition.csv", {"colour": "red"}, "colour"),
    ("/reports/bridging-organisations.csv", {"by": "FAME"}, "by"),
    ("/reports/matching.csv", {"threshold": "high"}, "threshold"),
    ("/reports/matching.csv", {"threshold": "7"}, "threshold"),
    ("/reports/visit-coverage.csv", {"from": "2015/01/01"}, "from"),
    ("/reports/town-statistics.csv", {"lang": "fr"}, "lang"),
    ("/reports/town-statistics.csv", {"headers": "three"}, "headers"),
])
def test_bad_parameters_are_400s_that_name_the_parameter(http, path, params, field):
    response = http.get(path, params=params)
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["code"] == "BAD_USER_INPUT" and body["field"] == field, body
    assert "Traceback" not in body["error"]
    # Without Accept-Language the message is English (errorEn too); in Chinese when asked for.
    assert body["error"] == body["errorEn"] and not CJK.search(body["error"]), body
    chinese = http.get(path, params=params, headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}).json()
    assert CJK.search(chinese["error"]) and not re.search(r"\{[a-z_]+(![rs])?\}", chinese["error"]), chinese
    assert chinese["errorEn"] == body["errorEn"] and (chinese["code"], chinese["field"]) == (body["code"], field)


def test_unknown_reports_and_formats(http):
    missing = http.get("/reports/zone-gossip.csv")
    assert missing.status_code == 404 and missing.json()["code"] == "NOT_FOUND"
    assert "zone-gossip" in missing.json()["errorEn"]
    chinese = http.get("/reports/zone-gossip.csv", headers={"Accept-Language": "zh"}).json()
    assert chinese["error"].startswith("没有报表") and chinese["errorEn"] == missing.json()["errorEn"]
    assert http.get("/reports/zone-composition.pdf").status_code == 406
    assert http.get("/reports/zone-composition").status_code == 406
    index = http.get("/reports", params={"lang": "en"}).json()["reports"]
    assert [r["name"] for r in index] == list(EXPECTED)


def test_the_cli_writes_the_same_tables(http, engine, tmp_path):
    env = cli_env(engine, TEST_GRAPH)
    for name, params, file_format in [("demand-statistics", {"groupBy": "MONTH", "town": NANZHUANG}, "csv"),
                                      ("zone-composition", {"first": "4"}, "xlsx")]:
        out = tmp_path / f"{name}.{file_format}"
        done = subprocess.run([sys.executable, "-m", "web.cli", "report", name, "--format", file_format,
                               "--out", str(out), *[a for k, v in params.items() for a in ("-p", f"{k}={v}")]],
                              cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        served = http.get(f"/reports/{name}.{file_format}", params=params).content
        if file_format == "csv":
            assert out.read_bytes() == served
        else:
            assert read_xlsx(out.read_bytes()) == read_xlsx(served)
    bad = subprocess.run([sys.executable, "-m", "web.cli", "report", "demand-statistics", "--out",
                          str(tmp_path / "x.csv")], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1 and "groupBy" in bad.stderr and not (tmp_path / "x.csv").exists()


@pytest.fixture(scope="module")
async def production(engine, data_dir):
    async with production_server(engine, data_dir, "reports_production", {"DANGJIAN_JWT_SECRET": SECRET}) as (url, _):
        yield url


def test_a_town_limited_token_gets_its_own_graphql_answer(production):
    token = bearer(sign(claims(iss=None, aud=None, dangjian_role="viewer", dangjian_towns=[NANZHUANG]),
                        key=SECRET, algorithm="HS256", kid=None))
    anonymous = httpx.get(production + "/reports/town-statistics.csv", timeout=30)
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "UNAUTHENTICATED"

    def data(query, variables=None):
        body = httpx.post(production + "/graphql", json={"query": query, "variables": variables or {}},
                          headers=token, timeout=60).json()
        assert not body.get("errors"), body
        return body["data"]

    seen_towns = set()
    for name, params in [("town-statistics", {}), ("demand-statistics", {"groupBy": "TOWN"}),
                         ("zone-composition", {"first": "2"}), ("visit-coverage", {})]:
        headers, rows = EXPECTED[name](data, params)
        response = httpx.get(f"{production}/reports/{name}.csv", params={**params, "lang": "en"}, headers=token,
                             timeout=60)
        assert response.status_code == 200, response.text
        assert read_csv(response.content) == [headers] + [[text(v) for v in row] for row in rows]
        if name == "town-statistics":
            seen_towns = {row[0] for row in rows}
    assert seen_towns == {NANZHUANG}  # the grant limits the report as it limits GraphQL
    too_big = httpx.get(f"{production}/reports/zone-composition.csv", params={"first": "500"}, headers=token,
                        timeout=60)  # a viewer's pages hold at most 200, in a report as in GraphQL
    assert too_big.status_code == 400 and too_big.json()["field"] == "first", too_big.text


def test_every_header_has_its_own_chinese_text():
    """Catalogues are merged per language: no other domain may give a report header another text."""
    from babel.messages.pofile import read_po

    from web.report_definitions import REPORTS

    with (i18n.LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / "reports.po").open("rb") as handle:
        own = {m.id: m.string for m in read_po(handle) if m.id}
    used = {text for r in REPORTS.values() for text in (r.title, *(c.header for c in r.columns))}
    assert used == set(own)
    assert {msgid: i18n.translate(msgid, "zh-CN") for msgid in own} == own


def test_text_is_never_a_formula():
    """A name someone imported as `=HYPERLINK(…)` stays text in both files (no database needed)."""
    from web.report_definitions import REPORTS
    from web.reports import render

    report = REPORTS["coverage-gaps"]
    evil = '=HYPERLINK("http://example.invalid","x")'
    rows = [{"gap": "gridsWithoutDepartment", "uid": "grid-1", "name": evil, "label": "Grid"},
            {"gap": "gridsWithoutDepartment", "uid": "grid-2", "name": "-1+2", "label": "Grid"}]
    table = read_csv(render(report, rows, "csv", "en"))
    assert [row[2] for row in table[1:]] == ["'" + evil, "'-1+2"]
    workbook = openpyxl.load_workbook(io.BytesIO(render(report, rows, "xlsx", "en")))
    for sheet in workbook.worksheets:
        assert sheet.cell(2, 3).value == evil and sheet.cell(2, 3).data_type == "s"
        assert sheet.cell(3, 3).value == "-1+2"
