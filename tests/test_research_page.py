"""The research page /research in a real headless Chromium, in zh-CN (the default) and en: every chart
drawn with data, no English UI string in the zh-CN view, the language switch remembered, a filter
change followed, and each chart's downloads: PNG and SVG files of the chart, CSV and XLSX of its data
(GET /reports with the chart's filters) holding the figures of the chart and of GraphQL.

Figures are checked against the seed files where that is cheap (zone composition, demands by town,
coverage gaps) and otherwise against a GraphQL query this test writes itself for the same filters
(tests/research_page_cases.py). Screenshots go to test-artifacts/research-*.png. Helpers:
tests/research_page_support.py.
"""
from __future__ import annotations

import json
import re
import string
import xml.etree.ElementTree as ET
from collections import Counter

import httpx
import pytest
from babel.messages.pofile import read_po

import i18n
from tests.conftest import REPO
from tests.research_page_cases import CASES
from tests.research_page_support import (CHARTS, chart, download, open_page, read_csv, read_xlsx,
                                         seed_composition, seed_demands_by_town, seed_gap_counts, series_by_key,
                                         set_filters, start_browser, stop_browser, text, wait_for, wait_until_ready)

ARTIFACTS = REPO / "test-artifacts"
# Latin words the zh-CN chrome may show: product and file-format names.
ALLOWED_LATIN = {"GraphQL", "GraphiQL", "PNG", "SVG", "CSV", "XLSX"}


@pytest.fixture(scope="module")
def browser():
    driver, downloads = start_browser()
    driver.downloads = downloads
    yield driver
    stop_browser(driver, downloads)


def catalogue_file(domain: str, lang: str) -> dict[str, str]:
    directory = "zh_CN" if lang == "zh-CN" else "en"
    with (i18n.LOCALE_DIR / directory / "LC_MESSAGES" / f"{domain}.po").open("rb") as handle:
        return {m.id: m.string for m in read_po(handle) if m.id}


def english_fragments() -> set[str]:
    """The Latin-lettered pieces (between placeholders) of the page's msgids (research.po, and
    explorer.po, whose top-bar strings it shares) and of the enum labels' English texts."""
    texts = list(catalogue_file("research", "en")) + list(catalogue_file("explorer", "en"))
    texts += [t for t in catalogue_file("enums", "en").values() if t]
    fragments = set()
    for text_ in texts:
        for literal, *_ in string.Formatter().parse(text_):
            piece = literal.strip(" .,:;()·…↗“”?")
            if re.search(r"[A-Za-z]{2,}", piece) and piece not in ALLOWED_LATIN:
                fragments.add(piece)
    return fragments


SCAN = """
const texts = [];
const foreign = (el) => el.closest(`.data, script, style, [aria-hidden], [lang]:not([lang="${arguments[0]}"])`);
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
while (walker.nextNode()) {
  const el = walker.currentNode.parentElement, text = walker.currentNode.textContent.trim();
  if (text && el.checkVisibility({ visibilityProperty: true }) && !foreign(el)) texts.push(text);
}
for (const el of document.querySelectorAll('[placeholder], [title], [aria-label]')) {
  if (foreign(el)) continue;
  for (const name of ['placeholder', 'title', 'aria-label']) if (el.getAttribute(name)) texts.push(el.getAttribute(name));
}
texts.push(document.title);
return texts;
"""


def assert_no_english(texts: list[str]) -> None:
    fragments = english_fragments()
    for item in texts:
        for piece in fragments:
            assert not re.search(rf"(?<![A-Za-z]){re.escape(piece)}(?![A-Za-z])", item), (piece, item)
        latin = set(re.findall(r"[A-Za-z]{2,}", item)) - ALLOWED_LATIN
        assert not latin, (latin, item)


