"""/explore in zh-CN (the default) and en, and the Zumiao expansion, in a real headless Chromium
(fixtures and helpers of tests/test_explorer.py); the catalogue route GET /i18n/{lang}.json.

Screenshots go to test-artifacts/explorer-*.png. The zh-CN view is scanned for English: every
visible text of the page's chrome (data — node names, uids, descriptions, search examples — is
marked `.data` or with its own `lang`, and left out) must hold no msgid or English text of
explorer.po, and no Latin word but a few product names. Labels are measured with Cytoscape's
rendered bounding boxes: no two shown labels may overlap.
"""
from __future__ import annotations

import collections
import re
import string

import httpx
import pytest
from babel.messages.pofile import read_po

import i18n
from graph.model import ENUMS, NODE_TYPES, relationship_endpoints
from tests.conftest import REPO
from tests.test_explorer import (browser, click_node, overlapping_nodes, wait_for,  # noqa: F401 (fixture)
                                 wait_until_idle)

ARTIFACTS = REPO / "test-artifacts"
EXPLORER_PO = {lang: i18n.LOCALE_DIR / d / "LC_MESSAGES" / "explorer.po" for lang, d in (("zh-CN", "zh_CN"), ("en", "en"))}
# Latin words the zh-CN chrome may show: product and format names, and an example search term.
ALLOWED_LATIN = {"GraphQL", "GraphiQL", "ID", "Cytoscape", "yEd", "Gephi", "Nanzhuang"}
ZUMIAO = """{ towns(where: { uid: { eq: "town-zumiao" } }) { nodes { id } } }"""
NEIGHBOURS = """query($id: ID!) { neighbourhood(id: $id, depth: 1, limit: 200) {
  nodes { nodeId label } truncated } }"""


def explorer_messages(lang: str) -> dict[str, str]:
    with EXPLORER_PO[lang].open("rb") as handle:
        return {m.id: m.string for m in read_po(handle) if m.id}


def english_fragments() -> set[str]:
    """The Latin-lettered pieces (between placeholders) of every msgid and English text."""
    en = explorer_messages("en")
    fragments = set()
    for text in list(en) + [t for t in en.values() if t]:
        for literal, *_ in string.Formatter().parse(text):
            piece = literal.strip(" .,:;()·…↗“”")
            if re.search(r"[A-Za-z]{2,}", piece) and piece not in ALLOWED_LATIN:
                fragments.add(piece)
    return fragments


# ---- the route ----------------------------------------------------------------------------------

def test_the_catalogue_route_serves_both_languages_and_nothing_else(server):
    zh = httpx.get(f"{server}/i18n/zh-CN.json")
    en = httpx.get(f"{server}/i18n/en.json")
    assert zh.status_code == en.status_code == 200
    assert zh.json()["lang"] == "zh-CN" and en.json()["lang"] == "en"
    assert zh.json()["messages"] == i18n.catalogue("zh-CN")
    assert en.json()["messages"] == i18n.catalogue("en")
    assert zh.json()["messages"]["Zone"] == "片区" and en.json()["messages"]["CommandCentre"] == "Command centre"
    assert "max-age" in zh.headers["cache-control"] and zh.headers["etag"] != en.headers["etag"]
    again = httpx.get(f"{server}/i18n/zh-CN.json", headers={"If-None-Match": zh.headers["etag"]})
    assert again.status_code == 304 and not again.content
    for other in ("fr", "zh_CN", "zh", "EN", "en.json%00"):
        assert httpx.get(f"{server}/i18n/{other}.json").status_code == 404, other


def test_the_catalogue_names_every_type_relationship_and_source_of_the_model():
    zh, en = explorer_messages("zh-CN"), explorer_messages("en")
    names = {t.name for t in NODE_TYPES} | {rel for _, rel, _ in relationship_endpoints()} | set(ENUMS["Source"])
    for name in names:
        assert re.search(r"[\u4e00-\u9fff]", zh.get(name, "")), f"no Chinese name for {name}"
        assert re.fullmatch(r"[A-Za-z][A-Za-z -]*", en.get(name, "")), f"no English name for {name}"
    assert {zh[n] for n in ("Community", "Grid", "Organisation", "PART_OF", "SERVES", "ARTICLE")} == \
        {"村居", "网格", "党组织", "隶属", "服务", "文章"}


# ---- the page ------------------------------------------------------------------------------------

def fresh_page(driver, server, query: str = "") -> None:
    """/explore with nothing remembered (the browser is shared by the module's tests)."""
    driver.get(f"{server}/explore")
    driver.execute_script("localStorage.clear();")
    driver.get(f"{server}/explore{query}")
    wait_for(driver, "window.explorer && document.body.dataset.state === 'ready'")


