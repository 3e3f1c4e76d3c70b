// The teaching panel (issue #13): the course's math on the student's own running network.
// It asks the run's worker over the stream (an `inspect`, answered by an `inspection` to this
// page alone) and shows a point's way through the network, one weight's next update and what
// a step really did to it, that weight's chain rule on one example, and the cost's gradient.
import { nameOf } from "./names.js";
import { DOMAIN, ENDED } from "./vocabulary.js";
import { element, labelled, select } from "./dom.js";
import { t } from "./i18n.js";
import { activationsView } from "./activationview.js";
import { beforeAfter, chainView, updateView } from "./inspectmath.js";
import { costView, numberForm, probeView, sizesOf } from "./inspectviews.js";
import { said } from "./said.js";

const SPAN = DOMAIN[1] - DOMAIN[0];
const REFRESH_MS = 500; // while the run plays: ask again about twice a second
const ACTIVATIONS_MS = 1000; // the activations (a pass over the training set): once a second
const BINS = 30;
const LOST_MS = 6000; // the server answers within 5 s or says why: past this the answer is lost
const KINDS = ["probe", "activations", "update", "chain", "cost"];
const VIEWS = { probe: probeView, update: updateView, chain: chainView };
const range = (n) => Array.from({ length: n }, (_, k) => k);

// At most one inspection in flight; meanwhile the newest request of each kind waits its turn.
class Asker {
  constructor(send) {
    Object.assign(this, { send, id: 0, flight: null, waiting: new Map() });
  }

  ask(kind, fields) {
    this.waiting.set(kind, { kind, ...fields });
    if (!this.flight || performance.now() - this.flight.at > LOST_MS) this.next();
  }

  next() {
    this.flight = null;
    const [kind, request] = this.waiting.entries().next().value ?? [];
    if (!kind) return;
    this.waiting.delete(kind);
    this.flight = { id: ++this.id, kind, at: performance.now() };
    this.send({ type: "inspect", id: this.id, ...request });
  }

  // The kind this message answers (then the next request goes), or null: not ours.
  answered(message) {
    const kind = message.id === this.flight?.id ? this.flight.kind : null;
    if (kind) this.next();
    return kind;
  }

  reset() {
    this.flight = null;
    this.waiting.clear();
  }
}

export class Inspector {
  // schedule(): ask for the next animation frame, where update() paints what arrived.
  constructor(root, toggle, plot, options, send, schedule) {
    Object.assign(this, { root, toggle, plot, options, send, schedule, arrived: new Set() });
    this.asker = new Asker(send);
    this.weight = { layer: 0, source: 0, target: 0 };
    Object.assign(this, { example: 0, probeAt: null, answers: {}, errors: {}, sizes: [], actLayer: 0 });
    this.mark = element("span", { class: "probe-mark", hidden: "" });
    plot.append(this.mark);
    toggle.addEventListener("click", () => this.setOpen(this.root.hidden));
    plot.addEventListener("click", (event) => this.clickPlot(event));
    root.addEventListener("keydown", (event) => event.key === "Escape" && this.close());
    this.render();
  }

  setOpen(open) {
    this.root.hidden = !open;
    this.toggle.setAttribute("aria-expanded", String(open));
    document.body.classList.toggle("inspecting", open);
    this.mark.hidden = !open || !this.probeAt?.point;
    this.askedKey = undefined; // ask afresh
    if (open && this.state) this.update(this.state);
  }

  close() {
    this.setOpen(false);
    this.toggle.focus();
  }

  render() {
    const head = element("div", { class: "inspector-head" });
    const close = element("button", { type: "button", class: "small", "aria-label": t("inspect.close"), title: t("inspect.close") }, "×");
    close.addEventListener("click", () => this.close());
    head.append(element("h2", { id: "inspector-title" }, t("inspect.title")), close);
    this.bodies = {};
    this.root.replaceChildren(head, ...KINDS.map((kind) => this.section(kind)));
    this.sizesKey = null; // the weight picker is built on the next update
    KINDS.forEach((kind) => this.paint(kind));
  }

  section(kind) {
    const node = element("section", { class: `inspect-section ${kind}`, "aria-labelledby": `inspect-${kind}` });
    node.append(element("h3", { id: `inspect-${kind}` }, t(`inspect.${kind}`)));
    if (kind === "probe") {
      node.append(element("p", { class: "hint" }, t("inspect.probe_help")));
      node.append(numberForm(t("inspect.example"), this.probeExample ?? 0, (n) => {
        this.probe({ example: (this.probeExample = this.clampExample(n)) });
        return this.probeExample;
      }));
    } else if (kind === "activations") {
      node.append(element("p", { class: "hint" }, t("inspect.activations_help")));
      this.actPicker = element("div", { class: "weight-picker" });
      node.append(this.actPicker);
    } else if (kind === "update") {
      this.picker = element("div", { class: "weight-picker", role: "group", "aria-label": t("inspect.weight") });
      this.stepButton = element("button", { type: "button", class: "wide", title: t("step_batch.tip") }, t("step_batch"));
      this.stepButton.addEventListener("click", () => this.step());
      node.append(this.picker, this.stepButton);
    } else if (kind === "chain") {
      node.append(element("p", { class: "hint" }, t("inspect.chain_help")));
      node.append(numberForm(t("inspect.example"), this.example, (n) => this.setExample(n)));
    }
    this.bodies[kind] = element("div", { class: "inspect-body" });
    node.append(this.bodies[kind]);
    return node;
  }

