"""/explore's grouping by type, zone or community, its enum labels and its labels at the canvas edge.

The page learns the model from GET /static/explore-model.json (web/explore_model.py: each data type's
own properties, with the enum each takes, and the relationship fields by which a node belongs to a
zone or a community), computed from graph/model*.py. A node's zone and community are checked against an independent reading of the seed files
(seed.loader.read_seed), and the page in a real headless Chromium (fixtures of tests/test_explorer.py):
no two shown labels overlap in any grouping mode, in both languages, and none crosses the canvas edge.
Screenshots: test-artifacts/explorer-grouping-{type,zone,community}-{zh-CN,en}.png.
"""
from __future__ import annotations

import collections
import json
import re

import pytest

from graph.model import ENUMS, NODE_TYPES
from tests.conftest import REPO
from web.explore_model import model_json
from tests.test_explorer import browser, click_node, wait_for, wait_until_idle  # noqa: F401 (fixture)

ARTIFACTS = REPO / "test-artifacts"


def test_the_page_model_is_the_model(server):
    import httpx

    served = httpx.get(server + "/static/explore-model.json").json()
    assert served == model_json()
    # Independently of web/explore_model.py: every data type, each enum property with its enum.
    assert set(served["types"]) == {t.name for t in NODE_TYPES if t.is_data}
    for node_type in NODE_TYPES:
        if node_type.is_data:
            enums = {p["name"]: p.get("enum") for p in served["types"][node_type.name]["props"]}
            assert all(enums.get(p.name) == p.type for p in node_type.all_props if p.is_enum and p.name in enums)
    # Every enum property the page labels has its labels in the catalogue (enums.po).
    import i18n
    for lang in ("zh-CN", "en"):
        catalogue = i18n.catalogue(lang)
        for spec in model_json()["types"].values():
            for prop in spec["props"]:
                for value in ENUMS.get(prop.get("enum"), ()):
                    assert catalogue.get(f"{prop['enum']}.{value}") or lang == "en", (lang, prop, value)


# ---- a node's zone and community, read independently from the seed files --------------------------

# The relationships by which a node belongs to a zone or community, in the order they are tried
# (docs/explorer.md): its own zone or community first, the smallest uid of several; for a zone, else
# the zone of its communities (the smallest uid that has one). "X" (SERVES) is no belonging.
ZONE_RELS = {"Community": ["IN_ZONE"], "Programme": ["IN_ZONE"], "Resource": ["SERVES_AREA"],
             "ServiceTeam": ["SERVES_AREA"], "Organisation": ["LEADS", "PART_OF"]}
COMMUNITY_RELS = {"Organisation": ["BASED_IN"], "Demand": ["RAISED_IN"], "Resource": ["SERVES_AREA"],
                  "ServiceTeam": ["SERVES_AREA"], "Visit": ["VISITED"], "Grid": ["COVERS"],
                  "StationedTeam": ["STATIONED_IN"]}


class SeedAreas:
    """Each seed node's zone and community (uids), by the rules above, over seed.loader.read_seed()."""

    def __init__(self):
        from seed.loader import read_seed

        graph = read_seed()
        self.label = {n["uid"]: label for label, rows in graph.nodes.items() for n in rows}
        self.nodes = {n["uid"]: n for rows in graph.nodes.values() for n in rows}
        self.out: dict[tuple[str, str, str], list[str]] = collections.defaultdict(list)
        for (start, rel, end), pairs in graph.relationships.items():
            for a, b in pairs:
                self.out[(a, rel, end)].append(b)

    def _first(self, uid: str, rels: list[str], target: str) -> str | None:
        for rel in rels:
            found = sorted(self.out.get((uid, rel, target), []))
            if found:
                return found[0]
        return None

    def community(self, uid: str) -> str | None:
        label = self.label[uid]
        if label == "Community":
            return uid
        return self._first(uid, COMMUNITY_RELS.get(label, []), "Community")

    def zone(self, uid: str) -> str | None:
        label = self.label[uid]
        if label == "Zone":
            return uid
        direct = self._first(uid, ZONE_RELS.get(label, []), "Zone")
        if direct:
            return direct
        for rel in COMMUNITY_RELS.get(label, []):
            for community in sorted(self.out.get((uid, rel, "Community"), [])):
                zone = self._first(community, ["IN_ZONE"], "Zone")
                if zone:
                    return zone
        return None


