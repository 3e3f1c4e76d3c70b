// Dropout, seen (issue #13, item 9): beside the output plot, the output of the network as
// training runs it, through a dropout mask drawn afresh for each frame. A viewer turns it on
// (its `view`'s `dropout_sample`); the frames then carry `dropout_output`.
import { element } from "./dom.js";
import { paintOutput } from "./heatmap.js";
import { t } from "./i18n.js";

const RESEND_MS = 2000; // on, yet frames come without it (a new stream): ask again this often

function hasDropout(config) {
  const network = config?.network;
  if (!network) return false;
  const rate = (layer) => (typeof layer === "object" && layer.dropout != null ? layer.dropout : network.dropout ?? 0);
  return network.hidden.some((layer) => rate(layer) > 0);
}

export class DropoutView {
  constructor(plot, send) {
    Object.assign(this, { send, on: false, askedAt: 0 });
    this.root = element("div", { class: "dropout-view", hidden: "" });
    plot.parentElement.insertBefore(this.root, plot.nextElementSibling);
    this.render();
  }

  render() {
    this.toggle = element("input", { type: "checkbox", name: "dropout-sample" });
    this.toggle.checked = this.on;
    this.toggle.addEventListener("change", () => this.turn(this.toggle.checked));
    const label = element("label", { class: "dropout-toggle", title: t("dropout_sample.tip") });
    label.append(this.toggle, element("span", {}, t("dropout_sample")));
    this.canvas = element("canvas", { class: "dropout-map", width: "100", height: "100", role: "img", "aria-label": t("dropout_sample.label") });
    this.figure = element("figure", { class: "dropout-figure", hidden: "" });
    this.figure.append(this.canvas, element("figcaption", { class: "hint" }, t("dropout_sample.caption")));
    this.root.replaceChildren(label, this.figure);
    this.painted = null;
  }

  turn(on) {
    this.on = on;
    this.askedAt = performance.now();
    this.send({ type: "view", dropout_sample: on });
    if (this.state) this.update(this.state);
  }

  update(state) {
    this.state = state;
    const arrays = state.frame?.arrays;
    const sampled = arrays?.dropout_output;
    this.root.hidden = !hasDropout(state.run?.config) && !sampled;
    this.figure.hidden = !this.on || !sampled;
    if (this.on && !sampled && !this.root.hidden && performance.now() - this.askedAt > RESEND_MS) this.turn(true);
    if (!this.on || !sampled || this.painted === state.frame) return;
    this.painted = state.frame;
    paintOutput(this.canvas, { output: sampled, confidence: arrays.dropout_confidence }, state.discretize);
    this.canvas.dataset.step = String(state.frame.header.step);
  }
}
