// The search box: GraphQL `search` as one types, results with their type and source, keyboard
// choice; choosing a result hands its node id to the page (`choose`).
import { t } from "./explore-i18n.js";

const SEARCH_QUERY = `query Search($text: String!) {
  search(text: $text, first: 20) { nodeId label uid name nameEn source rank } }`;
const $ = (id) => document.getElementById(id);
// What the page lends: graphql, colourOf, sourceBadge, setBusy, showMessage, choose.
let page = null;

let searchSerial = 0;

export async function search(text) {
  const results = $("search-results");
  text = text.trim();
  if (!text) { results.hidden = true; return []; }
  const serial = ++searchSerial;
  page.setBusy(+1);
  try {
    const { search: hits } = await page.graphql(SEARCH_QUERY, { text });
    if (serial === searchSerial) renderResults(hits);
    return hits;
  } catch (error) {
    page.showMessage(t("Search failed: {error}", { error: error.message }));
    return [];
  } finally {
    page.setBusy(-1);
  }
}

function renderResults(hits) {
  const results = $("search-results");
  results.replaceChildren();
  if (!hits.length) results.innerHTML = `<li class="muted">${t("No match.")}</li>`;
  hits.forEach((hit, i) => {
    const item = document.createElement("li");
    item.setAttribute("role", "option");
    Object.assign(item.dataset, { id: hit.nodeId, label: hit.label, uid: hit.uid, source: hit.source });
    if (i === 0) item.classList.add("active");
    item.innerHTML = `<span class="swatch" style="background:${page.colourOf(hit.label)}"></span>
      <span class="hit-name data"></span><span class="hit-en data"></span>
      <span class="hit-type">${t(hit.label)}</span>${page.sourceBadge(hit.source)}`;
    item.querySelector(".hit-name").textContent = hit.name;
    item.querySelector(".hit-en").textContent = hit.nameEn || "";
    item.addEventListener("mousedown", (event) => { event.preventDefault(); chooseResult(hit.nodeId); });
    results.append(item);
  });
  results.hidden = false;
}

function chooseResult(id) {
  $("search-results").hidden = true;
  page.choose(id);
}

function moveActive(step) {
  const items = [...document.querySelectorAll("#search-results li[data-id]")];
  if (!items.length) return;
  const current = items.findIndex((li) => li.classList.contains("active"));
  const next = (current + step + items.length) % items.length;
  items.forEach((li, i) => li.classList.toggle("active", i === next));
  items[next].scrollIntoView({ block: "nearest" });
}

export function setupSearch(lent) {
  page = lent;
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
}
