// What the page and the server both name or draw — run statuses, history columns, the plane's
// domain, the palette and the shade count — read from GET /api/options once, before any
// widget is made (its `vocabulary`, written in server/routes/meta.py). Nothing here repeats
// them: a change on the server is the page's at its next load.
import { fetchOptions } from "./api.js";
import { t } from "./i18n.js";

async function load() {
  try {
    return await fetchOptions();
  } catch (error) {
    const alert = document.querySelector("[role=alert]"); // no widget exists yet to say it
    if (alert) {
      alert.textContent = t("page_failed", { error: error.message });
      alert.hidden = false;
    }
    throw error;
  }
}

export const OPTIONS = await load();
const vocabulary = OPTIONS.vocabulary;
export const STATUSES = vocabulary.statuses;
export const ENDED = new Set(vocabulary.ended); // a run that trains no more without a new start
export const HISTORY_COLUMNS = vocabulary.history_columns; // a metrics row's values, in order
export const DOMAIN = vocabulary.domain; // [low, high] of both axes of the plane
export const PALETTE = vocabulary.palette; // RGB: negative, zero, positive, classes
export const SHADES = vocabulary.shades; // levels of the diverging scale
