// What the page and the server both name or draw — run statuses, history columns, the plane's
// domain, the palette and the shade count — read from the options the server writes into the
// page (GET /api/options's answer, in the script element #options; its `vocabulary` is
// written in server/routes/meta.py). Nothing here repeats them: a change on the server is the
// page's at its next load, and no widget waits for a request before it answers a click.
export const OPTIONS = JSON.parse(document.getElementById("options").textContent);
const vocabulary = OPTIONS.vocabulary;
export const STATUSES = vocabulary.statuses;
export const ENDED = new Set(vocabulary.ended); // a run that trains no more without a new start
export const HISTORY_COLUMNS = vocabulary.history_columns; // a metrics row's values, in order
export const DOMAIN = vocabulary.domain; // [low, high] of both axes of the plane
export const PALETTE = vocabulary.palette; // RGB: negative, zero, positive, classes
export const SHADES = vocabulary.shades; // levels of the diverging scale
