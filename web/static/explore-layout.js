// Drawing: the Cytoscape style, the fcose layout (npm cytoscape-fcose: compound nodes, no node
// overlaps) and label decluttering. Labels keep one size on screen whatever the zoom (their size
// in the model is LABEL_PX / zoom), so zooming in spreads them apart; a label that would overlap
// one drawn before it (by priority) is hidden (class `quiet`) until the view changes.
import { t } from "./explore-i18n.js";
import { groupTitle } from "./explore-model.js";

export const LABEL_PX = 11;  // on-screen font size of node labels, px
const MAX_LABEL_PX = 130;
const FIT_ZOOM_MAX = 1.3;   // the layout's fit zooms no further in
const FIT_PADDING = 24;     // px between the outermost label and the canvas edge

const perZoom = (px) => (ele) => px / ele.cy().zoom();

export function style() {
  return [
    { selector: "node", style: {
      "background-color": "data(colour)", width: "data(size)", height: "data(size)",
      label: "data(name)", "font-size": perZoom(LABEL_PX), "font-family": "Noto Sans CJK SC, system-ui, sans-serif",
      color: "#263238", "text-valign": "bottom", "text-margin-y": perZoom(3), "text-wrap": "ellipsis",
      "text-max-width": perZoom(MAX_LABEL_PX), "text-background-color": "#ffffff", "text-background-opacity": 0.8,
      "text-background-padding": perZoom(1), "text-background-shape": "roundrectangle",
      "border-width": 2.5, "border-color": "#263238",
    } },
    { selector: 'node[source = "ILLUSTRATIVE"]', style: {
      "border-style": "dashed", "border-color": "#90a4ae", "background-opacity": 0.8 } },
    { selector: 'node[source = "IMPORTED"]', style: {
      "border-style": "double", "border-width": 5, "border-color": "#1565c0" } },
    { selector: "node[?expanded]", style: { "font-weight": "bold" } },
    // A group of one type's, zone's or community's nodes: closed, a rounded box with the count;
    // open, the box around them.
    { selector: "node[?group]", style: {
      shape: "round-rectangle", label: (n) => groupTitle(n.data()),
      "border-style": "solid", "border-width": 3, "border-color": "data(colour)",
      "background-color": "data(colour)", "background-opacity": 0.35, "font-weight": "bold",
      width: 64, height: 44, "text-valign": "center", "text-halign": "center", "text-margin-y": 0,
      // A place's name can be long (English): wrapped onto lines, so the count is never cut off.
      "text-wrap": "wrap", "text-max-width": perZoom(MAX_LABEL_PX) } },
    { selector: "node[?group]:parent", style: {
      "background-opacity": 0.07, "text-valign": "top", "text-margin-y": perZoom(-2), "padding": 18,
      "compound-sizing-wrt-labels": "exclude" } },
    { selector: "node:selected", style: {
      "underlay-color": "#c62828", "underlay-opacity": 0.28, "underlay-padding": 9,
      "underlay-shape": "ellipse", "z-index": 10 } },
    { selector: "edge", style: {
      width: 1.4, "line-color": "#cfd8dc", "target-arrow-color": "#cfd8dc",
      "target-arrow-shape": "triangle", "arrow-scale": 0.8, "curve-style": "bezier" } },
    { selector: "edge[?meta]", style: { width: (e) => Math.min(2 + Math.log2(e.data("count")), 9), opacity: 0.7 } },
    { selector: "edge.near", style: {
      width: 1.8, "line-color": "#bcaaa4", "target-arrow-color": "#a1887f", "z-index": 5 } },
    { selector: "edge.labelled", style: {
      label: (e) => t(e.data("type")) + (e.data("meta") ? ` ×${e.data("count")}` : ""),
      "font-size": perZoom(9), color: "#5d4037", "text-rotation": "autorotate",
      "text-background-color": "#ffffff", "text-background-opacity": 0.85 } },
    { selector: ".quiet", style: { label: "" } },
    { selector: ".filtered", style: { display: "none" } },
  ];
}

// fcose over the whole graph; members of open groups keep their rows (explore-groups.js), and so do
// the `pinned` nodes (those a group just opened beside), so the rest is laid out around the groups
// rather than through them.
export function runLayout(cy, randomize, pinned = cy.collection()) {
  const members = cy.nodes("[?group]").children().union(pinned);
  const fixedNodeConstraint = randomize || members.empty() ? undefined
    : members.map((n) => ({ nodeId: n.id(), position: { ...n.position() } }));
  const layout = cy.layout({
    name: "fcose", quality: "default", randomize, animate: false, fixedNodeConstraint,
    fit: true, padding: 70,  // room for the labels of the outer nodes
    nodeDimensionsIncludeLabels: false, packComponents: true, nodeSeparation: 90,
    nodeRepulsion: () => 20000, idealEdgeLength: () => 100, edgeElasticity: () => 0.45,
    nestingFactor: 0.1, gravity: 0.25, numIter: 2500, tile: true,
  });
  const stopped = layout.promiseOn("layoutstop");
  layout.run();
  return stopped.then(() => {
    if (separate(cy, members)) cy.fit(undefined, 70);
    // A few nodes fit at a large zoom: keep them at a readable size instead.
    if (cy.zoom() > FIT_ZOOM_MAX) {
      cy.zoom(FIT_ZOOM_MAX);
      cy.center();
    }
    fitLabels(cy);
  });
}

