// The batch size's controls and the note under them: how many training points there are and
// how many mini-batches (optimizer steps) an epoch takes with the batch size set; for an
// optimizer that breeds generations (gradient_free in /api/options), what a generation costs
// instead.
import { element } from "./dom.js";
import { t } from "./i18n.js";

const DEFAULT_BATCH = 10; // TF Playground's, for a page that unticks a full batch it opened with

// The batch size (a number), and "Full batch": every training point in each step, whatever the
// data (the config's largest batch, at least as big as any training set). `field(key, control)`
// labels a control as the setup's others are.
export function batchFields(editor, { min, max }, field) {
  const training = editor.config.training;
  const input = element("input", { type: "number", min: String(min), max: String(max), step: "1", name: "batch_size" });
  const full = element("input", { type: "checkbox", name: "full_batch" });
  input.value = String(training.batch_size);
  full.checked = training.batch_size >= max;
  const set = (size) => {
    training.batch_size = size;
    editor.live({ batch_size: size });
  };
  input.addEventListener("change", () => {
    if (input.value.trim() === "" || !Number.isFinite(Number(input.value))) {
      input.value = String(training.batch_size); // an emptied box keeps the size it had
      return;
    }
    const size = Math.max(min, Math.min(max, Math.round(Number(input.value)) || min));
    input.value = String(size);
    if (size !== training.batch_size) set(size); // -5 and then 0 are both 1: the second is no change
  });
  full.addEventListener("change", () => {
    if (full.checked) editor.partialBatch = training.batch_size;
    set(full.checked ? max : Math.min(editor.partialBatch ?? DEFAULT_BATCH, max - 1));
    editor.render(); // the number box shown disabled (or given back)
  });
  const fields = [field("batch_size", input), field("full_batch", full)];
  if (full.checked) input.disabled = true; // BatchInfo shows the training set's size in it
  fields[1].classList.add("full-batch");
  return fields;
}

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
    const training = this.editor.config.training;
    const text = this.text(training, points);
    if (this.note.textContent !== text) this.note.textContent = text;
    const full = training.batch_size >= this.options.choices.batch_size.max;
    if (full && input.value !== String(points)) input.value = String(points); // the size it is
    const field = input.closest("label") ?? input.parentElement;
    if (this.note.parentElement !== field) field.append(this.note); // the setup was drawn again
  }

  text(training, points) {
    if (!this.options.optimizers[training.optimizer]?.gradient_free) {
      const batches = Math.ceil(points / training.batch_size);
      return t(batches === 1 ? "batch_info.full" : "batch_info", { points, batches });
    }
    const networks = training.population - training.elites;
    return t("genetic_info", { points, networks, passes: (networks * points).toLocaleString("en") });
  }
}
