// What the page knows of the model: /static/explore-model.json, computed by the server from
// graph/model*.py (web/explore_model.py), so the page holds no copy of the model. For each data type: its own properties, with the enum each takes (shown with its
// label, msgid `Enum.VALUE`, enums.po), and the relationship fields by which a node belongs to a
// zone or a community (for grouping large expansions by zone or community).
import { current, t } from "./explore-i18n.js";

export const model = { types: {} };

export async function loadModel() {
  const response = await fetch("/static/explore-model.json");
  if (!response.ok) throw new Error(`model: HTTP ${response.status}`);
  model.types = (await response.json()).types;
}

// ---- zone and community ---------------------------------------------------------------

export const GROUPINGS = ["type", "zone", "community"];
const AREA_OF = { zone: "Zone", community: "Community" };
const AREA = "uid name nameEn";

// The neighbourhood entries' selection of their zones and communities (`GraphNode.node`: one
// more read for all the entries); a community brings its own zone along.
export function areaSelection() {
  const parts = [];
  for (const [type, spec] of Object.entries(model.types)) {
    const fields = [...(spec.Zone || []).map((f) => `${f} { ${AREA} }`),
                    ...(spec.Community || []).map((f) => `${f} { ${AREA} zone { ${AREA} } }`)];
    if (fields.length) parts.push(`... on ${type} { ${fields.join(" ")} }`);
  }
  return parts.length ? `node { ${parts.join(" ")} }` : "";
}

// The places a field holds, smallest uid first (a field may hold one place, a list, or nothing).
function places(value) {
  const list = Array.isArray(value) ? value : value ? [value] : [];
  return [...list].sort((a, b) => (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0));
}

// The area (Zone or Community) a node belongs to: itself when it is one; else the first of its
// belonging fields (in the model's order) that holds a place, the smallest uid of several; for a
// zone, else the zone of its community. null: it belongs to none (the "other" group).
function areaOf(entry, area) {
  if (entry.label === area) return { uid: entry.uid, name: entry.name, nameEn: entry.nameEn };
  const spec = model.types[entry.label] || {};
  const node = entry.node || {};
  for (const field of spec[area] || []) {
    const found = places(node[field])[0];
    if (found) return { uid: found.uid, name: found.name, nameEn: found.nameEn };
  }
  if (area === "Zone") {
    for (const field of spec.Community || []) {
      const zoned = places(node[field]).find((community) => community.zone);
      if (zoned) return { ...zoned.zone };
    }
  }
  return null;
}

// Node data for grouping: `zone` and `community`, each { uid, name, nameEn } or null.
export function areasOf(entry) {
  return { zone: areaOf(entry, "Zone"), community: areaOf(entry, "Community") };
}

// The group a node goes in under a grouping: { key, kind, label, area }.
export function groupKey(data, grouping) {
  if (grouping === "type" || !AREA_OF[grouping]) return { key: data.label, kind: "type", label: data.label };
  const area = data[grouping];
  if (!area) return { key: "other", kind: "other", label: "" };
  return { key: `${grouping}:${area.uid}`, kind: grouping, label: AREA_OF[grouping], area };
}

// What a group node says: its type, place or "other", with its count.
export function groupTitle(data) {
  const what = data.kind === "other" ? t("Other")
    : data.area ? (current.lang === "en" && data.area.nameEn) || data.area.name : t(data.label);
  return t("{type} ({count})", { type: what, count: data.count });
}

// ---- properties -----------------------------------------------------------------------

// The details query of a node of one type: its description and own properties (one type's fragment
// only, as two types may give one field name different types, e.g. `kind`).
export function detailsQuery(type) {
  const spec = model.types[type] || { props: [] };
  return `query Details($id: ID!) { node(id: $id) { __typename ... on ${type} {
    description ${spec.props.map((p) => p.name).join(" ")} } } }`;
}

// One value as a person reads it: an enum's label (the raw value kept as `raw`), yes or no, a number.
function shown(prop, value) {
  if (prop.enum) return { text: t(`${prop.enum}.${value}`), raw: String(value) };
  if (typeof value === "boolean") return { text: t(value ? "yes" : "no") };
  if (typeof value === "number") return { text: value.toLocaleString(current.lang) };
  return { text: String(value), data: true };
}

// The rows of a node's own properties that have a value: [{ name, label, values: [{ text, raw }] }].
export function propertyRows(type, node) {
  const spec = model.types[type];
  if (!spec || !node) return [];
  const value = (p) => node[p.name];
  return spec.props.filter((p) => value(p) !== null && value(p) !== undefined
                                  && !(Array.isArray(value(p)) && !value(p).length))
    .map((p) => ({ name: p.name, label: t(`Field.${p.name}`),
                   values: (p.many ? value(p) : [value(p)]).map((v) => shown(p, v)) }));
}

// Fills the panel's property list (`<dl>`): the field's name, then its values; an enum's raw value
// is in small text and the tooltip.
export function renderProperties(list, rows) {
  list.replaceChildren();
  for (const row of rows) {
    const term = document.createElement("dt");
    term.textContent = row.label;
    term.dataset.field = row.name;
    const value = document.createElement("dd");
    value.dataset.field = row.name;
    for (const v of row.values) {  // several values (a list): one after another, spaced by CSS
      const label = document.createElement("span");
      label.className = v.data ? "enum-label data" : "enum-label";
      label.textContent = v.text;
      value.append(label);
      if (v.raw) {
        label.dataset.raw = v.raw;
        const raw = document.createElement("small");
        raw.className = "raw data";
        raw.textContent = v.raw;
        value.append(" ", raw);
      }
    }
    list.append(term, value);
  }
  list.hidden = !rows.length;
}
