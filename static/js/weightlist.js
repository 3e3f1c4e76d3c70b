// The weights into one unit, as a list a keyboard (and a screen reader) can read and change:
// Enter on a neuron or the output opens it beside the unit, one number field a weight and
// one for the bias, kept live while training; Enter in a field sets that weight, Escape
// closes the list and gives the focus back to the unit.
import { element } from "./dom.js";
import { t } from "./i18n.js";
import { weightValue } from "./weighteditor.js";

export class WeightList {
  constructor(send) {
    this.send = send;
    this.entries = [];
    this.root = element("div", { class: "weight-list", role: "dialog", hidden: "" });
    this.title = element("p", { class: "weight-list-title" });
    this.fields = element("div", { class: "weight-list-fields" });
    const close = element("button", { type: "button", class: "wide" }, t("close"));
    close.addEventListener("click", () => this.close());
    this.root.append(this.title, this.fields, close);
    this.root.addEventListener("keydown", (event) => event.key === "Escape" && this.close());
    document.body.append(this.root);
  }

  get open() {
    return !this.root.hidden;
  }

  // entries: [{label, where: {layer, source, target}}]; value(where) → the weight now.
  show(anchor, title, entries, value, editable) {
    this.anchor = anchor;
    this.entries = entries.map((entry) => ({ ...entry, input: this.field(entry, value(entry.where), editable) }));
    this.fields.replaceChildren(...this.entries.map((entry) => entry.input.parentElement));
    this.title.textContent = title;
    this.root.setAttribute("aria-label", title);
    const box = anchor.getBoundingClientRect();
    this.root.style.left = `${box.right + scrollX + 8}px`;
    this.root.style.top = `${box.top + scrollY}px`;
    this.root.hidden = false;
    this.entries[0]?.input.focus();
  }

  field({ label, where }, now, editable) {
    const input = element("input", { type: "number", step: "0.1", min: "-100", max: "100" });
    input.value = now.toFixed(3);
    input.readOnly = !editable;
    input.addEventListener("change", () => {
      const value = editable ? weightValue(input) : null;
      if (value !== null) this.send({ type: "weight", ...where, value });
    });
    const wrapper = element("label", { class: "field" });
    wrapper.append(element("span", {}, label), input);
    return input;
  }

  // While training, the fields follow the weights, except the one being typed in.
  update(value) {
    if (!this.open) return;
    for (const { input, where } of this.entries) {
      if (input !== document.activeElement) input.value = value(where).toFixed(3);
    }
  }

  close() {
    if (!this.open) return;
    this.root.hidden = true;
    if (this.anchor?.isConnected) this.anchor.focus();
  }
}
