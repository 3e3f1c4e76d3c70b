// For several classes: the test data's confusion matrix (rows: true class, columns:
// predicted), each cell shaded by its share of the row.
import { classColor, cssOf, inkOn } from "./colors.js";
import { element } from "./dom.js";
import { t } from "./i18n.js";
import { markerIcon } from "./markers.js";

export class Confusion {
  constructor(root) {
    this.root = root;
  }

  render() {
    this.drawn = null;
  }

  update(state) {
    const matrix = state.frame?.header.confusion;
    const show = Boolean(matrix) && state.dataset?.task === "multiclass";
    this.root.hidden = !show;
    if (!show || state.frame === this.drawn) return;
    this.drawn = state.frame;
    const table = element("table", { class: "confusion-table" });
    table.append(element("caption", {}, t("confusion")));
    const head = element("tr");
    head.append(element("td", { class: "corner" }, t("confusion.predicted"))); // the corner: no header of its own
    // a column's number alone (its name says "predicted k"): eight classes fit the column
    matrix.forEach((_, k) => head.append(element("th", { scope: "col", "aria-label": t("confusion.col", { k }) }, String(k))));
    table.append(head);
    matrix.forEach((row, k) => {
      const line = element("tr");
      const title = element("th", { scope: "row" }); // its class's marker: yellow text is unreadable
      title.append(markerIcon(k), t("confusion.row", { k }));
      line.append(title);
      const total = row.reduce((a, b) => a + b, 0) || 1;
      row.forEach((count, j) => {
        const cell = element("td", {}, String(count));
        const share = count / total;
        const tint = 0.08 + 0.6 * share; // the class's colour over white, stronger for a bigger share
        const shade = classColor(j).map((c) => Math.round(255 + (c - 255) * tint));
        cell.style.background = cssOf(shade);
        cell.style.color = inkOn(shade); // dark class colours (wine, indigo) take white numbers
        line.append(cell);
      });
      table.append(line);
    });
    this.root.replaceChildren(table);
  }
}
