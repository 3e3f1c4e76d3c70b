// The loss chart's painting, no state: axes with ticks, lines, the legend, marks and the
// hover cursor, on a canvas in device pixels. losschart.js decides what to paint.
import { canvasFont } from "./dom.js";
import { t } from "./i18n.js";

// Okabe–Ito colours (told apart with colour blindness too), and a dash for validation.
export const SERIES = [
  { key: "train_loss", label: "chart.training", color: "#0072b2", width: 1.5, dash: [] },
  { key: "val_loss", label: "chart.validation", color: "#d55e00", width: 2, dash: [6, 4] },
  { key: "test_loss", label: "chart.test", color: "#222222", width: 2, dash: [] },
];
export const STEP_SERIES = { key: "batch", label: "chart.per_step", color: "rgba(0, 114, 178, 0.35)", width: 1, dash: [] };
const MARK_COLOR = "#7b3fa0";
const EARLY_COLOR = "#c2410c"; // as .early-mark: 4.8:1 on the page
const MUTED = "#6b7378";
const FONT = 11;

// Round steps (1, 2, 5 × 10^k) from lo to hi, about `count` of them; `whole`: integers only.
export function niceTicks(lo, hi, count, whole = false) {
  const span = hi - lo;
  if (!(span > 0)) return [lo];
  const raw = span / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  let step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw);
  if (whole) step = Math.max(1, Math.round(step));
  const ticks = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

// Ticks of a log axis (lo, hi are log10 values): the decades, or round values within one.
export function logTicks(lo, hi, count) {
  const decades = [];
  for (let k = Math.ceil(lo); k <= Math.floor(hi); k++) decades.push(k);
  if (decades.length >= 2) return decades.filter((_, i) => i % Math.ceil(decades.length / count) === 0);
  return niceTicks(10 ** lo, 10 ** hi, count).filter((v) => v > 0).map(Math.log10);
}

// A tick label (trailing zeros dropped) or, `exact`, a readout value to 3 significant digits.
export function formatNumber(v, exact = false) {
  if (v === null || v === undefined || !Number.isFinite(v)) return "—";
  const size = Math.abs(v);
  if (size !== 0 && (size < 1e-3 || size >= 1e5)) return v.toExponential(exact ? 2 : 1);
  return exact ? v.toPrecision(3) : String(Number(v.toPrecision(3)));
}

// The plot's frame in device pixels: room for the legend above, tick labels left and below.
// The text is the canvas's CSS font size (app.css: 11 px; 24 px on a projector), its margins
// grow with it: `d`, device pixels per CSS pixel of a FONT-sized chart.
export function layout(canvas) {
  const { width, height } = canvas;
  const font = parseFloat(getComputedStyle(canvas).fontSize) || FONT;
  const d = (devicePixelRatio * font) / FONT;
  return { left: 46 * d, right: width - 48 * d, top: 20 * d, bottom: height - 20 * d, width, height, d };
}

function text(context, value, x, y, align, baseline, color = MUTED) {
  context.fillStyle = color;
  context.textAlign = align;
  context.textBaseline = baseline;
  context.fillText(value, x, y);
}

// Axes, grid lines and tick labels; `scale.x` and `scale.ty` map ticks to pixels.
export function paintAxes(context, box, scale, ticks, labels) {
  const d = box.d;
  context.font = canvasFont(FONT * d);
  context.lineWidth = 1;
  context.strokeStyle = "#e3e6e8";
  context.beginPath();
  for (const v of ticks.y) {
    context.moveTo(box.left, Math.round(scale.ty(v)) + 0.5);
    context.lineTo(box.right, Math.round(scale.ty(v)) + 0.5);
  }
  context.stroke();
  context.strokeStyle = "#9aa2a7";
  context.beginPath();
  context.moveTo(box.left + 0.5, box.top);
  context.lineTo(box.left + 0.5, box.bottom + 0.5);
  context.lineTo(box.right, box.bottom + 0.5);
  for (const v of ticks.x) {
    context.moveTo(Math.round(scale.x(v)) + 0.5, box.bottom);
    context.lineTo(Math.round(scale.x(v)) + 0.5, box.bottom + 4 * d);
  }
  context.stroke();
  for (const v of ticks.y) text(context, labels.yTick(v), box.left - 4 * d, scale.ty(v), "right", "middle");
  for (const v of ticks.x) text(context, String(v), scale.x(v), box.bottom + 5 * d, "center", "top");
  paintXName(context, box, scale, ticks.x, labels.x);
  text(context, labels.y, 2 * d, 2 * d, "left", "top");
}

// The x axis's name: right of the last tick's label when it fits there, else in the right
// margin just above the axis (a long tick label such as 1000 would touch it).
function paintXName(context, box, scale, ticks, name) {
  const d = box.d;
  const last = ticks.at(-1);
  const tickEnd = last === undefined ? box.right : scale.x(last) + context.measureText(String(last)).width / 2;
  const x = Math.max(box.right, tickEnd) + 6 * d;
  if (x + context.measureText(name).width <= box.width - 2 * d) text(context, name, x, box.bottom + 5 * d, "left", "top");
  else text(context, name, box.width - 2 * d, box.bottom - 3 * d, "right", "bottom");
}

