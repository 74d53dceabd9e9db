"""Helpers of tests/test_research_page.py: a headless Chromium whose downloads land in a folder, the
page's charts as the test reads them, the figures computed independently from the seed files, and
each chart's own GraphQL query (written here, not read from the page) with the report columns that
hold the same figures.

Needs Debian's `chromium` and `chromium-driver`, as tests/test_explorer.py does (skipped locally
without them, a failure on CI).
"""
from __future__ import annotations

import csv
import io
import os
import shutil
import tempfile
import time
from collections import Counter
from pathlib import Path

import pytest
from openpyxl import load_workbook

import i18n
from seed.loader import read_seed
from web.report_definitions import REPORTS

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SEED = read_seed()
EDGES = {(s, rel, t) for (_, rel, _), pairs in SEED.relationships.items() for s, t in pairs}
CHARTS = ("composition", "resolution", "gaps", "bridging", "escalation", "visits", "matching")


# ---- the browser ---------------------------------------------------------------------------------

def start_browser():
    """(driver, download folder); skips (fails on CI) without Chromium and its driver."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not path.exists():
            if os.environ.get("CI"):
                pytest.fail(f"CI needs a real browser: {path} is missing")
            pytest.skip(f"{path} is missing (apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="research-chromium-")
    downloads = Path(tempfile.mkdtemp(prefix="research-downloads-"))
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)  # with the driver path: selenium-manager downloads nothing
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--window-size=1440,900", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_script_timeout(30)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.profile_dir = profile
    return driver, downloads


def stop_browser(driver, downloads: Path) -> None:
    driver.quit()
    shutil.rmtree(driver.profile_dir, ignore_errors=True)
    shutil.rmtree(downloads, ignore_errors=True)


def wait_for(driver, script: str, timeout: float = 30, *args):
    """Poll a JavaScript expression until it returns something truthy; return that."""
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(
        lambda d: d.execute_script(f"return {script};", *args), message=f"timed out waiting for: {script}")


def open_page(driver, server: str, query: str = "", forget: bool = True) -> None:
    """/research with nothing remembered (unless forget is False), once every chart has answered."""
    if forget:
        driver.get(f"{server}/research")
        driver.execute_script("localStorage.clear();")
    driver.get(f"{server}/research{query}")
    wait_until_ready(driver)


def wait_until_ready(driver) -> None:
    wait_for(driver, "window.research && document.body.dataset.state === 'ready' && "
                     "Object.values(window.research.cards).every(c => c.el.dataset.state === 'ready')", 60)


def chart(driver, chart_id: str) -> dict:
    """What the page holds for a chart: its row keys, its filters, each series' key, name and data,
    the category axis labels, and the figures table (row keys, then each cell's data-value)."""
    return driver.execute_script("""
      const card = window.research.cards[arguments[0]];
      const option = card.chart.getOption();
      const category = [].concat(option.xAxis, option.yAxis).find(a => a.type === 'category');
      return { keys: card.rows.map(r => r.key), filters: card.filters, state: card.el.dataset.state,
        seriesKeys: card.spec.series(card.filters).map(s => s.key),
        series: option.series.map(s => ({ name: s.name, data: s.data })),
        legend: option.legend[0].data, labels: category.data,
        axisNames: [].concat(option.xAxis, option.yAxis).map(a => a.name || ''),
        drawn: Boolean(card.el.querySelector('.chart canvas')),
        table: [...card.el.querySelectorAll('table.figures tbody tr')].map(tr => [tr.dataset.key,
          ...[...tr.querySelectorAll('td.number')].map(td => td.dataset.value)]) };""", chart_id)


def series_by_key(state: dict) -> dict[str, list]:
    return dict(zip(state["seriesKeys"], [s["data"] for s in state["series"]]))


def set_filters(driver, chart_id: str, **filters: str) -> None:
    """Set a chart's filter controls (as a person would choose them) and wait for it to redraw."""
    for name, value in filters.items():
        driver.execute_script("""
          const card = window.research.cards[arguments[0]];
          const control = card.el.querySelector(`[name="${arguments[1]}"]`);
          control.value = arguments[2];
          control.dispatchEvent(new Event('change', { bubbles: true }));""", chart_id, name, value)
        wait_for(driver, "window.research.cards[arguments[0]].el.dataset.state === 'ready' && "
                         "window.research.cards[arguments[0]].filters[arguments[1]] === arguments[2]", 30,
                 chart_id, name, value)


def download(driver, downloads: Path, chart_id: str, kind: str, timeout: float = 30) -> Path:
    """Click a chart's PNG, SVG, CSV or XLSX download; the file it saved."""
    for old in downloads.iterdir():
        old.unlink()
    driver.find_element("css selector", f'#chart-{chart_id} [data-download="{kind}"]').click()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [p for p in downloads.iterdir() if not p.name.endswith((".crdownload", ".tmp")) and p.stat().st_size]
        partial = [p for p in downloads.iterdir() if p.name.endswith(".crdownload")]
        if done and not partial:
            assert len(done) == 1, done
            return done[0]
        time.sleep(0.1)
    raise AssertionError(f"no {kind} download of {chart_id}: {list(downloads.iterdir())}")


# ---- the report files ----------------------------------------------------------------------------

def _keys(report: str, headers: list[str], lang: str) -> list[str]:
    by_header = {i18n.translate(c.header, lang): c.key for c in REPORTS[report].columns}
    assert set(headers) == set(by_header), headers  # the headers are the report's, in lang
    return [by_header[h] for h in headers]


def read_csv(path: Path, report: str, lang: str) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    keys = _keys(report, rows[0], lang)
    return [dict(zip(keys, row)) for row in rows[1:]]


def read_xlsx(path: Path, report: str, lang: str) -> list[dict]:
    sheet = load_workbook(path, read_only=True).worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    keys = _keys(report, rows[0], lang)
    return [dict(zip(keys, row)) for row in rows[1:]]


def text(value) -> str:
    """A value as the CSV writes it (web/reports.py): empty for null."""
    return "" if value is None else str(value)


# ---- figures from the seed files ------------------------------------------------------------------

def into(uid: str, rel: str) -> set[str]:
    return {s for s, r, t in EDGES if t == uid and r == rel}


def seed_composition(town: str | None = None) -> dict[str, tuple[int, int, int]]:
    """zone uid → (lead organisations, N, X) from the seed's LEADS, PART_OF and SERVES."""
    zones = sorted(z["uid"] for z in SEED.nodes["Zone"]
                   if town is None or (z["uid"], "IN_TOWN", town) in EDGES)
    return {z: (len(into(z, "LEADS")), len(into(z, "PART_OF")), len(into(z, "SERVES"))) for z in zones}


def seed_demands_by_town(town: str | None = None) -> dict[str, tuple[int, int]]:
    """town uid (or "unassigned") → (collected, resolved), from RAISED_IN and IN_TOWN."""
    collected, resolved = Counter(), Counter()
    for demand in SEED.nodes["Demand"]:
        community = next((t for s, r, t in EDGES if s == demand["uid"] and r == "RAISED_IN"), None)
        key = next((t for s, r, t in EDGES if s == community and r == "IN_TOWN"), None) or "unassigned"
        if town and key != town:
            continue
        collected[key] += 1
        resolved[key] += demand["status"] == "RESOLVED"
    return {k: (collected[k], resolved[k]) for k in collected}


def seed_gap_counts() -> dict[str, int]:
    villages = [c["uid"] for c in SEED.nodes["Community"] if c["kind"] == "VILLAGE"]
    with_secretary = {t for o, r, t in EDGES if r == "BASED_IN" and into(o, "SECRETARY_OF")}
    return {"gridsWithoutDepartment": sum(1 for g in SEED.nodes["Grid"] if not into(g["uid"], "SUNK_TO")),
            "zonesWithoutExternalOrganisation": sum(1 for z in SEED.nodes["Zone"] if not into(z["uid"], "SERVES")),
            "villagesWithoutSecretary": sum(1 for v in villages if v not in with_secretary)}
