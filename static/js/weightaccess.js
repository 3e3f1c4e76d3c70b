// How the diagram's weights and biases are read and set (diagram.js draws them): a tooltip
// with the live value for the link or bias under the pointer or the focus, a click opens the
// one-value editor (weighteditor.js), Enter on a unit the list of its weights
// (weightlist.js). value(layer, source, target) gives a weight now (source null: the bias).
import { colorOf, cssOf } from "./colors.js";
import { element } from "./dom.js";
import { t } from "./i18n.js";
import { guard } from "./setup.js";
import { WeightEditor } from "./weighteditor.js";
import { WeightList } from "./weightlist.js";

export class WeightAccess {
  constructor(editor, send, value) {
    Object.assign(this, { editor, value });
    this.tooltip = document.querySelector("#tooltip");
    this.weightEditor = new WeightEditor(send);
    this.weightList = new WeightList(send);
    this.biases = []; // [mark, layer, unit, look painted] for each bias square
    this.hovered = null; // what the tooltip says, asked again every frame while it shows
  }

  // A new diagram: its links answer the pointer, its biases are made anew.
  watch(svg) {
    this.biases = [];
    svg.addEventListener("mousemove", (event) => this.hoverLink(event));
    svg.addEventListener("mouseleave", () => this.hideTip());
    svg.addEventListener("click", (event) => this.editLink(event));
  }

  // The bias of a unit: a small square on its lower left, coloured by its value.
  biasMark(layer, unit) {
    const mark = element("button", { type: "button", class: "bias", "aria-label": t("bias_tip", { value: "…" }) });
    this.biases.push([mark, layer, unit, ""]);
    guard(this.editor, mark, "network");
    const tell = (event) => {
      this.hovered = () => this.biasText(layer, unit);
      mark.setAttribute("aria-label", this.hovered()); // read out on focus, with its value now
      this.showTip(event, this.hovered());
    };
    mark.addEventListener("mouseenter", tell);
    mark.addEventListener("focus", tell);
    mark.addEventListener("mouseleave", () => this.hideTip());
    mark.addEventListener("blur", () => this.hideTip());
    mark.addEventListener("click", (event) => {
      event.stopPropagation();
      this.weightEditor.open(event, { layer, source: null, target: unit }, this.value(layer, null, unit));
    });
    return mark;
  }

  biasText(layer, unit) {
    return t("bias_tip", { value: this.value(layer, null, unit).toFixed(3) });
  }

  // Enter on a unit's node: the list of `entries()` ([{label, where}]), to read or change.
  listsWeights(node, title, entries) {
    node.addEventListener("keydown", (event) => {
      if (event.key !== "Enter") return;
      event.preventDefault();
      const value = ({ layer, source, target }) => this.value(layer, source, target);
      this.weightList.show(node, title, entries(), value, this.editor.can("network"));
    });
  }

  paint() {
    for (const bias of this.biases) {
      const look = cssOf(colorOf(this.value(bias[1], null, bias[2])));
      if (bias[3] !== look) bias[0].style.background = bias[3] = look; // restyled only when it changed
      if (bias[0] === document.activeElement) bias[0].setAttribute("aria-label", this.biasText(bias[1], bias[2]));
    }
    if (this.hovered && !this.tooltip.hidden) this.tooltip.textContent = this.hovered(); // live while training
    this.weightList.update(({ layer, source, target }) => this.value(layer, source, target));
  }

  linkAt(event) {
    return event.target instanceof SVGPathElement && event.target.dataset.layer ? event.target.dataset : null;
  }

  hoverLink(event) {
    const band = event.target.dataset?.band;
    if (band !== undefined) return this.showTip(event, t("links_band", { n: Number(event.target.dataset.weights).toLocaleString("en") }));
    const link = this.linkAt(event);
    if (!link) return this.hideTip();
    this.hovered = () => t("weight_tip", { value: this.value(Number(link.layer), Number(link.source), Number(link.target)).toFixed(3) });
    this.showTip(event, this.hovered());
  }

  editLink(event) {
    const link = this.linkAt(event);
    if (!link || !this.editor.can("network")) return;
    const where = { layer: Number(link.layer), source: Number(link.source), target: Number(link.target) };
    this.weightEditor.open(event, where, this.value(where.layer, where.source, where.target));
  }

  // By the pointer, or (focused from the keyboard) under the element.
  showTip(event, text) {
    this.tooltip.textContent = text;
    this.tooltip.hidden = false;
    const box = event.type === "focus" ? event.target.getBoundingClientRect() : null;
    this.tooltip.style.left = `${box ? box.left + scrollX : event.pageX + 12}px`;
    this.tooltip.style.top = `${box ? box.bottom + scrollY + 4 : event.pageY + 12}px`;
  }

  hideTip() {
    this.tooltip.hidden = true;
    this.hovered = null;
  }
}
