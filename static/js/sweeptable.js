// The sweep page's trials as a table: a column per swept field, status, epoch and the
// metric; a header click sorts by that column (again: the other way); each row opens its
// trial in the playground.
import { element } from "./dom.js";
import { t } from "./i18n.js";

const shown = (value) => (value === null || value === undefined ? "—" : typeof value === "object" ? JSON.stringify(value) : String(value));

export class TrialTable {
  constructor(table, open) {
    Object.assign(this, { table, open, sortKey: "score", ascending: true });
  }

  columns(sweep) {
    return [
      ["position", "#"],
      ...sweep.fields.map((field) => [field, field]),
      ["status", t("sweep.column.status")],
      ["epoch", t("sweep.column.epoch")],
      ["score", t(sweep.metric)],
    ];
  }

  valueOf(trial, key) {
    if (key in trial && key !== "params") return trial[key];
    return trial.params[key];
  }

  sorted(sweep) {
    const sign = this.ascending ? 1 : -1;
    const key = this.sortKey;
    return [...sweep.trials].sort((a, b) => {
      const x = this.valueOf(a, key), y = this.valueOf(b, key);
      if (x === y) return a.position - b.position;
      if (x === null || x === undefined) return 1; // no score yet: last either way
      if (y === null || y === undefined) return -1;
      return (x < y ? -1 : 1) * sign;
    });
  }

  update(sweep) {
    if (this.sortKey === "score" && !this.touched) this.ascending = sweep.goal === "min";
    const columns = this.columns(sweep);
    const head = element("tr");
    for (const [key, label] of columns) {
      const button = element("button", { type: "button", "aria-label": t("sweep.sort_by", { column: label }) }, label);
      button.addEventListener("click", () => this.sortBy(key));
      const cell = element("th", { scope: "col" });
      if (key === this.sortKey) cell.setAttribute("aria-sort", this.ascending ? "ascending" : "descending");
      cell.append(button);
      head.append(cell);
    }
    head.append(element("th", { scope: "col" }, ""));
    const rows = this.sorted(sweep).map((trial) => this.row(trial, columns, sweep));
    this.table.replaceChildren(element("thead"), element("tbody"));
    this.table.tHead.append(head);
    this.table.tBodies[0].append(...rows);
    this.sweep = sweep;
  }

  row(trial, columns, sweep) {
    const row = element("tr", { class: trial.run_id === sweep.best ? "best" : "" });
    for (const [key] of columns) {
      let value = this.valueOf(trial, key);
      if (key === "status") value = t(`status_name.${value}`);
      if (key === "score" && Number.isFinite(value)) value = value.toPrecision(4);
      row.append(element("td", {}, shown(value)));
    }
    const open = element("button", { type: "button", "aria-label": t("sweep.open_trial", { k: trial.position }) }, t("sweep.open"));
    open.addEventListener("click", () => this.open(trial));
    const cell = element("td");
    cell.append(open);
    row.append(cell);
    return row;
  }

  sortBy(key) {
    this.ascending = key === this.sortKey ? !this.ascending : true;
    this.sortKey = key;
    this.touched = true;
    if (this.sweep) this.update(this.sweep);
  }
}
