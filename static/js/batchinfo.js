// Under the batch-size control: how many training points there are and how many mini-batches
// (optimizer steps) an epoch takes with the batch size set.
import { element } from "./dom.js";
import { t } from "./i18n.js";

export class BatchInfo {
  constructor(editor) {
    this.editor = editor;
    this.note = element("small", { id: "batch-info", class: "batch-info" });
  }

  update(state) {
    const input = document.querySelector("#training-setup [name=batch_size]");
    const points = state.dataset?.train?.length;
    if (!input || !points) return void this.note.remove();
    const size = this.editor.config.training.batch_size;
    const text = t("batch_info", { points, batches: Math.ceil(points / size) });
    if (this.note.textContent !== text) this.note.textContent = text;
    const field = input.closest("label") ?? input.parentElement;
    if (this.note.parentElement !== field) field.append(this.note); // the setup was drawn again
  }
}
