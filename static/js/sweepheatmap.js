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
    // a real table (rows of header and data cells): what a screen reader walks as a grid
    const table = element("table", { class: "heat-table" });
    const head = element("tr");
    head.append(element("th", { class: "heat-corner", scope: "col" }, `${yField} ↓ · ${xField} →`));
    for (const x of xs) head.append(element("th", { class: "heat-label", scope: "col" }, JSON.parse(x).toString()));
    const body = element("tbody");
    for (const y of ys) {
      const row = element("tr");
      row.append(element("th", { class: "heat-label", scope: "row" }, JSON.parse(y).toString()));
      for (const x of xs) {
        const cell = mean(x, y);
        const text = cell ? cell.value.toPrecision(3) : "—";
        const title = cell ? t("sweep.mean_of", { n: cell.n }) : "";
        const td = element("td", { class: "heat-cell", title }, text);
        const shade = scoreColor(cell?.value, low, high, sweep.goal);
        td.style.background = shade; // the CSSOM: the page's policy refuses style attributes
        td.classList.toggle("dark", isDark(shade));
        row.append(td);
      }
      body.append(row);
    }
    table.append(element("thead"), body);
    table.tHead.append(head);
    this.root.replaceChildren(table);
  }
}

// Whether a cell's shade needs light text: white reads better than black on it (the WCAG
// contrast of each, from the shade's relative luminance; the two meet at L ≈ 0.18, where both
// are above 4.5:1).
function isDark(color) {
  const [r, g, b] = (color.match(/\d+/g) ?? ["255", "255", "255"]).map((c) => {
    const v = Number(c) / 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.179;
}
