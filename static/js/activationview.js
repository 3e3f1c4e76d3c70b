// The inspector's Activations section (issue #13, item 2): a hidden layer's activation f and
// its slope f′ drawn over the range the layer's z takes on the training set, the z's
// histogram beneath on the same axis, and a plain sentence when most of the layer is dead or
// saturated (the `activations` inspection: engine/inspect.py's activation_stats).
import { cssOf } from "./colors.js";
import { canvasFont, element } from "./dom.js";
import { t } from "./i18n.js";
import { fmt, math } from "./inspectviews.js";
import { nameOf } from "./names.js";
import { PALETTE } from "./vocabulary.js";

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;
const GELU_C = Math.sqrt(2 / Math.PI);
const sigmoid = (z) => 0.5 * (1 + Math.tanh(z / 2));
const geluTanh = (z) => Math.tanh(GELU_C * (z + 0.044715 * z ** 3));

// engine/activations.py's functions by name: [f, f′]. An unknown name has no plot.
export const FUNCTIONS = {
  linear: [(z) => z, () => 1],
  tanh: [Math.tanh, (z) => 1 - Math.tanh(z) ** 2],
  sigmoid: [sigmoid, (z) => sigmoid(z) * (1 - sigmoid(z))],
  relu: [(z) => Math.max(z, 0), (z) => (z > 0 ? 1 : 0)],
  leaky_relu: [(z) => (z > 0 ? z : 0.01 * z), (z) => (z > 0 ? 1 : 0.01)],
  elu: [(z) => (z > 0 ? z : Math.expm1(z)), (z) => (z > 0 ? 1 : Math.exp(z))],
  selu: [
    (z) => SELU_SCALE * (z > 0 ? z : SELU_ALPHA * Math.expm1(z)),
    (z) => (z > 0 ? SELU_SCALE : SELU_SCALE * SELU_ALPHA * Math.exp(z)),
  ],
  softplus: [(z) => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))), sigmoid],
  gelu: [
    (z) => 0.5 * z * (1 + geluTanh(z)),
    (z) => {
      const g = geluTanh(z);
      return 0.5 * (1 + g) + 0.5 * z * (1 - g * g) * GELU_C * (1 + 3 * 0.044715 * z * z);
    },
  ],
  swish: [(z) => z * sigmoid(z), (z) => sigmoid(z) * (1 + z * (1 - sigmoid(z)))],
  sine: [Math.sin, Math.cos],
};

const FLAT = 0.1; // as engine/inspect.py: |f′| under this share of its peak is flat
const W = 320; // the canvas's CSS pixels
const H = 210;
const PAD = { left: 42, right: 42, top: 10 };
const CURVES = { bottom: 130 }; // f and f′ above, the histogram from here down
const BARS = { top: 142, bottom: 188 };
const COLORS = { f: "#183d4e", df: cssOf(PALETTE.negative), flat: "rgba(200, 60, 40, 0.10)", bar: "#8fa6b2", flatBar: "#d0574a", axis: "#999", text: "#555" };

// An axis's number: 3 significant digits at most, a real minus sign.
const tick = (v) => String(Number(v.toPrecision(3))).replace("-", "−");

// The peak of |f′| on [−6, 6], as the engine measures it.
function peakSlope(df) {
  let peak = 0;
  for (let k = 0; k <= 600; k++) peak = Math.max(peak, Math.abs(df(-6 + k / 50)));
  return peak;
}

// The x range: the z's, at least 2 wide so a narrow one still shows the curve's shape.
function xRange(edges) {
  let [lo, hi] = [edges[0], edges[edges.length - 1]];
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) [lo, hi] = [-1, 1];
  if (hi - lo < 2) {
    const mid = (lo + hi) / 2;
    [lo, hi] = [mid - 1, mid + 1];
  }
  return [lo, hi];
}

function span(values) {
  const finite = values.filter(Number.isFinite);
  let [lo, hi] = [Math.min(0, ...finite), Math.max(0, ...finite)];
  if (hi - lo < 1e-9) hi = lo + 1;
  const margin = (hi - lo) * 0.06;
  return [lo - margin, hi + margin];
}

