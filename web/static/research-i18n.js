// The research page's language: the explorer's (explore-i18n.js: zh-CN by default, the English
// switch kept in localStorage, `?lang=` wins), re-exported so the page depends on this one module.
// Its strings are msgids of i18n/locale/*/LC_MESSAGES/research.po; enum values are labelled from
// enums.po (msgid `Enum.VALUE`, e.g. DemandCategory.UTILITIES → 水电 / Utilities). Both come in
// the one catalogue GET /i18n/{lang}.json.

import { chosenLanguage, current, load, switchTo, t } from "./explore-i18n.js";

export { chosenLanguage, current, load, switchTo, t };

// The label of an enum value (`DemandCategory`, `UTILITIES`); the value itself when unknown.
export function enumLabel(enumName, value) {
  const msgid = `${enumName}.${value}`;
  const text = t(msgid);
  return text === msgid ? value : text;
}

// The values of an enum (DemandCategory: the category filter's choices), from the catalogue's keys,
// in the order it is served (sorted by msgid, so by code), so the page holds no list of its own.
let catalogueKeys = [];
export async function rememberKeys(lang) {
  const response = await fetch(`/i18n/${encodeURIComponent(lang)}.json`);
  if (response.ok) catalogueKeys = Object.keys((await response.json()).messages);
}
export function enumValues(enumName) {
  const prefix = `${enumName}.`;
  return catalogueKeys.filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
}

// A number for the table: rates (0–1) as percentages with one decimal, counts as they are.
export function formatValue(value, kind) {
  if (value === null || value === undefined) return "–";
  if (kind === "rate") return `${(value * 100).toFixed(1)}%`;
  if (kind === "float") return value.toFixed(4);
  return String(value);
}
