"""Errors in the client's language (schema/schema.py `say_in_language`, resolvers/errors.py): over
the real HTTP endpoint, each code (BAD_USER_INPUT, NOT_FOUND, CONFLICT, TIMEOUT, FORBIDDEN) is said
in Chinese for `Accept-Language: zh…` and in English for `en…` or no header; `extensions.messageEn`
is always the English; a refusal writes nothing. Imports (`dangjian import --lang`, POST /import)
follow the same catalogue."""
from __future__ import annotations

import re
import subprocess
import sys

import httpx
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from graph.plan import CompiledQuery
from resolvers.network import MAX_SEARCH
from resolvers.plans import MAX_PAGE_SIZE
from tests.auth_support import CREATE_ZONE, make_key, post, production_server
from tests.conftest import REPO, cli_env, scratch_graph
from tests.test_errors import impatient_server  # noqa: F401 (a fixture)

CJK = re.compile(r"[\u4e00-\u9fff]")
PLACEHOLDER = re.compile(r"\{[A-Za-z_]\w*(![rsa])?(:[^{}]*)?\}")  # a {name} left unfilled
# Accept-Language → the language the errors must be in.
HEADERS = [("zh-CN", "zh"), ("zh", "zh"), ("zh-Hans", "zh"), ("en-GB,en;q=0.9", "en"),
           ("fr, zh;q=0.8, en;q=0.5", "zh"), ("de, en;q=0.9, zh;q=0.3", "en"), (None, "en")]
ZONES = "query($f: Int) { zones(first: $f) { totalCount } }"
PATH = 'query($d: String!) { escalationPath(demand: $d) { demand { uid } } }'
COUNT = CompiledQuery("MATCH (z:Zone {uid: $uid}) RETURN count(z) AS n")
GRAPH = "error_language_test"


def ask(url: str, query: str, variables: dict, header: str | None, **headers: str) -> dict:
    sent = {**headers, **({"accept-language": header} if header is not None else {})}
    return post(url, query, variables, headers=sent).json()


def the_error(body: dict) -> dict:
    assert len(body.get("errors") or []) == 1, body
    return body["errors"][0]


def check_language(error: dict, english: dict, lang: str, code: str) -> None:
    """`error` (asked in `lang`) against `english` (the same request without Accept-Language)."""
    assert error["extensions"]["code"] == english["extensions"]["code"] == code, error
    assert {k: v for k, v in error["extensions"].items()} == english["extensions"], (error, english)
    assert error["extensions"]["messageEn"] == english["message"] == english["extensions"]["messageEn"]
    assert not CJK.search(english["message"]), english  # the stable English text
    if lang == "zh":
        assert CJK.search(error["message"]), error
        assert not PLACEHOLDER.search(error["message"]), error
        assert error["message"] != english["message"]
    else:
        assert error["message"] == english["message"], error
    field = english["extensions"].get("field")
    if field is not None:  # the field prefix is the same in every language
        assert english["message"].startswith(f"{field}: ") and error["message"].startswith(f"{field}: ")


@pytest.mark.parametrize("header, lang", HEADERS)
def test_bad_user_input_follows_accept_language(server, header, lang):
    english = the_error(ask(server, ZONES, {"f": MAX_PAGE_SIZE + 1}, None))
    assert english["message"] == f"first: must be between 0 and {MAX_PAGE_SIZE}, got {MAX_PAGE_SIZE + 1}"
    error = the_error(ask(server, ZONES, {"f": MAX_PAGE_SIZE + 1}, header))
    check_language(error, english, lang, "BAD_USER_INPUT")
    if lang == "zh":
        assert error["message"] == f"first: 须在 0 到 {MAX_PAGE_SIZE} 之间，实为 {MAX_PAGE_SIZE + 1}"


@pytest.mark.parametrize("header, lang", HEADERS)
def test_not_found_follows_accept_language(server, header, lang):
    english = the_error(ask(server, PATH, {"d": "demand-nowhere"}, None))
    assert english["message"] == "demand: no Demand with uid 'demand-nowhere'"
    check_language(the_error(ask(server, PATH, {"d": "demand-nowhere"}, header)), english, lang, "NOT_FOUND")


@pytest.fixture(scope="module")
async def scratch(engine, data_dir):
    """A production server on a scratch graph (its writes vanish with it), with a viewer's and an
    admin's key."""
    async with production_server(engine, data_dir, GRAPH, {}) as (url, backend):
        yield url, backend, make_key(engine, GRAPH, "示例查看员", "viewer"), make_key(engine, GRAPH, "示例管理员", "admin")


