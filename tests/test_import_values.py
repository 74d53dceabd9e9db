"""Import values go through the rules a mutation's arguments do (graph/validation.py): swept over
every Int, Float, enum, date and timestamp property of every importable type, in CSV and JSON.

Dry runs against the seeded test graph: they read (uids taken elsewhere) and never write."""
from __future__ import annotations

import json
import re

import pytest

from graph.model import ENUMS, Prop
from graph.validation import INT_MAX, INT_MIN
from seed.importer import Importer
from seed.transfer import importable_types

TYPES = importable_types()


def sample(prop: Prop) -> str:
    """A valid CSV cell for a property."""
    if prop.is_enum:
        return ENUMS[prop.type][-1] if prop.name == "source" else ENUMS[prop.type][0]
    if prop.format == "date":
        return "2024-01-01"
    if prop.format == "datetime":
        return "2024-01-01T08:00:00Z"
    return {"Boolean": "true", "Int": "1", "Float": "0.5"}.get(prop.type, "示例")


def base_row(node_type, **cells: str) -> dict[str, str]:
    row = {p.name: sample(p) for p in node_type.stored_props if p.required}
    row.update({"uid": f"test-value-{node_type.name.lower()}", "name": "示例", **cells})
    return row


def json_row(node_type, **values) -> dict:
    """base_row with each sample as JSON holds it (numbers, Booleans, lists), then `values`."""
    kinds = {"Int": int, "Float": float, "Boolean": lambda cell: cell == "true"}
    row = {k: kinds.get(node_type.prop(k).type, str)(v) for k, v in base_row(node_type).items()}
    row.update({p.name: [row[p.name]] for p in node_type.stored_props if p.many and p.name in row})
    return {**row, **values}


def csv_text(rows: list[dict[str, str]]) -> str:
    columns = list(dict.fromkeys(c for row in rows for c in row))
    lines = [",".join(columns)] + [",".join(_quoted(row.get(c, "")) for c in columns) for row in rows]
    return "\n".join(lines) + "\n"


