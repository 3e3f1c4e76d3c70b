// A race experiment on the dashboard (experiment.js): the cells' runs are the lanes of one
// race, so their test losses are drawn overlaid on one race chart beside the heatmap, a line
// a cell (students of one cell train the very same run: same setup, weights and data). Each
// cell's curve is its first student's run's metrics, fetched onwards from the last epoch
// drawn, at most once a second (with the roster).
import { fetchMetrics } from "./api.js";
import { element } from "./dom.js";
import { t } from "./i18n.js";
import { RaceChart } from "./racechart.js";

const empty = () => ({ epoch: [], forward_passes: [], test_loss: [] });

export const cellWords = (cell) => Object.entries(cell).map(([name, value]) => `${t(name)} ${value}`).join(" · ");

export class CellRace {
  constructor() {
    this.root = element("figure", { class: "race-chart cell-race" });
    const title = element("figcaption", { id: "cell-race-title" });
    const canvas = element("canvas", { role: "img", "aria-describedby": "cell-race-legend" });
    const legend = element("ul", { class: "race-legend", id: "cell-race-legend" });
    this.root.append(title, canvas, legend);
    this.chart = new RaceChart(canvas, legend, title, { epochs: "experiment.race_chart" });
    this.curves = new Map(); // run id → its history so far
    this.root.hidden = true;
  }

  // students: the roster; shown when the experiment is a race.
  async update(experiment, students) {
    this.root.hidden = !experiment?.race;
    if (this.root.hidden || this.busy) return;
    const cells = new Map();
    for (const student of students ?? []) {
      const key = JSON.stringify(student.cell);
      if (student.cell && student.run && !cells.has(key)) cells.set(key, { cell: student.cell, run: student.run });
    }
    this.busy = true;
    try {
      await Promise.all([...cells.values()].map(({ run }) => this.fetch(run)));
    } finally {
      this.busy = false;
    }
    const lanes = [...cells.values()].map(({ cell, run }) => ({ label: cellWords(cell), history: this.curves.get(run.id) ?? empty() }));
    this.chart.update(lanes, "epochs");
  }

  // The run's rows after the last one drawn (all of them again after a reset).
  async fetch(run) {
    let curve = this.curves.get(run.id) ?? empty();
    if ((curve.epoch.at(-1) ?? -1) > run.epoch) curve = empty();
    const since = curve.epoch.at(-1) ?? -1;
    if (since >= run.epoch && curve.epoch.length) return;
    const rows = await fetchMetrics(run.id, since);
    for (const key of Object.keys(curve)) curve[key] = [...curve[key], ...(rows[key] ?? [])];
    this.curves.set(run.id, curve);
  }
}
