// One lane of a race: its run's stream (frames, history, status, data), its decision boundary
// with the data on top, and a line of where it stands. The page (race.js) draws the chart.
import { openStream } from "./api.js";
import { formatNumber } from "./chartpaint.js";
import { element } from "./dom.js";
import { Heatmap } from "./heatmap.js";
import { t } from "./i18n.js";
import { LANE_STYLES } from "./racechart.js";
import { LanePath } from "./racespace.js";
import { HISTORY_COLUMNS } from "./vocabulary.js";

const KEPT = ["epoch", "forward_passes", "test_loss", "train_loss", "test_accuracy"];
const RESOLUTION = 60; // four lanes' pictures at 20 frames a second stay light
const empty = () => Object.fromEntries(KEPT.map((key) => [key, []]));

function plot() {
  const root = element("div", { class: "plot" });
  root.append(
    element("canvas", { class: "map", width: "60", height: "60", role: "img" }),
    element("canvas", { class: "points", "aria-hidden": "true" }),
  );
  for (const axis of ["x", "y"]) {
    const ticks = element("div", { class: `axis ${axis}` });
    ticks.append(element("span"), element("span"), element("span"));
    root.append(ticks);
  }
  return root;
}

export class RaceLane {
  // changed(): something this lane shows has changed (the page repaints at the next frame);
  // closed(): its stream closed (its run deleted, say: the page asks the race what is left).
  constructor(index, lane, token, changed, closed) {
    Object.assign(this, { index, lane, changed, status: lane.status, history: empty(), frame: null, dataset: null });
    const style = LANE_STYLES[index % LANE_STYLES.length];
    this.root = element("figure", { class: "race-lane" });
    this.root.style.setProperty("--lane", style.color); // the CSSOM: the page's policy forbids style attributes
    this.title = element("figcaption", { class: "race-lane-title" });
    this.readout = element("p", { class: "race-lane-readout", "aria-live": "off" });
    const picture = plot();
    this.root.append(this.title, picture, this.readout);
    this.heatmap = new Heatmap(picture, element("span"));
    this.path = new LanePath(); // where its weights went, for the weight-space view
    this.stream = openStream({ id: lane.run_id, control_token: token }, {
      onFrame: (frame) => {
        this.path.add(frame);
        this.set({ frame });
      },
      onMessage: (message) => this.onMessage(message),
      onClose: (event) => event.code !== 1000 && closed(),
    });
    this.stream.send({ type: "view", resolution: RESOLUTION });
  }

  onMessage(message) {
    if (message.type === "history") this.addRows(message.rows, true);
    else if (message.type === "metrics") this.addRows(message.rows, message.reset);
    else if (message.type === "dataset") this.set({ dataset: { ...message, showTest: false } });
    else if (message.type === "status") this.set({ status: message.status });
  }

  addRows(rows, reset) {
    if (reset) {
      this.history = empty();
      this.path.clear();
    }
    const at = KEPT.map((key) => HISTORY_COLUMNS.indexOf(key));
    for (const row of rows) KEPT.forEach((key, k) => this.history[key].push(row[at[k]] ?? null));
    this.history = { ...this.history };
    this.changed();
  }

  set(change) {
    Object.assign(this, change);
    this.changed();
  }

  get epoch() {
    return Math.max(this.history.epoch.at(-1) ?? 0, this.frame?.header?.epoch ?? 0);
  }

  get passes() {
    return this.history.forward_passes.at(-1) ?? 0;
  }

  // label: what this lane changes, in words; mark: a note (another shape, say).
  paint(label, mark) {
    this.title.replaceChildren(element("span", { class: "race-lane-key", "aria-hidden": "true" }), element("span", {}, label));
    if (mark) this.title.append(element("small", {}, mark));
    this.root.querySelector("canvas.map").setAttribute("aria-label", t("race.boundary", { lane: label }));
    this.heatmap.update({ frame: this.frame, dataset: this.dataset });
    const loss = formatNumber(this.history.test_loss.at(-1), true);
    const accuracy = this.history.test_accuracy.at(-1);
    const parts = [t("race.readout", { epoch: this.epoch, loss }), t(`status_name.${this.status}`)];
    if (Number.isFinite(accuracy)) parts.splice(1, 0, t("race.accuracy", { value: Math.round(accuracy * 100) }));
    this.readout.textContent = parts.join(" · ");
    Object.assign(this.root.dataset, { epoch: this.epoch, passes: this.passes, status: this.status, drawn: Boolean(this.frame) });
  }
}