def _quoted(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"' if any(c in cell for c in ',"\r\n') else cell


async def dry_run(backend, tmp_path, files: dict[str, str | bytes], **options):
    paths = []
    for name, content in files.items():
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        paths.append(path)
    return await Importer(backend, "tester", **options).run(paths, dry_run=True)


def problems_at(report, file: str, line: int, column: str) -> list[str]:
    return [p.reason for p in report.problems if (p.file, p.line, p.column) == (file, line, column)]


NUMBERS = [(t, p) for t in TYPES for p in t.stored_props if p.type in ("Int", "Float")]
ENUM_PROPS = [(t, p) for t in TYPES for p in t.stored_props if p.is_enum and not p.many]  # lists: test_list_properties
DATE_PROPS = [(t, p) for t in TYPES for p in t.stored_props if p.format]
ids = lambda pair: f"{pair[0].name}.{pair[1].name}"  # noqa: E731


def bad_csv_numbers(prop: Prop) -> list[str]:
    common = ["1,5", "１", "١٢", " 12", "1_000", "0x1F", "nan", "inf", "Infinity", "true", "1e309", "-1e309"]
    cells = common + (["1.0", "1e3", "2147483648", "-2147483649", "99999999999999999999999"]
                                        if prop.type == "Int" else [])
    if prop.minimum is not None:
        cells.append(str(int(prop.minimum) - 1) if prop.type == "Int" else str(prop.minimum - 0.5))
    if prop.maximum is not None:
        cells.append(str(prop.maximum + 0.5))
    return cells


@pytest.mark.parametrize("node_type, prop", NUMBERS, ids=map(ids, NUMBERS))
async def test_every_number_column_refuses_what_graphql_would_in_csv(backend, tmp_path, node_type, prop):
    cells = bad_csv_numbers(prop)
    rows = [base_row(node_type, uid=f"test-number-{i}", **{prop.name: cell}) for i, cell in enumerate(cells)]
    report = await dry_run(backend, tmp_path, {f"{node_type.name}.csv": csv_text(rows)})
    for line, cell in enumerate(cells, start=2):
        reasons = problems_at(report, f"{node_type.name}.csv", line, prop.name)
        assert len(reasons) == 1, (cell, report.problems)
        # A Float parsed from the cell is shown as Python prints it ("-0.5"); text as written.
        shown = str(float(cell)) if prop.type == "Float" and re.fullmatch(r"-?[0-9.]+", cell) else cell
        assert shown in reasons[0], (cell, reasons)
    assert {p.column for p in report.problems} == {prop.name}


@pytest.mark.parametrize("node_type, prop", NUMBERS, ids=map(ids, NUMBERS))
async def test_every_number_column_refuses_what_graphql_would_in_json(backend, tmp_path, node_type, prop):
    values = ["12", True, None, [1]] + ([2 ** 31, INT_MIN - 1, 10 ** 23, 1.5] if prop.type == "Int" else [])
    if prop.minimum is not None:
        values.append(prop.minimum - 1)
    if prop.maximum is not None:
        values.append(prop.maximum + 0.5)
    values = [v for v in values if v is not None]
    rows = [json_row(node_type, uid=f"test-number-{i}", **{prop.name: v}) for i, v in enumerate(values)]
    # Written by hand: 1e309 and NaN are not JSON Python would write, but a file may hold them.
    text = "[\n" + ",\n".join(json.dumps(r, ensure_ascii=False) for r in rows)
    for extra in ("1e309", "-1e309", "NaN", "Infinity"):
        row = {k: v for k, v in json_row(node_type, uid=f"test-number-{extra}").items() if k != prop.name}
        text += ",\n" + json.dumps(row, ensure_ascii=False)[:-1]
        text += f', "{prop.name}": {extra}}}'
    text += "\n]\n"
    report = await dry_run(backend, tmp_path, {f"{node_type.name}.json": text})
    for line in range(2, 2 + len(values) + 4):
        assert len(problems_at(report, f"{node_type.name}.json", line, prop.name)) == 1, (line, report.problems)
    assert {p.column for p in report.problems} == {prop.name}


@pytest.mark.parametrize("node_type, prop", NUMBERS, ids=map(ids, NUMBERS))
async def test_every_number_column_accepts_its_bounds(backend, tmp_path, node_type, prop):
    low = prop.minimum if prop.minimum is not None else (INT_MIN if prop.type == "Int" else -1e308)
    high = prop.maximum if prop.maximum is not None else (INT_MAX if prop.type == "Int" else 1e308)
    cells = [str(int(low)), str(int(high))] if prop.type == "Int" else [str(low), str(high), "+0.25e0", ".5"]
    if prop.maximum is not None and prop.type == "Float":
        cells = cells[:2] + ["0.85", "1", "0"]
    rows = [base_row(node_type, uid=f"test-bound-{i}", **{prop.name: c}) for i, c in enumerate(cells)]
    report = await dry_run(backend, tmp_path, {f"{node_type.name}.csv": csv_text(rows)})
    assert report.problems == []
    json_rows = [json_row(node_type, uid="test-json-bound", **{prop.name: 5.0 if prop.type == "Int" else 0})]
    json_rows[0].update({p.name: True for p in node_type.stored_props if p.type == "Boolean" and p.required})
    report = await dry_run(backend, tmp_path, {f"{node_type.name}.json": json.dumps(json_rows)})
    assert report.problems == []  # 5.0 is the Int 5, and 0 the Float 0.0, as GraphQL variables are


@pytest.mark.parametrize("node_type, prop", ENUM_PROPS, ids=map(ids, ENUM_PROPS))
async def test_every_enum_column_names_the_bad_value_and_the_choices(backend, tmp_path, node_type, prop):
    names = ENUMS[prop.type]
    cells = ["SOCIETY", names[0].lower(), f" {names[0]}", names[0] + "\u200b"]
    rows = [base_row(node_type, uid=f"test-enum-{i}", **{prop.name: c}) for i, c in enumerate(cells)]
    report = await dry_run(backend, tmp_path, {f"{node_type.name}.csv": csv_text(rows)})
    for line, cell in enumerate(cells, start=2):
        [reason] = problems_at(report, f"{node_type.name}.csv", line, prop.name)
        assert reason == f"{cell!r} is not one of {', '.join(names)}"
    good = [base_row(node_type, uid=f"test-enum-{i}", **{prop.name: name}) for i, name in enumerate(names)
            if (prop.name, name) != ("source", "ARTICLE")]
    assert (await dry_run(backend, tmp_path, {f"{node_type.name}.csv": csv_text(good)})).problems == []


@pytest.mark.parametrize("node_type, prop", DATE_PROPS, ids=map(ids, DATE_PROPS))
async def test_every_date_column_needs_iso_dates(backend, tmp_path, node_type, prop):
    cells = ["2024-13-01", "2024-02-30", "2024/01/02", "20240102", "2024-1-2", "２０２４-01-01", "yesterday"]
    cells += ["2024-01-01"] if prop.format == "datetime" else ["2024-01-01T08:00:00Z"]
    rows = [base_row(node_type, uid=f"test-date-{i}", **{prop.name: c}) for i, c in enumerate(cells)]
    report = await dry_run(backend, tmp_path, {f"{node_type.name}.csv": csv_text(rows)})
    for line, cell in enumerate(cells, start=2):
        [reason] = problems_at(report, f"{node_type.name}.csv", line, prop.name)
        assert repr(cell) in reason


@pytest.mark.parametrize("dates, column", [
    ({"raisedOn": "2024-03-01", "assignedOn": "2024-02-01"}, "assignedOn"),
    ({"assignedOn": "2024-03-01", "resolvedOn": "2024-02-28"}, "resolvedOn"),
    ({"raisedOn": "2024-03-01", "resolvedOn": "2024-02-01"}, "resolvedOn"),
    ({"raisedAt": "2024-03-01T08:00:00+08:00", "assignedAt": "2024-02-29T23:30:00Z"}, "assignedAt"),
])
async def test_demand_dates_out_of_order_are_refused(backend, tmp_path, dates, column):
    demand = next(t for t in TYPES if t.name == "Demand")
    report = await dry_run(backend, tmp_path, {"Demand.csv": csv_text([base_row(demand, **dates)])})
    [reason] = problems_at(report, "Demand.csv", 2, column)
    later = dates[column]
    assert later in reason and "must not be before" in reason
    in_order = dict(zip(dates, sorted(dates.values()))) if "raisedAt" not in dates else {}
    if in_order:
        assert (await dry_run(backend, tmp_path, {"Demand.csv": csv_text([base_row(demand, **in_order)])})).problems == []


@pytest.mark.parametrize("cell", ["yes", "1", "0", "maybe", "Y", "真"])
async def test_booleans_are_true_or_false(backend, tmp_path, cell):
    zone = next(t for t in TYPES if t.name == "Zone")
    report = await dry_run(backend, tmp_path, {"Zone.csv": csv_text([base_row(zone, isDemonstration=cell)])})
    assert problems_at(report, "Zone.csv", 2, "isDemonstration") == [f"must be true or false, got {cell!r}"]
    rows = [{**base_row(zone), "isDemonstration": cell}, {**base_row(zone, uid="test-zone-2"), "isDemonstration": 1}]
    json_report = await dry_run(backend, tmp_path, {"Zone.json": "[\n" + ",\n".join(map(json.dumps, rows)) + "\n]"})
    assert len(problems_at(json_report, "Zone.json", 2, "isDemonstration")) == 1
    assert len(problems_at(json_report, "Zone.json", 3, "isDemonstration")) == 1


@pytest.mark.parametrize("text, shown", [
    ("a\x01b", "U+0001"), ("a\x0bb", "U+000B"), ("a\x1fb", "U+001F"), ("\ufffe", "U+FFFE"), ("a\x00b", "NUL"),
])
async def test_control_characters_are_refused_in_every_text_cell(backend, tmp_path, text, shown):
    town = next(t for t in TYPES if t.name == "Town")
    rows = [base_row(town, name=text), base_row(town, uid="test-town-2", description=text)]
    report = await dry_run(backend, tmp_path, {"Town.csv": csv_text(rows),
                                               "Zone-IN_TOWN-Town.csv": f"from,to\nzone-zumiao-peide,{text}\n"})
    assert shown in problems_at(report, "Town.csv", 2, "name")[0]
    assert shown in problems_at(report, "Town.csv", 3, "description")[0]
    assert shown in problems_at(report, "Zone-IN_TOWN-Town.csv", 2, "to")[0]


async def test_lone_surrogates_in_json_are_refused(backend, tmp_path):
    text = '[{"uid": "test-s", "name": "\\ud800示例", "kind": "TOWN"},\n {"uid": "test-t", "name": "x", "kind": "\\udc00"}]'
    report = await dry_run(backend, tmp_path, {"Town.json": text})
    assert "lone surrogate (U+D800)" in problems_at(report, "Town.json", 1, "name")[0]
    assert problems_at(report, "Town.json", 2, "kind")


def test_a_bad_actor_is_refused(backend):
    for actor in ("a\x01", "\udcff", "", "   ", "x" * 201):
        with pytest.raises(ValueError, match="^actor: "):
            Importer(backend, actor)


async def test_article_source_needs_the_flag(backend, tmp_path):
    files = {"Town.csv": "uid,name,kind,source\ntest-a,示例镇,TOWN,ARTICLE\ntest-b,示例镇B,TOWN,ILLUSTRATIVE\n"
                         "test-c,示例镇C,TOWN,\n"}
    report = await dry_run(backend, tmp_path, files)
    assert [(p.line, p.column) for p in report.problems] == [(2, "source")]
    assert "--allow-article-source" in report.problems[0].reason
    assert (await dry_run(backend, tmp_path, files, allow_article_source=True)).problems == []
    json_report = await dry_run(backend, tmp_path, {"Town.json": json.dumps(
        [{"uid": "test-a", "name": "x", "kind": "SOCIETY", "source": "ARTICLE"}])})
    assert {p.column for p in json_report.problems} == {"kind", "source"}  # both, even with another problem
