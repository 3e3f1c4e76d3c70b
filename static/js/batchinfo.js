// Under the batch-size control: how many training points there are and how many mini-batches
// (optimizer steps) an epoch takes with the batch size set; for an optimizer that breeds
// generations (gradient_free in /api/options), what a generation costs instead.
import { element } from "./dom.js";
import { t } from "./i18n.js";

export class BatchInfo {
  constructor(editor, options) {
    this.editor = editor;
    this.options = options;
    this.note = element("small", { id: "batch-info", class: "batch-info" });
  }

  update(state) {
    const input = document.querySelector("#training-setup [name=batch_size]");
    const points = state.dataset?.train?.length;
    if (!input || !points) return void this.note.remove();
    const text = this.text(this.editor.config.training, points);
    if (this.note.textContent !== text) this.note.textContent = text;
    const field = input.closest("label") ?? input.parentElement;
    if (this.note.parentElement !== field) field.append(this.note); // the setup was drawn again
  }

  text(training, points) {
    if (!this.options.optimizers[training.optimizer]?.gradient_free) {
      return t("batch_info", { points, batches: Math.ceil(points / training.batch_size) });
    }
    const networks = training.population - training.elites;
    return t("genetic_info", { points, networks, passes: (networks * points).toLocaleString("en") });
  }
}
