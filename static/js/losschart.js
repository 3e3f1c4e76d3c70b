// The loss chart: training, validation and test loss per epoch, or per step with every
// mini-batch's loss; axes, a legend, live changes and early stopping marked, and a readout
// that follows the mouse or the arrow keys. Painted at most once per animation frame.
import { SEEDS, SERIES, STEP_SERIES, formatNumber, layout, logTicks, niceTicks } from "./chartpaint.js";
import { paintAxes, paintBand, paintCursor, paintLegend, paintLine, paintMarks } from "./chartpaint.js";
import { canvasFont, deviceSize, needFont, onFontsLoaded } from "./dom.js";
import { t } from "./i18n.js";
import { OPTIONS } from "./vocabulary.js";

// A live change as the readout says it: the largest batch is every training point, "Full batch".
const readChange = ([key, value]) =>
  key === "batch_size" && value >= OPTIONS.choices.batch_size.max ? t("full_batch") : `${t(key)} → ${value}`;

const FLOOR = 1e-8; // the log axis's floor
const MOVES = { ArrowLeft: -1, ArrowRight: 1, PageDown: -10, PageUp: 10, Home: -Infinity, End: Infinity };

// The index of the value in ascending `xs` nearest to x.
function nearest(xs, x) {
  let lo = 0;
  let hi = xs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 && x - xs[lo - 1] < xs[lo] - x ? lo - 1 : lo;
}

const finite = (v) => v !== null && v !== undefined && Number.isFinite(v);

export class LossChart {
  constructor(canvas, logToggle, mark) {
    Object.assign(this, { canvas, mark, log: false, mode: "epoch", cursor: null, state: null, painted: [] });
    this.readout = document.getElementById("loss-readout");
    this.size = deviceSize(canvas, () => this.request());
    onFontsLoaded(() => this.render()); // its words were drawn in a fallback font until now
    logToggle.addEventListener("change", () => {
      this.log = logToggle.checked;
      this.request();
    });
    for (const radio of document.querySelectorAll("input[name=loss-x]")) {
      radio.addEventListener("change", () => {
        if (radio.checked) [this.mode, this.cursor] = [radio.value, null];
        this.request();
      });
    }
    canvas.addEventListener("pointermove", (event) => this.hover(event));
    canvas.addEventListener("pointerleave", () => document.activeElement !== canvas && this.setCursor(null));
    canvas.addEventListener("keydown", (event) => this.key(event));
    canvas.addEventListener("focus", () => {
      this.readout.setAttribute("aria-live", "polite"); // announce the readout while it is steered
      if (this.cursor === null) this.move(Infinity);
    });
    canvas.addEventListener("blur", () => {
      this.readout.setAttribute("aria-live", "off");
      this.setCursor(null);
    });
  }

  render() {
    this.painted = [];
    this.request();
  }

  update(state) {
    this.state = state;
    this.early = state.stopReason === "early_stopping" ? { stopped: state.stoppedEpoch, best: state.bestEpoch } : null;
    this.mark.hidden = !this.early;
    if (this.early) this.mark.textContent = t("early_stopped", this.early);
    this.paint();
  }

  request() {
    if (this.requested) return;
    this.requested = true;
    requestAnimationFrame(() => {
      this.requested = false;
      this.paint();
    });
  }

  // What to plot: the lines (per step: every mini-batch's loss first), marks, early stopping;
  // while time travel shows an epoch, the run as it was then: nothing after it.
  view() {
    const { history, steps, marks } = this.travelled();
    const perStep = this.mode === "step";
    const x = perStep ? history.step : history.epoch;
    const lines = SERIES.filter((s) => history[s.key].some(finite)).map((s) => ({ ...s, x, y: history[s.key] }));
    if (perStep && steps.step.length) lines.unshift({ ...STEP_SERIES, x: steps.step, y: steps.loss });
    const at = (epoch) => (perStep ? history.step[nearest(history.epoch, epoch)] : epoch);
    const stoppedHere = this.early && history.epoch.length && this.early.stopped <= history.epoch.at(-1);
    const early = stoppedHere ? { best: at(this.early.best), stopped: at(this.early.stopped) } : null;
    const bands = this.bands(perStep);
    return { perStep, lines, bands, primary: lines[0], marks: marks.map((m) => (perStep ? m.step : m.epoch)), early };
  }

