// The run's setup, built from GET /api/options. ConfigEditor owns the config: a structural
// change starts a new run (as TF Playground resets), a live one goes to the running run.
// TrainingSetup fills the top bar; NetworkSetup the controls under the network diagram.
import { batchFields } from "./batchinfo.js";
import { element, keepingFocus, labelled, select } from "./dom.js";
import { lossChoices, outputChoices, taskOf } from "./heads.js";
import { explain, t } from "./i18n.js";
import { namedChoices, nameOf } from "./names.js";

export const unitsOf = (layer) => (typeof layer === "number" ? layer : layer.units);

// Which of a class's locks (docs/api.md, "Classes") holds each setting; a setting not named
// is never locked (the page's own speed, the stop rules).
const LOCK_OF = {
  learning_rate: "training", optimizer: "training", regularization: "training", regularization_rate: "training",
  batch_size: "training", loss: "training", layer_dropout: "training",
  activation: "activation", output_activation: "activation", layer_activation: "activation", init: "network",
};

// The experiment cell's setting a control sets (a student's cell fixes it: "cell:<setting>").
const CELL_OF = { full_batch: "batch_size", layer_activation: "activation", layer_dropout: "dropout" };

// Disable a control the page may not change (a watcher's, one the teacher locked, or the
// setting `key` the student's experiment cell fixes), and say why.
export function guard(editor, control, group, key) {
  const cell = key !== undefined && editor.locks.has(`cell:${CELL_OF[key] ?? key}`);
  control.disabled = !editor.can(group) || cell;
  if (editor.canControl && editor.locks.has(group)) control.title = t("locked", { what: t(`lock.${group}`) });
  else if (editor.canControl && cell) control.title = t("cell_fixed");
  return control;
}

// A setting's control with its label and tooltip (what it does, plus `extra`), disabled for a
// page that may not steer the run.
function settingField(editor, key, control, extra = "", group = LOCK_OF[key]) {
  guard(editor, control, group, key);
  const tip = [t(`${key}.tip`), extra, control.disabled && control.title].filter(Boolean).join("\n");
  return labelled(t(key), control, tip);
}

// "name: what it does — formula" lines for a registry's tooltip.
function describe(kind, registry) {
  return Object.entries(registry)
    .map(([name, info]) => `${nameOf(kind, name)}: ${[explain(kind, name), info.formula].filter(Boolean).join(" — ")}`)
    .join("\n");
}

export class ConfigEditor {
  constructor(config, onChange) {
    this.config = structuredClone(config);
    this.onChange = onChange;
    this.canControl = true;
    this.locks = new Set(); // a class's locked groups, for a student's own run
    this.speed = 20;
    this.views = [];
  }

  change(mutate) {
    mutate(this.config);
    this.fit?.(this.config); // main.js: a pair of output and loss that no longer fits is set back
    this.onChange({ config: structuredClone(this.config) });
    this.render();
  }

  // May this page change settings of `group` (undefined: any setting it may steer)?
  can(group) {
    return this.canControl && !this.locks.has(group);
  }

  live(fields) {
    this.onChange({ live: fields });
  }

  render() {
    this.views.forEach((view) => keepingFocus(view.root, () => view.render()));
  }

  // One hidden layer as an object, so it can carry its own activation and dropout.
  layer(index) {
    const hidden = this.config.network.hidden;
    if (typeof hidden[index] === "number") hidden[index] = { units: hidden[index] };
    return hidden[index];
  }

  dropouts() {
    const network = this.config.network;
    return network.hidden.map((layer) => layer.dropout ?? network.dropout ?? 0);
  }
}

export class TrainingSetup {
  constructor(root, options, editor) {
    Object.assign(this, { root, options, editor });
  }

  update() {}

  render() {
    const training = this.editor.config.training;
    const breeds = this.options.optimizers[training.optimizer]?.gradient_free;
    const live = (key, parse) => (control) => control.addEventListener("change", () => {
      training[key] = parse(control.value);
      this.editor.live({ [key]: training[key] });
    });
    const fields = [
      this.field("learning_rate", select("learning_rate", this.options.learning_rates, training.learning_rate), live("learning_rate", Number)),
      this.field("optimizer", select("optimizer", namedChoices("optimizer", Object.keys(this.options.optimizers)), training.optimizer), (c) =>
        c.addEventListener("change", () => this.editor.change((config) => (config.training.optimizer = c.value))),
      describe("optimizer", this.options.optimizers)),
      ...this.hyperFields(training),
      this.field("regularization", select("regularization", namedChoices("regularizer", Object.keys(this.options.regularizers)), training.regularization),
        live("regularization", String), describe("regularizer", this.options.regularizers)),
      this.field("regularization_rate", select("regularization_rate", this.options.regularization_rates, training.regularization_rate),
        live("regularization_rate", Number)),
      ...batchFields(this.editor, this.options.choices.batch_size, (key, control) => settingField(this.editor, key, control)),
      // a trainer that breeds generations trains so many of them a second (the counter's word)
      this.field(breeds ? "speed_generations" : "speed", select("speed", this.options.speeds, this.editor.speed), (c) => c.addEventListener("change", () => {
        this.editor.speed = Number(c.value);
        this.editor.live({ speed: this.editor.speed });
      })),
    ];
    this.root.replaceChildren(...fields);
    if (breeds) this.idle(["learning_rate", "batch_size", "full_batch"]);
  }

