// Your own data: draw points on the output plot (click adds one of the chosen class, or of
// the chosen value, shift-click removes the nearest), or upload a CSV of x1,x2,label rows.
// Points are of two classes (±1), of several (0, 1, 2, …) or values (a regression): the
// server reads the task from the labels (engine/userdata.py).
import { element, labelled, select } from "./dom.js";
import { t } from "./i18n.js";
import { markerIcon } from "./markers.js";
import { guard } from "./setup.js";
import { DOMAIN } from "./vocabulary.js";
const MIN_POINTS = 4;
const MOST_CLASSES = 10; // engine/userdata.py's MAX_CLASSES: labels 0 … 9
const KINDS = ["binary", "multiclass", "regression"];


export class OwnData {
  // store: the page's store (state.drawing, state.draft); editor: may this page train on its
  // own data (not a watcher's, nor a class's student while the teacher locks it); onData({points} | {csv})
  constructor(root, plot, store, editor, onData) {
    this.root = root;
    this.store = store;
    this.editor = editor;
    this.onData = onData;
    this.kind = "binary";
    this.label = 1;
    this.render();
    plot.addEventListener("click", (event) => this.click(event, plot));
  }

  render() {
    this.draw = element("button", { type: "button", "aria-pressed": "false", class: "wide" }, t("draw_points"));
    this.draw.title = t("drawing_help");
    this.draw.addEventListener("click", () => {
      const drawing = !this.store.state.drawing;
      this.store.set({ drawing, draft: this.store.state.draft ?? [] });
    });
    const kind = select("draw-kind", KINDS.map((k) => [k, t(`draw_kind.${k}`)]), this.kind);
    kind.addEventListener("change", () => {
      this.kind = kind.value;
      this.label = { binary: 1, multiclass: 0, regression: 0.5 }[this.kind];
      this.store.set({ draft: [], draftTask: this.kind }); // labels of one kind only
      this.labels.replaceChildren(...this.labelTools());
    });
    this.labels = element("div", { class: "draw-labels" });
    this.labels.append(...this.labelTools());
    this.count = element("span", { class: "hint", "aria-live": "polite" });
    this.train = element("button", { type: "button", class: "wide" }, t("train_on_my_points"));
    this.train.addEventListener("click", () => this.onData({ points: this.store.state.draft }));
    this.clear = element("button", { type: "button", class: "wide" }, t("clear_points"));
    this.clear.addEventListener("click", () => this.store.set({ draft: [] }));
    const upload = element("input", { type: "file", accept: ".csv,text/csv", "aria-label": t("upload_csv") });
    upload.addEventListener("change", async () => {
      const [file] = upload.files;
      if (file) this.onData({ csv: await file.text() });
      upload.value = "";
    });
    // the browser's own file control speaks the browser's language: it lies unseen over a
    // button in the page's words, and is what a click or the keyboard reaches
    const picker = element("span", { class: "file-picker" });
    picker.append(element("span", { class: "file-face", "aria-hidden": "true" }, t("choose_csv")), upload);
    const uploadLabel = element("label", { class: "field" });
    uploadLabel.append(element("span", {}, t("csv_help")), picker);
    this.drawingTools = element("div", { class: "drawing" });
    this.drawingTools.append(labelled(t("draw_kind"), kind), this.labels, this.count, this.train, this.clear);
    this.upload = upload;
    this.root.replaceChildren(this.draw, this.drawingTools, uploadLabel);
  }

  // What a click adds: one of two classes, one of several (one more than drawn yet is
  // offered, up to ten), or a value in −1 … 1.
  // The picker, and what the server will make of the labels (engine/userdata.py reads the task
  // from them: two classes drawn of several are a binary set, values of only ±1 too).
  labelTools() {
    const picker = this.labelPicker();
    if (this.kind === "binary") return [picker];
    return [picker, element("p", { class: "hint" }, t(`draw_kind.${this.kind}.hint`))];
  }

  labelPicker() {
    if (this.kind === "regression") return this.valuePicker();
    const choices = this.kind === "binary"
      ? [[1, t("blue_class"), "swatch positive"], [-1, t("orange_class"), "swatch negative"]]
      : Array.from({ length: this.classesOffered() }, (_, k) => [k, t("class", { k }), "swatch class"]);
    const group = element("div", { class: "classes", role: "radiogroup", "aria-label": t("class_of_new_points") });
    for (const [label, name, look] of choices) {
      const radio = element("input", { type: "radio", name: "draw-class", value: String(label), "aria-label": name });
      radio.checked = label === this.label;
      radio.addEventListener("change", () => (this.label = label));
      const wrapper = element("label", { class: look });
      const said = element("span", {}, name);
      if (this.kind === "multiclass") said.prepend(markerIcon(label));
      wrapper.append(radio, said);
      group.append(wrapper);
    }
    this.offered = choices.length;
    return group;
  }

  // Three classes at first, then one more than the highest drawn, up to ten.
  classesOffered() {
    const drawn = (this.store.state.draft ?? []).reduce((most, p) => Math.max(most, p[2] + 1), 0);
    return Math.min(MOST_CLASSES, Math.max(3, drawn + 1));
  }

  valuePicker() {
    const slider = element("input", { type: "range", min: "-1", max: "1", step: "0.1", name: "draw-value",
      "aria-label": t("draw_value") });
    slider.value = String(this.label);
    const field = labelled(t("value_of_new_points", { value: this.label }), slider);
    slider.addEventListener("input", () => {
      this.label = Number(slider.value);
      field.firstChild.textContent = t("value_of_new_points", { value: this.label });
    });
    return field;
  }

  update(state) {
    const allowed = this.editor.can("own_data");
    for (const control of [this.draw, this.upload]) guard(this.editor, control, "own_data");
    if (!allowed && state.drawing) this.store.set({ drawing: false }); // a watcher never leaves its class by drawing
    const drawing = allowed && Boolean(state.drawing);
    this.draw.setAttribute("aria-pressed", String(drawing));
    this.draw.textContent = t(drawing ? "stop_drawing" : "draw_points");
    this.drawingTools.hidden = !drawing;
    const n = state.draft?.length ?? 0;
    this.count.textContent = t(n === 1 ? "point_drawn" : "points_drawn", { n });
    this.train.disabled = n < MIN_POINTS;
    if (this.kind === "multiclass" && this.offered !== this.classesOffered()) {
      this.labels.firstChild.replaceWith(this.labelPicker()); // a class drawn: one more is offered
    }
  }

  click(event, plot) {
    if (!this.store.state.drawing || !this.editor.can("own_data")) return;
    const box = plot.getBoundingClientRect();
    const span = DOMAIN[1] - DOMAIN[0];
    const x1 = DOMAIN[0] + ((event.clientX - box.left) / box.width) * span;
    const x2 = DOMAIN[1] - ((event.clientY - box.top) / box.height) * span;
    const draft = [...(this.store.state.draft ?? [])];
    if (event.shiftKey) {
      const distance = ([a, b]) => Math.hypot(a - x1, b - x2);
      const nearest = draft.reduce((best, p, i) => (distance(p) < distance(draft[best]) ? i : best), 0);
      if (draft.length && distance(draft[nearest]) < 0.6) draft.splice(nearest, 1);
    } else {
      draft.push([Number(x1.toFixed(3)), Number(x2.toFixed(3)), this.label]);
    }
    this.store.set({ draft });
  }
}
