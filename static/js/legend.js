// The colour legend: always what the plot shows. The output's diverging scale over its range,
// or one swatch per class; while a neuron or an input is hovered (the plot shows its picture)
// that picture's scale, and while a class's output unit is hovered its probability, 0 to 1.
import { classColor, cssOf } from "./colors.js";
import { element } from "./dom.js";
import { t } from "./i18n.js";
import { markerIcon } from "./markers.js";

const ALPHA = 160 / 255; // the plot's pictures over white, as TF Playground draws them

function format(value) {
  return Math.abs(value) >= 10 ? value.toFixed(0) : Number(value.toFixed(2)).toString();
}

// What the plot shows now: {shows: "values", range} | {shows: "classes", n} | {shows: "class", k}.
export function shownOnPlot(state) {
  const focus = state.focus;
  const arrays = state.frame?.arrays;
  if (focus?.kind === "class" && arrays?.probabilities) return { shows: "class", k: focus.index, range: [0, 1] };
  if (focus?.kind === "neuron" && arrays?.neurons) return { shows: "values", range: arrays.neurons.range ?? [-1, 1] };
  if (focus?.kind === "feature" && state.features) return { shows: "values", range: state.features.arrays.features.range ?? [-1, 1] };
  if (state.drawing && state.draftTask === "multiclass") {
    return { shows: "classes", n: Math.max(1, ...(state.draft ?? []).map((p) => p[2] + 1)) }; // the points drawn
  }
  if (state.dataset?.task === "multiclass") return { shows: "classes", n: state.dataset.classes };
  return { shows: "values", range: arrays?.output?.range ?? [-1, 1] };
}

export class Legend {
  constructor(root) {
    this.root = root;
    this.scale = root.querySelector(".legend-scale");
    this.classes = root.querySelector(".legend-classes");
    this.low = root.querySelector(".legend-low");
    this.high = root.querySelector(".legend-high");
    this.bar = root.querySelector(".legend-bar");
    this.key = "";
  }

  render() {
    this.key = "";
  }

  update(state) {
    const view = shownOnPlot(state);
    const key = JSON.stringify(view);
    if (key === this.key) return;
    this.key = key;
    this.root.dataset.shows = view.shows;
    this.scale.hidden = view.shows === "classes";
    this.classes.hidden = view.shows !== "classes";
    if (view.shows === "classes") {
      this.classes.replaceChildren(
        ...Array.from({ length: view.n }, (_, k) => {
          const item = element("span", { class: "legend-class" });
          item.append(markerIcon(k), t("class", { k }));
          return item;
        }),
      );
      return;
    }
    const strong = classColor(view.k ?? 0).map((c) => Math.round(c * ALPHA + 255 * (1 - ALPHA)));
    this.bar.style.background = view.shows === "class" ? `linear-gradient(to right, #fff, ${cssOf(strong)})` : "";
    this.low.textContent = format(view.range[0]).replace("-", "−");
    this.high.textContent = format(view.range[1]);
  }
}