SCAN = """
const texts = [];
const foreign = (el) => el.closest(`.data, .format, script, style, [aria-hidden], [lang]:not([lang="${arguments[0]}"])`);
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
while (walker.nextNode()) {
  const el = walker.currentNode.parentElement, text = walker.currentNode.textContent.trim();
  if (text && el.checkVisibility({ visibilityProperty: true }) && !foreign(el)) texts.push(text);
}
for (const el of document.querySelectorAll('[placeholder], [title], [aria-label]')) {
  if (foreign(el) || !el.checkVisibility({ visibilityProperty: true })) continue;
  for (const name of ['placeholder', 'title', 'aria-label']) if (el.getAttribute(name)) texts.push(el.getAttribute(name));
}
texts.push(document.title);
return texts;
"""


def assert_no_english(texts: list[str]) -> None:
    fragments = english_fragments()
    for text in texts:
        for piece in fragments:
            assert not re.search(rf"(?<![A-Za-z]){re.escape(piece)}(?![A-Za-z])", text), (piece, text)
        latin = set(re.findall(r"[A-Za-z]{2,}", text)) - ALLOWED_LATIN
        assert not latin, (latin, text)


def canvas_labels(driver) -> list[str]:
    return driver.execute_script(
        "return window.explorer.cy.elements(':visible').map(e => e.style('label')).filter(Boolean);")


def overlapping_labels(driver) -> tuple[int, list]:
    """(labels shown, pairs of shown labels whose on-screen boxes overlap by more than half a pixel)."""
    shown, pairs = driver.execute_script("""
      const cy = window.explorer.cy;
      const shown = cy.elements(':visible').filter(e => e.style('label'));
      const boxes = shown.map(e => [e.id(), e.renderedBoundingBox({ includeNodes: false, includeEdges: false,
        includeLabels: true, includeOverlays: false, includeUnderlays: false })]).filter(([, b]) => b.w > 0);
      const pairs = [];
      for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
        const [a, b] = [boxes[i][1], boxes[j][1]];
        const w = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1), h = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
        if (w > 0.5 && h > 0.5) pairs.push([boxes[i][0], boxes[j][0], w, h]);
      }
      return [boxes.length, pairs];""")
    return shown, pairs



def open_zumiao(driver, server, data) -> tuple[str, dict]:
    town = data(ZUMIAO)["towns"]["nodes"][0]["id"]
    box = driver.find_element("id", "search-input")
    box.send_keys("祖庙街道")
    wait_for(driver, "document.querySelector(`#search-results li[data-id='${arguments[0]}']`)", 20, town)
    return town, driver.find_element("css selector", f'#search-results li[data-id="{town}"]')


def test_zh_cn_is_the_default_and_shows_no_english_ui_string(browser, server, data):
    fresh_page(browser, server)
    assert browser.execute_script("return document.documentElement.lang") == "zh-CN"
    assert_no_english(browser.execute_script(SCAN, "zh-CN"))  # the empty page

    town, hit = open_zumiao(browser, server, data)
    assert "镇街" in hit.text and "文章" in hit.text  # type name and source badge, translated
    assert_no_english(browser.execute_script(SCAN, "zh-CN"))  # with the search results open
    hit.click()
    wait_for(browser, "window.explorer.cy.getElementById(arguments[0]).data('expanded') === true", 30, town)
    wait_until_idle(browser)
    assert browser.find_element("id", "detail-type").text == "镇街"
    links = [e.text for e in browser.find_elements("css selector", "#detail-links .rel")]
    assert links and all(re.search(r"[\u4e00-\u9fff]", text) for text in links), links
    texts = browser.execute_script(SCAN, "zh-CN")
    assert any("截断" in text for text in texts)  # the truncation notice, in Chinese
    assert_no_english(texts)
    for label in canvas_labels(browser):  # group and link labels drawn on the canvas
        assert not re.search(r"[A-Z]{2,}|[A-Za-z]+_[A-Za-z]+", label), label
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "explorer-zh-CN.png"))
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert not errors, errors


