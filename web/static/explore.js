// The network explorer: search (GraphQL `search`), draw and expand ego networks
// (GraphQL `neighbourhood`), show one node's properties and export its neighbourhood.
// Everything it needs is served by this app, so it works offline.
"use strict";

// One colour per node type (the GraphQL type, which is also the graph label).
const TYPE_COLOURS = {
  District: "#6a1b9a", Town: "#c62828", Zone: "#ef6c00", Community: "#43a047",
  Grid: "#90a4ae", Park: "#8d6e63", Enterprise: "#37474f", Organisation: "#d81b60",
  Member: "#1e88e5", Department: "#00897b", CommandCentre: "#c0ca33", Demand: "#ffb300",
  Programme: "#26c6da", Resource: "#7cb342", ServiceTeam: "#5e35b1", ActionProject: "#f4511e",
  Escalation: "#e53935", StationedTeam: "#3949ab", Visit: "#8e24aa", AuditEntry: "#bdbdbd",
};
const TYPE_SIZES = { District: 54, Town: 48, Zone: 40, Park: 34, Department: 32, CommandCentre: 32 };
const SOURCES = {
  ARTICLE: "Named or stated by the 2015 report.",
  ILLUSTRATIVE: "Made up so that a count in the article holds; not a real name.",
  IMPORTED: "Loaded by a user through the import.",
};
const EXPAND_LIMIT = 200;
// Relationship names are drawn on the selected node's links only when they stay readable.
const MAX_LABELLED_LINKS = 24;

// Hits and subgraph nodes are entries with ids of their own; the node's global id is `nodeId`,
// which is what the graph is keyed by here (and what edges, /export and `node(id:)` use).
const SEARCH_QUERY = `query Search($text: String!) {
  search(text: $text, first: 20) { nodeId label uid name nameEn source rank } }`;
const NEIGHBOURHOOD_QUERY = `query Neighbourhood($id: ID!, $limit: Int!) {
  neighbourhood(id: $id, depth: 1, limit: $limit) {
    nodes { nodeId label uid name nameEn source } edges { id source target type } truncated } }`;
// `description` is a common property; inline fragments because `Node` only declares `id`.
const DESCRIBED_TYPES = Object.keys(TYPE_COLOURS).filter((t) => t !== "AuditEntry");
const DETAILS_QUERY = `query Details($id: ID!) { node(id: $id) { __typename
  ${DESCRIBED_TYPES.map((t) => `... on ${t} { description }`).join(" ")} } }`;

const $ = (id) => document.getElementById(id);
const colourOf = (label) => TYPE_COLOURS[label] || "#9e9e9e";

