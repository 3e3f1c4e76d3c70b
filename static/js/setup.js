// The run's setup, built from GET /api/options: dataset, noise, input features, hidden layers
// and neurons, activation; learning rate and speed change live. Structural changes start a
// new run (as TF Playground resets); live ones are sent to the running one.
import { element } from "./dom.js";

const TASK_TITLES = { binary: "Two classes", multiclass: "Several classes", regression: "Regression" };


function labelled(label, control) {
  const wrapper = element("label", { class: "field" });
  wrapper.append(element("span", {}, label), control);
  return wrapper;
}

function select(name, choices, value) {
  const control = element("select", { name });
  for (const choice of choices) {
    const option = element("option", { value: String(choice) }, String(choice));
    option.selected = String(choice) === String(value);
    control.append(option);
  }
  return control;
}

export class Setup {
  // onChange(change): change is {config} for a new run or {live: {field: value}}
  constructor(root, options, config, onChange) {
    this.root = root;
    this.options = options;
    this.config = structuredClone(config);
    this.speed = 20;
    this.onChange = onChange;
    this.render();
  }

  update() {} // the setup is the page's input; nothing streamed changes it

  emit(live) {
    this.onChange(live ? { live } : { config: structuredClone(this.config) });
    if (!live) this.render();
  }

  render() {
    const data = this.root.querySelector("#data-setup");
    const network = this.root.querySelector("#network-setup");
    const training = this.root.querySelector("#training-setup");
    data.replaceChildren(this.datasetControl(), this.noiseControl(), this.featureControls());
    network.replaceChildren(this.layerControls(), this.activationControl());
    training.replaceChildren(
      this.learningRateControl(),
      this.optimizerControl(),
      this.regularizationControls(),
      this.batchSizeControl(),
      this.speedControl(),
    );
  }

  datasetControl() {
    const control = element("select", { name: "dataset" });
    if (!(this.config.data.dataset in this.options.datasets) || !(this.options.datasets[this.config.data.dataset].task in TASK_TITLES)) {
      control.append(element("option", { value: "", selected: "", disabled: "" }, "your own data"));
    }
    const groups = {};
    for (const [name, info] of Object.entries(this.options.datasets)) {
      if (!(info.task in TASK_TITLES)) continue; // own points and CSV come with their own tools
      groups[info.task] ??= control.appendChild(element("optgroup", { label: TASK_TITLES[info.task] }));
      const option = element("option", { value: name, title: info.description }, name);
      option.selected = name === this.config.data.dataset;
      groups[info.task].append(option);
    }
    control.addEventListener("change", () => {
      Object.assign(this.config.data, { dataset: control.value, n_samples: null, points: null, csv: null });
      this.emit();
    });
    return labelled("Dataset", control);
  }

  noiseControl() {
    const control = element("input", { type: "range", min: "0", max: "50", step: "5", name: "noise" });
    control.value = String(Math.round(this.config.data.noise * 100));
    control.addEventListener("change", () => {
      this.config.data.noise = Number(control.value) / 100;
      this.emit();
    });
    return labelled(`Noise ${control.value}`, control);
  }

  featureControls() {
    const box = element("fieldset", { class: "features" });
    box.append(element("legend", {}, "Input features"));
    for (const name of this.options.features) {
      const check = element("input", { type: "checkbox", name });
      check.checked = this.config.data.features.includes(name);
      check.addEventListener("change", () => {
        const chosen = this.options.features.filter((f) =>
          f === name ? check.checked : this.config.data.features.includes(f));
        if (chosen.length === 0) return (check.checked = true); // at least one input
        this.config.data.features = chosen;
        this.emit();
      });
      box.append(labelled(name, check));
    }
    return box;
  }

  layerControls() {
    const hidden = this.config.network.hidden;
    const box = element("div", { class: "layers" });
    const { hidden_layers: maxLayers, units: maxUnits } = this.options.limits;
    const count = element("div", { class: "layer-count" }, `${hidden.length} hidden layer${hidden.length === 1 ? "" : "s"}`);
    box.append(count, this.button("Add a hidden layer", "+", hidden.length < maxLayers, () => hidden.push(2)),
      this.button("Remove a hidden layer", "−", hidden.length > 0, () => hidden.pop()));
    hidden.forEach((units, index) => {
      const row = element("div", { class: "layer-row" }, `Layer ${index + 1}: ${units} neuron${units === 1 ? "" : "s"} `);
      row.append(this.button(`Add a neuron to layer ${index + 1}`, "+", units < maxUnits, () => (hidden[index] += 1)),
        this.button(`Remove a neuron from layer ${index + 1}`, "−", units > 1, () => (hidden[index] -= 1)));
      box.append(row);
    });
    return box;
  }

  button(name, text, enabled, change) {
    const control = element("button", { type: "button", "aria-label": name, title: name, class: "small" }, text);
    control.disabled = !enabled;
    control.addEventListener("click", () => {
      change();
      this.emit();
    });
    return control;
  }

  activationControl() {
    const control = select("activation", Object.keys(this.options.activations), this.config.network.activation);
    control.title = Object.entries(this.options.activations).map(([n, a]) => `${n}: ${a.formula}`).join("\n");
    control.addEventListener("change", () => {
      this.config.network.activation = control.value;
      this.emit();
    });
    return labelled("Activation", control);
  }

  learningRateControl() {
    const control = select("learning_rate", this.options.learning_rates, this.config.training.learning_rate);
    control.addEventListener("change", () => {
      this.config.training.learning_rate = Number(control.value);
      this.emit({ learning_rate: Number(control.value) });
    });
    return labelled("Learning rate", control);
  }

  optimizerControl() {
    const optimizers = this.options.optimizers;
    const control = select("optimizer", Object.keys(optimizers), this.config.training.optimizer);
    control.title = Object.entries(optimizers).map(([n, o]) => `${n}: ${o.formula}`).join("\n");
    control.addEventListener("change", () => {
      this.config.training.optimizer = control.value;
      this.emit();
    });
    return labelled("Optimizer", control);
  }

  // Regularization and its rate change live, without a reset (TF Playground resets).
  regularizationControls() {
    const training = this.config.training;
    const kinds = this.options.regularizers;
    const kind = select("regularization", Object.keys(kinds), training.regularization);
    kind.title = Object.entries(kinds).map(([n, r]) => `${n}: ${r.formula}`).join("\n");
    const rate = select("regularization_rate", this.options.regularization_rates, training.regularization_rate);
    kind.addEventListener("change", () => {
      training.regularization = kind.value;
      this.emit({ regularization: kind.value });
    });
    rate.addEventListener("change", () => {
      training.regularization_rate = Number(rate.value);
      this.emit({ regularization_rate: Number(rate.value) });
    });
    const box = element("div", { class: "pair" });
    box.append(labelled("Regularization", kind), labelled("Rate λ", rate));
    return box;
  }

  batchSizeControl() {
    const control = element("input", { type: "number", min: "1", max: "500", step: "1", name: "batch_size" });
    control.value = String(this.config.training.batch_size);
    control.addEventListener("change", () => {
      const size = Math.max(1, Math.min(500, Math.round(Number(control.value) || 1)));
      control.value = String(size);
      this.config.training.batch_size = size;
      this.emit({ batch_size: size });
    });
    return labelled("Batch size", control);
  }

  speedControl() {
    const control = select("speed", this.options.speeds, this.speed);
    control.addEventListener("change", () => {
      this.speed = Number(control.value);
      this.emit({ speed: this.speed });
    });
    return labelled("Epochs per second", control);
  }
}
