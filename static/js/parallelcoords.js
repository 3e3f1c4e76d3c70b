// The sweep page's parallel coordinates: an axis per swept field (its values in order, a
// log scale for a positive numeric field spanning 20× or more) and one for the metric; each
// trial is a line through its values, coloured by its score, the best drawn last, on top.
import { scoreColor } from "./colors.js";
import { t } from "./i18n.js";

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 640, HEIGHT = 300, TOP = 28, BOTTOM = 20, SIDE = 60;
const TICKS = 6; // an axis with more distinct values labels its two ends only

function node(tag, attributes = {}, text = "") {
  const made = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) made.setAttribute(name, value);
  if (text) made.textContent = text;
  return made;
}

// A position in [0, 1] for each value of an axis: categories evenly, numbers by value.
export function scaleOf(values) {
  const distinct = [...new Set(values.map((v) => JSON.stringify(v)))].map((v) => JSON.parse(v));
  if (!distinct.every((v) => typeof v === "number")) {
    const order = distinct.map((v) => JSON.stringify(v));
    return (v) => (order.length < 2 ? 0.5 : order.indexOf(JSON.stringify(v)) / (order.length - 1));
  }
  const low = Math.min(...distinct), high = Math.max(...distinct);
  const log = low > 0 && high / low >= 20;
  const f = log ? Math.log : (v) => v;
  return (v) => (high === low ? 0.5 : (f(v) - f(low)) / (f(high) - f(low)));
}

// The values an axis labels: each distinct one when there are few, else the two ends.
function ticks(values) {
  const distinct = [...new Set(values.map((v) => JSON.stringify(v)))].map((v) => JSON.parse(v));
  if (distinct.length <= TICKS) return distinct;
  const numbers = distinct.filter((v) => typeof v === "number");
  return numbers.length ? [Math.min(...numbers), Math.max(...numbers)] : [distinct[0], distinct.at(-1)];
}

// A tick's label: left of the first axis (no line passes there), else right of its axis on
// a card, so that a trial's line through the label cannot turn "0.1" into "0:1".
function tick(label, x, y, left) {
  const text = node("text", { x: left ? x - 5 : x + 5, y: y + 4, class: "axis-tick", "text-anchor": left ? "end" : "start" }, label);
  if (left) return [text];
  const width = 6.6 * label.length + 6; // 10 px digits: about 6 px each
  return [node("rect", { x: x + 3, y: y - 7, width, height: 14, rx: 3, class: "axis-card" }), text];
}

export class ParallelCoordinates {
  constructor(svg) {
    this.svg = svg;
  }

  update(sweep) {
    const axes = [...sweep.fields.map((f) => [f, (trial) => trial.params[f]]), [t(sweep.metric), (trial) => trial.score]];
    const scored = sweep.trials.filter((trial) => Number.isFinite(trial.score));
    const scores = scored.map((trial) => trial.score);
    const low = Math.min(...scores), high = Math.max(...scores);
    const step = (WIDTH - 2 * SIDE) / Math.max(1, axes.length - 1);
    const x = (k) => SIDE + k * step;
    const y = (u) => HEIGHT - BOTTOM - u * (HEIGHT - TOP - BOTTOM);
    const scales = axes.map(([, read]) => scaleOf(scored.map(read)));
    const children = [];
    const order = [...scored].sort((a, b) => (sweep.goal === "min" ? b.score - a.score : a.score - b.score));
    for (const trial of order) {
      const points = axes.map(([, read], k) => `${x(k).toFixed(1)},${y(scales[k](read(trial))).toFixed(1)}`);
      const line = node("polyline", { points: points.join(" "), fill: "none", "stroke-width": trial.run_id === sweep.best ? 3 : 1.2 });
      line.setAttribute("stroke", scoreColor(trial.score, low, high, sweep.goal));
      children.push(line);
    }
    for (const [k, [name, read]] of axes.entries()) {
      children.push(node("line", { x1: x(k), x2: x(k), y1: TOP, y2: HEIGHT - BOTTOM, class: "axis" }));
      const short = name.split(".").at(-1); // training.learning_rate: learning_rate
      children.push(node("text", { x: x(k), y: TOP - 12, "text-anchor": "middle", class: "axis-name" }, short));
      for (const value of ticks(scored.map(read))) {
        const label = typeof value === "number" ? Number(value.toPrecision(3)).toString() : JSON.stringify(value);
        children.push(...tick(label, x(k), y(scales[k](value)), k === 0));
      }
    }
    this.svg.replaceChildren(...children);
  }
}
