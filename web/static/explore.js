// The network explorer: search (GraphQL `search`), draw and expand ego networks
// (GraphQL `neighbourhood`), show one node's properties and export its neighbourhood.
// Everything it needs is served by this app, so it works offline. Its words come from the
// catalogues (explore-i18n.js); large expansions are grouped (explore-groups.js) and laid out
// without overlaps, labels decluttered (explore-layout.js); what it knows of the model (properties,
// enums, zones and communities) is explore-model.js.
import { chosenLanguage, current, load, switchTo, t } from "./explore-i18n.js";
import { Groups } from "./explore-groups.js";
import { grouping, setupGrouping } from "./explore-grouping.js";
import { fitLabels, runLayout, settle, settleOnViewport, style } from "./explore-layout.js";
import { areaSelection, areasOf, detailsQuery, groupKey, groupTitle, loadModel, model, propertyRows,
         renderProperties } from "./explore-model.js";
import { search, setupSearch } from "./explore-search.js";
import { graphql } from "./graphql.js";

// One colour per node type (the GraphQL type, which is also the graph label).
const TYPE_COLOURS = {
  District: "#6a1b9a", Town: "#c62828", Zone: "#ef6c00", Community: "#43a047",
  Grid: "#90a4ae", Park: "#8d6e63", Enterprise: "#37474f", Organisation: "#d81b60",
  Member: "#1e88e5", Department: "#00897b", CommandCentre: "#c0ca33", Demand: "#ffb300",
  Programme: "#26c6da", Resource: "#7cb342", ServiceTeam: "#5e35b1", ActionProject: "#f4511e",
  Escalation: "#e53935", StationedTeam: "#3949ab", Visit: "#8e24aa", AuditEntry: "#bdbdbd",
};
const OTHER_COLOUR = "#9e9e9e";  // the group of nodes in no zone or community
const TYPE_SIZES = { District: 54, Town: 48, Zone: 40, Park: 34, Department: 32, CommandCentre: 32 };
// What each source means (msgids of the catalogue).
const SOURCES = {
  ARTICLE: "Named or stated by the 2015 report.",
  ILLUSTRATIVE: "Made up so that a count in the article holds; not a real name.",
  IMPORTED: "Loaded by a user through the import.",
};
const EXPAND_LIMIT = 200;
// Relationship names are drawn on the selected node's links only when they stay readable.
const MAX_LABELLED_LINKS = 24;

// Subgraph nodes are entries with ids of their own; the node's global id is `nodeId`,
// which is what the graph is keyed by here (and what edges, /export and `node(id:)` use). When
// grouping by zone or community, each entry's zone and community come along (one more read).
const neighbourhoodQuery = (areas = grouping.current !== "type") => `query Neighbourhood($id: ID!, $limit: Int!) {
  neighbourhood(id: $id, depth: 1, limit: $limit) {
    nodes { nodeId label uid name nameEn source ${areas ? areaSelection() : ""} } edges { id source target type }
    truncated } }`;

const $ = (id) => document.getElementById(id);
const colourOf = (label) => TYPE_COLOURS[label] || "#9e9e9e";


const cy = cytoscape({
  container: $("cy"), minZoom: 0.1, maxZoom: 4, wheelSensitivity: 0.25, style: style(),
});
const groups = new Groups(cy);
const state = { focus: null, expanded: new Set(), pending: 0, truncated: new Set() };

function setBusy(delta) {
  state.pending += delta;
  document.body.dataset.state = state.pending > 0 ? "loading" : "ready";
}

function showMessage(text) {
  const box = $("message");
  box.textContent = text;
  box.hidden = !text;
  if (text) setTimeout(() => { if (box.textContent === text) box.hidden = true; }, 6000);
}

// ---- graph building ------------------------------------------------------------------

function nodeData(entry) {
  const { nodeId, node, ...rest } = entry;
  return { ...rest, ...areasOf(entry), id: nodeId, nameEn: entry.nameEn || "", colour: colourOf(entry.label),
           size: TYPE_SIZES[entry.label] || 26 };
}

