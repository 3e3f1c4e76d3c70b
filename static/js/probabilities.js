// For several classes: every class's probability at the point under the pointer, in a small
// readout on the plot (the frame's `probabilities`, one picture per class, in whole percent).
// From the keyboard: the plot takes the focus, the first arrow puts a cross in its middle, the
// next ones move it, and the readout is read out.
import { element } from "./dom.js";
import { t } from "./i18n.js";
import { markerIcon } from "./markers.js";
import { DOMAIN } from "./vocabulary.js";

const STEP = 0.5; // plane units an arrow key moves the cross

export class ProbabilityReadout {
  constructor(plot, store) {
    Object.assign(this, { plot, store, at: null, shown: null });
    this.map = plot.querySelector("canvas.map");
    this.cross = element("span", { class: "plot-cross", hidden: "" });
    this.box = element("output", { class: "plot-readout", hidden: "", "aria-live": "off" });
    this.box.id = "plot-readout";
    plot.append(this.cross, this.box);
    plot.addEventListener("pointermove", (event) => this.point(event));
    plot.addEventListener("pointerleave", () => this.hide());
    this.map.addEventListener("keydown", (event) => this.key(event));
    this.map.addEventListener("blur", () => this.hide());
  }

  render() {
    this.shown = null; // the language changed: write it again
  }

  update(state) {
    const probabilities = state.drawing ? null : state.frame?.arrays.probabilities;
    this.probabilities = probabilities;
    this.reachable(Boolean(probabilities));
    if (!probabilities || !this.at) {
      if (!this.box.hidden) this.hide(false);
      return;
    }
    if (this.shown !== state.frame) this.show();
    this.shown = state.frame;
  }

  // The plot takes the keyboard's focus while there are classes to read (set on a change only).
  reachable(yes) {
    if (yes === this.focusable) return;
    this.focusable = yes;
    const attributes = { tabindex: "0", "aria-describedby": this.box.id, "aria-keyshortcuts": "ArrowLeft ArrowRight ArrowUp ArrowDown" };
    for (const [name, value] of Object.entries(attributes)) {
      if (yes) this.map.setAttribute(name, value);
      else this.map.removeAttribute(name);
    }
  }

  point(event) {
    if (!this.probabilities) return;
    const box = this.map.getBoundingClientRect();
    const [lo, hi] = DOMAIN;
    const x1 = lo + ((event.clientX - box.left) / box.width) * (hi - lo);
    const x2 = hi - ((event.clientY - box.top) / box.height) * (hi - lo);
    if (x1 < lo || x1 > hi || x2 < lo || x2 > hi) return this.hide();
    this.box.setAttribute("aria-live", "off"); // a moving pointer would flood a screen reader
    this.moveTo(x1, x2, false);
  }

  key(event) {
    const move = { ArrowLeft: [-STEP, 0], ArrowRight: [STEP, 0], ArrowUp: [0, STEP], ArrowDown: [0, -STEP] }[event.key];
    if (!move || !this.probabilities) return;
    event.preventDefault();
    const [lo, hi] = DOMAIN;
    const [x1, x2] = this.at ? [this.at.x1 + move[0], this.at.x2 + move[1]] : [0, 0];
    this.box.setAttribute("aria-live", "polite");
    this.moveTo(Math.min(hi, Math.max(lo, x1)), Math.min(hi, Math.max(lo, x2)), true);
  }

  moveTo(x1, x2, crossed) {
    this.at = { x1, x2, crossed };
    this.show();
  }

  // The readout at the point: each class with its probability, the likeliest marked.
  show() {
    const { data, shape: [classes, rows, cols], levels } = this.probabilities;
    const [lo, hi] = DOMAIN;
    const col = Math.round(((this.at.x1 - lo) / (hi - lo)) * (cols - 1));
    const row = Math.round(((hi - this.at.x2) / (hi - lo)) * (rows - 1));
    const percent = Array.from({ length: classes }, (_, k) => Math.round((data[(k * rows + row) * cols + col] / (levels - 1)) * 100));
    const top = percent.indexOf(Math.max(...percent));
    const said = (v) => v.toFixed(1).replace("-", "−");
    const lines = percent.map((p, k) => {
      const line = element("span", { class: `readout-class${k === top ? " top" : ""}` });
      const name = element("span");
      name.append(markerIcon(k, "#fff"), t("class", { k }));
      line.append(name, element("span", {}, `${p}%`));
      return line;
    });
    this.box.replaceChildren(element("span", { class: "readout-at" }, t("probabilities_at", { x1: said(this.at.x1), x2: said(this.at.x2) })), ...lines);
    this.box.hidden = false;
    this.place(col / (cols - 1), row / (rows - 1));
  }

  // Beside the point, on the side with room.
  place(fx, fy) {
    const width = this.plot.clientWidth;
    const height = this.plot.clientHeight;
    const [x, y] = [fx * width, fy * height];
    this.cross.hidden = !this.at.crossed;
    Object.assign(this.cross.style, { left: `${x}px`, top: `${y}px` });
    const box = this.box.getBoundingClientRect();
    this.box.style.left = `${x + 14 + box.width > width ? Math.max(0, x - 14 - box.width) : x + 14}px`;
    this.box.style.top = `${y + 14 + box.height > height ? Math.max(0, y - 14 - box.height) : y + 14}px`;
  }

  hide(forget = true) {
    if (forget) this.at = null;
    this.box.hidden = this.cross.hidden = true;
    this.shown = null;
  }
}
