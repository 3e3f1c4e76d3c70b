// The sweep page's heatmap: the metric over two swept fields (columns × rows), each cell the
// mean over the trials that share those two values (the seeds, and any other field). A cell
// is coloured from the best score (deep blue) to the worst (pale) and says its value.
import { scoreColor } from "./colors.js";
import { element } from "./dom.js";
import { t } from "./i18n.js";

const key = (value) => JSON.stringify(value);

export function cells(sweep, xField, yField) {
  const xs = [], ys = [], sums = new Map();
  for (const trial of sweep.trials) {
    const x = key(trial.params[xField]), y = key(trial.params[yField]);
    if (!xs.includes(x)) xs.push(x);
    if (!ys.includes(y)) ys.push(y);
    if (!Number.isFinite(trial.score)) continue;
    const cell = sums.get(`${x}|${y}`) ?? { sum: 0, n: 0 };
    cell.sum += trial.score;
    cell.n += 1;
    sums.set(`${x}|${y}`, cell);
  }
  const mean = (x, y) => {
    const cell = sums.get(`${x}|${y}`);
    return cell ? { value: cell.sum / cell.n, n: cell.n } : null;
  };
  return { xs, ys, mean };
}

export class SweepHeatmap {
  constructor(root, xPicker, yPicker) {
    Object.assign(this, { root, xPicker, yPicker });
    for (const picker of [xPicker, yPicker]) picker.addEventListener("change", () => this.sweep && this.draw());
  }

  update(sweep) {
    const fields = sweep.fields.filter((field) => new Set(sweep.trials.map((t) => key(t.params[field]))).size > 1);
    const choices = fields.join("|");
    if (choices !== this.choices) {
      this.choices = choices;
      for (const [k, picker] of [this.xPicker, this.yPicker].entries()) {
        picker.replaceChildren(...fields.map((field) => element("option", { value: field }, field)));
        picker.value = fields[Math.min(k, fields.length - 1)] ?? "";
      }
    }
    this.sweep = sweep;
    this.draw();
  }

  draw() {
    const sweep = this.sweep;
    const xField = this.xPicker.value, yField = this.yPicker.value;
    if (!xField) {
      this.root.replaceChildren(element("p", {}, t("sweep.no_pair")));
      return;
    }
    const { xs, ys, mean } = cells(sweep, xField, yField || xField);
    const values = xs.flatMap((x) => ys.map((y) => mean(x, y)?.value)).filter(Number.isFinite);
    const low = Math.min(...values), high = Math.max(...values);
    const grid = element("div", { class: "heat-grid" });
    grid.style.gridTemplateColumns = `auto repeat(${xs.length}, 1fr)`; // the CSSOM: the page's policy forbids style attributes
    grid.append(element("span", { class: "heat-corner", role: "columnheader" }, `${yField} ↓ · ${xField} →`));
    for (const x of xs) grid.append(element("span", { class: "heat-label", role: "columnheader" }, JSON.parse(x).toString()));
    for (const y of ys) {
      grid.append(element("span", { class: "heat-label", role: "rowheader" }, JSON.parse(y).toString()));
      for (const x of xs) {
        const cell = mean(x, y);
        const text = cell ? cell.value.toPrecision(3) : "—";
        const title = cell ? t("sweep.mean_of", { n: cell.n }) : "";
        const span = element("span", { class: "heat-cell", role: "cell", title }, text);
        span.style.background = scoreColor(cell?.value, low, high, sweep.goal);
        grid.append(span);
      }
    }
    this.root.replaceChildren(grid);
  }
}
