// The network as TF Playground draws it: input features (click to switch one on or off),
// every hidden neuron's picture, the output; links coloured and sized by their weight
// (links.js). Hover a neuron to see its picture on the big plot; hover a link or a bias for
// its live value, click it to set it. A layer of more than FOLD_ABOVE units shows its first
// FOLD_SHOWN and a fold tile for the rest, until it is unfolded (the store's `unfolded`).
import { element, keepingFocus, roundButton } from "./dom.js";
import { classColor, cssOf } from "./colors.js";
import { paintClass, paintCodes, paintOutput } from "./heatmap.js";
import { t } from "./i18n.js";
import { Links } from "./links.js";
import { nameOf } from "./names.js";
import { guard, unitsOf } from "./setup.js";
import { WeightAccess } from "./weightaccess.js";

const SVG = "http://www.w3.org/2000/svg";
export const FOLD_ABOVE = 16;
const FOLD_SHOWN = 8;
const MANY_NEURONS = 64;

export class Diagram {
  constructor(root, options, editor, store, send) {
    Object.assign(this, { root, options, editor, store, send });
    this.key = "";
    this.access = new WeightAccess(editor, send, (layer, source, target) => this.value(layer, source, target));
    this.root.addEventListener("mouseleave", () => this.access.hideTip());
  }

  render() {
    this.key = ""; // rebuild on the next update (the structure or the language changed)
    this.store.schedule();
  }

  update(state) {
    const config = state.run?.config ?? this.editor.config;
    const key = JSON.stringify([config.data.features, config.network.hidden.map(unitsOf), state.dataset?.classes,
      state.dataset?.task, this.editor.canControl, [...this.editor.locks], state.unfolded ?? []]);
    if (key !== this.key) this.build(config, key);
    this.paint(state);
  }

  build(config, key) {
    this.key = key;
    this.unfolded = new Set(this.store.state.unfolded ?? []);
    this.paintedFrame = this.paintedFeatures = null; // new canvases: paint them all
    this.features = config.data.features;
    this.hidden = config.network.hidden.map(unitsOf);
    const body = element("div", { class: "diagram-body" });
    this.svg = document.createElementNS(SVG, "svg");
    this.svg.classList.add("links");
    this.linkLayer = new Links(this.svg);
    this.access.watch(this.svg); // its links and biases answer the pointer and the keyboard
    this.neuronCanvases = []; // [canvas, the neuron's index in layer order]
    this.shown = []; // per hidden layer: [{node, unit}] and its fold tile
    body.append(this.svg, this.inputColumn(), ...this.hidden.map((units, k) => this.hiddenColumn(units, k)),
      this.outputColumn());
    keepingFocus(this.root, () => this.root.replaceChildren(this.layerHeader(), body));
    this.body = body;
    this.resizing?.disconnect();
    this.resizing = new ResizeObserver(() => this.layoutLinks());
    this.resizing.observe(body);
    this.watchVisibility();
  }

  // Unfolded big layers draw many neurons, most of them off screen: past MANY_NEURONS, only
  // those on (or near) the screen are painted, and one is painted as it comes into view.
  watchVisibility() {
    this.seeing?.disconnect();
    this.onScreen = null;
    if (this.neuronCanvases.length <= MANY_NEURONS) return;
    this.onScreen = new Set();
    this.seeing = new IntersectionObserver((entries) => {
      for (const entry of entries) this.onScreen[entry.isIntersecting ? "add" : "delete"](entry.target);
      this.paintedFrame = null;
      this.store.schedule();
    }, { rootMargin: "200px" });
    for (const [canvas] of this.neuronCanvases) this.seeing.observe(canvas);
  }

  layerHeader() {
    const hidden = this.editor.config.network.hidden;
    const n = hidden.length;
    const { hidden_layers: maxLayers } = this.options.limits;
    const can = this.editor.can("network");
    const box = element("div", { class: "layer-header" });
    box.append(
      roundButton(t("add_layer"), "+", can && n < maxLayers, () => this.editor.change((c) => c.network.hidden.push(this.options.choices.new_layer_units))),
      roundButton(t("remove_layer"), "−", can && n > 0, () => this.editor.change((c) => c.network.hidden.pop())),
      element("span", { class: "layer-count" }, n === 1 ? t("hidden_layer") : t("hidden_layers", { n })),
    );
    return box;
  }

