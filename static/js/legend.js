// The colour legend: the diverging scale over the picture's range, or one swatch per class.
import { CLASS_COLORS, cssOf } from "./colors.js";
import { element } from "./dom.js";
import { t } from "./i18n.js";

function format(value) {
  return Math.abs(value) >= 10 ? value.toFixed(0) : Number(value.toFixed(2)).toString();
}

export class Legend {
  constructor(root) {
    this.root = root;
    this.scale = root.querySelector(".legend-scale");
    this.classes = root.querySelector(".legend-classes");
    this.low = root.querySelector(".legend-low");
    this.high = root.querySelector(".legend-high");
    this.key = "";
  }

  render() {
    this.key = "";
  }

  update(state) {
    const dataset = state.dataset;
    const range = state.frame?.arrays.output?.range ?? [-1, 1];
    const multiclass = dataset?.task === "multiclass";
    const key = multiclass ? `classes:${dataset.classes}` : `range:${range}`;
    if (key === this.key) return;
    this.key = key;
    this.scale.hidden = multiclass;
    this.classes.hidden = !multiclass;
    if (multiclass) {
      this.classes.replaceChildren(
        ...Array.from({ length: dataset.classes }, (_, k) => {
          const item = element("span", { class: "legend-class" }, t("class", { k }));
          item.style.setProperty("--swatch", cssOf(CLASS_COLORS[k % CLASS_COLORS.length]));
          return item;
        }),
      );
    } else {
      this.low.textContent = format(range[0]).replace("-", "−");
      this.high.textContent = format(range[1]);
    }
  }
}