// A group node: of a type (`label`), a zone or community (`area`), or of the nodes in none ("other").
const groupData = (id, key) => ({ id, label: key.label, kind: key.kind, area: key.area || null, group: true,
  count: 0, colour: key.kind === "other" ? OTHER_COLOUR : colourOf(key.label), size: 60 });

// Adds what is not known yet (element ids are the nodes' global ids, so nothing is drawn twice;
// large expansions are grouped by type); new nodes start in a ring around the node they hang from.
function merge(subgraph, anchorId) {
  const anchor = cy.getElementById(anchorId);
  const centre = anchor.nonempty() ? anchor.position() : { x: 0, y: 0 };
  const fresh = subgraph.nodes.filter((n) => !groups.known(n.nodeId));
  const radius = 90 + fresh.length * 4;
  const elements = groups.split(fresh.map((node, i) => {
    const angle = (2 * Math.PI * i) / Math.max(fresh.length, 1);
    return { group: "nodes", data: nodeData(node),
             position: { x: centre.x + radius * Math.cos(angle), y: centre.y + radius * Math.sin(angle) } };
  }), anchorId, groupData, (data) => groupKey(data, grouping.current));
  cy.add(elements);
  groups.remember(subgraph.edges);
  groups.route();
  applyFilter();
  legendColumn();
  return fresh.length;
}

// The legend has a column of its own beside the canvas (explore.css) while nodes are drawn.
function legendColumn() {
  const hidden = cy.nodes().empty();
  if ($("legend").hidden === hidden) return;
  $("legend").hidden = hidden;
  cy.resize();
}

async function expand(id) {
  setBusy(+1);
  try {
    if (groups.reveal(id)) await runLayout(cy, false);
    const { neighbourhood } = await graphql(neighbourhoodQuery(), { id, limit: EXPAND_LIMIT });
    const wasEmpty = cy.nodes().empty();
    const added = merge(neighbourhood, id);
    state.expanded.add(id);
    cy.getElementById(id).data("expanded", true);
    if (neighbourhood.truncated) state.truncated.add(id);
    if (added > 0 || wasEmpty) await runLayout(cy, wasEmpty);
    refresh();
    return added;
  } catch (error) {
    showMessage(t("Could not load the neighbours: {error}", { error: error.message }));
    throw error;
  } finally {
    setBusy(-1);
  }
}

// Opening a search hit: draw its neighbourhood, then select it.
async function open(id) {
  await expand(id);
  select(id);
  const node = cy.getElementById(id);
  const at = node.renderedPosition();
  if (at.x < 0 || at.y < 0 || at.x > cy.width() || at.y > cy.height()) cy.animate({ center: { eles: node }, duration: 300 });
}

async function toggleGroup(id) {
  setBusy(+1);
  try {
    if (state.focus && cy.getElementById(state.focus).parent().id() === id) select(null);
    const group = cy.getElementById(id);
    const beside = group.neighborhood("node").not(group.descendants());
    groups.toggle(id);
    applyFilter();
    await runLayout(cy, false, beside);
    refresh();
  } finally {
    setBusy(-1);
  }
}

// A new grouping: the same expansions drawn again, in their order, grouped the new way.
async function regroup() {
  const expanded = [...state.expanded];
  const focus = state.focus;
  clearGraph();
  for (const id of expanded) await expand(id).catch(() => {});
  if (focus && cy.getElementById(focus).nonempty()) select(focus);
  refresh();
}

function clearGraph() {
  cy.elements().remove();
  groups.clear();
  state.expanded.clear();
  state.truncated.clear();
  select(null);
}

// ---- the side panel --------------------------------------------------------------------

const sourceBadge = (source) => `<span class="badge source-${source}">${t(source)}</span>`;

