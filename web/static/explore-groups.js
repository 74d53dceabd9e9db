// Grouping large neighbourhoods: an expansion that brings more than GROUP_THRESHOLD new nodes
// draws them by type, zone or community (the grouping chosen: explore-model.js `groupKey`, nodes of
// no zone or community in one "other" group): each group of at least GROUP_MIN of them becomes one
// group node (closed), which opens on click
// into a compound node around its members, and closes again on a second click. A link to a member
// of a closed group is drawn to the group instead, one "meta" link per (end, type, end) with a count.

export const GROUP_THRESHOLD = 60;
export const GROUP_MIN = 6;

// Rows of members, wider than tall as their labels are, centred on the group's place.
const CELL = { w: 120, h: 56 };

// The rows sit beside the nodes the group links to, on the group's side, not over them.
function gridAround(group, members) {
  const columns = Math.max(1, Math.ceil(Math.sqrt(members.length * 2.2)));
  const rows = Math.ceil(members.length / columns);
  const linked = group.neighborhood("node").not(group.descendants());
  const from = linked.nonempty() ? centroid(linked) : group.position();
  let d = { x: group.position().x - from.x, y: group.position().y - from.y };
  const length = Math.hypot(d.x, d.y);
  d = length > 1 ? { x: d.x / length, y: d.y / length } : { x: 0, y: 1 };
  const reach = Math.abs(d.x) * (columns * CELL.w) / 2 + Math.abs(d.y) * (rows * CELL.h) / 2 + 120;
  const centre = { x: from.x + d.x * reach, y: from.y + d.y * reach };
  return members.map((el, i) => ({ ...el, position: {
    x: centre.x + ((i % columns) - (columns - 1) / 2) * CELL.w,
    y: centre.y + (Math.floor(i / columns) - (rows - 1) / 2) * CELL.h } }));
}

function centroid(nodes) {
  const sum = nodes.reduce((acc, n) => ({ x: acc.x + n.position().x, y: acc.y + n.position().y }), { x: 0, y: 0 });
  return { x: sum.x / nodes.length, y: sum.y / nodes.length };
}

export class Groups {
  constructor(cy) {
    this.cy = cy;
    this.groups = new Map();    // group id → { label, members: Map(id → node element json), open }
    this.closedOf = new Map();  // node id → its closed group's id
    this.edges = new Map();     // every link seen: id → edge data
  }

  isGroup(id) { return this.groups.has(id); }

  // Known nodes: drawn ones and members of closed groups.
  known(id) { return this.cy.getElementById(id).nonempty() || this.closedOf.has(id); }

  // Splits new node elements: those to draw now, the rest put in (new or existing) closed groups.
  // `keyOf(data)` is the group a node goes in: { key, kind, label, area } (explore-model.js groupKey).
  split(fresh, anchorId, groupData, keyOf) {
    if (fresh.length <= GROUP_THRESHOLD) return fresh;
    const byKey = new Map();
    const drawn = fresh.filter((el) => el.data.id === anchorId);  // the node expanded stays in view
    for (const el of fresh) {
      if (el.data.id === anchorId) continue;
      const key = keyOf(el.data);
      if (!byKey.has(key.key)) byKey.set(key.key, { key, members: [] });
      byKey.get(key.key).members.push(el);
    }
    const added = new Map();  // group id → its new element (not in the graph yet)
    for (const { key, members } of byKey.values()) {
      if (members.length < GROUP_MIN) { drawn.push(...members); continue; }
      const id = `group:${anchorId}:${key.key}`;
      let group = this.groups.get(id);
      if (!group) {
        group = { label: key.label, members: new Map(), open: false };
        this.groups.set(id, group);
        added.set(id, { group: "nodes", data: groupData(id, key), position: members[0].position });
        drawn.push(added.get(id));
      }
      for (const el of members) {
        group.members.set(el.data.id, { ...el, data: { ...el.data, parent: id } });
        this.closedOf.set(el.data.id, id);
      }
      if (added.has(id)) added.get(id).data.count = group.members.size;
      else this.cy.getElementById(id).data("count", group.members.size);
    }
    return drawn;
  }

  remember(edges) { for (const edge of edges) this.edges.set(edge.id, edge); }

  // Where a node is drawn: itself, or its closed group; null when not known.
  drawnAs(id) {
    if (this.closedOf.has(id)) return this.closedOf.get(id);
    return this.cy.getElementById(id).nonempty() ? id : null;
  }

  // Draws every known link once: to its ends, or to the closed groups that hold them.
  route() {
    const cy = this.cy;
    const metas = new Map();
    for (const edge of this.edges.values()) {
      const source = this.drawnAs(edge.source);
      const target = this.drawnAs(edge.target);
      if (!source || !target || source === target) continue;
      if (source === edge.source && target === edge.target) {
        if (cy.getElementById(edge.id).empty()) cy.add({ group: "edges", data: { ...edge } });
        continue;
      }
      const id = `meta:${source}:${edge.type}:${target}`;
      const meta = metas.get(id) || { id, source, target, type: edge.type, meta: true, count: 0 };
      meta.count += 1;
      metas.set(id, meta);
    }
    cy.batch(() => {
      cy.edges("[?meta]").filter((e) => !metas.has(e.id())).remove();
      for (const meta of metas.values()) {
        const drawn = cy.getElementById(meta.id);
        if (drawn.empty()) cy.add({ group: "edges", data: meta });
        else drawn.data("count", meta.count);
      }
    });
  }

  // Opens a closed group (its members drawn inside it) or closes an open one.
  toggle(id) {
    const group = this.groups.get(id);
    const node = this.cy.getElementById(id);
    if (!group || node.empty()) return;
    if (group.open) {
      node.children().remove();
      for (const memberId of group.members.keys()) this.closedOf.set(memberId, id);
    } else {
      this.cy.add(gridAround(node, [...group.members.values()]
        .filter((el) => this.cy.getElementById(el.data.id).empty())));
      for (const memberId of group.members.keys()) this.closedOf.delete(memberId);
    }
    group.open = !group.open;
    node.data("open", group.open);
    this.route();
  }

  // Opens the closed group holding a node (to show that node); false when it is in none.
  reveal(id) {
    const groupId = this.closedOf.get(id);
    if (!groupId) return false;
    this.toggle(groupId);
    return true;
  }

  // Nodes of each type, drawn or in closed groups (groups themselves not counted).
  counts() {
    const counts = {};
    this.cy.nodes().forEach((n) => {
      if (!n.data("group")) counts[n.data("label")] = (counts[n.data("label")] || 0) + 1;
    });
    for (const [id, groupId] of this.closedOf) {
      const label = this.groups.get(groupId).members.get(id).data.label;
      counts[label] = (counts[label] || 0) + 1;
    }
    return counts;
  }

  clear() {
    this.groups.clear();
    this.closedOf.clear();
    this.edges.clear();
  }
}