  update(state) {
    this.state = state;
    if (state.run?.id !== this.runId) this.restart(state.run?.id);
    if (this.root.hidden) return;
    this.syncWeights(state);
    for (const kind of this.arrived) this.paint(kind);
    this.arrived.clear();
    this.stepButton.disabled = !state.run || !state.canControl || ENDED.has(state.status);
    if (state.frame !== this.costFrame) {
      this.costFrame = state.frame;
      this.paint("cost");
    }
    this.refresh(state);
  }

  // A new run: nothing asked of the old one is worth showing.
  restart(id) {
    this.runId = id;
    this.asker.reset();
    Object.assign(this, { answers: {}, errors: {}, stepping: null, afterStep: null, askedKey: undefined });
    if (this.probeAt?.example !== undefined) this.probeAt = null;
    KINDS.forEach((kind) => this.paint(kind));
  }

  // Ask again when the run has moved on: twice a second while it plays; paused, at each new
  // frame (a step, a reset, an edited weight).
  refresh(state) {
    const running = state.status === "running";
    const key = running ? state.frame?.header.step : state.frame;
    if (!state.frame || key === this.askedKey || this.sizes.length < 2) return;
    const now = performance.now();
    if (running && now - this.askedAt < REFRESH_MS) return;
    Object.assign(this, { askedKey: key, askedAt: now });
    if (this.probeAt) this.ask("probe");
    if (this.sizes.length > 2 && (!running || !(now - this.actAskedAt < ACTIVATIONS_MS))) {
      this.actAskedAt = now;
      this.ask("activations");
    }
    this.ask("update");
    this.ask("chain");
  }

  ask(kind) {
    const fields = {
      probe: this.probeAt,
      activations: { layer: this.actLayer, bins: BINS },
      update: this.weight,
      chain: { ...this.weight, example: this.example },
    }[kind];
    this.asker.ask(kind, fields);
    if (!this.answers[kind]) this.paint(kind);
  }

  // An `inspection`, or an `error` carrying an id, from main.js's onMessage.
  answer(message) {
    const kind = this.asker.answered(message);
    if (!kind) return;
    if (message.type === "error") {
      this.errors[kind] = said(message);
    } else if (kind === "activations" && message.data.layer !== this.actLayer) {
      return; // an answer about the layer picked before
    } else {
      delete this.errors[kind];
      this.answers[kind] = message;
      if (kind === "update") this.checkStep(message);
      if (kind === "probe") this.placeMark(message.data.point);
    }
    this.arrived.add(kind); // painted in the next animation frame, with everything else
    if (kind === "update") this.arrived.add("cost"); // the penalty it names
    this.schedule();
  }

  paint(kind) {
    const body = this.bodies[kind];
    if (kind === "cost") {
      body.replaceChildren(...this.costParts());
      return;
    }
    const answer = this.answers[kind];
    let waiting = kind !== "probe" || this.probeAt ? "inspect.asking" : "inspect.probe_empty";
    if (kind === "activations" && this.sizes.length === 2) waiting = "inspect.no_hidden";
    const view = kind === "activations" ? (data) => activationsView(data, this.options) : VIEWS[kind];
    const parts = answer ? view(answer.data) : [element("p", { class: "hint" }, t(waiting))];
    if (answer) parts.unshift(element("p", { class: "taken" }, t("inspect.taken", { epoch: answer.epoch, step: answer.step })));
    if (kind === "update" && this.afterStep) parts.push(...beforeAfter(...this.afterStep));
    if (this.errors[kind]) parts.unshift(element("p", { class: "inspect-error", role: "alert" }, t("inspect.error", { message: this.errors[kind] })));
    body.replaceChildren(...parts);
  }

  costParts() {
    const state = this.state ?? {};
    const config = state.run?.config;
    const data = this.answers.update?.data;
    const training = config?.training;
    const penalty = data
      ? { name: data.regularization, rate: data.regularization_rate }
      : training && { name: training.regularization, rate: training.regularization_rate };
    return costView(state.frame?.header, config, state.dataset?.task, this.options, penalty);
  }

  // -- the probe ---------------------------------------------------------------------------

  clickPlot(event) {
    if (this.root.hidden || this.state?.drawing) return; // drawing own points: the click is theirs
    const box = this.plot.getBoundingClientRect();
    const x1 = DOMAIN[0] + ((event.clientX - box.left) / box.width) * SPAN;
    const x2 = DOMAIN[1] - ((event.clientY - box.top) / box.height) * SPAN;
    this.probe({ point: [Number(x1.toFixed(3)), Number(x2.toFixed(3))] });
  }