// What is drawn, in words (the canvas's aria-label).
function summary(data, known, lo, hi) {
  const range = { lo: fmt(data.edges[0]), hi: fmt(data.edges[data.edges.length - 1]) };
  const counts = { units: data.units, examples: data.examples };
  if (!known) return t("inspect.act_summary_unknown", { name: nameOf("activation", data.activation), ...range, ...counts });
  return t("inspect.act_summary", { name: nameOf("activation", data.activation), ...range, ...counts, from: fmt(lo), to: fmt(hi) });
}

function paint(canvas, data, functions, lo, hi) {
  const scale = 2;
  const ctx = canvas.getContext("2d");
  ctx.setTransform(scale, 0, 0, scale, 0, 0);
  ctx.clearRect(0, 0, W, H);
  ctx.font = canvasFont(10);
  const x = (z) => PAD.left + ((z - lo) / (hi - lo)) * (W - PAD.left - PAD.right);
  const n = 240;
  const zs = Array.from({ length: n + 1 }, (_, k) => lo + ((hi - lo) * k) / n);
  let flat = () => false;
  if (functions) {
    const [f, df] = functions;
    const peak = peakSlope(df);
    flat = (z) => Math.abs(df(z)) < FLAT * peak;
    // the flat stretches, shaded: there a neuron's gradient is (almost) nothing
    ctx.fillStyle = COLORS.flat;
    let start = null;
    zs.forEach((z, k) => {
      const on = flat(z);
      if (on && start === null) start = z;
      if (start !== null && (!on || k === n)) {
        ctx.fillRect(x(start), PAD.top, x(on ? z : zs[k - 1]) - x(start), BARS.bottom - PAD.top);
        start = null;
      }
    });
    const fs = zs.map(f);
    const dfs = zs.map(df);
    const fSpan = span(fs);
    const dfSpan = span(dfs);
    const curve = (values, [a, b], color, dash) => {
      const y = (v) => CURVES.bottom - ((v - a) / (b - a)) * (CURVES.bottom - PAD.top);
      ctx.strokeStyle = color;
      ctx.lineWidth = 2;
      ctx.setLineDash(dash);
      ctx.beginPath();
      values.forEach((v, k) => (k ? ctx.lineTo(x(zs[k]), y(v)) : ctx.moveTo(x(zs[k]), y(v))));
      ctx.stroke();
      ctx.setLineDash([]);
      return y;
    };
    const yf = curve(fs, fSpan, COLORS.f, []);
    const ydf = curve(dfs, dfSpan, COLORS.df, [5, 3]);
    // the axes' values: f on the left, f′ on the right, z = 0 and the value 0 marked
    ctx.strokeStyle = COLORS.axis;
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(PAD.left, yf(0));
    ctx.lineTo(W - PAD.right, yf(0));
    if (lo < 0 && hi > 0) {
      ctx.moveTo(x(0), PAD.top);
      ctx.lineTo(x(0), BARS.bottom);
    }
    ctx.stroke();
    // a number beside the curves, kept inside the canvas (a long one overlaps the plot a little
    // rather than losing its sign or its last digit at the canvas's edge)
    const label = (text, px, py, align, color) => {
      const width = ctx.measureText(text).width;
      ctx.fillStyle = color;
      ctx.textAlign = "left";
      const left = align === "right" ? px - width : px;
      ctx.fillText(text, Math.max(2, Math.min(W - 2 - width, left)), py);
    };
    const [fLo, fHi] = [Math.min(...fs), Math.max(...fs)];
    const [dLo, dHi] = [Math.min(...dfs), Math.max(...dfs)];
    label(tick(fHi), PAD.left - 3, yf(fHi) + 4, "right", COLORS.f);
    label(tick(fLo), PAD.left - 3, yf(fLo) + 4, "right", COLORS.f);
    label(tick(dHi), W - PAD.right + 3, ydf(dHi) + 4, "left", COLORS.df);
    if (Math.abs(ydf(dLo) - ydf(dHi)) > 12) label(tick(dLo), W - PAD.right + 3, ydf(dLo) + 4, "left", COLORS.df);
    label("f(z)", PAD.left + 4, PAD.top + 10, "left", COLORS.f);
    label("f′(z)", PAD.left + 40, PAD.top + 10, "left", COLORS.df);
  }
  // the histogram of z, on the same x axis; bars where f is flat in red
  const counts = data.histogram;
  const top = Math.max(1, ...counts);
  counts.forEach((count, k) => {
    const [a, b] = [data.edges[k], data.edges[k + 1]];
    const height = count ? Math.max(1.5, (count / top) * (BARS.bottom - BARS.top)) : 0;
    ctx.fillStyle = flat((a + b) / 2) ? COLORS.flatBar : COLORS.bar;
    ctx.fillRect(x(a) + 0.5, BARS.bottom - height, Math.max(1, x(b) - x(a) - 1), height);
  });
  ctx.strokeStyle = COLORS.axis;
  ctx.beginPath();
  ctx.moveTo(PAD.left, BARS.bottom + 0.5);
  ctx.lineTo(W - PAD.right, BARS.bottom + 0.5);
  ctx.stroke();
  ctx.fillStyle = COLORS.text;
  ctx.textAlign = "left";
  ctx.fillText(tick(lo), PAD.left, BARS.bottom + 12);
  ctx.textAlign = "right";
  ctx.fillText(tick(hi), W - PAD.right, BARS.bottom + 12);
  ctx.textAlign = "center";
  if (lo < 0 && hi > 0 && x(0) - PAD.left > 24 && W - PAD.right - x(0) > 24) ctx.fillText("0", x(0), BARS.bottom + 12);
  ctx.fillText("z", (PAD.left + W - PAD.right) / 2, BARS.bottom + 20);
}