@pytest.mark.parametrize("header, lang", HEADERS)
async def test_conflict_follows_accept_language_and_writes_nothing(scratch, header, lang):
    url, backend, _, admin = scratch
    town = (await backend.read(CompiledQuery("MATCH (t:Town) RETURN t.uid AS uid ORDER BY uid LIMIT 1")))[0]["uid"]
    auth = {"authorization": f"Bearer {admin}"}
    english = the_error(ask(url, CREATE_ZONE, {"u": town}, None, **auth))
    assert english["message"].startswith(f"input.uid: uid '{town}' is already taken by a Town")
    check_language(the_error(ask(url, CREATE_ZONE, {"u": town}, header, **auth)), english, lang, "CONFLICT")
    assert await backend.read(CompiledQuery(COUNT.text, {"uid": town})) == [{"n": 0}]


@pytest.mark.parametrize("header, lang", HEADERS)
async def test_forbidden_follows_accept_language_and_writes_nothing(scratch, header, lang):
    url, backend, viewer, _ = scratch
    uid = f"zone-refused-{len(header or '')}-{lang}"
    auth = {"authorization": f"Bearer {viewer}"}
    english = the_error(ask(url, CREATE_ZONE, {"u": uid}, None, **auth))
    assert "the viewer role reads only" in english["message"] and english["extensions"]["rule"] == "role"
    check_language(the_error(ask(url, CREATE_ZONE, {"u": uid}, header, **auth)), english, lang, "FORBIDDEN")
    assert await backend.read(CompiledQuery(COUNT.text, {"uid": uid})) == [{"n": 0}]


@pytest.mark.parametrize("header, lang", HEADERS[::2])
def test_timeout_follows_accept_language(impatient_server, header, lang):  # noqa: F811
    query = "{ zoneComposition(first: 50) { zones { zone { name } membersReachable } } }"
    english = the_error(ask(impatient_server, query, {}, None))
    assert english["message"].startswith("the database stopped this read after 0.001 s: narrow the filter")
    error = the_error(ask(impatient_server, query, {}, header))
    check_language(error, english, lang, "TIMEOUT")
    if lang == "zh":
        assert "0.001" in error["message"]


@pytest.mark.parametrize("header, lang", HEADERS[:1] + HEADERS[-1:])
def test_query_cost_refusals_are_said_in_the_language(server, header, lang):
    query = "{ towns(first: 1000) { nodes { organisations(first: 1000) { members(first: 1000) { uid } } } } }"
    english = the_error(ask(server, query, {}, None))
    assert "this operation would cost about" in english["message"], english
    check_language(the_error(ask(server, query, {}, header)), english, lang, "BAD_USER_INPUT")


# Bad inputs of many kinds: each is refused with one coded error, said in Chinese for zh.
BAD_INPUTS = st.one_of(
    st.integers(min_value=MAX_PAGE_SIZE + 1, max_value=2 ** 31 - 1).map(lambda n: (ZONES, {"f": n})),
    st.integers(min_value=-(2 ** 31), max_value=-1).map(lambda n: (ZONES, {"f": n})),
    st.text(min_size=1, max_size=12).filter(lambda t: not re.fullmatch(r"\d{4}-\d{2}-\d{2}", t)).map(
        lambda t: ("query($f: String) { demandStatistics(groupBy: MONTH, from: $f) { collected } }", {"f": t})),
    st.from_regex(r"[a-z][A-Za-z]{2,12}", fullmatch=True).filter(lambda n: n not in ("uid", "name", "nameEn")).map(
        lambda n: ("query($w: ZoneWhere) { zones(where: $w) { totalCount } }", {"w": {n: {"eq": "x"}}})),
    st.from_regex(r"demand-[a-z0-9]{1,10}", fullmatch=True).map(lambda u: (PATH, {"d": u + "-nowhere"})),
    st.integers(min_value=-(2 ** 31), max_value=2 ** 31 - 1).filter(lambda n: not 1 <= n <= MAX_SEARCH).map(
        lambda n: ("query($n: Int!) { search(text: \"祖庙\", first: $n) { uid } }", {"n": n})),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=BAD_INPUTS, header=st.sampled_from(["zh-CN", "zh", "zh-Hans-CN", "fr, zh;q=0.8, en;q=0.5"]))
