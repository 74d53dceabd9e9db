// The research page (/research): the network's research questions as charts and tables, each
// read from the public GraphQL API, with its own filters and downloads (research-card.js).
// Chinese first, English a click away (research-i18n.js). For tests and the console:
// window.research = { cards, echarts, t }; body[data-state] is "ready" once every chart has
// answered.

import { Card } from "./research-card.js";
import { NETWORK_CHARTS } from "./research-charts.js";
import { graphql } from "./research-api.js";
import { chosenLanguage, current, load, rememberKeys, switchTo, t } from "./research-i18n.js";
import { WORK_CHARTS } from "./research-work.js";

const $ = (id) => document.getElementById(id);
const TOWNS = "{ towns(first: 100) { nodes { uid name nameEn } } }";

// How the page names a node: its English name in English where it has one.
const names = {
  towns: [],
  node: (n) => (current.lang === "en" && n.nameEn ? n.nameEn : n.name),
  town(uid, fallback) {
    const town = names.towns.find((candidate) => candidate.uid === uid);
    return town ? names.node(town) : fallback;
  },
};

function contents(cards) {
  $("contents").replaceChildren(...cards.map((card) => {
    const link = document.createElement("a");
    link.href = `#chart-${card.spec.id}`;
    link.textContent = t(card.spec.title);
    const item = document.createElement("li");
    item.append(link);
    return item;
  }));
}

try {
  await load(chosenLanguage());
  await rememberKeys(current.lang);
} catch (error) {
  // Without a catalogue the page shows its msgids: the English text.
}
document.documentElement.classList.remove("i18n-pending");

let cards = [];
try {
  names.towns = (await graphql(TOWNS)).towns.nodes;
} catch (error) {
  $("page-message").hidden = false;
  $("page-message").textContent = t("This chart could not be loaded: {error}", { error: error.message });
}
cards = [...NETWORK_CHARTS, ...WORK_CHARTS].map((spec) => new Card(spec, names));
$("charts").replaceChildren(...cards.map((card) => card.el));
contents(cards);
window.research = { cards: Object.fromEntries(cards.map((c) => [c.spec.id, c])), echarts, t };
await Promise.all(cards.map((card) => card.refresh()));
document.body.dataset.state = "ready";

$("lang-switch").addEventListener("click", async () => {
  document.body.dataset.state = "switching";
  await switchTo($("lang-switch").dataset.target);
  contents(cards);
  for (const card of cards) card.build();
  document.body.dataset.state = "ready";
});
window.addEventListener("resize", () => cards.forEach((card) => card.chart && card.chart.resize()));
