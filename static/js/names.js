// How the page says a registry's wire name, as a person writes it — X₁², sin(X₁), half MSE,
// ReLU — in the page's language (the string tables' `name.<kind>.<wire name>`); a name the
// tables do not know (a strategy registered since) is shown as it is on the wire.
import { t } from "./i18n.js";

export function nameOf(kind, wire) {
  if (wire === "auto") return t("auto");
  const key = `name.${kind}.${wire}`;
  const said = t(key);
  return said === key ? wire : said;
}

// A <select>'s choices: [wire name, display name] pairs.
export const namedChoices = (kind, wires) => wires.map((wire) => [wire, nameOf(kind, wire)]);