@pytest.fixture(scope="module")
def seed_areas():
    return SeedAreas()


def find_id(data, plural: str, uid: str) -> str:
    return data(f'{{ {plural}(where: {{ uid: {{ eq: "{uid}" }} }}) {{ nodes {{ id }} }} }}')[plural]["nodes"][0]["id"]


PAGE_AREAS = """
const done = arguments[arguments.length - 1];
Promise.all([import('/static/explore-model.js'), window.explorer.neighbourhood(arguments[0])])
  .then(([m, answer]) => done(answer.nodes.map(entry => {
    const areas = m.areasOf(entry);
    return [entry.uid, entry.label, areas.zone && areas.zone.uid, areas.community && areas.community.uid];
  })), error => done(String(error)));"""


def test_the_pages_zone_and_community_of_each_node_match_the_seed(browser, server, data, seed_areas):
    from tests.test_explorer_i18n import fresh_page

    fresh_page(browser, server)
    seen = collections.Counter()
    places = [("towns", "town-zumiao"), ("zones", "zone-zumiao-peide"), ("towns", "town-nanzhuang"),
              ("communities", "community-nanzhuang-village-01"), ("towns", "town-shiwan")]
    for plural, uid in places:
        rows = browser.execute_async_script(PAGE_AREAS, find_id(data, plural, uid))
        assert isinstance(rows, list), rows
        for node_uid, label, zone, community in rows:
            assert (zone, community) == (seed_areas.zone(node_uid), seed_areas.community(node_uid)), (label, node_uid)
            seen[(label, zone is not None, community is not None)] += 1
    # The check is not empty: nodes in a zone, in a community, in both and in neither all occur.
    assert any(z and not c for (_, z, c) in seen) and any(c and not z for (_, z, c) in seen)
    assert any(z and c for (_, z, c) in seen) and any(not z and not c for (_, z, c) in seen)
    assert {label for (label, z, c) in seen if z or c} >= {"Organisation", "Community", "Zone"}


# ---- the page: grouping modes, labels, enum values -----------------------------------------------------

NEIGHBOURS = """query($id: ID!) { neighbourhood(id: $id, depth: 1, limit: 200) { nodes { nodeId uid label } } }"""
MODES = {"type": "类型", "zone": "片区", "community": "村居"}
GROUP_TITLES = """
const done = arguments[arguments.length - 1];
import('/static/explore-model.js').then(m => done(window.explorer.cy.nodes('[?group]').map(n => [n.id(), m.groupTitle(n.data())])));"""
LABELS_OUTSIDE = """
const cy = window.explorer.cy, [w, h] = [cy.width(), cy.height()];
return cy.elements(':visible').filter(e => e.style('label')).map(e => [e.id(), e.renderedBoundingBox({
  includeNodes: false, includeEdges: false, includeLabels: true, includeOverlays: false, includeUnderlays: false })])
  .filter(([, b]) => b.w > 0 && (b.x1 < 0 || b.y1 < 0 || b.x2 > w || b.y2 > h))
  .map(([id, b]) => [id, b.x1, b.y1, b.x2, b.y2, w, h]);"""


def expected_groups(answer: dict, town: str, mode: str, seed_areas: SeedAreas) -> dict[str, int]:
    """Group id → members, as explore-groups.js splits an expansion of more than 60 new nodes."""
    keys = collections.Counter()
    for node in answer["nodes"]:
        if node["nodeId"] == town:
            continue
        if mode == "type":
            keys[node["label"]] += 1
        else:
            area = seed_areas.zone(node["uid"]) if mode == "zone" else seed_areas.community(node["uid"])
            keys[f"{mode}:{area}" if area else "other"] += 1
    return {f"group:{town}:{key}": count for key, count in keys.items() if count >= 6}


