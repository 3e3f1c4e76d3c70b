// A class experiment on the dashboard: the teacher picks one or two settings and their values
// (learning rate × batch size, say); every student is given one cell of that grid (the
// server assigns them and makes their runs); the heatmap fills with each cell's final test
// loss as the runs finish — the class measures the lesson's result itself. As a race, the
// cells' runs are one race's lanes, driven by the teacher, and a race chart overlays them.
import { updateClass } from "./api.js";
import { CellRace } from "./cellrace.js";
import { element } from "./dom.js";
import { t } from "./i18n.js";

export const FIELDS = ["learning_rate", "batch_size", "optimizer", "activation", "regularization_rate", "dropout"];
const DEFAULTS = { learning_rate: "0.003, 0.03, 0.3, 3", batch_size: "1, 10, 50" };

function parse(field, text) {
  const values = text.split(/[\s,]+/).filter(Boolean);
  return ["optimizer", "activation"].includes(field) ? values : values.map(Number);
}

// A loss as a colour: low (good) deep blue, high pale; log scale over the grid's range.
function shade(loss, low, high) {
  if (!Number.isFinite(loss)) return "#f2d7d5";
  const span = Math.log(high / low) || 1;
  const x = Math.min(1, Math.max(0, Math.log(loss / low) / span));
  const mix = (a, b) => Math.round(a + (b - a) * x);
  return `rgb(${mix(8, 232)}, ${mix(90, 236)}, ${mix(160, 240)})`;
}

export class ExperimentPanel {
  constructor(root, id, token) {
    Object.assign(this, { root, id, token });
    this.form = element("form", { class: "experiment-form", "aria-label": t("experiment.setup") });
    this.grid = element("div", { class: "experiment-grid", role: "group", "aria-label": t("experiment.heatmap") });
    this.race = new CellRace();
    this.project = element("button", { type: "button", class: "wide", hidden: "" });
    this.project.addEventListener("click", () => this.change({ race: this.shown ? null : this.experimentRace }));
    const results = element("div", { class: "experiment-results" });
    results.append(this.grid, this.race.root);
    this.heading = element("h2", {}, t("experiment.title"));
    this.root.replaceChildren(this.heading, this.form, this.project, results);
    this.buildForm();
  }

  // In the page's language again: the form is built anew with what the teacher typed in it.
  render() {
    const fields = () => [...this.form.querySelectorAll("select, input")];
    const typed = fields().map((field) => [field.value, field.checked]);
    this.form.replaceChildren();
    this.buildForm();
    fields().forEach((field, k) => ([field.value, field.checked] = typed[k]));
    this.heading.textContent = t("experiment.title");
    this.form.setAttribute("aria-label", t("experiment.setup"));
    this.grid.setAttribute("aria-label", t("experiment.heatmap"));
    if (this.room) this.update(this.room);
  }

