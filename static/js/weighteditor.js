// A small form by the pointer (or by the control, opened from the keyboard) to type a new value
// for one weight or bias; closing it gives the focus back to what opened it.
import { element } from "./dom.js";
import { t } from "./i18n.js";

export const WEIGHT_LIMIT = 100; // what the server takes (a weight past it is refused)

// The value typed in `input`, brought within ±WEIGHT_LIMIT (the field shows what was taken),
// or null when there is none.
export function weightValue(input) {
  const typed = Number(input.value);
  if (input.value === "" || !Number.isFinite(typed)) return null;
  const value = Math.max(-WEIGHT_LIMIT, Math.min(WEIGHT_LIMIT, typed));
  if (value !== typed) input.value = String(value);
  return value;
}

export class WeightEditor {
  constructor(send) {
    this.send = send;
    this.root = element("div", { class: "weight-editor", role: "dialog", hidden: "" });
    this.form = element("form", { novalidate: "" }); // any value: 0.123 is no multiple of the arrows' step
    this.root.append(this.form);
    this.input = element("input", { type: "number", step: "0.1", min: "-100", max: "100", required: "" });
    this.form.append(this.input, element("button", { type: "submit", class: "wide" }, "OK"));
    this.problem = element("p", { class: "weight-problem", role: "alert", hidden: "" });
    this.root.append(this.problem);
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      const value = weightValue(this.input);
      if (value === null) return this.refuse(); // nothing the field could read: say so, stay open
      this.send({ type: "weight", ...this.where, value });
      this.close(true);
    });
    this.input.addEventListener("keydown", (event) => event.key === "Escape" && this.close(true));
    // Leaving the field closes the form a moment later (a click on OK blurs the field first);
    // opening it again meanwhile cancels that.
    this.input.addEventListener("blur", () => {
      clearTimeout(this.leaving);
      this.leaving = setTimeout(() => this.close(false), 150);
    });
    document.body.append(this.root);
  }

  // What was typed is no number the field can read (a word, or 1e309: past what a number can
  // be): the form stays open and says what it takes, rather than closing with nothing done.
  refuse() {
    this.problem.textContent = t("edit_weight.invalid", { limit: WEIGHT_LIMIT });
    this.problem.hidden = false;
    this.input.setAttribute("aria-invalid", "true");
    this.input.focus();
    this.input.select();
  }

  open(event, where, value) {
    clearTimeout(this.leaving);
    this.problem.hidden = true;
    this.input.removeAttribute("aria-invalid");
    this.where = where;
    this.opener = event.currentTarget instanceof HTMLElement ? event.currentTarget : null;
    this.input.value = value.toFixed(3);
    this.input.setAttribute("aria-label", t("edit_weight"));
    this.root.setAttribute("aria-label", t("edit_weight.title"));
    const box = event.detail === 0 && this.opener ? this.opener.getBoundingClientRect() : null; // a key, not a click
    this.root.style.left = `${box ? box.right + scrollX : event.pageX + 8}px`;
    this.root.style.top = `${box ? box.bottom + scrollY : event.pageY + 8}px`;
    this.root.hidden = false;
    this.input.focus();
    this.input.select();
  }

  close(refocus) {
    if (this.root.hidden) return;
    this.root.hidden = true;
    if (refocus && this.opener?.isConnected) this.opener.focus();
  }
}
