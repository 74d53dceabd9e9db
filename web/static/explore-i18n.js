// The page's language: Simplified Chinese by default, English a click away. The choice is kept in
// localStorage; `?lang=en` (or zh-CN) in the address wins over it. Every string a person reads comes
// from the language's catalogue, GET /i18n/{lang}.json (i18n/locale/*/LC_MESSAGES/explorer.po):
// the page holds no string table. A msgid missing from the catalogue shows as itself (English).

export const LANGUAGES = ["zh-CN", "en"];
const KEY = "dangjian.lang";
// The switch names the other language in that language (an endonym, marked with its lang).
const ENDONYMS = { "zh-CN": "中文", en: "English" };
let messages = {};
export const current = { lang: "zh-CN" };

export function chosenLanguage() {
  const asked = new URLSearchParams(location.search).get("lang");
  if (LANGUAGES.includes(asked)) return asked;
  try {
    const kept = localStorage.getItem(KEY);
    if (LANGUAGES.includes(kept)) return kept;
  } catch (error) { /* storage refused (private mode): the default */ }
  return LANGUAGES[0];
}

// `msgid` in the page's language, `{name}` placeholders filled from `params`.
export function t(msgid, params) {
  const text = messages[msgid] || msgid;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

// Fills an element with a message whose placeholders are elements (kept, in the message's order).
function fill(element, msgid) {
  const slots = {};
  element.querySelectorAll("[data-slot]").forEach((slot) => { slots[slot.dataset.slot] = slot; });
  const parts = t(msgid).split(/\{(\w+)\}/);
  element.replaceChildren(...parts.map((part, i) => (i % 2 ? slots[part] || part : document.createTextNode(part))));
}

export function translatePage() {
  document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  document.querySelectorAll("[data-i18n-fill]").forEach((el) => fill(el, el.dataset.i18nFill));
  for (const attr of ["placeholder", "title", "aria-label"]) {
    document.querySelectorAll(`[data-i18n-${attr}]`).forEach((el) => {
      el.setAttribute(attr, t(el.getAttribute(`data-i18n-${attr}`)));
    });
  }
  const other = current.lang === "en" ? "zh-CN" : "en";
  const button = document.getElementById("lang-switch");
  button.textContent = ENDONYMS[other];
  button.lang = other;
  button.dataset.target = other;
  button.title = t(other === "en" ? "Switch to English" : "Switch to Chinese");
}

export async function load(lang) {
  const response = await fetch(`/i18n/${encodeURIComponent(lang)}.json`);
  if (!response.ok) throw new Error(`catalogue ${lang}: HTTP ${response.status}`);
  messages = (await response.json()).messages;
  current.lang = lang;
  document.documentElement.lang = lang;
  translatePage();
}

// The switch: remembered, and the address no longer asks for another language.
export async function switchTo(lang) {
  try { localStorage.setItem(KEY, lang); } catch (error) { /* not remembered, still switched */ }
  const url = new URL(location.href);
  if (url.searchParams.has("lang")) {
    url.searchParams.delete("lang");
    history.replaceState(null, "", url);
  }
  await load(lang);
}