def choose_grouping(driver, mode: str) -> None:
    driver.find_element("css selector", f'#grouping [data-grouping="{mode}"]').click()
    wait_for(driver, "window.explorer.grouping.current === arguments[0]", 10, mode)
    wait_until_idle(driver)


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_every_grouping_of_zumiao_is_readable_in_both_languages(browser, server, data, seed_areas, lang):
    from tests.test_explorer_i18n import SCAN, assert_no_english, fresh_page, open_zumiao, overlapping_labels

    fresh_page(browser, server, f"?lang={lang}")
    town, hit = open_zumiao(browser, server, data)
    hit.click()
    wait_for(browser, "window.explorer.cy.getElementById(arguments[0]).data('expanded') === true", 30, town)
    wait_until_idle(browser)
    answer = data(NEIGHBOURS, {"id": town})["neighbourhood"]
    assert len(answer["nodes"]) - 1 > 60
    for mode in ("type", "zone", "community", "zone"):
        choose_grouping(browser, mode)
        button = browser.find_element("css selector", f'#grouping [data-grouping="{mode}"]')
        assert button.get_attribute("aria-checked") == "true"
        if lang == "zh-CN":
            assert button.text == MODES[mode]
        wait_for(browser, "window.explorer.cy.getElementById(arguments[0]).data('expanded') === true", 30, town)
        groups = dict(browser.execute_script(
            "return window.explorer.cy.nodes('[?group]').map(n => [n.id(), n.data('count')]);"))
        assert groups == expected_groups(answer, town, mode, seed_areas), mode
        assert groups, mode
        # Every node of the neighbourhood is drawn or in a closed group, and the town stays in view.
        drawn = browser.execute_script("return window.explorer.cy.nodes('[!group]').map(n => n.id());")
        assert town in drawn
        assert len(drawn) + sum(groups.values()) == len(answer["nodes"])
        if mode != "type":  # a group is named after its place, or "other"
            titles = dict(browser.execute_async_script(GROUP_TITLES))
            for group_id, count in groups.items():
                key = group_id.split(":", 2)[2]
                name = "其他" if lang == "zh-CN" else "Other"
                if key != "other":
                    place = seed_areas.nodes[key.split(":", 1)[1]]
                    name = place["name"] if lang == "zh-CN" else place.get("nameEn") or place["name"]
                wanted = f"{name}（{count} 个）" if lang == "zh-CN" else f"{name} ({count})"
                assert titles[group_id] == wanted, (titles[group_id], wanted)
        shown, pairs = overlapping_labels(browser)
        assert not pairs, (mode, pairs)
        assert shown >= 3
        assert not browser.execute_script(LABELS_OUTSIDE), mode
        if lang == "zh-CN":
            assert_no_english(browser.execute_script(SCAN, "zh-CN"))
        ARTIFACTS.mkdir(exist_ok=True)
        browser.save_screenshot(str(ARTIFACTS / f"explorer-grouping-{mode}-{lang}.png"))

    # Zoomed in, labels cross the canvas edge; Fit (适应窗口) brings every label back inside.
    browser.execute_script("const cy = window.explorer.cy;"
                           "cy.zoom({ level: cy.zoom() * 4, renderedPosition: { x: cy.width() / 2, y: 20 } });"
                           "window.explorer.settle();")
    assert browser.execute_script(LABELS_OUTSIDE)
    browser.find_element("id", "fit-button").click()
    wait_until_idle(browser)
    assert not browser.execute_script(LABELS_OUTSIDE)

    # Grouped by zone, Peide's group opens on a click: its members inside it, labels apart and in view.
    peide = f"group:{town}:zone:zone-zumiao-peide"
    click_node(browser, peide)
    wait_for(browser, "window.explorer.cy.getElementById(arguments[0]).children().length > 0", 30, peide)
    wait_until_idle(browser)
    members = browser.execute_script("return window.explorer.cy.getElementById(arguments[0]).children().map(n => n.id());", peide)
    by_uid = {n["nodeId"]: n["uid"] for n in answer["nodes"]}
    assert sorted(members) == sorted(i for i, u in by_uid.items() if i != town and seed_areas.zone(u) == "zone-zumiao-peide")
    shown, pairs = overlapping_labels(browser)
    assert not pairs, pairs
    assert not browser.execute_script(LABELS_OUTSIDE)
    browser.save_screenshot(str(ARTIFACTS / f"explorer-grouping-zone-open-{lang}.png"))
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert not errors, errors