def full_screenshot(driver, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    height = driver.execute_script("return document.body.scrollHeight")
    driver.set_window_size(1440, min(height + 120, 9000))
    driver.save_screenshot(str(ARTIFACTS / name))
    driver.set_window_size(1440, 900)


# ---- the routes ----------------------------------------------------------------------------------

def test_the_page_and_echarts_are_served_locally(server):
    page = httpx.get(f"{server}/research")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<script src="/vendor/echarts.js">' in page.text
    script = httpx.get(f"{server}/vendor/echarts.js")
    assert script.status_code == 200 and len(script.content) > 500_000
    version = json.loads((REPO / "web" / "node_modules" / "echarts" / "package.json").read_text())["version"]
    assert version == "6.1.0"
    assert json.loads((REPO / "web" / "package.json").read_text())["dependencies"]["echarts"] == "6.1.0"
    lock = json.loads((REPO / "web" / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/echarts"]["version"] == "6.1.0"
    for name in ("research.js", "research-i18n.js", "research-api.js", "research-card.js", "research-charts.js",
                 "research-work.js", "research.css"):
        assert httpx.get(f"{server}/static/{name}").status_code == 200, name
        assert len((REPO / "web" / "static" / name).read_text().splitlines()) <= 400, name
    assert httpx.get(f"{server}/static/research.html").status_code == 404  # only through /research


# ---- every chart, both languages ---------------------------------------------------------------

@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_every_chart_renders_with_data(browser, server, lang):
    open_page(browser, server, f"?lang={lang}")
    assert browser.execute_script("return document.documentElement.lang") == lang
    for chart_id in CHARTS:
        state = chart(browser, chart_id)
        assert state["state"] == "ready" and state["drawn"], chart_id
        assert state["keys"] and len(state["labels"]) == len(state["keys"]), chart_id
        for series in state["series"]:
            assert len(series["data"]) == len(state["keys"]), (chart_id, series["name"])
        assert any(v for s in state["series"] for v in s["data"]), chart_id  # something above zero
        assert [row[0] for row in state["table"]] == state["keys"], chart_id  # the table has every row
    full_screenshot(browser, f"research-{lang}.png")
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert not errors, errors


def test_zh_cn_is_the_default_and_shows_no_english_ui_string(browser, server):
    open_page(browser, server)
    assert browser.execute_script("return document.documentElement.lang") == "zh-CN"
    assert browser.find_element("css selector", "h1").text == "禅城区区域化党建网络：研究"
    assert_no_english(browser.execute_script(SCAN, "zh-CN"))
    for chart_id in CHARTS:  # what ECharts draws on the canvas: legend, axis names, category labels
        state = chart(browser, chart_id)
        assert_no_english(state["legend"] + state["axisNames"] + [str(label) for label in state["labels"]])
    categories = chart(browser, "matching")["labels"]
    assert "水电" in categories and "UTILITIES" not in categories  # enum labels from enums.po
    assert set(chart(browser, "resolution")["labels"]) == {"石湾镇街道", "南庄镇", "未归属"}


def test_the_english_switch_is_remembered_and_the_address_can_ask(browser, server):
    open_page(browser, server)
    switch = browser.find_element("id", "lang-switch")
    assert switch.text == "English" and switch.get_attribute("lang") == "en"
    switch.click()
    wait_for(browser, "document.documentElement.lang === 'en' && document.body.dataset.state === 'ready'")
    assert browser.find_element("css selector", "h1").text == "Chancheng regionalised party-building network: research"
    assert "Demands collected" in chart(browser, "resolution")["legend"]
    browser.refresh()
    wait_until_ready(browser)
    assert browser.execute_script("return document.documentElement.lang") == "en"
    assert "Utilities" in chart(browser, "matching")["labels"]
    assert browser.find_element("css selector", "#chart-gaps h2").text == "Coverage gaps"
    for href in (a.get_attribute("href") for a in browser.find_elements("css selector", "a[data-download]")):
        assert "lang=en" in href, href  # the files' headers follow the page
    for item in browser.execute_script(SCAN, "en"):  # no Chinese in the English chrome
        assert not re.search(r"[\u4e00-\u9fff]", item), item

    # The address wins over what is remembered; switching back is remembered and drops `lang=`.
    open_page(browser, server, "?lang=zh-CN", forget=False)
    assert browser.execute_script("return document.documentElement.lang") == "zh-CN"
    open_page(browser, server, "?lang=en")
    browser.find_element("id", "lang-switch").click()
    wait_for(browser, "document.documentElement.lang === 'zh-CN' && document.body.dataset.state === 'ready'")
    assert "lang=" not in browser.current_url
    browser.refresh()
    wait_until_ready(browser)
    assert browser.execute_script("return document.documentElement.lang") == "zh-CN"
    assert "收集诉求数" in chart(browser, "resolution")["legend"]


# ---- figures ---------------------------------------------------------------------------------------

def test_the_default_figures_are_the_seeds(browser, server):
    open_page(browser, server)
    composition = chart(browser, "composition")
    series = series_by_key(composition)
    drawn = {key: (series["lead"][i], series["internalCount"][i], series["externalCount"][i])
             for i, key in enumerate(composition["keys"])}
    assert drawn == seed_composition() and len(drawn) == 22
    assert composition["keys"] == sorted(drawn)  # in uid order, as the query pages them

    resolution = chart(browser, "resolution")
    series = series_by_key(resolution)
    drawn = {key: (series["collected"][i], series["resolved"][i]) for i, key in enumerate(resolution["keys"])}
    assert drawn == seed_demands_by_town()
    for i, key in enumerate(resolution["keys"]):
        collected, resolved = drawn[key]
        assert series["resolutionRate"][i] == round(resolved / collected, 4)
        assert resolution["table"][i] == [key, str(collected), str(resolved), str(series["resolutionRate"][i])]

    gaps = chart(browser, "gaps")
    assert dict(zip(gaps["keys"], series_by_key(gaps)["count"])) == seed_gap_counts()


def test_a_town_filter_redraws_the_chart_and_its_links(browser, server):
    from selenium.webdriver.support.ui import Select

    open_page(browser, server)
    before = chart(browser, "resolution")
    assert len(before["keys"]) > 1
    # As a person chooses it: the town select of the resolution chart.
    Select(browser.find_element("css selector", '#chart-resolution select[name="town"]')).select_by_value("town-nanzhuang")
    wait_for(browser, "window.research.cards.resolution.el.dataset.state === 'ready' && "
                      "window.research.cards.resolution.filters.town === 'town-nanzhuang'")
    after = chart(browser, "resolution")
    collected, resolved = seed_demands_by_town("town-nanzhuang")["town-nanzhuang"]
    assert after["keys"] == ["town-nanzhuang"] and (collected, resolved) == (252, 252)
    assert series_by_key(after)["collected"] == [collected] and series_by_key(after)["resolved"] == [resolved]
    link = browser.find_element("css selector", '#chart-resolution a[data-download="csv"]').get_attribute("href")
    assert "town=town-nanzhuang" in link and "groupBy=TOWN" in link
    assert "town=" not in browser.find_element(  # the other charts keep their own filters
        "css selector", '#chart-escalation a[data-download="csv"]').get_attribute("href")

    # A town with no zones: no bars, and a message saying so.
    set_filters(browser, "composition", town="town-shiwan")
    assert chart(browser, "composition")["keys"] == [] == list(seed_composition("town-shiwan"))
    assert browser.find_element("css selector", "#chart-composition .empty").is_displayed()


# ---- downloads ----------------------------------------------------------------------------------

def check_images(browser, chart_id: str, title: str) -> None:
    png = download(browser, browser.downloads, chart_id, "png")
    assert png.name == f"{chart_id}.png" and png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert png.stat().st_size > 5000
    svg = download(browser, browser.downloads, chart_id, "svg")
    root = ET.fromstring(svg.read_bytes())
    assert svg.name == f"{chart_id}.svg" and root.tag.endswith("svg")
    assert title in "".join(root.itertext())  # the file carries the chart's title
    assert len(root.findall(".//{http://www.w3.org/2000/svg}path")) > 3  # bars drawn as paths


@pytest.mark.parametrize("chart_id", sorted(CASES))
def test_each_download_holds_the_chart_and_graphql_figures(browser, server, data, chart_id):
    case = CASES[chart_id]
    open_page(browser, server)
    set_filters(browser, chart_id, **case.filters)
    state = chart(browser, chart_id)
    expected = case.expected(data)
    assert expected, chart_id
    assert state["keys"] == [row["key"] for row in expected]
    for key, values in series_by_key(state).items():
        assert values == [row[key] for row in expected], key

    title = browser.find_element("css selector", f"#chart-{chart_id} h2").text
    check_images(browser, chart_id, title)
    csv_rows = read_csv(download(browser, browser.downloads, chart_id, "csv"), case.report, "zh-CN")
    xlsx_rows = read_xlsx(download(browser, browser.downloads, chart_id, "xlsx"), case.report, "zh-CN")
    if chart_id == "bridging":  # the files hold the whole ranking, the chart its first rows
        total = data("{ bridgingOrganisations { totalCount } }")["bridgingOrganisations"]["totalCount"]
        assert len(csv_rows) == len(xlsx_rows) == total > len(expected)
        csv_rows, xlsx_rows = csv_rows[:len(expected)], xlsx_rows[:len(expected)]
    assert [r[case.report_key] for r in csv_rows] == [r["key"] for r in expected]
    assert [r[case.report_key] for r in xlsx_rows] == [r["key"] for r in expected]
    for row, csv_row, xlsx_row in zip(expected, csv_rows, xlsx_rows):
        for figure in case.figures:
            assert csv_row[figure] == text(row[figure]), (figure, row["key"])
            assert xlsx_row[figure] == row[figure], (figure, row["key"])
    if chart_id == "composition":
        assert [1 if r["leadUid"] else 0 for r in csv_rows] == [r["lead"] for r in expected]


def test_the_gaps_downloads_hold_every_node_of_each_gap(browser, server, data):
    open_page(browser, server)
    answer = data("""{ coverageGaps(first: 1000) { gridsWithoutDepartment { count }
        zonesWithoutExternalOrganisation { count } villagesWithoutSecretary { count } } }""")["coverageGaps"]
    counts = {gap: answer[gap]["count"] for gap in answer}
    assert counts == seed_gap_counts()
    state = chart(browser, "gaps")
    assert dict(zip(state["keys"], series_by_key(state)["count"])) == counts
    check_images(browser, "gaps", browser.find_element("css selector", "#chart-gaps h2").text)
    for kind, reader in (("csv", read_csv), ("xlsx", read_xlsx)):
        rows = reader(download(browser, browser.downloads, "gaps", kind), "coverage-gaps", "zh-CN")
        found = Counter(row["gap"] for row in rows)
        assert {gap: found[gap] for gap in counts} == counts, kind


def test_english_downloads_have_english_headers(browser, server, data):
    open_page(browser, server, "?lang=en")
    set_filters(browser, "escalation", town="town-shiwan")
    rows = read_csv(download(browser, browser.downloads, "escalation", "csv"), "demand-statistics", "en")
    expected = CASES["escalation"].expected(data)
    assert [(r["key"], r["resolved"]) for r in rows] == [(e["key"], text(e["resolved"])) for e in expected]
    assert "Resolved at the grassroots" in browser.find_element("css selector", "#chart-escalation .note").text