async function graphql(query, variables) {
  const response = await fetch("/graphql", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (body.errors && body.errors.length) throw new Error(body.errors.map((e) => e.message).join("; "));
  return body.data;
}

const cy = cytoscape({
  container: $("cy"),
  minZoom: 0.15,
  maxZoom: 3,
  wheelSensitivity: 0.25,
  style: [
    { selector: "node", style: {
      "background-color": "data(colour)", width: "data(size)", height: "data(size)",
      label: "data(name)", "font-size": 10, "font-family": "system-ui, 'Noto Sans CJK SC', sans-serif",
      color: "#263238", "text-valign": "bottom", "text-margin-y": 4, "text-wrap": "ellipsis",
      "text-max-width": 120, "min-zoomed-font-size": 5, "text-background-color": "#ffffff", "text-background-opacity": 0.75,
      "text-background-padding": 1, "text-background-shape": "roundrectangle",
      "border-width": 2.5, "border-color": "#263238",
    } },
    // The source is drawn too: dashed ring for made-up nodes, blue double ring for imports.
    { selector: 'node[source = "ILLUSTRATIVE"]', style: {
      "border-style": "dashed", "border-color": "#90a4ae", "background-opacity": 0.8 } },
    { selector: 'node[source = "IMPORTED"]', style: {
      "border-style": "double", "border-width": 5, "border-color": "#1565c0" } },
    { selector: "node[?expanded]", style: { "font-weight": "bold" } },
    { selector: "node:selected", style: {
      "underlay-color": "#c62828", "underlay-opacity": 0.28, "underlay-padding": 9,
      "underlay-shape": "ellipse", "font-size": 12, "z-index": 10 } },
    { selector: "edge", style: {
      width: 1.4, "line-color": "#cfd8dc", "target-arrow-color": "#cfd8dc",
      "target-arrow-shape": "triangle", "arrow-scale": 0.8, "curve-style": "bezier" } },
    { selector: "edge.near", style: {
      width: 1.8, "line-color": "#bcaaa4", "target-arrow-color": "#a1887f", "z-index": 5 } },
    { selector: "edge.labelled", style: {
      label: "data(type)", "font-size": 8, "min-zoomed-font-size": 7, color: "#5d4037",
      "text-rotation": "autorotate", "text-background-color": "#ffffff", "text-background-opacity": 0.85 } },
  ],
});

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

function nodeData(node) {
  const { nodeId, ...rest } = node;
  return { ...rest, id: nodeId, nameEn: node.nameEn || "", colour: colourOf(node.label),
           size: TYPE_SIZES[node.label] || 26 };
}

// Adds what is not drawn yet (element ids are the nodes' global ids, so nothing is drawn
// twice); new nodes start in a ring around the node they hang from so the layout only has to refine.
function merge(subgraph, anchorId) {
  const anchor = cy.getElementById(anchorId);
  const centre = anchor.nonempty() ? anchor.position() : { x: 0, y: 0 };
  const fresh = subgraph.nodes.filter((n) => cy.getElementById(n.nodeId).empty());
  const radius = 90 + fresh.length * 4;
  const elements = fresh.map((node, i) => {
    const angle = (2 * Math.PI * i) / Math.max(fresh.length, 1);
    return { group: "nodes", data: nodeData(node),
             position: { x: centre.x + radius * Math.cos(angle), y: centre.y + radius * Math.sin(angle) } };
  });
  for (const edge of subgraph.edges) {
    if (cy.getElementById(edge.id).empty()) elements.push({ group: "edges", data: { ...edge } });
  }
  cy.add(elements);
  return fresh.length;
}

function runLayout(randomize) {
  const layout = cy.layout({
    name: "cose", animate: cy.nodes().length < 400 ? "end" : false, animationDuration: 450,
    randomize, fit: true, padding: 40, nodeRepulsion: () => 22000, idealEdgeLength: () => 75,
    edgeElasticity: () => 90, nodeOverlap: 16, gravity: 0.6, numIter: 2000,
  });
  const stopped = layout.promiseOn("layoutstop");
  layout.run();
  return stopped;
}

async function expand(id) {
  setBusy(+1);
  try {
    const { neighbourhood } = await graphql(NEIGHBOURHOOD_QUERY, { id, limit: EXPAND_LIMIT });
    const wasEmpty = cy.nodes().empty();
    const added = merge(neighbourhood, id);
    state.expanded.add(id);
    cy.getElementById(id).data("expanded", true);
    if (neighbourhood.truncated) state.truncated.add(id);
    if (added > 0 || wasEmpty) await runLayout(wasEmpty);
    refresh();
    return added;
  } catch (error) {
    showMessage(`Could not load the neighbours: ${error.message}`);
    throw error;
  } finally {
    setBusy(-1);
  }
}

// Opening a search hit: draw its neighbourhood, then select it.
async function open(id) {
  await expand(id);
  select(id);
  cy.animate({ center: { eles: cy.getElementById(id) }, duration: 300 });
}

function clearGraph() {
  cy.elements().remove();
  state.expanded.clear();
  state.truncated.clear();
  select(null);
}

// ---- the side panel --------------------------------------------------------------------

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
  chip.textContent = data.label;
  chip.style.backgroundColor = colourOf(data.label);
  $("detail-name").textContent = data.name;
  $("detail-name-en").textContent = data.nameEn;
  $("detail-source").className = `source-box source-${data.source}`;
  $("detail-source").innerHTML = `<span class="badge source-${data.source}">${data.source}</span>`;
  $("detail-source").append(document.createTextNode(SOURCES[data.source] || ""));
  $("detail-uid").textContent = data.uid;
  $("detail-id").textContent = data.id;
  $("detail-degree").textContent = `${node.connectedEdges().length}` +
    (state.expanded.has(id) ? "" : " (not expanded yet)") +
    (state.truncated.has(id) ? ` (cut off at ${EXPAND_LIMIT} neighbours)` : "");
  $("expand-button").textContent = state.expanded.has(id) ? "Expand again" : "Expand neighbours";
  renderLinks(node);
  updateDownloads();
  loadDescription(id);
}

