// The charts of the seed's own work (issue 14 §3, with "the seed's own work"): escalation level,
// visit coverage and matching. Same shape as research-charts.js; docs/research.md describes each.

import { graphql, orNull, whereOf } from "./research-api.js";
import { demandGroupLabel, demandGroups } from "./research-charts.js";
import { enumLabel, t } from "./research-i18n.js";

const escalation = {
  id: "escalation",
  title: "Level at which demands are resolved",
  question: "At which level are demands resolved: by the lead organisation (1), inside the zone (N), from outside (X), or by a command centre?",
  report: "demand-statistics",
  filters: ["town", "category", "from", "to"],
  fixed: { groupBy: "LEVEL" },
  async load(f) {
    const answer = await demandGroups("LEVEL", f);
    return answer.groups.map((g) => ({ ...g, absorbed: answer.absorbedAtGrassroots }));
  },
  label: (row, names) => demandGroupLabel(row, names, "LEVEL"),
  note: (rows) => (rows.length && rows[0].absorbed !== null
    ? t("Resolved at the grassroots (1 and N): {share}", { share: `${(rows[0].absorbed * 100).toFixed(1)}%` }) : ""),
  columns: [
    { key: "resolved", header: "Demands resolved" },
    { key: "shareOfResolved", header: "Share of the resolved", kind: "rate" },
  ],
  series: () => [
    { key: "resolved", name: "Demands resolved" },
    { key: "shareOfResolved", name: "Share of the resolved", type: "line", axis: 1 },
  ],
  axes: [{ name: "Demands" }, { name: "Share of the resolved", kind: "rate" }],
};

const VISITS = `query Research($where: VisitWhere, $from: String, $to: String) {
  visitCoverage(where: $where, from: $from, to: $to) { %PART% {
    group { uid name nameEn } visits householdsRegistered householdsVisited visitRate
    demandsCollected demandsResolved resolutionRate } } }`;
const VISIT_PARTS = { COMMUNITY: "byCommunity", TEAM: "byTeam" };

const visits = {
  id: "visits",
  title: "Visit coverage",
  question: "How many of the registered households have the stationed-contact visits reached, by community or by team?",
  report: "visit-coverage",
  filters: ["by", "town", "from", "to"],
  byChoices: [["COMMUNITY", "By community"], ["TEAM", "By stationed team"]],
  defaults: { by: "COMMUNITY" },
  async load(f) {
    const part = VISIT_PARTS[f.by];
    const data = await graphql(VISITS.replace("%PART%", part), {
      where: whereOf(f, ["community", "town"]), from: orNull(f.from), to: orNull(f.to) });
    return data.visitCoverage[part].map((g) => ({ ...g, key: g.group ? g.group.uid : "none", node: g.group }));
  },
  label: (row, names) => (row.node ? names.node(row.node) : t("No community or team")),
  columns: [
    { key: "visits", header: "Visits" },
    { key: "householdsRegistered", header: "Households registered" },
    { key: "householdsVisited", header: "Households visited" },
    { key: "visitRate", header: "Visit rate", kind: "rate" },
    { key: "demandsCollected", header: "Demands collected on visits" },
    { key: "demandsResolved", header: "Of those, resolved" },
  ],
  series: () => [
    { key: "householdsRegistered", name: "Households registered" },
    { key: "householdsVisited", name: "Households visited" },
    { key: "visitRate", name: "Visit rate", type: "line", axis: 1 },
  ],
  axes: [{ name: "Households" }, { name: "Visit rate", kind: "rate" }],
};

const MATCHING = `query Research($where: DemandWhere, $threshold: Float) {
  matchingReport(where: $where, threshold: $threshold) { threshold %PART% { key name demands covered coverage } } }`;
const MATCHING_PARTS = { CATEGORY: "byCategory", TOWN: "byTown" };

const matching = {
  id: "matching",
  title: "Matching of demands with resources and teams",
  question: "What share of the demands has a resource or service team that can help, scoring at least the threshold?",
  report: "matching",
  filters: ["by", "town", "category", "threshold"],
  byChoices: [["CATEGORY", "By category"], ["TOWN", "By town"]],
  defaults: { by: "CATEGORY", threshold: "0.5" },
  async load(f) {
    const part = MATCHING_PARTS[f.by];
    const data = await graphql(MATCHING.replace("%PART%", part), {
      where: whereOf(f, ["community", "town"]), threshold: f.threshold === "" ? null : Number(f.threshold) });
    return data.matchingReport[part];
  },
  label: (row, names, f) => {
    if (row.key === "unassigned") return t("Unassigned");
    return f.by === "TOWN" ? names.town(row.key, row.name) : enumLabel("DemandCategory", row.key);
  },
  columns: [
    { key: "demands", header: "Demands" },
    { key: "covered", header: "Demands with a match" },
    { key: "coverage", header: "Coverage", kind: "rate" },
  ],
  series: () => [
    { key: "demands", name: "Demands" },
    { key: "covered", name: "Demands with a match" },
    { key: "coverage", name: "Coverage", type: "line", axis: 1 },
  ],
  axes: [{ name: "Demands" }, { name: "Coverage", kind: "rate" }],
};

export const WORK_CHARTS = [escalation, visits, matching];
