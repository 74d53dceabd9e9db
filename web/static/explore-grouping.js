// The grouping control: large expansions are grouped by type (the default), zone or community
// (类型 / 片区 / 村居). The choice is kept in localStorage like the language; `?grouping=zone` in the
// address wins over it. Changing it draws the same expansions again, grouped the new way.
import { GROUPINGS } from "./explore-model.js";

const KEY = "dangjian.grouping";
export const grouping = { current: GROUPINGS[0] };

function chosen() {
  const asked = new URLSearchParams(location.search).get("grouping");
  if (GROUPINGS.includes(asked)) return asked;
  try {
    const kept = localStorage.getItem(KEY);
    if (GROUPINGS.includes(kept)) return kept;
  } catch (error) { /* storage refused (private mode): the default */ }
  return GROUPINGS[0];
}

function show() {
  for (const button of document.querySelectorAll("#grouping [data-grouping]")) {
    const on = button.dataset.grouping === grouping.current;
    button.setAttribute("aria-checked", String(on));
    button.classList.toggle("active", on);
  }
}

// Wires the buttons; `changed(grouping)` redraws. Returns the grouping in force.
export function setupGrouping(changed) {
  grouping.current = chosen();
  show();
  for (const button of document.querySelectorAll("#grouping [data-grouping]")) {
    button.addEventListener("click", async () => {
      const next = button.dataset.grouping;
      if (next === grouping.current) return;
      grouping.current = next;
      try { localStorage.setItem(KEY, next); } catch (error) { /* not remembered, still grouped */ }
      const url = new URL(location.href);
      if (url.searchParams.has("grouping")) {
        url.searchParams.delete("grouping");
        history.replaceState(null, "", url);
      }
      show();
      await changed(next);
    });
  }
  return grouping.current;
}
