// The Export panel: the run's network as it is now, as the API gives it (docs/api.md): its
// weights as JSON or NumPy arrays (.npz), or a Python file that rebuilds it with NumPy or
// PyTorch. Each is a download link; the server answers with the weights at the click.
import { exportUrl } from "./api.js";
import { element, togglesPanel } from "./dom.js";
import { t } from "./i18n.js";

const FORMATS = ["json", "npz", "numpy", "pytorch"];

export class ExportPanel {
  constructor(root, toggle) {
    Object.assign(this, { root, toggle });
    togglesPanel(this, toggle);
  }

  render() {
    this.key = null;
  }

  update(state) {
    this.state = state;
    const run = state.run;
    const key = run?.id ?? "";
    if (this.root.hidden || key === this.key) return;
    this.key = key;
    if (!run) {
      this.root.replaceChildren(element("p", { class: "hint" }, t("export.none")));
      return;
    }
    const links = FORMATS.map((format) => {
      const item = element("li");
      // the JSON answer names no file (a browser would call every run's model.json)
      const name = format === "json" ? `run-${run.id}.json` : "";
      item.append(element("a", { href: exportUrl(run.id, format), download: name }, t(`export.${format}`)),
        element("span", { class: "hint" }, ` — ${t(`export.${format}.tip`)}`));
      return item;
    });
    const list = element("ul", { class: "export-list" });
    list.append(...links);
    this.root.replaceChildren(element("p", { class: "hint" }, t("export.now")), list);
  }
}
