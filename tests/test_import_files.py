"""Import files as people make them: Chinese Excel's GB18030, BOMs, trailing `,,` rows, quoted
line breaks, repeated headers, stray cells; every problem at its real line; links to refused rows."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from graph.plan import CompiledQuery
from seed.encoding import EncodingProblem, decode, describe
from seed.importer import Importer
from tests.conftest import REPO, cli_env, embedded_env, scratch_graph
from tests.test_import_values import dry_run, problems_at

NAMES = ["禅城区示例组织", "南庄镇示例党委", "祖庙街道", "石湾镇", "张槎"]


@pytest.fixture
async def empty_graph(engine):
    async with scratch_graph(engine, "import_files_test", seeded=False) as backend:
        yield backend


async def names_of(backend, label: str) -> dict[str, str]:
    rows = await backend.read(CompiledQuery(f"MATCH (n:{label}) RETURN n.uid AS uid, n.name AS name"))
    return {row["uid"]: row["name"] for row in rows}


def organisations(names: list[str]) -> str:
    return "uid,name,kind\n" + "".join(f"org-test-{i},{name},DISTRICT\n" for i, name in enumerate(names))


@pytest.mark.parametrize("codec", ["gb18030", "gbk"])
@pytest.mark.parametrize("count", [1, 2, 5])
async def test_chinese_excel_csv_is_read_as_gb18030(empty_graph, tmp_path, codec, count):
    (tmp_path / "Organisation.csv").write_bytes(organisations(NAMES[:count]).encode(codec))
    report = await Importer(empty_graph, "tester").run([tmp_path / "Organisation.csv"], dry_run=False)
    assert report.problems == [] and report.encodings == {"Organisation.csv": "read as GB18030"}
    assert await names_of(empty_graph, "Organisation") == {f"org-test-{i}": n for i, n in enumerate(NAMES[:count])}


@pytest.mark.parametrize("prefix, encoding", [(b"", "read as UTF-8"), (b"\xef\xbb\xbf", "read as UTF-8 with BOM")])
async def test_utf8_with_or_without_bom(empty_graph, tmp_path, prefix, encoding):
    (tmp_path / "Organisation.csv").write_bytes(prefix + organisations(NAMES[:1]).encode("utf-8"))
    report = await Importer(empty_graph, "tester").run([tmp_path / "Organisation.csv"], dry_run=False)
    assert report.problems == [] and report.encodings == {"Organisation.csv": encoding}
    assert await names_of(empty_graph, "Organisation") == {"org-test-0": NAMES[0]}  # "uid" kept its name


async def test_the_encoding_can_be_given(backend, tmp_path):
    data = organisations(NAMES).encode("gb18030")
    report = await dry_run(backend, tmp_path, {"Organisation.csv": data}, encoding="gb18030")
    assert report.problems == [] and report.encodings == {"Organisation.csv": "read as GB18030"}
    report = await dry_run(backend, tmp_path, {"Organisation.csv": data}, encoding="utf-8")
    [problem] = report.problems
    assert (problem.line, problem.column) == (2, "-") and "is not valid UTF-8" in problem.reason


def test_detection_prefers_strict_decoders_and_says_when_it_guesses():
    assert decode("示例".encode("utf-8")).encoding == "UTF-8"
    assert decode("示例".encode("gb18030")).encoding == "GB18030"  # charset-normalizer says Big5 here
    guess = decode("Café crème brûlée, déjà vu".encode("cp1252"))  # neither UTF-8 nor GB18030
    assert guess.guessed and "a guess" in describe(guess)
    with pytest.raises(EncodingProblem):
        decode(b"ok\n\xff", "utf-8")


async def test_a_quoted_crlf_in_a_cell_is_kept(empty_graph, tmp_path):
    (tmp_path / "Town.csv").write_bytes(b'uid,name,kind,description\r\ntown-t,"\xe7\xa4\xba\xe4\xbe\x8b",TOWN,'
                                        b'"line one\r\nline two"\r\n')
    report = await Importer(empty_graph, "tester").run([tmp_path / "Town.csv"], dry_run=False)
    assert report.problems == []
    rows = await empty_graph.read(CompiledQuery("MATCH (t:Town) RETURN t.description AS d"))
    assert rows == [{"d": "line one\r\nline two"}]


async def test_trailing_empty_rows_are_skipped_and_others_reported(backend, tmp_path):
    text = "uid,name,kind\ntest-a,示例A,TOWN\n,,\ntest-b,示例B,TOWN\n,,\n,,\n\n"
    report = await dry_run(backend, tmp_path, {"Town.csv": text})
    assert [(p.line, p.column) for p in report.problems] == [(3, "-")]
    assert "empty" in report.problems[0].reason


async def test_problems_carry_the_real_line_after_a_multi_line_cell(backend, tmp_path):
    text = 'uid,name,kind\ntest-a,"示例\nA",TOWN\ntest-b,示例B,CITY\ntest-c,示例C,TOWN,stray\n'
    report = await dry_run(backend, tmp_path, {"Town.csv": text})
    assert [str(p) for p in report.problems] == [
        "Town.csv:4: kind: 'CITY' is not one of TOWN, SUBDISTRICT",
        "Town.csv:5: -: cell 4 holds 'stray', but the header names only 3 columns",
    ]


async def test_a_repeated_header_column_is_refused(backend, tmp_path):
    report = await dry_run(backend, tmp_path, {"Town.csv": "uid,name,kind,name\ntest-a,示例,TOWN,示例二\n"})
    assert [(p.line, p.column) for p in report.problems] == [(1, "name")]
    assert "columns 2 and 4" in report.problems[0].reason


async def test_header_problems_are_reported_once(backend, tmp_path):
    report = await dry_run(backend, tmp_path, {"Town.csv": "uid,name,colour\ntest-a,示例,red\ntest-b,示例,blue\n",
                                               "Zone-IN_TOWN-Town.csv": "from,too\nzone-zumiao-peide,town-zumiao\n"})
    assert sorted((p.file, p.line, p.column) for p in report.problems) == [
        ("Town.csv", 1, "colour"), ("Town.csv", 1, "kind"), ("Zone-IN_TOWN-Town.csv", 1, "to"),
        ("Zone-IN_TOWN-Town.csv", 1, "too")]


async def test_json_problems_carry_the_objects_line(backend, tmp_path):
    rows = [{"uid": "test-a", "name": "示例", "kind": "TOWN"}, {"uid": "test-b", "name": "示例", "kind": "CITY"}]
    text = json.dumps(rows, ensure_ascii=False, indent=1)  # the second object starts on line 7
    text = text.replace('"kind": "TOWN"', '"kind": "TOWN", "kind": "SUBDISTRICT"')
    report = await dry_run(backend, tmp_path, {"Town.json": text})
    assert sorted((p.line, p.column) for p in report.problems) == [(2, "kind"), (7, "kind")]
    syntax = await dry_run(backend, tmp_path, {"Town.json": '[\n {"uid": "test-a",\n  "name": }\n]'})
    assert [(p.line, p.column) for p in syntax.problems] == [(3, "-")]


async def test_a_link_to_a_refused_row_says_so(backend, tmp_path):
    report = await dry_run(backend, tmp_path, {
        "Zone.csv": "uid,name,isDemonstration\ntest-zone-a,示例A,false\ntest-zone-b,示例B,maybe\n",
        "Organisation-SERVES-Zone.csv": "from,to\norg-x-05,test-zone-b\norg-x-05,test-zone-c\n"})
    [refused] = problems_at(report, "Organisation-SERVES-Zone.csv", 2, "to")
    assert "Zone.csv:3 was refused" in refused
    [absent] = problems_at(report, "Organisation-SERVES-Zone.csv", 3, "to")
    assert absent.startswith("no Zone with uid 'test-zone-c'")
    assert [p.file for p in report.problems] == ["Zone.csv"] + ["Organisation-SERVES-Zone.csv"] * 2  # as given


async def test_a_misnamed_or_unreadable_file_is_one_problem(backend, tmp_path):
    report = await dry_run(backend, tmp_path, {"Towns.csv": "uid\n", "Town.txt": "uid\n"})
    assert len(report.problems) == 2 and all(p.line == 1 for p in report.problems)


def run_cli(tmp_path, *args: str, graph: str = "cli_import_test", engine=None):
    """`dangjian` on `graph` on `engine`, or (without one) on an embedded FalkorDB it would start
    in tmp_path/data."""
    env = cli_env(engine, graph) if engine is not None else embedded_env(tmp_path / "data", graph)
    return subprocess.run([sys.executable, "-m", "web.cli", *args], cwd=REPO, env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=120)


def test_cli_a_mistyped_path_is_one_line(tmp_path):
    done = run_cli(tmp_path, "import", "--dry-run", "Foo.csv")
    assert done.returncode == 1
    assert done.stderr == "dangjian import: no such file: Foo.csv\n"
    assert not (tmp_path / "data").exists(), "nothing was started for a mistyped path"


@pytest.mark.parametrize("actor, shown", [("a\x01b", "U+0001"), ("\udcff", "lone surrogate"), ("", "must name")])
def test_cli_refuses_a_bad_actor(tmp_path, actor, shown):
    (tmp_path / "Town.csv").write_text("uid,name,kind\ntown-a,示例,TOWN\n", encoding="utf-8")
    done = run_cli(tmp_path, "import", "--dry-run", "--actor", actor, str(tmp_path / "Town.csv"))
    assert done.returncode == 1 and done.stderr.startswith("dangjian import: --actor: ") and shown in done.stderr


def test_cli_refuses_an_unknown_encoding(tmp_path):
    (tmp_path / "Town.csv").write_text("uid,name,kind\ntown-a,示例,TOWN\n", encoding="utf-8")
    done = run_cli(tmp_path, "import", "--dry-run", "--encoding", "klingon", str(tmp_path / "Town.csv"))
    assert done.returncode == 1 and done.stderr == "dangjian import: --encoding: unknown encoding 'klingon'; " \
                                                   "try utf-8 or gb18030\n"


def test_cli_says_how_each_file_was_read_and_imports_gb18030(tmp_path, engine):
    (tmp_path / "Organisation.csv").write_bytes(organisations(NAMES[:2]).encode("gb18030"))
    (tmp_path / "Town.csv").write_bytes(b"\xef\xbb\xbfuid,name,kind\ntown-t,\xe7\xa4\xba,TOWN\n")
    done = run_cli(tmp_path, "import", "--dry-run", str(tmp_path / "Organisation.csv"), str(tmp_path / "Town.csv"),
                   engine=engine)
    assert done.returncode == 0, done.stderr
    assert "Organisation.csv: read as GB18030\n" in done.stdout
    assert "Town.csv: read as UTF-8 with BOM\n" in done.stdout
    assert "Organisation.csv: 2 to create" in done.stdout


def test_cli_reports_values_with_file_line_and_column(tmp_path, engine):
    (tmp_path / "Programme.csv").write_text(
        "uid,name,kind,budgetYuan,expectedBeneficiaries\nprog-t,示例,SERVICE,1e309,3000000000\n"
        "prog-u,示例,SOCIETY,-5,12\n,,,,\n", encoding="utf-8")
    done = run_cli(tmp_path, "import", "--dry-run", str(tmp_path / "Programme.csv"), engine=engine)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "Programme.csv:2: budgetYuan: must be a finite number, got '1e309'",
        "Programme.csv:2: expectedBeneficiaries: must be a 32-bit integer, between -2147483648 and 2147483647, "
        "got 3000000000",
        "Programme.csv:3: kind: 'SOCIETY' is not one of LIVELIHOOD_PROJECT, SERVICE_ITEM, ACTION_PROJECT, SERVICE, "
        "PLATFORM, TRAINING",
        "Programme.csv:3: budgetYuan: must be at least 0, got -5.0",
        "dangjian import: 4 problems in 2 rows; nothing was written",
    ]
