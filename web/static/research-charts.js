// The research questions of the network (issue 14 §3): each chart's query, filters, figures and
// series. A chart is { id, title, question, report, filters, fixed, load(filters) → rows,
// label(row, names), columns, series(filters), axes, horizontal }: research-card.js draws it.
// Titles, questions and headers are msgids of research.po. docs/research.md describes each.

import { allPages, graphql, orNull, whereOf } from "./research-api.js";
import { enumLabel, t } from "./research-i18n.js";

const NODE = "uid name nameEn";
// A demand group's label: a town by its name, a category by its enum label, a month as it is.
export function demandGroupLabel(row, names, groupBy) {
  if (row.unassigned) return t(groupBy === "LEVEL" ? "No level recorded" : "Unassigned");
  if (groupBy === "TOWN") return names.town(row.key, row.name);
  if (groupBy === "CATEGORY") return enumLabel("DemandCategory", row.key);
  if (groupBy === "LEVEL") return enumLabel("EscalationLevel", row.key);
  return row.key;
}

const ZONES = `query Research($where: ZoneWhere, $first: Int, $after: String) {
  zoneComposition(where: $where, first: $first, after: $after) {
    zones { zone { ${NODE} } lead { ${NODE} } internalCount externalCount }
    pageInfo { hasNextPage endCursor } } }`;

const composition = {
  id: "composition",
  title: "1+N+X composition of each zone",
  question: "How is each zone made up: its lead organisation (1), the organisations inside it (N) and those it brings in from outside (X)?",
  report: "zone-composition",
  filters: ["town"],
  async load(f) {
    const zones = await allPages(ZONES, { where: whereOf(f, ["town"]), first: 1000 },
      (d) => d.zoneComposition, "zones");
    return zones.map((z) => ({ key: z.zone.uid, node: z.zone, leadNode: z.lead, lead: z.lead ? 1 : 0,
      internalCount: z.internalCount, externalCount: z.externalCount }));
  },
  label: (row, names) => names.node(row.node),
  columns: [
    { key: "leadNode", header: "Lead organisation (1)", kind: "node" },
    { key: "internalCount", header: "Organisations inside the zone (N)" },
    { key: "externalCount", header: "Organisations from outside (X)" },
  ],
  series: () => [
    { key: "lead", name: "Lead organisation (1)", stack: "total" },
    { key: "internalCount", name: "Organisations inside the zone (N)", stack: "total" },
    { key: "externalCount", name: "Organisations from outside (X)", stack: "total" },
  ],
  axes: [{ name: "Organisations" }],
};

const DEMANDS = `query Research($groupBy: DemandGroupBy!, $where: DemandWhere, $from: String, $to: String) {
  demandStatistics(groupBy: $groupBy, where: $where, from: $from, to: $to) {
    collected resolved resolutionRate absorbedAtGrassroots
    groups { key name unassigned collected resolved resolutionRate shareOfResolved } } }`;

export async function demandGroups(groupBy, f) {
  const data = await graphql(DEMANDS, { groupBy, where: whereOf(f, ["community", "town"]),
    from: orNull(f.from), to: orNull(f.to) });
  return data.demandStatistics;
}

const resolution = {
  id: "resolution",
  title: "Resolution rate of demands",
  question: "What share of the demands collected has been resolved, by town, by category and by month?",
  report: "demand-statistics",
  filters: ["groupBy", "town", "category", "from", "to"],
  defaults: { groupBy: "TOWN" },
  async load(f) {
    return (await demandGroups(f.groupBy, f)).groups;
  },
  label: (row, names, f) => demandGroupLabel(row, names, f.groupBy),
  columns: [
    { key: "collected", header: "Demands collected" },
    { key: "resolved", header: "Demands resolved" },
    { key: "resolutionRate", header: "Resolution rate", kind: "rate" },
  ],
  series: () => [
    { key: "collected", name: "Demands collected" },
    { key: "resolved", name: "Demands resolved" },
    { key: "resolutionRate", name: "Resolution rate", type: "line", axis: 1 },
  ],
  axes: [{ name: "Demands" }, { name: "Resolution rate", kind: "rate" }],
};

const GAP_NAMES = ["gridsWithoutDepartment", "zonesWithoutExternalOrganisation", "villagesWithoutSecretary"];
const GAP_TITLES = {
  gridsWithoutDepartment: "Grids without a department",
  zonesWithoutExternalOrganisation: "Zones without an outside organisation (X)",
  villagesWithoutSecretary: "Villages without a secretary",
};
const GAPS = `query Research($first: Int, $after: String) { coverageGaps(first: $first, after: $after) {
  %GAP% { count nodes { ${NODE} label } pageInfo { hasNextPage endCursor } } } }`;

const gaps = {
  id: "gaps",
  title: "Coverage gaps",
  question: "Where is coverage thin: grids without a department, zones without an outside organisation, villages without a secretary?",
  report: "coverage-gaps",
  filters: [],
  async load() {
    const rows = [];
    for (const gap of GAP_NAMES) {  // `after` applies to every list: each gap is read on its own
      const nodes = await allPages(GAPS.replace("%GAP%", gap), { first: 1000 }, (d) => d.coverageGaps[gap], "nodes");
      rows.push({ key: gap, count: nodes.length, nodes });
    }
    return rows;
  },
  label: (row) => t(GAP_TITLES[row.key]),
  columns: [
    { key: "count", header: "Count" },
    { key: "nodes", header: "Where", kind: "nodes" },
  ],
  series: () => [{ key: "count", name: "Count" }],
  axes: [{ name: "Count" }],
};

const BRIDGING = `query Research($by: BridgingMeasure!, $first: Int) { bridgingOrganisations(by: $by, first: $first) {
  totalCount organisations { organisation { ${NODE} } zonesServed zonesLinked betweenness } } }`;

const bridging = {
  id: "bridging",
  title: "Organisations bridging the most zones",
  question: "Which organisations link the most zones, serving them from outside, or standing between them in the network?",
  report: "bridging-organisations",
  filters: ["by", "first"],
  byChoices: [["ZONES_SERVED", "Zones served"], ["BETWEENNESS", "Betweenness centrality"]],
  defaults: { by: "ZONES_SERVED", first: "15" },
  reportFilters: ["by"],  // the report holds the whole ranking; the chart its first rows
  async load(f) {
    const data = await graphql(BRIDGING, { by: f.by, first: Number(f.first) });
    return data.bridgingOrganisations.organisations.map((o) => ({ ...o, key: o.organisation.uid, node: o.organisation }));
  },
  label: (row, names) => names.node(row.node),
  columns: [
    { key: "zonesServed", header: "Zones served" },
    { key: "zonesLinked", header: "Zones linked" },
    { key: "betweenness", header: "Betweenness centrality", kind: "float" },
  ],
  series: (f) => (f.by === "BETWEENNESS"
    ? [{ key: "betweenness", name: "Betweenness centrality" }]
    : [{ key: "zonesServed", name: "Zones served" }, { key: "zonesLinked", name: "Zones linked" }]),
  axes: [{ name: "" }],
  horizontal: true,
};

export const NETWORK_CHARTS = [composition, resolution, gaps, bridging];