// The on-screen box of every shown node and label (labels keep their screen size whatever the zoom,
// so a fit on the model's boxes alone can leave the outer labels cut at the canvas edge).
function drawnBox(cy) {
  const box = { x1: Infinity, y1: Infinity, x2: -Infinity, y2: -Infinity };
  cy.elements(":visible").forEach((ele) => {
    const b = ele.renderedBoundingBox({ includeOverlays: false, includeUnderlays: false });
    if (!(b.w > 0)) return;
    box.x1 = Math.min(box.x1, b.x1); box.y1 = Math.min(box.y1, b.y1);
    box.x2 = Math.max(box.x2, b.x2); box.y2 = Math.max(box.y2, b.y2);
  });
  return box.x1 < box.x2 ? box : null;
}

// Declutters, then zooms out and pans until every shown label is FIT_PADDING inside the canvas
// (a few rounds: each zoom changes which labels fit). Returns whether the view changed.
export function fitLabels(cy) {
  let changed = false;
  for (let round = 0; round < 6; round++) {
    settle(cy);
    const box = drawnBox(cy);
    const [w, h] = [cy.width(), cy.height()];
    if (!box || (box.x1 >= FIT_PADDING - 0.5 && box.y1 >= FIT_PADDING - 0.5
                 && box.x2 <= w - FIT_PADDING + 0.5 && box.y2 <= h - FIT_PADDING + 0.5)) break;
    const scale = Math.min(1, (w - 2 * FIT_PADDING) / (box.x2 - box.x1), (h - 2 * FIT_PADDING) / (box.y2 - box.y1));
    const middle = { x: (box.x1 + box.x2) / 2, y: (box.y1 + box.y2) / 2 };
    // Zoom about the drawn box's middle, then move that middle to the canvas's.
    cy.zoom({ level: cy.zoom() * (scale < 1 ? scale * 0.98 : 1), renderedPosition: middle });
    cy.panBy({ x: w / 2 - middle.x, y: h / 2 - middle.y });
    changed = true;
  }
  return changed;
}

const GAP = 8;  // model units left between two nodes

// A force layout leaves a few nodes touching (two hubs pulled by the same neighbours): push each
// overlapping pair apart along the line between them, the fixed nodes staying. Returns whether
// anything moved.
function separate(cy, fixed) {
  const nodes = cy.nodes(":visible").filter((n) => !n.isParent());
  const at = new Map(nodes.map((n) => [n.id(), { ...n.position() }]));
  const still = new Set(fixed.map((n) => n.id()));
  let moved = false;
  for (let round = 0; round < 30; round++) {
    let any = false;
    for (let i = 0; i < nodes.length; i++) {
      for (let j = i + 1; j < nodes.length; j++) {
        const [a, b] = [nodes[i], nodes[j]];
        const [p, q] = [at.get(a.id()), at.get(b.id())];
        const need = (a.outerWidth() + b.outerWidth()) / 2 + GAP;
        let [dx, dy] = [q.x - p.x, q.y - p.y];
        const distance = Math.hypot(dx, dy);
        if (distance >= need) continue;
        if (distance < 0.01) [dx, dy] = [1, 0];
        const push = (need - distance) / (distance || 1);
        const [aStill, bStill] = [still.has(a.id()), still.has(b.id())];
        if (aStill && bStill) continue;
        const share = aStill || bStill ? 1 : 0.5;
        if (!aStill) { p.x -= dx * push * share; p.y -= dy * push * share; }
        if (!bStill) { q.x += dx * push * share; q.y += dy * push * share; }
        any = moved = true;
      }
    }
    if (!any) break;
  }
  if (moved) cy.batch(() => nodes.forEach((n) => { if (!still.has(n.id())) n.position(at.get(n.id())); }));
  return moved;
}

// Higher first: the selected node, expanded nodes, groups, then by size and number of links.
function priority(ele) {
  if (ele.isEdge()) return 1e6;
  return (ele.selected() ? 1e7 : 0) + (ele.data("expanded") ? 1e5 : 0) + (ele.data("group") ? 5e4 : 0)
    + (ele.data("size") || 0) * 100 + ele.degree();
}

const LABEL_BOX = { includeNodes: false, includeEdges: false, includeLabels: true, includeOverlays: false,
                    includeUnderlays: false };

export function labelBox(ele) {
  const box = ele.boundingBox(LABEL_BOX);
  return box.w > 0 && box.h > 0 ? box : null;
}

const overlap = (a, b) => a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2;

// Re-applies the zoom-dependent sizes, then hides every label that would overlap a kept one.
export function settle(cy) {
  cy.style().update();
  cy.batch(() => cy.elements(".quiet").removeClass("quiet"));
  const candidates = cy.nodes(":visible").union(cy.edges(".labelled:visible"))
    .sort((a, b) => priority(b) - priority(a));
  const kept = [];
  const quiet = [];
  candidates.forEach((ele) => {
    const box = labelBox(ele);
    if (!box) return;
    if (kept.some((other) => overlap(other, box))) quiet.push(ele);
    else kept.push(box);
  });
  cy.batch(() => quiet.forEach((ele) => ele.addClass("quiet")));
  return quiet.length;
}

// Re-declutters once the view stops moving.
export function settleOnViewport(cy, after) {
  let timer = null;
  cy.on("viewport", () => {
    clearTimeout(timer);
    timer = setTimeout(() => after(settle(cy)), 120);
  });
}