  // The seed replicates' bands (replicates.js) of this run's setup, per epoch: one a loss.
  bands(perStep) {
    const { band, run } = this.state;
    if (!band || perStep || band.runId !== run?.id) return [];
    const one = (s) => ({ ...s, x: band.epoch, y: band[s.key].median, lo: band[s.key].lo, hi: band[s.key].hi });
    return SERIES.filter((s) => band[s.key]).map(one);
  }

  // The state's history, steps and marks, cut after the epoch time travel shows (if any).
  travelled() {
    const { history, steps, marks, travel } = this.state;
    if (travel == null) return this.state;
    const kept = history.epoch.findLastIndex((epoch) => epoch <= travel) + 1;
    const cut = Object.fromEntries(Object.entries(history).map(([key, values]) => [key, values.slice(0, kept)]));
    const lastStep = kept ? history.step[kept - 1] : -Infinity;
    const upTo = steps.step.findLastIndex((step) => step <= lastStep) + 1;
    return {
      history: cut,
      steps: { step: steps.step.slice(0, upTo), loss: steps.loss.slice(0, upTo) },
      marks: marks.filter((m) => m.epoch <= travel),
    };
  }

  // Data to pixels (y: a loss, ty: a tick in the axis's units), and the ticks.
  scale(view, box) {
    const s = (v) => (this.log ? Math.log10(Math.max(v, FLOOR)) : v);
    let [x0, x1, lo, hi] = [Infinity, -Infinity, Infinity, -Infinity];
    const edges = view.bands.flatMap((b) => [{ x: b.x, y: b.lo }, { x: b.x, y: b.hi }]);
    for (const line of [...view.lines, ...edges]) {
      line.y.forEach((v, i) => {
        if (!finite(v)) return;
        [x0, x1] = [Math.min(x0, line.x[i]), Math.max(x1, line.x[i])];
        [lo, hi] = [Math.min(lo, s(v)), Math.max(hi, s(v))];
      });
    }
    if (x0 === Infinity) return null;
    const margin = (hi - lo || Math.abs(hi) || 1) * 0.06;
    [lo, hi, x1] = [lo - margin, hi + margin, Math.max(x1, x0 + 1)];
    const x = (v) => box.left + ((v - x0) / (x1 - x0)) * (box.right - box.left);
    const ty = (u) => box.bottom - ((u - lo) / (hi - lo)) * (box.bottom - box.top);
    const rows = Math.max(2, Math.floor((box.bottom - box.top) / (28 * box.d)));
    const columns = Math.max(2, Math.floor((box.right - box.left) / (60 * box.d)));
    const ticks = { x: niceTicks(x0, x1, columns, true), y: this.log ? logTicks(lo, hi, rows) : niceTicks(lo, hi, rows) };
    const invert = (px) => x0 + ((px - box.left) / (box.right - box.left)) * (x1 - x0);
    return { x, ty, y: (v) => ty(s(v)), ticks, invert };
  }

  paint() {
    if (!this.state) return;
    this.resize();
    const { history, steps, marks } = this.state;
    const { travel, band, run } = this.state;
    const key = [history, steps, marks, travel, band, run, this.early?.best, this.early?.stopped, this.mode, this.log, this.at(), this.canvas.width, this.canvas.height];
    if (key.every((v, i) => v === this.painted[i])) return;
    this.painted = key;
    const { width, height } = this.canvas;
    const context = this.canvas.getContext("2d");
    context.clearRect(0, 0, width, height);
    const view = (this.lastView = this.view());
    const box = layout(this.canvas);
    const scale = (this.lastScale = this.scale(view, box));
    this.describe(view, scale);
    if (!scale) return;
    const labels = {
      x: t(view.perStep ? "chart.step" : "chart.epoch"),
      y: t(this.log ? "chart.loss_log" : "chart.loss"),
      yTick: (u) => formatNumber(this.log ? 10 ** u : u),
    };
    const legend = view.bands.length ? [...view.lines, SEEDS] : view.lines;
    needFont(canvasFont(12), [labels.x, labels.y, ...legend.map((s) => t(s.label))].join(""));
    paintAxes(context, box, scale, scale.ticks, labels);
    context.save();
    context.beginPath();
    context.rect(box.left, 0, box.right - box.left + 4, box.bottom);
    context.clip();
    for (const band of view.bands) paintBand(context, band, scale);
    const gap = steps.step.length > 1 ? (8 * (steps.step.at(-1) - steps.step[0])) / steps.step.length : Infinity;
    for (const line of view.lines) paintLine(context, line, scale, line.key === "batch" ? Math.max(gap, 8) : Infinity);
    paintMarks(context, box, scale, view.marks, view.early);
    const point = this.point(view);
    if (this.at() !== null && point) paintCursor(context, box, scale, point.x, point.values);
    context.restore();
    paintLegend(context, box, legend);
  }

