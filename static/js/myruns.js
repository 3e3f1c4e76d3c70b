// "My runs": the runs this browser made, kept by id and control token in localStorage (a
// small picture of each beside them), listed from the server by their tokens (GET /api/runs
// lists only the runs the tokens control: nobody else's), reopened where they were, or
// forgotten. The run this tab shows is kept in sessionStorage: a reload brings it back
// (main.js). A class member's runs are the class's, not listed here.
import { listRuns } from "./api.js";
import { element, togglesPanel } from "./dom.js";
import { t } from "./i18n.js";
import { nameOf } from "./names.js";
import { unitsOf } from "./setup.js";
import { pageHash } from "./urlstate.js";

const KEPT = "nnpg.runs";
const THUMB = (id) => `nnpg.thumb.${id}`;
const SHOWN = "nnpg.shown";
const MAX_KEPT = 100; // the tokens one listing may name
const THUMB_PX = 48;
const THUMB_EVERY_MS = 3000;

function read(storage, key, fallback) {
  try {
    return JSON.parse(storage.getItem(key) ?? "null") ?? fallback;
  } catch {
    return fallback;
  }
}

function write(storage, key, value) {
  try {
    storage.setItem(key, typeof value === "string" ? value : JSON.stringify(value));
  } catch {
    // storage full or off (a private window): the list is a convenience
  }
}

// [{id, token}], newest first.
export const keptRuns = () => read(localStorage, KEPT, []).filter((entry) => entry?.id && entry?.token);

// The token this browser keeps for run `id`: another tab kept it just before telling this one
// (main.js, a replaced run), and the list reaches this tab a moment later; null if it does not.
export async function keptToken(id, within = 3000) {
  const deadline = performance.now() + within;
  let found;
  while (!(found = keptRuns().find((entry) => entry.id === id)) && performance.now() < deadline) {
    await new Promise((resolve) => {
      const done = () => (removeEventListener("storage", done), resolve());
      addEventListener("storage", done);
      setTimeout(done, deadline - performance.now());
    });
  }
  return found?.token ?? null;
}

export function rememberRun(run) {
  const others = keptRuns().filter((entry) => entry.id !== run.id);
  const kept = [{ id: run.id, token: run.control_token }, ...others];
  kept.slice(MAX_KEPT).forEach((entry) => localStorage.removeItem(THUMB(entry.id)));
  write(localStorage, KEPT, kept.slice(0, MAX_KEPT));
}

export function forgetRun(id) {
  write(localStorage, KEPT, keptRuns().filter((entry) => entry.id !== id));
  localStorage.removeItem(THUMB(id));
}

// This tab's run, as it was last shown: {id, token, hash, playing}, or null.
export const shownRun = () => read(sessionStorage, SHOWN, null);

// The plot as it is now, small: the output's map under its points.
function thumbnail(plot) {
  const canvas = element("canvas", { width: String(THUMB_PX), height: String(THUMB_PX) });
  const context = canvas.getContext("2d");
  for (const layer of plot.querySelectorAll("canvas")) {
    if (layer.width && layer.height) context.drawImage(layer, 0, 0, THUMB_PX, THUMB_PX);
  }
  return canvas.toDataURL("image/png");
}

// "Circle · hidden 4, 2 · tanh": what a run learns, and with what.
export function describeRun(config) {
  const layers = config.network.hidden.map(unitsOf);
  const activation = nameOf("activation", config.network.activation);
  const network = layers.length ? t("myruns.network", { layers: layers.join(", "), activation }) : t("myruns.no_hidden", { activation });
  return `${nameOf("dataset", config.data.dataset)} · ${network}`;
}

export class MyRuns {
  // open(run): the page shows that run (with its control token), where it was
  constructor(root, toggle, plot, open) {
    Object.assign(this, { root, toggle, plot, open, listed: null, note: "", keptId: null, shownKey: "", thumbAt: -Infinity });
    togglesPanel(this, toggle);
    addEventListener("pagehide", () => this.saveThumb(this.state?.run));
  }

  render() {
    if (!this.root.hidden) this.load();
  }