  // Settings the chosen optimizer does not use (the genetic one takes no gradient step):
  // shown disabled, their tooltip saying why. Full batch is left out altogether (a generation
  // takes every point anyway; the batch size's note says so), so that the genetic trainer's
  // own six settings keep the bar to one row at 1280 px.
  idle(names) {
    this.root.querySelector(".full-batch").hidden = true;
    for (const name of names) {
      const control = this.root.querySelector(`[name=${name}]`);
      control.disabled = true;
      const label = control.closest("label");
      label.title = [label.title, t("no_gradient.tip")].filter(Boolean).join("\n");
    }
  }

  // The chosen optimizer's hyper-parameters (GET /api/options' optimizers[name].hypers); a
  // change is a new run (the optimizer's state starts again). A number out of the config's
  // bounds goes too: the server refuses it, saying what the field takes, and the run goes on
  // (it was set back without a word). An emptied box, or 1e309, keeps the value it had.
  hyperFields(training) {
    const bounds = this.options.config_schema.$defs.TrainingConfig.properties;
    return (this.options.optimizers[training.optimizer]?.hypers ?? []).map((name) => {
      const bound = bounds[name] ?? {};
      const control = element("input", { type: "number", step: bound.type === "integer" ? "1" : "any", name });
      control.value = String(training[name] ?? bound.default);
      control.addEventListener("change", () => {
        const value = Number(control.value);
        if (control.value === "" || !Number.isFinite(value)) control.value = String(training[name] ?? bound.default);
        else this.editor.change((config) => (config.training[name] = value));
      });
      return settingField(this.editor, `hyper.${name}`, control, "", "training");
    });
  }

  field(key, control, wire, extra = "") {
    wire(control);
    return settingField(this.editor, key, control, extra);
  }
}

export class NetworkSetup {
  constructor(root, options, editor) {
    Object.assign(this, { root, options, editor });
    this.shownTask = null;
  }

  // Your own data's task is known once the server sends the data: the menus then narrow.
  update(state) {
    const shown = state.dataset?.task ?? null;
    if (shown === this.shownTask) return;
    this.shownTask = shown;
    if (!taskOf(this.options, this.editor.config)) this.render();
  }

  render() {
    const { network, training } = this.editor.config;
    const task = taskOf(this.options, this.editor.config, this.shownTask);
    const structural = (key, control, apply, extra = "") => {
      control.addEventListener("change", () => this.editor.change((config) => apply(config, control.value)));
      return settingField(this.editor, key, control, extra);
    };
    const activations = Object.keys(this.options.activations);
    const choices = this.options.choices;
    const top = element("div", { class: "setup-grid" });
    top.append(
      structural("activation", select("activation", namedChoices("activation", activations), network.activation),
        (c, v) => (c.network.activation = v), describe("activation", this.options.activations)),
      structural("output_activation", select("output_activation", namedChoices("activation", outputChoices(this.options, task)), network.output_activation),
        (c, v) => (c.network.output_activation = v)),
      structural("loss", select("loss", namedChoices("loss", lossChoices(this.options, task, network.output_activation)), training.loss),
        (c, v) => (c.training.loss = v), describe("loss", this.options.losses)),
      structural("init", select("init", namedChoices("init", this.options.initializers), network.init), (c, v) => (c.network.init = v)),
      structural("max_epochs", select("max_epochs", choices.max_epochs.map((n) => [n ?? 0, n ?? t("off")]), training.max_epochs ?? 0),
        (c, v) => (c.training.max_epochs = Number(v) || null)),
      structural("early_stopping", select("early_stopping", choices.patience.map((n) => [n ?? 0, n ? `${t("patience")} ${n}` : t("off")]),
        training.early_stopping?.patience ?? 0),
      (c, v) => (c.training.early_stopping = Number(v) ? { patience: Number(v), min_delta: 0, restore_best: true } : null)),
    );
    this.root.replaceChildren(top, this.layerRows(activations));
  }

  // Per hidden layer: its activation (a new run) and its dropout (live).
  layerRows(activations) {
    const table = element("div", { class: "layer-rows" });
    const network = this.editor.config.network;
    network.hidden.forEach((layer, index) => {
      const k = index + 1;
      const row = element("div", { class: "layer-row" });
      const activation = select("layer_activation", namedChoices("activation", activations), layer.activation ?? network.activation);
      activation.setAttribute("aria-label", t("layer_activation", { k }));
      activation.addEventListener("change", () => this.editor.change(() => (this.editor.layer(index).activation = activation.value)));
      const dropout = select("layer_dropout", this.options.choices.dropout, layer.dropout ?? network.dropout ?? 0);
      dropout.setAttribute("aria-label", t("layer_dropout", { k }));
      dropout.title = t("dropout.tip");
      dropout.addEventListener("change", () => {
        this.editor.layer(index).dropout = Number(dropout.value);
        this.editor.live({ dropout: this.editor.dropouts() });
      });
      guard(this.editor, activation, LOCK_OF.layer_activation, "layer_activation");
      guard(this.editor, dropout, LOCK_OF.layer_dropout, "layer_dropout");
      row.append(element("span", { class: "layer-name" }, t("layer", { k })), activation,
        element("span", { class: "muted" }, t("dropout")), dropout);
      table.append(row);
    });
    return table;
  }
}