def test_the_grouping_is_remembered_and_the_address_can_ask(browser, server):
    from tests.test_explorer_i18n import fresh_page

    fresh_page(browser, server)
    assert browser.execute_script("return window.explorer.grouping.current") == "type"
    choose_grouping(browser, "community")
    browser.refresh()
    wait_for(browser, "window.explorer && document.body.dataset.state === 'ready'")
    assert browser.execute_script("return window.explorer.grouping.current") == "community"
    checked = browser.find_elements("css selector", '#grouping [aria-checked="true"]')
    assert [b.get_attribute("data-grouping") for b in checked] == ["community"]
    browser.get(f"{server}/explore?grouping=zone")
    wait_for(browser, "window.explorer && document.body.dataset.state === 'ready'")
    assert browser.execute_script("return window.explorer.grouping.current") == "zone"
    browser.get(f"{server}/explore")
    wait_for(browser, "window.explorer && document.body.dataset.state === 'ready'")
    assert browser.execute_script("return window.explorer.grouping.current") == "community"


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_enum_values_show_their_labels_with_the_raw_value_in_small_text(browser, server, data, lang):
    import i18n
    from tests.test_explorer_i18n import SCAN, assert_no_english, fresh_page

    catalogue = i18n.catalogue(lang)
    fresh_page(browser, server, f"?lang={lang}")
    demand = data('{ demands(where: { uid: { eq: "demand-fancun-lane-power-and-lamps" } }) { nodes { id community { id } } } }')
    demand = demand["demands"]["nodes"][0]
    browser.execute_async_script("window.explorer.open(arguments[0]).then(arguments[1], arguments[1]);", demand["id"])
    wait_until_idle(browser)
    for node_id, expected in ((demand["id"], {"category": "DemandCategory.UTILITIES", "status": "DemandStatus.RESOLVED"}),
                              (demand["community"]["id"], {"kind": "CommunityKind.VILLAGE"})):
        browser.execute_script("window.explorer.select(arguments[0]);", node_id)
        wait_for(browser, "document.querySelector('#detail-props:not([hidden]) dd[data-field]')")
        for field, msgid in expected.items():
            cell = browser.find_element("css selector", f'#detail-props dd[data-field="{field}"]')
            label = cell.find_element("css selector", ".enum-label")
            assert label.text == catalogue[msgid], (field, label.text)
            raw = msgid.split(".")[1]
            assert label.get_attribute("data-raw") == raw
            assert cell.find_element("css selector", ".raw").text == raw
            term = browser.find_element("css selector", f'#detail-props dt[data-field="{field}"]').text
            assert term == catalogue[f"Field.{field}"]
        if lang == "zh-CN":
            assert_no_english(browser.execute_script(SCAN, "zh-CN"))
    # A list of enum values (a resource's categories): each with its label and raw value.
    resources = data("{ resources(first: 50) { nodes { id categories } } }")["resources"]["nodes"]
    resource = next(r for r in resources if len(r["categories"]) >= 2)
    browser.execute_async_script("window.explorer.open(arguments[0]).then(arguments[1], arguments[1]);", resource["id"])
    wait_until_idle(browser)
    wait_for(browser, "document.querySelector('#detail-props:not([hidden]) dd[data-field=\"categories\"]')")
    cell = browser.find_element("css selector", '#detail-props dd[data-field="categories"]')
    assert [e.text for e in cell.find_elements("css selector", ".enum-label")] == \
        [catalogue[f"DemandCategory.{c}"] for c in resource["categories"]]
    assert [e.text for e in cell.find_elements("css selector", ".raw")] == resource["categories"]
    if lang == "zh-CN":
        assert_no_english(browser.execute_script(SCAN, "zh-CN"))
    assert {"水电", "已解决", "村"} <= {i18n.catalogue("zh-CN")[m] for m in (
        "DemandCategory.UTILITIES", "DemandStatus.RESOLVED", "CommunityKind.VILLAGE")}
    browser.save_screenshot(str(ARTIFACTS / f"explorer-enums-{lang}.png"))


def test_every_own_property_of_the_model_has_a_name_in_both_languages():
    from tests.test_explorer_i18n import explorer_messages

    zh, en = explorer_messages("zh-CN"), explorer_messages("en")
    for spec in model_json()["types"].values():
        for prop in spec["props"]:
            assert re.search(r"[\u4e00-\u9fff]", zh.get(f"Field.{prop['name']}", "")), prop
            assert re.fullmatch(r"[A-Z][A-Za-z ()-]*", en.get(f"Field.{prop['name']}", "")), prop