  // Where the readout points: the hover or keyboard cursor, else the epoch the time-travel
  // slider shows (timetravel.js; per epoch only), else nowhere (the newest point).
  at() {
    if (this.cursor !== null) return this.cursor;
    return this.mode === "epoch" ? (this.state?.travel ?? null) : null;
  }

  // The values at the cursor (or the newest point): x, each line's value, live changes there.
  point(view) {
    const primary = view.primary;
    if (!primary?.x.length) return null;
    const at = this.at();
    const i = at === null ? primary.x.length - 1 : nearest(primary.x, at);
    const x = primary.x[i];
    const values = view.lines.map((line) => ({ ...line, value: line.y[nearest(line.x, x)] ?? null }));
    const { history } = this.state;
    const epoch = view.perStep ? history.epoch[nearest(history.step, x)] : x;
    const changes = this.state.marks.filter((m) => (view.perStep ? m.step : m.epoch) === x).map((m) => m.changes);
    return { x, epoch, values, changes };
  }

  // The readout, the accessible description and the data- attributes tests read.
  describe(view, scale) {
    const point = this.point(view);
    const where = view.perStep ? `${t("chart.step")} ${point?.x} (${t("chart.epoch")} ${point?.epoch})` : `${t("chart.epoch")} ${point?.x}`;
    const parts = point ? point.values.map((v) => `${t(v.label)} ${formatNumber(v.value, true)}`) : [];
    const changed = (point?.changes ?? []).flatMap((c) => Object.entries(c).map(readChange));
    const text = point ? [where, ...parts, ...changed].join(" · ") : t("chart.empty");
    this.readout.textContent = text;
    const data = this.canvas.dataset;
    Object.assign(data, {
      mode: this.mode,
      points: String(view.primary?.x.length ?? 0),
      series: view.lines.map((l) => l.key).join(" "),
      marks: String(view.marks.length),
      xLabel: t(view.perStep ? "chart.step" : "chart.epoch"),
      xTicks: scale ? scale.ticks.x.join(" ") : "",
      yTicks: scale ? scale.ticks.y.map((u) => formatNumber(this.log ? 10 ** u : u)).join(" ") : "",
      cursor: this.at() === null ? "" : String(point?.x),
      band: view.bands.length ? String(this.state.band.count) : "",
    });
    const seeds = view.bands.length ? ` ${t("replicates.band", { count: this.state.band.count })}` : "";
    this.canvas.setAttribute("aria-label", `${t(view.perStep ? "chart.title_step" : "chart.title")}. ${text}${seeds}`);
  }

  hover(event) {
    if (!this.lastScale) return;
    const rect = this.canvas.getBoundingClientRect();
    this.setCursor(this.lastScale.invert((event.clientX - rect.left) * devicePixelRatio));
  }

  setCursor(x) {
    this.cursor = x;
    this.request();
  }

  key(event) {
    if (event.key === "Escape") return this.setCursor(null);
    if (!(event.key in MOVES)) return;
    event.preventDefault();
    this.move(MOVES[event.key]);
  }

  // The cursor `by` points along the first line (from the newest when there is none).
  move(by) {
    const xs = this.lastView?.primary?.x;
    if (!xs?.length) return;
    const from = this.cursor === null ? xs.length - 1 : nearest(xs, this.cursor);
    const to = Number.isFinite(by) ? from + by : by < 0 ? 0 : xs.length - 1;
    this.setCursor(xs[Math.max(0, Math.min(xs.length - 1, to))]);
  }

  resize() {
    const { width, height } = this.size;
    if (!width || (width === this.canvas.width && height === this.canvas.height)) return;
    this.canvas.width = width;
    this.canvas.height = height;
  }
}
