// Every string the page shows comes from a per-language table (lang/en.js, lang/ko.js).
// t(key, {name: value}) fills {name} placeholders; a key missing in a table falls back to
// English. translate(root) fills elements marked data-i18n (text), data-i18n-label
// (aria-label) and data-i18n-title (title).
import en from "./lang/en.js";
import ko from "./lang/ko.js";

export const LANGUAGES = { en: "English", ko: "한국어" };
const TABLES = { en, ko };
let current = "en";
const listeners = [];

export function t(key, params = {}) {
  const text = TABLES[current][key] ?? en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ""));
}

// The current language's own text for a key, or undefined (no English fallback): what
// said.js renders a server message's code with.
export function lookup(key) {
  return TABLES[current][key];
}

// The explanation of an option (activation, optimizer, loss …) if the table has one.
export function explain(kind, name) {
  return TABLES[current][`${kind}.${name}`] ?? en[`${kind}.${name}`] ?? "";
}

export function language() {
  return current;
}

export function pickLanguage() {
  const asked = new URLSearchParams(location.search).get("lang") ?? localStorage.getItem("lang");
  if (asked in TABLES) return asked;
  return navigator.language?.startsWith("ko") ? "ko" : "en";
}

export function setLanguage(code) {
  if (!(code in TABLES)) return;
  current = code;
  document.documentElement.lang = code;
  try {
    localStorage.setItem("lang", code);
  } catch {
    // private mode: the choice lasts for this page
  }
  translate(document);
  listeners.forEach((listener) => listener(code));
}

export function onLanguage(listener) {
  listeners.push(listener);
}

export function translate(root) {
  for (const node of root.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of root.querySelectorAll("[data-i18n-label]")) {
    node.setAttribute("aria-label", t(node.dataset.i18nLabel));
  }
  for (const node of root.querySelectorAll("[data-i18n-title]")) node.title = t(node.dataset.i18nTitle);
  document.title = t("page.title");
}

// A <select> of the languages, set to the reader's, that switches the page's language.
export function languagePicker(picker) {
  picker.replaceChildren(
    ...Object.entries(LANGUAGES).map(([code, name]) => Object.assign(document.createElement("option"), { value: code, textContent: name })),
  );
  picker.value = pickLanguage();
  picker.addEventListener("change", () => setLanguage(picker.value));
  setLanguage(picker.value);
}