function renderLinks(node) {
  const list = $("detail-links");
  list.replaceChildren();
  const rows = node.connectedEdges().map((edge) => {
    const outgoing = edge.source().id() === node.id();
    const other = outgoing ? edge.target() : edge.source();
    return { type: edge.data("type"), outgoing, other };
  });
  rows.sort((a, b) => a.type.localeCompare(b.type) || a.other.data("name").localeCompare(b.other.data("name")));
  for (const row of rows) {
    const item = document.createElement("li");
    item.dataset.id = row.other.id();
    item.innerHTML = `<span class="rel">${row.outgoing ? "→" : "←"} ${row.type}</span>`;
    const name = document.createElement("button");
    name.type = "button";
    name.className = "linkish";
    name.textContent = row.other.data("name");
    name.style.borderLeftColor = colourOf(row.other.data("label"));
    name.addEventListener("click", () => {
      select(row.other.id());
      cy.animate({ center: { eles: row.other }, duration: 300 });
    });
    item.append(name);
    list.append(item);
  }
  if (!rows.length) list.innerHTML = "<li class=\"muted\">None drawn yet: expand this node.</li>";
}

const descriptions = new Map();  // id → description ("" when none), fetched once

async function loadDescription(id) {
  const box = $("detail-description");
  box.hidden = true;
  try {
    if (!descriptions.has(id)) {
      const { node } = await graphql(DETAILS_QUERY, { id });
      descriptions.set(id, (node && node.description) || "");
    }
    if (state.focus !== id || !descriptions.get(id)) return;
    box.textContent = descriptions.get(id);
    box.hidden = false;
  } catch (error) {
    // The description is a nicety; the panel is complete without it.
  }
}

function updateDownloads() {
  const depth = $("export-depth").value;
  for (const link of document.querySelectorAll(".downloads a")) {
    link.href = `/export/${encodeURIComponent(state.focus)}.${link.dataset.format}?depth=${depth}`;
  }
}

// ---- legend and status ---------------------------------------------------------------

function refresh() {
  const counts = {};
  cy.nodes().forEach((n) => { counts[n.data("label")] = (counts[n.data("label")] || 0) + 1; });
  const legend = $("legend");
  legend.replaceChildren();
  legend.hidden = cy.nodes().empty();
  const title = document.createElement("h3");
  title.textContent = "Node types";
  legend.append(title);
  for (const type of Object.keys(TYPE_COLOURS).filter((t) => counts[t])) {
    const row = document.createElement("div");
    row.className = "legend-row";
    row.dataset.type = type;
    row.innerHTML = `<span class="swatch" style="background:${colourOf(type)}"></span>${type}<span class="count">${counts[type]}</span>`;
    legend.append(row);
  }
  legend.insertAdjacentHTML("beforeend", `<h3>Source (ring)</h3>
    <div class="legend-row"><span class="ring ring-article"></span>ARTICLE</div>
    <div class="legend-row"><span class="ring ring-illustrative"></span>ILLUSTRATIVE</div>
    <div class="legend-row"><span class="ring ring-imported"></span>IMPORTED</div>`);
  $("empty-state").hidden = cy.nodes().nonempty();
  const cut = state.truncated.size ? ` · ${state.truncated.size} neighbourhood(s) cut off at ${EXPAND_LIMIT}` : "";
  $("status").textContent = cy.nodes().empty() ? "" :
    `${cy.nodes().length} nodes · ${cy.edges().length} links · ${state.expanded.size} expanded${cut}`;
  if (state.focus) select(state.focus);
}