  buildForm() {
    const pick = (k, chosen) => {
      const control = element("select", { "aria-label": t("experiment.setting", { k }) });
      for (const field of ["", ...FIELDS]) {
        const option = element("option", { value: field }, field ? t(field) : t("off"));
        option.selected = field === chosen;
        control.append(option);
      }
      const values = element("input", { type: "text", "aria-label": t("experiment.values", { k }), value: DEFAULTS[chosen] ?? "" });
      control.addEventListener("change", () => (values.value = DEFAULTS[control.value] ?? ""));
      return [control, values];
    };
    const rows = [pick(1, "learning_rate"), pick(2, "batch_size")];
    const epochs = element("input", { type: "number", min: "1", max: "100000", value: "300", "aria-label": t("experiment.epochs") });
    const race = element("input", { type: "checkbox" });
    const raced = element("label", { class: "check compact" });
    raced.append(race, element("span", {}, t("experiment.race")));
    const start = element("button", { type: "submit", class: "wide dark" }, t("experiment.start"));
    const stop = element("button", { type: "button", class: "wide", hidden: "" }, t("experiment.stop"));
    stop.addEventListener("click", () => this.send(null));
    this.stop = stop; // only while there is an experiment to end
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      const settings = Object.fromEntries(rows.filter(([f]) => f.value).map(([f, v]) => [f.value, parse(f.value, v.value)]));
      this.send({ settings, epochs: Number(epochs.value), race: race.checked });
    });
    for (const [k, [field, values]] of rows.entries()) {
      const line = element("div", { class: "experiment-row" });
      line.append(element("span", {}, t("experiment.setting", { k: k + 1 })), field, values);
      this.form.append(line);
    }
    const last = element("div", { class: "experiment-row" });
    last.append(element("span", {}, t("experiment.epochs")), epochs, raced, start, stop);
    this.problem = element("p", { class: "class-problem", role: "alert" });
    this.form.append(last, this.problem);
  }

  send(experiment) {
    return this.change({ experiment });
  }

  async change(update) {
    try {
      await updateClass(this.id, this.token, update);
      this.problem.textContent = "";
    } catch (error) {
      this.problem.textContent = error.message;
    }
  }

  update(room) {
    this.room = room;
    this.experiment = room.experiment;
    this.stop.hidden = !room.experiment;
    this.experimentRace = room.experiment_race;
    this.shown = Boolean(room.experiment_race) && room.stage?.race === room.experiment_race;
    this.project.hidden = !room.experiment_race;
    this.project.textContent = t(this.shown ? "experiment.race_stop" : "experiment.race_show");
    this.draw();
  }

  roster(students) {
    this.students = students;
    this.draw();
    this.race.update(this.experiment, students).catch((error) => (this.problem.textContent = error.message));
  }

  // The grid: rows the first setting's values, columns the second's; each cell the mean
  // final test loss of its finished runs (and how many of how many have finished).
  draw() {
    const experiment = this.experiment;
    if (!experiment) {
      this.grid.replaceChildren(element("p", { class: "hint" }, t("experiment.none")));
      return;
    }
    const [first, second] = Object.keys(experiment.settings);
    const rows = experiment.settings[first];
    const cols = second ? experiment.settings[second] : [null];
    const cells = new Map();
    for (const student of this.students ?? []) {
      if (!student.cell) continue;
      const key = JSON.stringify([student.cell[first], second ? student.cell[second] : null]);
      const cell = cells.get(key) ?? { losses: [], students: 0 };
      cell.students += 1;
      if (student.run && ["succeeded", "diverged"].includes(student.run.status)) cell.losses.push(student.run.test_loss ?? Infinity);
      cells.set(key, cell);
    }
    const means = [...cells.values()].filter((c) => c.losses.length).map((c) => c.losses.reduce((a, b) => a + b, 0) / c.losses.length);
    const finite = means.filter(Number.isFinite);
    const [low, high] = [Math.min(...finite, 1), Math.max(...finite, 0.01)];
    const table = element("table", { class: "heatmap-table" });
    const head = element("tr", {});
    head.append(element("th", { scope: "col" }, second ? `${t(first)} \\ ${t(second)}` : t(first)),
      ...cols.map((c) => element("th", { scope: "col" }, c === null ? t("experiment.final_loss") : String(c))));
    table.append(head);
    for (const r of rows) {
      const line = element("tr", {});
      line.append(element("th", { scope: "row" }, String(r)));
      for (const c of cols) {
        const cell = cells.get(JSON.stringify([r, c])) ?? { losses: [], students: 0 };
        const mean = cell.losses.length ? cell.losses.reduce((a, b) => a + b, 0) / cell.losses.length : null;
        if (!cell.students) { // more cells than students: nothing is on its way here
          line.append(element("td", { class: "nobody" }, t("experiment.nobody")));
          continue;
        }
        const td = element("td", {}, mean === null ? "…" : Number.isFinite(mean) ? mean.toFixed(3) : t("alert.diverged"));
        td.append(element("small", {}, t("experiment.done", { n: cell.losses.length, total: cell.students })));
        if (mean !== null) td.style.background = shade(mean, low, high);
        if (mean !== null && Number.isFinite(mean) && mean < (low * high) ** 0.5) td.classList.add("light-text");
        line.append(td);
      }
      table.append(line);
    }
    this.grid.replaceChildren(table);
  }
}
