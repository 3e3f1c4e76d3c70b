// For several classes: the test data's confusion matrix (rows: true class, columns:
// predicted), each cell shaded by its share of the row.
import { CLASS_COLORS, cssOf } from "./colors.js";
import { element } from "./dom.js";
import { t } from "./i18n.js";

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
    head.append(element("td")); // the corner: no header of its own
    matrix.forEach((_, k) => head.append(element("th", { scope: "col" }, t("confusion.col", { k }))));
    table.append(head);
    matrix.forEach((row, k) => {
      const line = element("tr");
      const title = element("th", { scope: "row", class: "class-key" }, t("confusion.row", { k }));
      title.style.setProperty("--swatch", cssOf(CLASS_COLORS[k % CLASS_COLORS.length])); // a mark: orange text is unreadable
      line.append(title);
      const total = row.reduce((a, b) => a + b, 0) || 1;
      row.forEach((count, j) => {
        const cell = element("td", {}, String(count));
        const share = count / total;
        const [r, g, b] = CLASS_COLORS[j % CLASS_COLORS.length];
        cell.style.background = `rgba(${r}, ${g}, ${b}, ${(0.08 + 0.6 * share).toFixed(2)})`;
        line.append(cell);
      });
      table.append(line);
    });
    this.root.replaceChildren(table);
  }
}