  probe(at) {
    this.probeAt = at;
    this.ask("probe");
  }

  placeMark([x1, x2]) {
    this.mark.style.left = `${((x1 - DOMAIN[0]) / SPAN) * 100}%`;
    this.mark.style.top = `${((DOMAIN[1] - x2) / SPAN) * 100}%`;
    this.mark.hidden = this.root.hidden;
  }

  // -- the weight ------------------------------------------------------------------------------

  syncWeights(state) {
    const sizes = sizesOf(state.frame);
    const key = JSON.stringify([sizes, state.run?.config.data.features]);
    if (key === this.sizesKey) return;
    Object.assign(this, { sizesKey: key, sizes });
    this.setActLayer(this.actLayer);
    if (sizes.length < 2) return;
    this.setWeight({ ...this.weight });
  }

  // The Activations section's hidden layer (weight layer k feeds hidden layer k + 1).
  setActLayer(layer) {
    const hidden = Math.max(0, this.sizes.length - 2);
    this.actLayer = Math.max(0, Math.min(layer, hidden - 1));
    if (!hidden) {
      this.actPicker.replaceChildren();
      delete this.answers.activations;
      this.paint("activations");
      return;
    }
    const choices = range(hidden).map((k) => [k, this.layerName(k + 1)]);
    const control = select("act-layer", choices, this.actLayer);
    control.addEventListener("change", () => {
      this.setActLayer(Number(control.value));
      this.actPicker.querySelector("select").focus();
      delete this.answers.activations;
      this.actAskedAt = performance.now();
      this.ask("activations");
    });
    this.actPicker.replaceChildren(labelled(t("inspect.hidden_layer"), control));
  }

  layerName(k) {
    if (k === 0) return t("inspect.inputs");
    return k === this.sizes.length - 1 ? t("inspect.output") : t("inspect.hidden_n", { n: k });
  }

  unitName(k, unit) {
    if (k === 0) return nameOf("feature", this.state?.run?.config.data.features[unit] ?? `x${unit + 1}`);
    if (k < this.sizes.length - 1) return t("inspect.unit", { layer: k, n: unit + 1 });
    return this.sizes[k] > 1 ? t("inspect.output_k", { k: unit }) : t("inspect.output");
  }

  // Clamps the weight to the network, rebuilds the picker and asks about it.
  setWeight(weight) {
    const s = this.sizes;
    const layer = Math.min(weight.layer, s.length - 2);
    const source = weight.source === null ? null : Math.min(weight.source, s[layer] - 1);
    this.weight = { layer, source, target: Math.min(weight.target, s[layer + 1] - 1) };
    const choose = (name, choices, value) => {
      const control = select(name, choices, value);
      control.addEventListener("change", () => this.pick(name));
      return control;
    };
    const layers = range(s.length - 1).map((k) => [k, `${this.layerName(k)} → ${this.layerName(k + 1)}`]);
    const sources = [...range(s[layer]).map((u) => [u, this.unitName(layer, u)]), ["bias", t("inspect.bias")]];
    const targets = range(s[layer + 1]).map((u) => [u, this.unitName(layer + 1, u)]);
    this.picker.replaceChildren(
      labelled(t("inspect.layer"), choose("layer", layers, layer)),
      labelled(t("inspect.from"), choose("source", sources, source ?? "bias")),
      labelled(t("inspect.to"), choose("target", targets, this.weight.target)),
    );
  }

  pick(name) {
    const value = (field) => this.picker.querySelector(`select[name=${field}]`).value;
    const source = value("source");
    this.setWeight({ layer: Number(value("layer")), source: source === "bias" ? null : Number(source), target: Number(value("target")) });
    this.picker.querySelector(`select[name=${name}]`).focus();
    Object.assign(this, { afterStep: null, stepping: null });
    delete this.answers.update;
    delete this.answers.chain;
    this.ask("update");
    this.ask("chain");
  }

  clampExample(n) {
    return Math.min(n, Math.max(0, (this.state?.dataset?.train.length ?? 1) - 1));
  }

  setExample(n) {
    this.example = this.clampExample(n);
    this.ask("chain");
    return this.example;
  }

  // "Step one batch": the prediction now, the weight after the step (checkStep).
  step() {
    const answer = this.answers.update;
    const current = answer && this.state.status !== "running" && answer.step === this.state.frame?.header.step;
    this.stepping = current ? { ...answer.data, step: answer.step } : null;
    this.afterStep = null;
    this.send({ type: "step", batches: 1 });
  }

  checkStep(message) {
    const before = this.stepping;
    if (!before || message.step <= before.step) return;
    const d = message.data;
    const same = d.layer === before.layer && d.source === before.source && d.target === before.target;
    this.afterStep = same ? [before, { weight: d.weight, step: message.step }] : null;
    this.stepping = null;
  }
}