// ---- search ---------------------------------------------------------------------------

let searchSerial = 0;

async function search(text) {
  const results = $("search-results");
  text = text.trim();
  if (!text) { results.hidden = true; return []; }
  const serial = ++searchSerial;
  setBusy(+1);
  try {
    const { search: hits } = await graphql(SEARCH_QUERY, { text });
    if (serial === searchSerial) renderResults(hits);
    return hits;
  } catch (error) {
    showMessage(`Search failed: ${error.message}`);
    return [];
  } finally {
    setBusy(-1);
  }
}

function renderResults(hits) {
  const results = $("search-results");
  results.replaceChildren();
  if (!hits.length) results.innerHTML = "<li class=\"muted\">No match.</li>";
  hits.forEach((hit, i) => {
    const item = document.createElement("li");
    item.setAttribute("role", "option");
    Object.assign(item.dataset, { id: hit.nodeId, label: hit.label, uid: hit.uid, source: hit.source });
    if (i === 0) item.classList.add("active");
    item.innerHTML = `<span class="swatch" style="background:${colourOf(hit.label)}"></span>
      <span class="hit-name"></span><span class="hit-en"></span>
      <span class="hit-type">${hit.label}</span><span class="badge source-${hit.source}">${hit.source}</span>`;
    item.querySelector(".hit-name").textContent = hit.name;
    item.querySelector(".hit-en").textContent = hit.nameEn || "";
    item.addEventListener("mousedown", (event) => { event.preventDefault(); chooseResult(hit.nodeId); });
    results.append(item);
  });
  results.hidden = false;
}

function chooseResult(id) {
  $("search-results").hidden = true;
  open(id).catch(() => {});
}

function moveActive(step) {
  const items = [...document.querySelectorAll("#search-results li[data-id]")];
  if (!items.length) return;
  const current = items.findIndex((li) => li.classList.contains("active"));
  const next = (current + step + items.length) % items.length;
  items.forEach((li, i) => li.classList.toggle("active", i === next));
  items[next].scrollIntoView({ block: "nearest" });
}

// ---- wiring ---------------------------------------------------------------------------

let typingTimer = null;
$("search-input").addEventListener("input", (event) => {
  clearTimeout(typingTimer);
  typingTimer = setTimeout(() => search(event.target.value), 250);
});
$("search-input").addEventListener("keydown", (event) => {
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    moveActive(event.key === "ArrowDown" ? 1 : -1);
  } else if (event.key === "Escape") {
    $("search-results").hidden = true;
  }
});
$("search-input").addEventListener("blur", () => { $("search-results").hidden = true; });
$("search-input").addEventListener("focus", () => {
  if ($("search-results").children.length) $("search-results").hidden = false;
});
$("search-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const active = document.querySelector("#search-results:not([hidden]) li.active[data-id]");
  if (active) { chooseResult(active.dataset.id); return; }
  clearTimeout(typingTimer);
  await search($("search-input").value);
});
for (const example of document.querySelectorAll("[data-example]")) {
  example.addEventListener("click", () => {
    $("search-input").value = example.dataset.example;
    $("search-input").focus();
    search(example.dataset.example);
  });
}

cy.on("tap", "node", (event) => {
  const id = event.target.id();
  select(id);
  expand(id).catch(() => {});
});
$("expand-button").addEventListener("click", () => { if (state.focus) expand(state.focus).catch(() => {}); });
$("export-depth").addEventListener("change", updateDownloads);
$("fit-button").addEventListener("click", () => cy.animate({ fit: { padding: 50 }, duration: 300 }));
$("layout-button").addEventListener("click", () => runLayout(false));
$("clear-button").addEventListener("click", () => { clearGraph(); refresh(); });

refresh();
document.body.dataset.state = "ready";
// For tests and the console: the Cytoscape instance and the page's actions.
window.explorer = { cy, search, open, expand, select, clear: clearGraph, state };