  inputColumn() {
    const column = element("div", { class: "diagram-column inputs", role: "group", "aria-label": t("inputs") });
    column.append(element("div", { class: "column-title" }, t("features")));
    column.title = t("features.tip");
    this.inputNodes = {};
    for (const name of this.options.features) {
      const on = this.features.includes(name);
      const said = nameOf("feature", name);
      const tile = element("button", { type: "button", role: "checkbox", "aria-checked": String(on), "aria-label": said,
        class: `node feature${on ? "" : " off"}` });
      guard(this.editor, tile, "features");
      tile.append(element("canvas", { width: "20", height: "20" }), element("span", { class: "node-label" }, said));
      tile.addEventListener("click", () => {
        if (this.toggleFeature(name)) tile.setAttribute("aria-checked", String(!on));
      });
      this.hoverShows(tile, { kind: "feature", index: this.options.features.indexOf(name), label: t("feature", { name: said }) });
      column.append(tile);
      this.inputNodes[name] = tile;
    }
    return column;
  }

  toggleFeature(name) {
    const chosen = this.options.features.filter((f) => (f === name) !== this.features.includes(f));
    if (chosen.length === 0) return false; // at least one input
    this.editor.change((config) => (config.data.features = chosen));
    return true;
  }

  hiddenColumn(units, k) {
    const layer = k + 1;
    const column = element("div", { class: "diagram-column", role: "group", "aria-label": t("layer", { k: layer }) });
    const can = this.editor.can("network");
    const { units: maxUnits } = this.options.limits;
    const head = element("div", { class: "column-title" });
    head.append(
      roundButton(t("add_neuron", { k: layer }), "+", can && units < maxUnits, () => this.editor.change(() => (this.editor.layer(k).units += 1))),
      roundButton(t("remove_neuron", { k: layer }), "−", can && units > 1, () => this.editor.change(() => (this.editor.layer(k).units -= 1))),
    );
    column.append(head, element("div", { class: "column-count" }, units === 1 ? t("neuron") : t("neurons", { n: units })));
    const start = this.hidden.slice(0, k).reduce((a, b) => a + b, 0);
    const folded = units > FOLD_ABOVE && !this.unfolded.has(k);
    const shown = { units: [], fold: null, size: units };
    for (let unit = 0; unit < (folded ? FOLD_SHOWN : units); unit++) {
      const label = t("neuron_name", { layer, unit: unit + 1 });
      const node = element("div", { class: "node neuron", role: "img", tabindex: "0", "aria-label": label,
        "aria-keyshortcuts": "Enter", title: `${t("neuron.tip")}\n${t("weights.keys")}` });
      const canvas = element("canvas", { width: "20", height: "20" });
      node.append(canvas);
      this.hoverShows(node, { kind: "neuron", index: start + unit, label });
      this.access.listsWeights(node, t("weights_into", { name: label }), () => this.incoming(k, unit));
      this.neuronCanvases.push([canvas, start + unit]);
      shown.units.push({ node, unit });
      column.append(this.unit(node, [this.access.biasMark(k, unit)])); // the bias beside the neuron, not in it
    }
    if (units > FOLD_ABOVE) column.append((shown.fold = this.foldTile(k, units, folded)));
    if (!folded) shown.fold = null; // an unfolded layer's tile folds it again: no links
    this.shown[k] = shown;
    return column;
  }

  // Folded: "+56" for the units not drawn, which unfolds the layer; unfolded: folds it again.
  foldTile(k, units, folded) {
    const more = `+${units - FOLD_SHOWN}`; // its text, in its name too (a spoken command names what is seen)
    const name = folded ? t("unfold_layer", { k: k + 1, n: units, more }) : t("fold_layer", { k: k + 1 });
    const tile = element("button", { type: "button", class: `node fold${folded ? "" : " open"}`, "aria-expanded": String(!folded),
      "aria-label": name, title: name }, folded ? more : "−");
    tile.addEventListener("click", () => {
      const unfolded = new Set(this.store.state.unfolded ?? []);
      if (folded) unfolded.add(k);
      else unfolded.delete(k);
      this.store.set({ unfolded: [...unfolded] });
    });
    return tile;
  }

  // The output: one picture, or for several classes one unit per class, each with its own
  // links, bias and picture (its class's probability), hovered to show it on the plot.
  outputColumn() {
    const column = element("div", { class: "diagram-column output-column", role: "group", "aria-label": t("output") });
    column.append(element("div", { class: "column-title" }, t("output")), element("div", { class: "column-count" }, " "));
    const layer = this.hidden.length;
    this.classCanvases = [];
    this.outputCanvas = null;
    if (this.outputs() > 1) {
      column.classList.add("class-units");
      this.outputNodes = Array.from({ length: this.outputs() }, (_, k) => this.classUnit(layer, k));
      column.append(...this.outputNodes.map((node, k) => this.unit(node, [this.access.biasMark(layer, k)])));
      return column;
    }
    const node = element("div", { class: "node output-node", role: "img", tabindex: "0", "aria-label": t("output_plot"),
      "aria-keyshortcuts": "Enter", title: t("weights.keys") });
    this.outputCanvas = element("canvas", { width: "100", height: "100" });
    node.append(this.outputCanvas);
    this.access.listsWeights(node, t("weights_into", { name: t("output") }), () => this.incoming(layer, 0));
    this.outputNodes = [node];
    column.append(this.unit(node, [this.access.biasMark(layer, 0)]));
    return column;
  }