function select(id) {
  cy.elements().unselect();
  cy.edges().removeClass("near labelled");
  state.focus = id;
  document.body.dataset.focus = id || "";
  const node = id ? cy.getElementById(id) : null;
  $("details-empty").hidden = Boolean(node && node.nonempty());
  $("details-node").hidden = !(node && node.nonempty());
  if (!node || node.empty()) return;
  node.select();
  const links = node.connectedEdges().addClass("near");
  if (links.length <= MAX_LABELLED_LINKS) links.addClass("labelled");
  const data = node.data();
  const chip = $("detail-type");
  chip.textContent = t(data.label);
  chip.dataset.type = data.label;
  chip.style.backgroundColor = colourOf(data.label);
  $("detail-name").textContent = data.name;
  $("detail-name-en").textContent = data.nameEn;
  $("detail-source").className = `source-box source-${data.source}`;
  $("detail-source").dataset.source = data.source;
  $("detail-source").innerHTML = sourceBadge(data.source);
  $("detail-source").append(document.createTextNode(SOURCES[data.source] ? t(SOURCES[data.source]) : ""));
  $("detail-uid").textContent = data.uid;
  $("detail-id").textContent = data.id;
  const count = node.connectedEdges().length;
  $("detail-degree").textContent = state.truncated.has(id)
    ? t("{count} (cut off at {limit} neighbours)", { count, limit: EXPAND_LIMIT })
    : state.expanded.has(id) ? `${count}` : t("{count} (not expanded yet)", { count });
  $("expand-button").textContent = t(state.expanded.has(id) ? "Expand again" : "Expand neighbours");
  renderLinks(node);
  updateDownloads();
  loadDetails(id);
  settle(cy);  // the selected node's link labels are drawn now: declutter with them
}

function renderLinks(node) {
  const list = $("detail-links");
  list.replaceChildren();
  const rows = node.connectedEdges().map((edge) => {
    const outgoing = edge.source().id() === node.id();
    const other = outgoing ? edge.target() : edge.source();
    const name = other.data("group") ? groupTitle(other.data()) : other.data("name");
    return { type: edge.data("type"), outgoing, other, name };
  });
  rows.sort((a, b) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name));
  for (const row of rows) {
    const item = document.createElement("li");
    item.dataset.id = row.other.id();
    const rel = document.createElement("span");
    rel.className = "rel";
    rel.dataset.type = row.type;
    rel.textContent = `${row.outgoing ? "→" : "←"} ${t(row.type)}`;
    const name = document.createElement("button");
    name.type = "button";
    name.className = "linkish data";
    name.textContent = row.name;
    name.style.borderLeftColor = colourOf(row.other.data("label"));
    name.addEventListener("click", () => {
      if (!row.other.data("group")) select(row.other.id());
      cy.animate({ center: { eles: row.other }, duration: 300 });
    });
    item.append(rel, name);
    list.append(item);
  }
  if (!rows.length) list.innerHTML = `<li class="muted">${t("None drawn yet: expand this node.")}</li>`;
}

const details = new Map();  // id → the node's description and own properties, fetched once

// The description and the node's own properties (enum values with their labels, explore-model.js).
async function loadDetails(id) {
  const box = $("detail-description");
  box.hidden = true;
  $("detail-props").hidden = true;
  try {
    const type = cy.getElementById(id).data("label");
    if (!details.has(id)) details.set(id, (await graphql(detailsQuery(type), { id })).node || {});
    if (state.focus !== id) return;
    const node = details.get(id);
    renderProperties($("detail-props"), propertyRows(node.__typename, node));
    box.textContent = node.description || "";
    box.hidden = !node.description;
  } catch (error) {
    // The details are a nicety; the panel is complete without them.
  }
}

function updateDownloads() {
  const depth = $("export-depth").value;
  for (const link of document.querySelectorAll(".downloads a")) {
    link.href = `/export/${encodeURIComponent(state.focus)}.${link.dataset.format}?depth=${depth}`;
  }
}

// ---- legend (the type filter), status -------------------------------------------------

const hiddenTypes = new Set();

function applyFilter() {
  cy.batch(() => cy.nodes().forEach((n) => { n.toggleClass("filtered", hiddenTypes.has(n.data("label"))); }));
}

