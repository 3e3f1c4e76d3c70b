// What the server says, in the page's language. The server sends each message as English
// text with a code and parameters ({message, code, params}; a parameter may itself be a
// coded message, or a list of them); the page's table for a language holds a template per
// code under "msg.<code>" (or, for a word the page already has, under the code itself).
// English needs no table: the server's own text is shown. A code the table lacks falls back
// to that text too, so a new server message is never lost, only untranslated.
import { language, lookup, t } from "./i18n.js";
import en from "./lang/en.js";

function number(value) {
  return Number.isInteger(value) ? value.toLocaleString("en-US") : String(Number(value.toPrecision(6)));
}

// A sentence's template is under "msg.<code>"; a word the page has already (lock.data,
// task.binary) under its own code.
function template(code) {
  return lookup(`msg.${code}`) ?? (code.includes(".") ? lookup(code) : undefined);
}

// One parameter as text: a coded message rendered, a list joined, a number formatted.
function param(value) {
  if (Array.isArray(value)) return value.map(param).join(", ");
  if (value && typeof value === "object") return render(value.code, value.params ?? {}) ?? "";
  return typeof value === "number" ? number(value) : String(value ?? "");
}

function render(code, params) {
  const text = code ? template(code) : null;
  return text?.replace(/\{(\w+)\}/g, (_, name) => param(params[name]));
}

// {message, code, params} (a socket's error or notice, a refusal's body with its detail as
// the message) -> the sentence to show.
export function said(what) {
  if (!what) return "";
  const english = what.message ?? what.detail ?? "";
  if (language() === "en" || !what.code) return english;
  return render(what.code, what.params ?? {}) ?? english;
}

// A 422's field errors ({loc, msg, type, params}) as one line, each naming its field in the
// words the page's controls use: ["body", "lanes", 1, "changes", "training", "learning_rate"]
// is "Lane 2 · Learning rate" ("body." and the sections say nothing to a person).
export function fieldErrors(errors) {
  return errors
    .map((e) => {
      const text = said({ message: e?.msg ?? String(e), code: e?.type, params: e?.params });
      const where = Array.isArray(e?.loc) ? fieldName(e.loc.filter((part, i) => i > 0 || part !== "body")) : "";
      return where ? `${where}: ${text}` : text;
    })
    .join("; ");
}

// A setting's label as its control shows it (the string tables' entry under its wire name,
// or a field's or a hyper-parameter's own), or undefined: an entry with a placeholder
// ("Noise {value}") is a control's, not a name.
function label(part) {
  for (const key of [`field.${part}`, part, `hyper.${part}`]) {
    const text = lookup(key) ?? en[key];
    if (typeof text === "string" && !text.includes("{")) return text;
  }
  return undefined;
}

// Paths that name a whole request, or a whole lane's changes: a check of the whole (a batch
// larger than the data) needs no name, or only its lane's.
const WHOLE = new Set(["config", "changes"]);

// A field's path in words: a numbered item of a list the page names ("field.lanes.item":
// Lane 2), then the field's own label; a field no table names is said as it is sent, after
// the nearest section the page names ("Data · spread"), so that nothing is lost.
export function fieldName(path) {
  const words = [];
  const listed = new Set();
  path.forEach((part, i) => {
    const item = typeof part === "number" && typeof path[i - 1] === "string" ? `field.${path[i - 1]}.item` : null;
    if (item && (lookup(item) ?? en[item])) {
      words.push(t(item, { n: part + 1 }));
      listed.add(path[i - 1]);
    }
  });
  const names = path.filter((part) => typeof part === "string");
  const last = names.at(-1);
  if (last === undefined || listed.has(last) || WHOLE.has(last)) return words.join(" · ");
  const section = names.slice(0, -1).map(label).filter(Boolean).at(-1);
  words.push(label(last) ?? [section, last.replaceAll("_", " ")].filter(Boolean).join(" · "));
  return words.join(" · ");
}
