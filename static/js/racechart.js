// The race's one chart: each lane's test loss over the race's clock (epochs, or forward passes
// in thousands), overlaid, a colour and a dash per lane (Okabe–Ito, told apart with colour
// blindness too, and by the dash without colour). The legend is the list beside it.
import { layout, niceTicks, formatNumber, paintAxes, paintLine } from "./chartpaint.js";
import { canvasFont, deviceSize, element, needFont, paintOnce } from "./dom.js";
import { t } from "./i18n.js";

export const LANE_STYLES = [
  { color: "#0072b2", dash: [] },
  { color: "#d55e00", dash: [7, 4] },
  { color: "#009e73", dash: [2, 3] },
  { color: "#cc79a7", dash: [10, 3, 2, 3] },
  { color: "#9a6a00", dash: [1, 3] }, // a class experiment's race may have more cells than a race has lanes
  { color: "#2c7fb8", dash: [12, 4] },
  { color: "#000000", dash: [4, 2, 1, 2] },
  { color: "#6a3d9a", dash: [6, 6] },
];
const svg = (tag, attributes) => {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  return node;
};
const finite = (v) => v !== null && v !== undefined && Number.isFinite(v);

export class RaceChart {
  // titles: the caption's string key for each unit (a class experiment's chart names cells)
  constructor(canvas, legend, title, titles = { epochs: "race.chart.epochs", forward_passes: "race.chart.passes" }) {
    Object.assign(this, { canvas, legend, title, titles, lanes: [], unit: "epochs" });
    this.request = paintOnce(() => this.paint());
    this.size = deviceSize(canvas, () => this.request());
  }

  // lanes: [{label, history: {epoch: [...], forward_passes: [...], test_loss: [...]}}]
  update(lanes, unit) {
    this.lanes = lanes;
    this.unit = unit;
    this.request();
  }

  series() {
    const perPass = this.unit === "forward_passes";
    return this.lanes.map((lane, k) => ({
      ...LANE_STYLES[(lane.index ?? k) % LANE_STYLES.length], // a lane keeps its colour when another leaves
      width: 2,
      label: lane.label,
      x: perPass ? lane.history.forward_passes.map((v) => (v ?? 0) / 1000) : lane.history.epoch,
      y: lane.history.test_loss,
    }));
  }

  scale(lines, box) {
    let [x0, x1, lo, hi] = [Infinity, -Infinity, Infinity, -Infinity];
    for (const line of lines) {
      line.y.forEach((v, i) => {
        if (!finite(v)) return;
        [x0, x1, lo, hi] = [Math.min(x0, line.x[i]), Math.max(x1, line.x[i]), Math.min(lo, v), Math.max(hi, v)];
      });
    }
    if (x0 === Infinity) return null;
    const margin = (hi - lo || 1) * 0.06;
    [lo, hi, x1] = [Math.max(0, lo - margin), hi + margin, Math.max(x1, x0 + 1)];
    const x = (v) => box.left + ((v - x0) / (x1 - x0)) * (box.right - box.left);
    const ty = (v) => box.bottom - ((v - lo) / (hi - lo)) * (box.bottom - box.top);
    const rows = Math.max(2, Math.floor((box.bottom - box.top) / (28 * box.d)));
    const columns = Math.max(2, Math.floor((box.right - box.left) / (70 * box.d)));
    return { x, ty, y: ty, ticks: { x: niceTicks(x0, x1, columns), y: niceTicks(lo, hi, rows) } };
  }

  paint() {
    const { width, height } = this.size;
    if (!width || !height) return;
    if (this.canvas.width !== width || this.canvas.height !== height) Object.assign(this.canvas, { width, height });
    const context = this.canvas.getContext("2d");
    context.clearRect(0, 0, width, height);
    const lines = this.series();
    const xName = t(this.unit === "forward_passes" ? "race.axis.passes" : "chart.epoch");
    this.title.textContent = t(this.titles[this.unit]);
    this.canvas.setAttribute("aria-label", this.title.textContent);
    this.paintLegend(lines);
    const box = layout(this.canvas);
    const scale = this.scale(lines, box);
    if (!scale) return;
    const labels = { x: xName, y: t("test_loss"), yTick: (v) => formatNumber(v) };
    needFont(canvasFont(12), `${labels.x}${labels.y}`);
    paintAxes(context, box, scale, scale.ticks, labels);
    for (const line of lines) paintLine(context, line, scale);
  }

  paintLegend(lines) {
    const items = lines.map((line) => {
      const swatch = svg("svg", { class: "race-swatch", viewBox: "0 0 28 8", "aria-hidden": "true" });
      const dash = line.dash.join(" ") || "none";
      swatch.append(svg("line", { x1: 0, y1: 4, x2: 28, y2: 4, stroke: line.color, "stroke-width": 3, "stroke-dasharray": dash }));
      const item = element("li");
      item.append(swatch, element("span", {}, line.label));
      return item;
    });
    const text = items.map((item) => item.textContent).join("|");
    if (text !== this.legendText) this.legend.replaceChildren(...items);
    this.legendText = text;
  }
}
