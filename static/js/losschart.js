// Train and test loss per epoch: train in grey, test in black, as TF Playground; early
// stopping's best epoch marked.
import { deviceSize } from "./dom.js";
import { t } from "./i18n.js";

const SERIES = [
  { key: "train_loss", color: "#999", width: 1.5 },
  { key: "test_loss", color: "#111", width: 2 },
];

export class LossChart {
  constructor(canvas, logToggle, mark) {
    this.canvas = canvas;
    this.mark = mark;
    this.drawnHistory = null;
    this.log = false;
    this.size = deviceSize(canvas, () => {
      if (this.resize() && this.history) this.draw(this.history);
    });
    logToggle.addEventListener("change", () => {
      this.log = logToggle.checked;
      if (this.history) requestAnimationFrame(() => this.draw(this.history));
    });
  }

  render() {
    this.drawnHistory = null;
  }

  update(state) {
    const history = (this.history = state.history);
    this.early = state.stopReason === "early_stopping" ? { stopped: state.stoppedEpoch, best: state.bestEpoch } : null;
    this.mark.hidden = !this.early;
    if (this.early) this.mark.textContent = t("early_stopped", this.early);
    const size = this.resize();
    const key = history; // a new object whenever rows arrive
    if (key === this.drawnHistory && this.early?.best === this.drawnBest && !size) return;
    this.drawnHistory = history;
    this.drawnBest = this.early?.best;
    this.draw(history);
  }

  // Log scale shows the late, small improvements a linear axis flattens.
  scaled(value) {
    return this.log ? Math.log10(Math.max(value, 1e-8)) : value;
  }

  resize() {
    const { width, height } = this.size;
    if (width === this.canvas.width && height === this.canvas.height) return false;
    this.canvas.width = width;
    this.canvas.height = height;
    return true;
  }

  draw(history) {
    const { width, height } = this.canvas;
    const context = this.canvas.getContext("2d");
    context.clearRect(0, 0, width, height);
    const values = SERIES.flatMap((s) => history[s.key]).filter((v) => v !== null).map((v) => this.scaled(v));
    if (history.epoch.length < 2 || values.length === 0) return;
    const pad = 4 * devicePixelRatio;
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of values) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const x0 = history.epoch[0];
    const xSpan = Math.max(1, history.epoch[history.epoch.length - 1] - x0);
    const x = (epoch) => pad + ((epoch - x0) / xSpan) * (width - 2 * pad);
    const y = (v) => height - pad - ((v - lo) / (hi - lo || 1)) * (height - 2 * pad);
    for (const series of SERIES) {
      context.beginPath();
      context.strokeStyle = series.color;
      context.lineWidth = series.width * devicePixelRatio;
      history[series.key].forEach((v, i) => {
        if (v === null) return;
        context[i === 0 ? "moveTo" : "lineTo"](x(history.epoch[i]), y(this.scaled(v)));
      });
      context.stroke();
    }
    if (this.early) this.drawMark(x, height);
  }

  // Early stopping: a dashed line at the best epoch (whose weights were kept).
  drawMark(x, height) {
    const context = this.canvas.getContext("2d");
    context.save();
    context.strokeStyle = "#e65100";
    context.setLineDash([4 * devicePixelRatio, 3 * devicePixelRatio]);
    context.lineWidth = 1.5 * devicePixelRatio;
    context.beginPath();
    context.moveTo(x(this.early.best), 0);
    context.lineTo(x(this.early.best), height);
    context.stroke();
    context.restore();
  }
}