def test_the_zumiao_expansion_is_grouped_and_no_label_overlaps_another(browser, server, data, gql):
    fresh_page(browser, server)
    town, hit = open_zumiao(browser, server, data)
    hit.click()
    wait_for(browser, "window.explorer.cy.getElementById(arguments[0]).data('expanded') === true", 30, town)
    wait_until_idle(browser)
    answer = data(NEIGHBOURS, {"id": town})["neighbourhood"]
    by_type = collections.Counter(node["label"] for node in answer["nodes"] if node["nodeId"] != town)
    assert sum(by_type.values()) > 60  # large enough to be grouped

    # Types with at least GROUP_MIN (6) new nodes are closed groups, the others drawn; the legend counts
    # every node of the neighbourhood.
    groups = dict(browser.execute_script(
        "return window.explorer.cy.nodes('[?group]').map(n => [n.data('label'), n.data('count')]);"))
    assert groups == {label: count for label, count in by_type.items() if count >= 6}
    legend = {row.get_attribute("data-type"): int(row.find_element("css selector", ".count").text)
              for row in browser.find_elements("css selector", "#legend [data-type]")}
    assert legend == by_type + collections.Counter({"Town": 1})
    assert browser.execute_script("return window.explorer.cy.nodes().length") == \
        1 + len(groups) + sum(c for c in by_type.values() if c < 6)

    shown, pairs = overlapping_labels(browser)
    assert not pairs, pairs
    assert not overlapping_nodes(browser)
    assert shown >= browser.execute_script("return window.explorer.cy.nodes().length")  # every node labelled
    assert f"党组织（{by_type['Organisation']} 个）" in canvas_labels(browser)
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "explorer-zumiao.png"))

    # A click opens the organisations' group: its members drawn inside it, labels decluttered.
    group = f"group:{town}:Organisation"
    click_node(browser, group)
    wait_for(browser, "window.explorer.cy.getElementById(arguments[0]).children().length > 0", 30, group)
    wait_until_idle(browser)
    members = browser.execute_script("return window.explorer.cy.getElementById(arguments[0]).children().map(n => n.id());", group)
    assert sorted(members) == sorted(n["nodeId"] for n in answer["nodes"] if n["label"] == "Organisation")
    shown, pairs = overlapping_labels(browser)
    assert not pairs, pairs
    assert not overlapping_nodes(browser)
    assert shown >= 25
    browser.save_screenshot(str(ARTIFACTS / "explorer-zumiao-open.png"))

    # Zooming in shows labels that were hidden, still without overlaps.
    quiet = browser.execute_script("return window.explorer.cy.nodes('.quiet').length")
    assert quiet > 0
    browser.execute_script("const cy = window.explorer.cy; const g = cy.getElementById(arguments[0]);"
                           "cy.zoom({ level: cy.zoom() * 3, renderedPosition: g.renderedPosition() });", group)
    wait_for(browser, "window.explorer.cy.nodes('.quiet').length < arguments[0]", 10, quiet)
    shown, pairs = overlapping_labels(browser)
    assert not pairs, pairs

    # The type filter hides a type and says how many it hides.
    browser.find_element("css selector", '#legend [data-type="Organisation"] input').click()
    hidden = browser.execute_script("return window.explorer.cy.nodes('[label = \"Organisation\"]:visible').length")
    assert hidden == 0
    assert f"类型筛选隐藏了 {len(members) + 1} 个" in browser.find_element("id", "status").text


def test_the_english_switch_is_remembered_and_the_address_can_ask(browser, server, data):
    fresh_page(browser, server)
    assert browser.find_element("css selector", "h1").text == "禅城区区域化党建网络"
    switch = browser.find_element("id", "lang-switch")
    assert switch.text == "English" and switch.get_attribute("lang") == "en"
    switch.click()
    wait_for(browser, "document.documentElement.lang === 'en'")
    assert browser.find_element("css selector", "h1").text == "Chancheng regionalised party-building network"
    browser.refresh()
    wait_for(browser, "window.explorer && document.body.dataset.state === 'ready'")
    assert browser.execute_script("return document.documentElement.lang") == "en"
    assert browser.find_element("id", "fit-button").text == "Fit"
    town, hit = open_zumiao(browser, server, data)
    assert "Town" in hit.text and "Article" in hit.text
    hit.click()
    wait_for(browser, "window.explorer.cy.getElementById(arguments[0]).data('expanded') === true", 30, town)
    wait_until_idle(browser)
    organisations = browser.execute_script(
        "return window.explorer.cy.getElementById(arguments[0]).data('count')", f"group:{town}:Organisation")
    assert organisations > 60 and f"Organisation ({organisations})" in canvas_labels(browser)
    assert any(e.text.endswith("in town") for e in browser.find_elements("css selector", "#detail-links .rel"))
    browser.save_screenshot(str(ARTIFACTS / "explorer-en.png"))
    for text in browser.execute_script(SCAN, "en"):  # and no Chinese left in the English chrome
        assert not re.search(r"[\u4e00-\u9fff]", re.sub("培德|城管", "", text)), text

    # The address wins over what is remembered, and switching back is remembered too.
    browser.get(f"{server}/explore?lang=zh-CN")
    wait_for(browser, "window.explorer && document.body.dataset.state === 'ready'")
    assert browser.execute_script("return document.documentElement.lang") == "zh-CN"
    fresh_page(browser, server, "?lang=en")
    assert browser.execute_script("return document.documentElement.lang") == "en"
    browser.find_element("id", "lang-switch").click()
    wait_for(browser, "document.documentElement.lang === 'zh-CN'")
    assert "lang=" not in browser.current_url
    browser.refresh()
    wait_for(browser, "window.explorer && document.body.dataset.state === 'ready'")
    assert browser.execute_script("return document.documentElement.lang") == "zh-CN"
