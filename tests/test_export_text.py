"""Exports never write a character XML 1.0 forbids, whatever is stored (here: written by a raw
Cypher statement, as an older version or another writer might have), and CSV exports carry the
UTF-8 BOM Excel needs."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ElementTree

import httpx
import networkx
import pytest

from graph.plan import CompiledQuery
from graph.validation import text_problem
from seed.exporter import export_graph
from seed.importer import Importer
from tests.conftest import REPO, TEST_GRAPH, cli_env, scratch_graph, start_serve

ODD_NAME = "示例\x01镇\x0b\x1f"
ODD = CompiledQuery(
    "CREATE (t:Town {uid: 'town-odd', name: $name, nameEn: $en, kind: 'TOWN', source: 'IMPORTED', description: $d}) "
    "CREATE (z:Zone {uid: $zone, name: '示例片区', isDemonstration: false, source: 'IMPORTED'}) "
    "CREATE (z)-[:IN_TOWN]->(t) RETURN 1 AS done",
    {"name": ODD_NAME, "en": "Odd\ufffe\uffff", "d": "tab\tand\nnewline stay", "zone": "zone-odd\x02"})


@pytest.fixture(scope="module")
async def odd_graph(engine):
    async with scratch_graph(engine, "export_text_test", seeded=False) as backend:
        await backend.write(ODD)
        yield backend


@pytest.fixture(scope="module")
def odd_server(odd_graph, engine, data_dir):
    process, url = start_serve(data_dir, "--no-seed", graph="export_text_test", engine=engine)
    yield url
    process.terminate()
    process.wait(30)


def assert_no_forbidden_text(text: str) -> None:
    assert text_problem(text) is None, text_problem(text)


@pytest.mark.parametrize("fmt", ["csv", "json"])
async def test_file_exports_replace_what_an_import_refuses_and_say_so(odd_graph, engine, tmp_path, fmt):
    replaced: list[str] = []
    written = await export_graph(odd_graph, tmp_path, fmt, replaced=replaced)
    assert set(written) == {f"Town.{fmt}", f"Zone.{fmt}", f"Zone-IN_TOWN-Town.{fmt}"}
    for name in written:
        assert_no_forbidden_text((tmp_path / name).read_text(encoding="utf-8-sig"))
    assert f"Town.{fmt}: town-odd: name: text must not contain the control character U+0001" in "\n".join(replaced)
    assert any(line.startswith(f"Zone-IN_TOWN-Town.{fmt}: zone-odd\ufffd → town-odd: from:") for line in replaced)
    assert len(replaced) == 4  # Town name and nameEn, Zone uid, the link's from; not the tab and newline
    async with scratch_graph(engine, "export_text_again", seeded=False) as again:
        report = await Importer(again, "tester").run(sorted(tmp_path.iterdir()), dry_run=False)
        assert report.problems == []
        rows = await again.read(CompiledQuery("MATCH (z:Zone)-[:IN_TOWN]->(t:Town) RETURN t.name AS name, "
                                              "t.description AS d"))
        assert rows == [{"name": "示例\ufffd镇\ufffd\ufffd", "d": "tab\tand\nnewline stay"}]


async def test_csv_exports_start_with_a_bom_unless_asked_not_to(backend, tmp_path):
    await export_graph(backend, tmp_path / "bom")
    await export_graph(backend, tmp_path / "plain", bom=False)
    await export_graph(backend, tmp_path / "json", "json")
    for f in (tmp_path / "bom").iterdir():
        assert f.read_bytes().startswith(b"\xef\xbb\xbf" + (b"from,to" if "-" in f.name else b"uid,name")), f.name
    assert not any(f.read_bytes().startswith(b"\xef\xbb\xbf") for f in (tmp_path / "plain").iterdir())
    assert not any(f.read_bytes().startswith(b"\xef\xbb\xbf") for f in (tmp_path / "json").iterdir())
    for name in ("Town.csv", "Zone.csv"):
        assert (tmp_path / "bom" / name).read_bytes()[3:] == (tmp_path / "plain" / name).read_bytes()


def test_cli_export_no_bom(tmp_path, backend, engine):
    env = cli_env(engine, TEST_GRAPH)
    for flags, expected in (((), True), (("--no-bom",), False)):
        out = tmp_path / ("plain" if flags else "bom")
        done = subprocess.run([sys.executable, "-m", "web.cli", "export", str(out), *flags], cwd=REPO, env=env,
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert (out / "Town.csv").read_bytes().startswith(b"\xef\xbb\xbf") is expected


@pytest.mark.parametrize("extension", ["graphml", "gexf"])
def test_xml_exports_parse_whatever_is_stored(odd_server, extension):
    response = httpx.get(f"{odd_server}/export/town/town-odd.{extension}", timeout=30)
    assert response.status_code == 200, response.text
    ElementTree.fromstring(response.content)  # an XML-forbidden character would fail here
    reader = networkx.read_graphml if extension == "graphml" else networkx.read_gexf
    graph = reader(io.BytesIO(response.content))
    labels = {attrs["uid"]: attrs["label"] for _, attrs in graph.nodes(data=True)}
    assert labels == {"town-odd": "示例\ufffd镇\ufffd\ufffd", "zone-odd\ufffd": "示例片区"}


def test_cytoscape_export_of_whatever_is_stored(odd_server):
    response = httpx.get(f"{odd_server}/export/town/town-odd.cyjs", timeout=30)
    assert response.status_code == 200
    assert_no_forbidden_text(response.content.decode("utf-8"))
    graph = networkx.cytoscape_graph(json.loads(response.content))
    assert {attrs["name"] for _, attrs in graph.nodes(data=True)} == {"示例\ufffd镇\ufffd\ufffd", "示例片区"}
