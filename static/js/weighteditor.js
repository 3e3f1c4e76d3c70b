// A small form by the pointer to type a new value for one weight or bias.
import { element } from "./dom.js";
import { t } from "./i18n.js";

export class WeightEditor {
  constructor(send) {
    this.send = send;
    this.form = element("form", { class: "weight-editor", hidden: "" });
    this.input = element("input", { type: "number", step: "0.1", min: "-100", max: "100", required: "" });
    this.form.append(this.input, element("button", { type: "submit", class: "wide" }, "OK"));
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      const value = Number(this.input.value);
      if (Number.isFinite(value)) this.send({ type: "weight", ...this.where, value });
      this.close();
    });
    this.input.addEventListener("keydown", (event) => event.key === "Escape" && this.close());
    this.input.addEventListener("blur", () => setTimeout(() => this.close(), 150));
    document.body.append(this.form);
  }

  open(event, where, value) {
    this.where = where;
    this.input.value = value.toFixed(3);
    this.input.setAttribute("aria-label", t("edit_weight"));
    this.form.style.left = `${event.pageX + 8}px`;
    this.form.style.top = `${event.pageY + 8}px`;
    this.form.hidden = false;
    this.input.focus();
    this.input.select();
  }

  close() {
    this.form.hidden = true;
  }
}