def test_every_error_of_bad_input_is_said_in_chinese(server, case, header):
    query, variables = case
    english = ask(server, query, variables, None)
    chinese = ask(server, query, variables, header)
    assert english.get("errors") and len(chinese.get("errors") or []) == len(english["errors"]), (english, chinese)
    for error, said in zip(english["errors"], chinese["errors"]):
        code = error["extensions"]["code"]
        assert code in ("BAD_USER_INPUT", "NOT_FOUND", "GRAPHQL_VALIDATION_FAILED"), error
        assert said["extensions"] == error["extensions"] and said["extensions"]["messageEn"] == error["message"]
        assert CJK.search(said["message"]) and not PLACEHOLDER.search(said["message"].replace(
            error["message"], "")), said  # graphql-core's English detail may hold braces of its own


# --------------------------------------------------------------------------- imports


BAD_TOWNS = "uid,name,kind\ntown-a,示例镇A,TOWN\ntown-b,示例镇B,CITY\n"


def dangjian_import(engine, *args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in cli_env(engine, GRAPH + "_cli").items()
                   if k not in ("LC_ALL", "LC_MESSAGES", "LANG")}
    return subprocess.run([sys.executable, "-m", "web.cli", "import", "--dry-run", *args], cwd=REPO,
                          env={**environment, **env}, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=300)


@pytest.mark.parametrize("flag, env, lang", [
    (["--lang", "zh-CN"], {"LANG": "en_US.UTF-8"}, "zh"), (["--lang", "en"], {"LC_ALL": "zh_CN.UTF-8"}, "en"),
    ([], {"LC_ALL": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "zh"), ([], {"LANG": "en_GB.UTF-8"}, "en"),
    ([], {"LANG": "C.UTF-8"}, "en"), ([], {}, "zh"),
])
async def test_cli_import_reports_in_lang_or_the_locale(engine, tmp_path, flag, env, lang):
    (tmp_path / "Town.csv").write_text(BAD_TOWNS, encoding="utf-8")
    async with scratch_graph(engine, GRAPH + "_cli", seeded=False):
        done = dangjian_import(engine, *flag, str(tmp_path / "Town.csv"), **env)
    assert done.returncode == 1, done.stderr
    problem, summary = done.stderr.splitlines()[-2:]
    assert problem.startswith("Town.csv:3: kind: 'CITY' ")
    assert summary.startswith("dangjian import: ")
    if lang == "en":
        assert problem == "Town.csv:3: kind: 'CITY' is not one of TOWN, SUBDISTRICT"
        assert summary == "dangjian import: 1 problem in 1 row; nothing was written"
    else:
        assert problem == "Town.csv:3: kind: 'CITY' 不是 TOWN, SUBDISTRICT 之一"
        assert summary == "dangjian import: 共 1 个问题，涉及 1 行；未写入任何内容"


def test_cli_refuses_a_language_it_does_not_speak(engine):
    done = dangjian_import(engine, "--lang", "fr", "Town.csv")
    assert done.returncode == 2 and "must be zh-CN or en, got 'fr'" in done.stderr


@pytest.mark.parametrize("header, lang", HEADERS)
def test_post_import_follows_accept_language(server, header, lang):
    files = [("files", ("Town.csv", BAD_TOWNS.encode(), "text/csv"))]
    sent = {"accept-language": header} if header is not None else {}
    answer = httpx.post(server + "/import", files=files, data={"dryRun": "true"}, headers=sent, timeout=60)
    assert answer.status_code == 422, answer.text
    (problem,) = answer.json()["problems"]
    assert (problem["file"], problem["line"], problem["column"]) == ("Town.csv", 3, "kind")
    assert problem["reasonEn"] == "'CITY' is not one of TOWN, SUBDISTRICT"
    assert problem["reason"] == (problem["reasonEn"] if lang == "en" else "'CITY' 不是 TOWN, SUBDISTRICT 之一")


@pytest.mark.parametrize("header, lang", [("zh-CN", "zh"), (None, "en")])
def test_post_import_refusal_follows_accept_language(scratch, header, lang):
    url, _, viewer, _ = scratch
    sent = {"authorization": f"Bearer {viewer}", **({"accept-language": header} if header else {})}
    answer = httpx.post(url + "/import", files=[("files", ("Town.csv", BAD_TOWNS.encode(), "text/csv"))],
                        headers=sent, timeout=60)
    assert answer.status_code == 403, answer.text
    body = answer.json()
    assert body["code"] == "FORBIDDEN" and body["errorEn"] == "importing needs an admin grant; this grant's role is viewer"
    assert body["error"] == (body["errorEn"] if lang == "en" else "导入需要管理员授权；本授权的角色是 viewer")
