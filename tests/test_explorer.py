"""The /explore page in a real headless Chromium: search, open a zone, expand nodes by clicking.

Needs Debian's `chromium` and `chromium-driver` (.ci/run installs them). Without them the
test is skipped locally and fails on CI (when the CI variable is set).
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SCREENSHOT = REPO / "test-artifacts" / "explorer.png"
PEIDE = """{ zones(where: { nameEn: { eq: "Peide" } }) {
  nodes { id uid lead { id } externalOrganisations { id name } } } }"""


def missing_browser() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    for path in (CHROMIUM, CHROMEDRIVER):
        if not path.exists():
            return f"{path} is missing (apt-get install chromium chromium-driver)"
    return None


@pytest.fixture(scope="module")
def browser():
    reason = missing_browser()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs a real browser: {reason}")
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="explorer-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)  # with the driver path: selenium-manager downloads nothing
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--window-size=1440,900", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_script_timeout(30)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def wait_for(driver, script: str, timeout: float = 20, *args):
    """Poll a JavaScript expression until it returns something truthy; return that."""
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(
        lambda d: d.execute_script(f"return {script};", *args), message=f"timed out waiting for: {script}")


def drawn_node_ids(driver) -> list[str]:
    return driver.execute_script("return window.explorer.cy.nodes().map(n => n.id());")


def click_node(driver, node_id: str) -> None:
    """A real mouse click at the node's position on the canvas."""
    from selenium.webdriver.common.action_chains import ActionChains

    x, y, width, height = driver.execute_script(
        "const p = window.explorer.cy.getElementById(arguments[0]).renderedPosition();"
        "const box = document.getElementById('cy').getBoundingClientRect();"
        "return [p.x, p.y, box.width, box.height];", node_id)
    container = driver.find_element("id", "cy")
    # Selenium offsets are from the element's centre.
    ActionChains(driver).move_to_element_with_offset(container, int(x - width / 2), int(y - height / 2)).click().perform()


def wait_until_idle(driver) -> None:
    wait_for(driver, "document.body.dataset.state === 'ready' && !window.explorer.cy.nodes().some(n => n.animated())")


def overlapping_nodes(driver) -> list:
    """Pairs of drawn nodes (not open groups) whose discs overlap on screen."""
    return driver.execute_script("""
      const nodes = window.explorer.cy.nodes(':visible').filter(n => !n.isParent());
      const pairs = [];
      nodes.forEach((a, i) => nodes.slice(i + 1).forEach(b => {
        const [p, q] = [a.renderedPosition(), b.renderedPosition()];
        const need = (a.renderedWidth() + b.renderedWidth()) / 2;
        if (Math.hypot(p.x - q.x, p.y - q.y) < need - 0.5) pairs.push([a.id(), b.id()]);
      }));
      return pairs;""")