// One series as a line, broken where a value is missing or the x values jump by `gap`.
export function paintLine(context, series, scale, gap = Infinity) {
  const d = devicePixelRatio;
  context.save();
  context.strokeStyle = series.color;
  context.lineWidth = series.width * d;
  context.setLineDash(series.dash.map((v) => v * d));
  context.beginPath();
  let drawing = false;
  let lastX = null;
  series.y.forEach((v, i) => {
    const x = series.x[i];
    if (v === null || v === undefined || !Number.isFinite(scale.y(v))) return void (drawing = false);
    const jump = lastX !== null && x - lastX > gap;
    context[drawing && !jump ? "lineTo" : "moveTo"](scale.x(x), scale.y(v));
    drawing = true;
    lastX = x;
  });
  context.stroke();
  context.restore();
}

// The seed replicates' legend entry (replicates.js): their medians are dashed.
export const SEEDS = { key: "seeds", label: "chart.seeds", color: MUTED, width: 1.5, dash: [4, 3] };

// A band from `band.lo` to `band.hi` (a translucent fill in its line's colour), and its
// median (`band.y`) as a dashed line.
export function paintBand(context, band, scale) {
  const points = band.x.map((x, i) => [x, band.lo[i], band.hi[i]]).filter(([, lo, hi]) => Number.isFinite(lo) && Number.isFinite(hi));
  if (!points.length) return;
  context.save();
  context.globalAlpha = 0.16;
  context.fillStyle = band.color;
  context.beginPath();
  points.forEach(([x, , hi], i) => context[i ? "lineTo" : "moveTo"](scale.x(x), scale.y(hi)));
  for (const [x, lo] of points.toReversed()) context.lineTo(scale.x(x), scale.y(lo));
  context.closePath();
  context.fill();
  context.restore();
  paintLine(context, { ...band, dash: SEEDS.dash }, scale);
}

// The legend, a short sample of each line and its name, right-aligned above the plot.
export function paintLegend(context, box, series) {
  const d = box.d;
  context.save();
  context.font = canvasFont(FONT * d);
  let x = box.width - 4 * d;
  for (const s of [...series].reverse()) {
    const name = t(s.label);
    x -= context.measureText(name).width;
    text(context, name, x, 9 * d, "left", "middle", "#333");
    x -= 22 * d;
    context.strokeStyle = s.color;
    context.lineWidth = Math.max(2, s.width) * d;
    context.setLineDash(s.dash.map((v) => v * d));
    context.beginPath();
    context.moveTo(x, 9 * d);
    context.lineTo(x + 18 * d, 9 * d);
    context.stroke();
    context.setLineDash([]);
    x -= 10 * d;
  }
  context.restore();
}

function vertical(context, box, x, color, dash, from = box.top) {
  context.strokeStyle = color;
  context.setLineDash(dash.map((v) => v * devicePixelRatio));
  context.beginPath();
  context.moveTo(Math.round(x) + 0.5, from);
  context.lineTo(Math.round(x) + 0.5, box.bottom);
  context.stroke();
}

// Live changes: a tick on the x axis and a faint line up; early stopping: best and stop.
export function paintMarks(context, box, scale, marks, early) {
  const d = devicePixelRatio;
  context.save();
  context.lineWidth = 1.5 * d;
  for (const x of marks) {
    vertical(context, box, scale.x(x), "rgba(123, 63, 160, 0.35)", [2, 2]);
    context.fillStyle = MARK_COLOR;
    context.beginPath(); // a small triangle on the axis, pointing up
    context.moveTo(scale.x(x), box.bottom - 7 * d);
    context.lineTo(scale.x(x) - 4 * d, box.bottom);
    context.lineTo(scale.x(x) + 4 * d, box.bottom);
    context.fill();
  }
  if (early) {
    vertical(context, box, scale.x(early.best), EARLY_COLOR, [4, 3]);
    text(context, t("chart.best"), scale.x(early.best) + 3 * box.d, box.top + 2 * box.d, "left", "top", EARLY_COLOR);
    if (early.stopped !== null) vertical(context, box, scale.x(early.stopped), EARLY_COLOR, []);
  }
  context.restore();
}

// The hover cursor: a line at x and a dot on each line's value there.
export function paintCursor(context, box, scale, x, points) {
  const d = devicePixelRatio;
  context.save();
  context.lineWidth = 1 * d;
  vertical(context, box, scale.x(x), "rgba(0, 0, 0, 0.45)", []);
  for (const { color, value } of points) {
    if (value === null || !Number.isFinite(scale.y(value))) continue;
    context.fillStyle = color;
    context.beginPath();
    context.arc(scale.x(x), scale.y(value), 3.5 * d, 0, 2 * Math.PI);
    context.fill();
  }
  context.restore();
}