// The verdict in a plain sentence with its likely cause, or null.
export function verdictSentence(data) {
  const verdict = data.verdict;
  if (!verdict) return null;
  const params = { units: verdict.units, of: verdict.of, name: nameOf("activation", data.activation), share: Math.round(100 * verdict.share) };
  if (verdict.code === "dead") return t("inspect.act_dead", params);
  const ends = { tanh: "inspect.act_ends_tanh", sigmoid: "inspect.act_ends_sigmoid" }[data.activation] ?? "inspect.act_ends_other";
  return t("inspect.act_saturated", { ...params, ends: t(ends) });
}

export function activationsView(data, options) {
  const functions = FUNCTIONS[data.activation] ?? null;
  const [lo, hi] = xRange(data.edges);
  const canvas = element("canvas", {
    class: "activation-plot",
    width: String(W * 2),
    height: String(H * 2),
    role: "img",
    "data-activation": data.activation,
    "data-plotted": functions ? "f,df,histogram" : "histogram",
    "data-range": `${data.edges[0]},${data.edges[data.edges.length - 1]}`,
    "data-bins": String(data.histogram.length),
    "data-verdict": data.verdict?.code ?? "none",
  });
  canvas.setAttribute("aria-label", summary(data, Boolean(functions), lo, hi));
  paint(canvas, data, functions, lo, hi);
  const parts = [];
  const formula = element("p", { class: "formula" });
  formula.append(element("span", { class: "words" }, t("inspect.act_formula", { name: nameOf("activation", data.activation) })));
  formula.append(math(`f(z) = ${options?.activations?.[data.activation]?.formula ?? "?"}`));
  parts.push(formula);
  if (!functions) parts.push(element("p", { class: "hint" }, t("inspect.act_no_plot", { name: nameOf("activation", data.activation) })));
  parts.push(canvas);
  parts.push(element("p", { class: "hint act-legend" }, t("inspect.act_legend")));
  const counts = t("inspect.act_counts", { dead: data.dead, saturated: data.saturated, units: data.units });
  parts.push(element("p", { class: "act-counts" }, counts));
  if (data.nonfinite) parts.push(element("p", { class: "inspect-error" }, t("inspect.act_nonfinite", { n: data.nonfinite })));
  const sentence = verdictSentence(data);
  if (sentence) parts.push(element("p", { class: "act-verdict", role: "status", "data-code": data.verdict.code }, sentence));
  return parts;
}