  update(state) {
    this.state = state;
    const run = state.owner && !state.member ? state.run : null;
    if (!run) return;
    if (run.id !== this.keptId) rememberRun(run);
    this.keptId = run.id;
    const hash = pageHash(); // null: a link pasted into the tab, which starts over from it
    if (hash && state.status !== "connecting" && !state.reconnecting) {
      const shown = { id: run.id, token: run.control_token, hash, playing: state.status === "running" };
      const key = JSON.stringify(shown);
      if (key !== this.shownKey) write(sessionStorage, SHOWN, (this.shownKey = key));
    }
    if (state.frame && performance.now() - this.thumbAt > THUMB_EVERY_MS) this.saveThumb(run);
    if (!this.root.hidden && this.listed && this.drawnFor !== run.id) this.draw();
  }

  saveThumb(run) {
    if (!run || !this.state?.frame || this.state.run !== run) return;
    this.thumbAt = performance.now();
    write(localStorage, THUMB(run.id), thumbnail(this.plot));
  }

  // The kept runs the server still has (the others leave the list), as it has them now.
  async load() {
    const kept = keptRuns();
    this.listed = null;
    this.saveThumb(this.state?.run);
    if (!kept.length) return this.say(t("myruns.none"));
    this.say(t("myruns.loading"));
    try {
      const { runs, next_cursor: more } = await listRuns(kept.map((entry) => entry.token));
      const found = new Map(runs.map((run) => [run.id, run]));
      const gone = more ? [] : kept.filter((entry) => !found.has(entry.id));
      gone.forEach((entry) => forgetRun(entry.id));
      this.note = gone.length ? t("myruns.pruned", { count: gone.length }) : "";
      this.listed = kept.filter((entry) => found.has(entry.id)).map((entry) => ({ ...found.get(entry.id), control_token: entry.token }));
      this.draw();
    } catch (error) {
      this.say(t("myruns.failed", { error: error.message }));
    }
  }

  say(text) {
    this.root.replaceChildren(element("p", { class: "hint" }, text));
  }

  draw() {
    this.drawnFor = this.state?.run?.id;
    const note = this.note ? [element("p", { class: "hint" }, this.note)] : [];
    if (!this.listed.length) return this.root.replaceChildren(...note, element("p", { class: "hint" }, t("myruns.none")));
    const list = element("ul", { class: "my-runs" });
    list.append(...this.listed.map((run) => this.item(run)));
    this.root.replaceChildren(...note, list);
  }

  item(run) {
    const item = element("li", { "data-run": run.id });
    const picture = localStorage.getItem(THUMB(run.id));
    item.append(picture ? element("img", { src: picture, alt: "", width: String(THUMB_PX), height: String(THUMB_PX) }) : element("span", { class: "no-thumb" }));
    const text = element("span", { class: "my-run-text" });
    const when = new Date(run.created_at).toLocaleString(document.documentElement.lang, { dateStyle: "short", timeStyle: "short" });
    text.append(element("strong", {}, run.name || describeRun(run.config)),
      element("span", { class: "hint" }, `${t("myruns.state", { epoch: run.epoch, status: t(`status_name.${run.status}`) })} · ${when}`));
    item.append(text);
    if (run.id === this.state?.run?.id) item.append(element("span", { class: "my-run-here" }, t("myruns.here")));
    else if (!this.state?.member) item.append(this.button("myruns.open", () => this.reopen(run))); // in a class, the class decides
    item.append(this.button("myruns.forget", () => this.forget(run.id)));
    return item;
  }

  button(key, onClick) {
    const button = element("button", { type: "button", class: "wide", title: t(`${key}.tip`) }, t(key));
    button.addEventListener("click", onClick);
    return button;
  }

  reopen(run) {
    this.root.hidden = true;
    this.toggle.setAttribute("aria-expanded", "false");
    this.open(run);
  }

  forget(id) {
    forgetRun(id);
    this.listed = this.listed.filter((run) => run.id !== id);
    this.note = "";
    this.draw();
    this.toggle.focus(); // the button is gone with its row
  }
}