function refresh() {
  const counts = groups.counts();
  const legend = $("legend");
  legend.replaceChildren();
  legendColumn();
  const title = document.createElement("h3");
  title.textContent = t("Node types");
  legend.append(title);
  for (const type of Object.keys(TYPE_COLOURS).filter((name) => counts[name])) {
    const row = document.createElement("label");
    row.className = "legend-row";
    row.dataset.type = type;
    row.title = t("Show or hide this type");
    row.innerHTML = `<input type="checkbox" ${hiddenTypes.has(type) ? "" : "checked"}>
      <span class="swatch" style="background:${colourOf(type)}"></span><span class="type-name"></span>
      <span class="count">${counts[type]}</span>`;
    row.querySelector(".type-name").textContent = t(type);
    row.querySelector("input").addEventListener("change", (event) => {
      if (event.target.checked) hiddenTypes.delete(type); else hiddenTypes.add(type);
      applyFilter();
      settle(cy);
      refresh();
    });
    legend.append(row);
  }
  legend.insertAdjacentHTML("beforeend", `<h3>${t("Source (ring)")}</h3>` + Object.keys(SOURCES).map((source) =>
    `<div class="legend-row"><span class="ring ring-${source.toLowerCase()}"></span>${t(source)}</div>`).join(""));
  $("empty-state").hidden = cy.nodes().nonempty();
  if (state.focus) select(state.focus);
  settle(cy);
  showStatus(counts);
}

function showStatus(counts = groups.counts()) {
  if (cy.nodes().empty()) { $("status").textContent = ""; return; }
  const nodes = Object.values(counts).reduce((a, b) => a + b, 0);
  const parts = [t("{nodes} nodes · {links} links · {expanded} expanded",
    { nodes, links: groups.edges.size, expanded: state.expanded.size })];
  if (state.truncated.size) parts.push(t("{count} neighbourhood(s) cut off at {limit} nodes",
    { count: state.truncated.size, limit: EXPAND_LIMIT }));
  if (groups.closedOf.size) parts.push(t("{grouped} nodes in closed groups: click a group to open it",
    { grouped: groups.closedOf.size }));
  const hidden = cy.nodes(".filtered").length;
  if (hidden) parts.push(t("{hidden} hidden by the type filter", { hidden }));
  if (cy.elements(".quiet").length) parts.push(t("Labels that would overlap are hidden: zoom in to see them."));
  $("status").textContent = parts.join(" · ");
}

// ---- wiring ---------------------------------------------------------------------------

setupSearch({ graphql, colourOf, sourceBadge, setBusy, showMessage, choose: (id) => open(id).catch(() => {}) });

// A tap on a group opens or closes it; on a node, selects and expands it. (A tap on a group's
// member bubbles through the group to the core once, with the member as its target.)
cy.on("tap", "node", (event) => {
  const node = event.target;
  if (node.data("group")) { toggleGroup(node.id()).catch(() => {}); return; }
  select(node.id());
  expand(node.id()).catch(() => {});
});
$("expand-button").addEventListener("click", () => { if (state.focus) expand(state.focus).catch(() => {}); });
$("export-depth").addEventListener("change", updateDownloads);
$("fit-button").addEventListener("click", () => { cy.fit(undefined, 50); fitLabels(cy); showStatus(); });
$("layout-button").addEventListener("click", () => runLayout(cy, false).then(() => showStatus()));
$("clear-button").addEventListener("click", () => { clearGraph(); refresh(); });
$("lang-switch").addEventListener("click", async () => {
  await switchTo($("lang-switch").dataset.target);
  cy.style().update();  // group and link labels are read from the catalogue
  if (state.focus) details.delete(state.focus);
  refresh();
});
settleOnViewport(cy, () => showStatus());

setupGrouping(() => regroup());
try {
  await load(chosenLanguage());
} catch (error) {
  // Without a catalogue the page shows its msgids: the English text.
}
try {
  await loadModel();
} catch (error) {
  // Without the model: no properties in the panel, and everything in "other" when grouped by place.
}
document.documentElement.classList.remove("i18n-pending");
refresh();
document.body.dataset.state = "ready";
// For tests and the console: the Cytoscape instance and the page's actions.
window.explorer = { cy, search: (text) => search(text), open, expand, select, clear: clearGraph, state, groups, toggleGroup,
  settle: () => settle(cy), t, grouping, model,
  neighbourhood: (id) => graphql(neighbourhoodQuery(true), { id, limit: EXPAND_LIMIT }).then((d) => d.neighbourhood) };