  outputs() {
    const dataset = this.store.state.dataset;
    return dataset?.task === "multiclass" ? dataset.classes : 1;
  }

  classUnit(layer, k) {
    const name = t("class", { k });
    const node = element("div", { class: "node class-node", role: "img", tabindex: "0", "aria-label": t("class_unit", { name }),
      "aria-keyshortcuts": "Enter", title: `${t("class_unit.tip")}\n${t("weights.keys")}` });
    node.style.setProperty("--swatch", cssOf(classColor(k)));
    const canvas = element("canvas", { width: "20", height: "20" });
    node.append(canvas, element("span", { class: "node-label", "data-short": String(k) }, name)); // a phone shows k
    this.classCanvases.push(canvas);
    this.hoverShows(node, { kind: "class", index: k, label: name });
    this.access.listsWeights(node, t("weights_into", { name }), () => this.incoming(layer, k));
    return node;
  }

  // A unit's node with its bias marks beside it (a control inside a focusable picture is one
  // a screen reader cannot reach).
  unit(node, marks) {
    const wrapper = element("div", { class: "unit" });
    wrapper.append(node, ...marks);
    return wrapper;
  }

  // The weights into unit `target` of weight layer `layer` (0: from the inputs), bias last.
  incoming(layer, target) {
    const sources = layer === 0
      ? this.features.map((name) => nameOf("feature", name))
      : Array.from({ length: this.hidden[layer - 1] }, (_, i) => t("neuron_name", { layer, unit: i + 1 }));
    return [
      ...sources.map((from, source) => ({ label: t("weight_from", { name: from }), where: { layer, source, target } })),
      { label: t("inspect.bias"), where: { layer, source: null, target } },
    ];
  }

  hoverShows(node, focus) {
    const key = `${focus.kind}:${focus.index}`;
    const show = () => this.store.set({ focus: { ...focus, key } });
    const hide = () => this.store.state.focus?.key === key && this.store.set({ focus: null });
    node.addEventListener("mouseenter", show);
    node.addEventListener("focus", show);
    node.addEventListener("mouseleave", hide);
    node.addEventListener("blur", hide);
  }

  // -- links ------------------------------------------------------------------------

  // The links between the drawn units (links.js), laid out again when the diagram resizes.
  layoutLinks() {
    if (!this.body?.isConnected) return;
    const columns = [
      { units: this.features.map((name, unit) => ({ node: this.inputNodes[name], unit })), fold: null, size: this.features.length },
      ...this.shown,
      { units: this.outputNodes.map((node, unit) => ({ node, unit })), fold: null, size: this.outputNodes.length },
    ];
    const box = this.body.getBoundingClientRect();
    this.svg.setAttribute("width", String(box.width));
    this.svg.setAttribute("height", String(box.height));
    const at = (node, side) => {
      const r = node.getBoundingClientRect();
      return [side === "right" ? r.right - box.left : r.left - box.left, r.top - box.top + r.height / 2];
    };
    this.linkLayer.layout(columns, at);
    this.paintedFrame = null;
    this.store.schedule();
  }

  value(layer, source, target) {
    const arrays = this.store.state.frame?.arrays;
    if (!arrays) return 0;
    if (source === null) return arrays[`biases.${layer}`]?.data[target] ?? 0;
    const weights = arrays[`weights.${layer}`];
    return weights ? weights.data[source * weights.shape[1] + target] : 0;
  }

  paint(state) {
    const frame = state.frame;
    if (!frame || frame === this.paintedFrame) return;
    this.paintedFrame = frame;
    this.linkLayer.paint((layer, source, target) => this.value(layer, source, target));
    this.access.paint();
    const neurons = frame.arrays.neurons;
    if (neurons) {
      const size = neurons.shape[1] * neurons.shape[2];
      for (const [canvas, n] of this.neuronCanvases) {
        if (!this.onScreen || this.onScreen.has(canvas)) paintCodes(canvas, neurons, n * size);
      }
    }
    const features = state.features?.arrays.features;
    if (features && this.paintedFeatures !== state.features) {
      this.paintedFeatures = state.features;
      this.options.features.forEach((name, f) => {
        paintCodes(this.inputNodes[name].querySelector("canvas"), features, f * features.shape[1] * features.shape[2]);
      });
    }
    const probabilities = frame.arrays.probabilities;
    if (probabilities) this.classCanvases.forEach((canvas, k) => k < probabilities.shape[0] && paintClass(canvas, probabilities, k));
    else if (frame.arrays.output && this.outputCanvas) paintOutput(this.outputCanvas, frame.arrays, state.discretize);
  }
}
