// The data column's setup: a picture of every registered dataset to pick from, the noise
// and the share of training data, and a button for a new sample. Picking or sliding starts
// a new run (the data changes); regenerating keeps the run and its weights.
import { element, labelled, select } from "./dom.js";
import { t } from "./i18n.js";
import { nameOf } from "./names.js";
import { said } from "./said.js";
import { guard } from "./setup.js";

export class DataPanel {
  constructor(root, options, editor, send) {
    this.root = root;
    this.options = options;
    this.editor = editor;
    this.send = send;
  }

  update() {} // the setup is the page's input; nothing streamed changes it

  render() {
    const data = this.editor.config.data;
    const regenerate = element("button", { type: "button", class: "wide" }, t("regenerate"));
    regenerate.title = t("regenerate.tip");
    guard(this.editor, regenerate, "data");
    regenerate.addEventListener("click", () => this.send({ type: "regenerate" }));
    this.root.replaceChildren(
      this.picker(data.dataset),
      this.slider("noise", data.noise, (v) => (data.noise = v)),
      this.slider("train_ratio", data.train_ratio, (v) => (data.train_ratio = v)),
      this.validation(data),
      this.samples(data),
      ...this.classCount(data),
      regenerate,
    );
  }

  picker(chosen) {
    const box = element("div", { class: "datasets", role: "radiogroup", "aria-label": t("dataset") });
    box.title = t("dataset.tip");
    for (const task of this.options.tasks) {
      const names = Object.keys(this.options.datasets).filter((n) => this.options.datasets[n].task === task);
      if (!names.length) continue;
      const group = element("div", { class: "dataset-group" });
      group.append(element("span", { class: "group-title" }, t(`task.${task}`)));
      const row = element("div", { class: "dataset-row" });
      for (const name of names) row.append(this.thumbnail(name, name === chosen));
      group.append(row);
      box.append(group);
    }
    const radios = [...box.querySelectorAll("[role=radio]")];
    const tabStop = radios.find((radio) => radio.getAttribute("aria-checked") === "true") ?? radios[0];
    radios.forEach((radio) => (radio.tabIndex = radio === tabStop ? 0 : -1)); // one tab stop: the arrows move
    box.addEventListener("keydown", (event) => this.arrow(event, radios));
    return box;
  }

  // The radio group's keys: an arrow picks the next or the previous dataset (a new run), Home
  // and End the first and the last; the focus follows the pick into the panel drawn anew.
  arrow(event, radios) {
    const at = radios.indexOf(document.activeElement);
    const to = { ArrowRight: at + 1, ArrowDown: at + 1, ArrowLeft: at - 1, ArrowUp: at - 1, Home: 0, End: radios.length - 1 }[event.key];
    if (to === undefined || at < 0) return;
    event.preventDefault();
    radios[(to + radios.length) % radios.length].click();
    this.root.querySelector(".datasets [aria-checked=true]")?.focus();
  }

  thumbnail(name, checked) {
    const info = this.options.datasets[name];
    const shown = nameOf("dataset", name);
    const button = element("button", {
      type: "button", role: "radio", "aria-checked": String(checked), "aria-label": shown,
      class: "dataset", title: `${shown}: ${said({ message: info.description, code: `dataset.${name}` })}`,
    });
    guard(this.editor, button, "data");
    button.append(element("img", { src: `/api/datasets/${encodeURIComponent(name)}.png?size=64`, alt: "" }),
      element("span", {}, shown));
    button.addEventListener("click", () => {
      if (checked) return;
      this.editor.change((config) => {
        Object.assign(config.data, { dataset: name, n_samples: null, points: null, csv: null });
      });
    });
    return button;
  }

  // How many points: the dataset's own count by default.
  samples(data) {
    const own = this.options.datasets[data.dataset]?.samples;
    const counts = [...new Set([...this.options.choices.samples, own].filter(Boolean))].sort((a, b) => a - b);
    const control = select("n_samples", counts, data.n_samples ?? own);
    guard(this.editor, control, "data");
    control.disabled ||= !own; // your own data has its own count
    control.addEventListener("change", () => this.editor.change((c) => (c.data.n_samples = Number(control.value))));
    return labelled(t("samples"), control, t("samples.tip"));
  }

  // The share of the training points held out to validate: the chart's validation line, and
  // early stopping then watches it (the course's rule) rather than the test loss.
  validation(data) {
    const { maximum } = this.options.config_schema.$defs.DataConfig.properties.validation_ratio;
    const shares = Array.from({ length: Math.round(maximum * 10) + 1 }, (_, i) => i / 10);
    const choices = shares.map((share) => [share, share ? `${Math.round(share * 100)} %` : t("off")]);
    const control = select("validation_ratio", choices, data.validation_ratio ?? 0);
    guard(this.editor, control, "data");
    control.addEventListener("change", () => this.editor.change((c) => (c.data.validation_ratio = Number(control.value))));
    return labelled(t("validation_ratio"), control, t("validation_ratio.tip"));
  }

  // How many classes, for a multi-class dataset: within the config's own bounds (its schema).
  classCount(data) {
    if (this.options.datasets[data.dataset]?.task !== "multiclass") return [];
    const { minimum, maximum } = this.options.config_schema.$defs.DataConfig.properties.classes;
    const counts = Array.from({ length: maximum - minimum + 1 }, (_, i) => minimum + i);
    const control = select("classes", counts, data.classes);
    guard(this.editor, control, "data");
    control.addEventListener("change", () => this.editor.change((c) => (c.data.classes = Number(control.value))));
    return [labelled(t("class_count"), control, t("class_count.tip"))];
  }

  // A 0 … 1 setting shown as a percentage (TF Playground's sliders), its range from the options.
  slider(key, value, apply) {
    const { min, max, step } = this.options.choices[key];
    const percent = (v) => String(Math.round(v * 100));
    const control = element("input", { type: "range", min: percent(min), max: percent(max), step: percent(step), name: key });
    control.value = percent(value);
    guard(this.editor, control, key === "train_ratio" ? "training" : "data");
    const field = labelled(t(key, { value: control.value }), control, t(`${key}.tip`));
    control.addEventListener("input", () => (field.firstChild.textContent = t(key, { value: control.value })));
    control.addEventListener("change", () => this.editor.change(() => apply(Number(control.value) / 100)));
    return field;
  }
}