def test_search_open_and_expand_peide(browser, server, data):
    zone = data(PEIDE)["zones"]["nodes"][0]
    external = {org["id"]: org["name"] for org in zone["externalOrganisations"]}
    assert external, "the seed gives Peide external organisations"

    browser.get(f"{server}/explore")
    wait_for(browser, "window.explorer && window.explorer.cy && document.body.dataset.state === 'ready'")
    assert browser.execute_script("return window.explorer.cy.nodes().length") == 0

    search_box = browser.find_element("id", "search-input")
    search_box.send_keys("培德")
    result = f'#search-results li[data-id="{zone["id"]}"]'
    wait_for(browser, f"document.querySelector('{result}')")
    hit = browser.find_element("css selector", result)
    assert hit.get_attribute("data-label") == "Zone"
    assert "培德" in hit.text and "文章" in hit.text  # the source badge, in the default zh-CN
    hit.click()

    # Opening the zone draws its neighbourhood: the "X" organisations serve it directly.
    wait_for(browser, "window.explorer.cy.getElementById(arguments[0]).data('expanded') === true", 20, zone["id"])
    wait_until_idle(browser)
    drawn = drawn_node_ids(browser)
    assert set(external) <= set(drawn)
    assert browser.find_element("id", "detail-name").text == "培德片区"
    assert browser.find_element("id", "detail-source").get_attribute("data-source") == "ARTICLE"
    assert "文章" in browser.find_element("id", "detail-source").text

    # Clicking the zone expands it again: nothing is drawn twice.
    click_node(browser, zone["id"])
    wait_until_idle(browser)
    assert browser.execute_script("return document.body.dataset.focus") == zone["id"]
    again = drawn_node_ids(browser)
    assert sorted(again) == sorted(drawn) and len(set(again)) == len(again)

    # Clicking the lead organisation merges its own neighbours in.
    lead = zone["lead"]["id"]
    click_node(browser, lead)
    wait_for(browser, "window.explorer.cy.getElementById(arguments[0]).data('expanded') === true", 20, lead)
    wait_until_idle(browser)
    expanded = drawn_node_ids(browser)
    assert len(expanded) > len(drawn) and len(set(expanded)) == len(expanded)
    assert set(external) <= set(expanded)
    edge_ids = browser.execute_script("return window.explorer.cy.edges().map(e => e.id());")
    assert len(set(edge_ids)) == len(edge_ids)

    # The legend lists the drawn types; the side panel shows the lead, with its source.
    legend = {e.get_attribute("data-type") for e in browser.find_elements("css selector", "#legend [data-type]")}
    assert {"Zone", "Organisation", "Town"} <= legend
    assert browser.find_element("id", "detail-uid").text
    assert browser.find_element("id", "detail-source").text.split()[0] in {"文章", "示例", "导入"}

    # The download buttons export the focus node, and the exports are there.
    for export_format in ("cyjs", "graphml", "gexf"):
        href = browser.find_element("id", f"download-{export_format}").get_attribute("href")
        assert href.startswith(f"{server}/export/{lead}.{export_format}"), href
        assert httpx.get(href, timeout=30).status_code == 200

    # Back to Peide, so the screenshot shows the zone, its organisations and their sources.
    browser.execute_script("window.explorer.select(arguments[0]);"
                           "window.explorer.cy.fit(undefined, 50);", zone["id"])
    assert not overlapping_nodes(browser)  # the force layout leaves no node on another
    SCREENSHOT.parent.mkdir(exist_ok=True)
    browser.save_screenshot(str(SCREENSHOT))

    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert not errors, errors


def test_explorer_assets_are_served_locally(server):
    page = httpx.get(f"{server}/explore")
    assert page.status_code == 200 and "/vendor/cytoscape.js" in page.text
    assert "://" not in page.text  # no CDN: everything comes from this server
    for path in ("/vendor/cytoscape.js", "/vendor/layout-base.js", "/vendor/cose-base.js", "/vendor/cytoscape-fcose.js",
                 "/static/explore.js", "/static/explore-i18n.js", "/static/explore-layout.js",
                 "/static/explore-groups.js", "/static/explore-search.js", "/static/explore-model.js", "/static/graphql.js",
                 "/static/explore-grouping.js", "/static/explore-model.json", "/static/explore.css", "/i18n/zh-CN.json"):
        response = httpx.get(server + path)
        assert response.status_code == 200, path
    assert httpx.get(f"{server}/static/graphiql.html").status_code == 404


def test_every_type_of_the_model_has_a_colour_and_a_legend_row():
    """A new type in graph/model.py is drawn in its own colour and listed in the legend, which
    lists only the types of TYPE_COLOURS."""
    import re

    from graph.model import NODE_TYPES

    script = (REPO / "web" / "static" / "explore.js").read_text(encoding="utf-8")
    colours = re.search(r"const TYPE_COLOURS = \{(.*?)\};", script, re.S).group(1)
    named = set(re.findall(r"(\w+): \"#[0-9a-f]{6}\"", colours))
    assert {t.name for t in NODE_TYPES} <= named, {t.name for t in NODE_TYPES} - named
