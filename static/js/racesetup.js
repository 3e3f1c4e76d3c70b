// A race's setup: the classic races in one click each (optimizers, batch sizes, dropout,
// the genetic trainer against Adam on the forward-passes axis), or one setting over a few
// values. Each lane is the first's setup with its changes; the server refuses a change to the
// data, naming the lane. A race of forks (?fork=RUN&epoch=K) keeps its first lane the run as
// it was (unchanged, it continues exactly as the run did).
import { element, select } from "./dom.js";
import { t } from "./i18n.js";
import { nameOf } from "./names.js";
import { OPTIONS } from "./vocabulary.js";

export const FIELDS = ["optimizer", "learning_rate", "batch_size", "activation", "dropout"];
const SECTION = { optimizer: "training", learning_rate: "training", batch_size: "training", activation: "network", dropout: "network" };
const TEXT_FIELDS = new Set(["optimizer", "activation"]);
const NAMED = TEXT_FIELDS; // said by their display names ("Adam", "ReLU"), not the wire's

const change = (field, value) => ({ [SECTION[field]]: { [field]: value } });
const lanesOver = (field, values) => values.map((value) => ({ changes: change(field, value) }));
// The training points of a setup, as the server splits them: its sample count (the dataset's
// own when unset), the user's points, or a CSV's lines (a header counted too: a batch past the
// training set is the whole set), less the test and validation shares.
function trainingSize({ data }) {
  const lines = data.csv ? data.csv.split(/\r\n|\r|\n/).filter((line) => line.trim()).length : null;
  const count = data.n_samples ?? data.points?.length ?? lines ?? OPTIONS.datasets[data.dataset]?.samples ?? 500;
  const train = Math.floor(count * data.train_ratio);
  return Math.max(1, train - Math.floor(train * (data.validation_ratio ?? 0)));
}

export const PRESETS = {
  optimizers: () => ({ unit: "epochs", lanes: lanesOver("optimizer", ["sgd", "momentum", "rmsprop", "adam"]) }),
  batches: (config) => ({ unit: "epochs", lanes: lanesOver("batch_size", [1, 10, trainingSize(config)]) }),
  dropout: () => ({ unit: "epochs", lanes: lanesOver("dropout", [0, 0.3]) }),
  genetic: () => ({ unit: "forward_passes", lanes: lanesOver("optimizer", ["adam", "genetic"]) }),
};

// What a lane changes, in words: "Optimizer: adam · Batch size: 1" (its first lane: "as set up").
export function describe(changes) {
  const parts = [];
  const walk = (value, key) => {
    if (value && typeof value === "object" && !Array.isArray(value)) Object.entries(value).forEach(([k, v]) => walk(v, k));
    else parts.push(`${t(key)}: ${Array.isArray(value) ? value.join(", ") : NAMED.has(key) ? nameOf(key, value) : value}`);
  };
  walk(changes ?? {}, "");
  return parts.join(" · ") || t("race.lane.base");
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
// A preset lane changes one field: is that its value in `config` already?
function unchanged(config, lane) {
  const [section, fields] = Object.entries(lane.changes)[0];
  const [field, value] = Object.entries(fields)[0];
  return same(config[section]?.[field], value);
}

// The body of POST /api/races for a preset or the custom lanes, from `config` (or a fork).
export function raceBody(config, fork, { unit, lanes }) {
  if (!fork) return { config, unit, lanes };
  const others = lanes.filter((lane) => !unchanged(config, lane));
  return { fork, unit, lanes: [{ changes: {}, label: t("race.lane.original") }, ...others].slice(0, 4) };
}

function parse(field, text) {
  const values = text.split(/[\s,]+/).filter(Boolean).slice(0, 4);
  return TEXT_FIELDS.has(field) ? values : values.map(Number);
}

export class RaceSetup {
  // create(body): makes the race (the page then shows it).
  constructor(presets, form, create) {
    Object.assign(this, { presets, form, create, config: null, fork: null });
  }

  // config: the first lane's setup; fork: {run, epoch} for a race of forks, or null.
  show(config, fork) {
    Object.assign(this, { config, fork });
    this.render();
  }

  render() {
    const buttons = Object.keys(PRESETS)
      .filter((name) => !(this.fork && name === "genetic"))
      .map((name) => {
        const button = element("button", { type: "button", class: "wide", "data-preset": name }, t(`race.preset.${name}`));
        button.addEventListener("click", () => this.start(PRESETS[name](this.config)));
        return button;
      });
    this.presets.replaceChildren(...buttons);
    this.renderForm();
  }

  renderForm() {
    const field = select("race-field", FIELDS.map((f) => [f, t(f)]), "learning_rate");
    field.setAttribute("aria-label", t("race.field"));
    const values = element("input", { type: "text", name: "race-values", value: "0.003, 0.03, 0.3", "aria-label": t("race.values") });
    field.addEventListener("change", () => (values.value = field.value === "optimizer" ? "sgd, adam" : ""));
    const unit = select("race-unit", [["epochs", t("race.unit.epochs")], ["forward_passes", t("race.unit.forward_passes")]], "epochs");
    unit.setAttribute("aria-label", t("race.unit"));
    const go = element("button", { type: "submit", class: "wide dark" }, t("race.start"));
    this.form.onsubmit = (event) => {
      event.preventDefault();
      this.start({ unit: unit.value, lanes: lanesOver(field.value, parse(field.value, values.value)) });
    };
    const line = (label, control) => {
      const wrapper = element("label", { class: "field" });
      wrapper.append(element("span", {}, label), control);
      return wrapper;
    };
    this.form.replaceChildren(
      element("span", { class: "race-or" }, t("race.custom")),
      line(t("race.field"), field),
      line(t("race.values"), values),
      line(t("race.unit"), unit),
      go,
    );
  }

  start(preset) {
    if (this.config) this.create(raceBody(this.config, this.fork, preset));
  }
}
