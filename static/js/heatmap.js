// The big output plot: the network's output over the domain (the server's [-6, 6]²) and the
// data points on top.
// Hovering a neuron or an input in the diagram shows that unit's picture here instead.
import { binaryColor, classColor, classPixel, codeTable, colorOf, cssOf } from "./colors.js";
import { deviceSize } from "./dom.js";
import { t } from "./i18n.js";
import { markerPath } from "./markers.js";
import { DOMAIN } from "./vocabulary.js";

const said = (value) => String(value).replace("-", "−");

// Paints picture codes (quantised, `levels` shades) into a canvas of the picture's size.
export function paintCodes(canvas, { data, shape, levels }, offset = 0, discretize = false) {
  const [rows, cols] = shape.slice(-2);
  const table = codeTable(levels);
  const middle = (levels - 1) / 2;
  paint(canvas, rows, cols, (pixels) => {
    for (let i = 0; i < rows * cols; i++) {
      const code = data[offset + i];
      pixels[i] = table[discretize ? (code >= middle ? levels - 1 : 0) : code];
    }
  });
}

// The output: the value picture, or for several classes each pixel in its predicted class's
// colour, as strong as the network is sure (fully, when discretized).
export function paintOutput(canvas, arrays, discretize = false) {
  if (!arrays.confidence) {
    paintCodes(canvas, arrays.output, 0, discretize);
    return;
  }
  const { data, shape: [rows, cols] } = arrays.output;
  const confidence = arrays.confidence;
  const top = confidence.levels - 1;
  paint(canvas, rows, cols, (pixels) => {
    for (let i = 0; i < data.length; i++) pixels[i] = classPixel(data[i], discretize ? 1 : confidence.data[i] / top);
  });
}

// Class k's probability (the frame's `probabilities`, K pictures): its colour, as strong as
// the probability.
export function paintClass(canvas, { data, shape: [, rows, cols], levels }, k) {
  const offset = k * rows * cols;
  const top = levels - 1;
  paint(canvas, rows, cols, (pixels) => {
    for (let i = 0; i < rows * cols; i++) pixels[i] = classPixel(k, data[offset + i] / top);
  });
}

function paint(canvas, rows, cols, fill) {
  if (canvas.width !== cols || canvas.height !== rows) {
    canvas.width = cols;
    canvas.height = rows;
  }
  const context = canvas.getContext("2d");
  const image = context.createImageData(cols, rows);
  fill(new Uint32Array(image.data.buffer));
  context.putImageData(image, 0, 0);
}

export class Heatmap {
  constructor(root, caption) {
    this.root = root;
    this.caption = caption;
    this.map = root.querySelector("canvas.map");
    this.points = root.querySelector("canvas.points");
    this.drawn = null;
    this.drawnDataset = null;
    this.size = deviceSize(this.points, () => this.drawPoints(this.shown));
    const [low, high] = DOMAIN; // the axes' ends and middle, left to right and top to bottom
    const ticks = { x: [low, (low + high) / 2, high], y: [high, (low + high) / 2, low] };
    for (const axis of ["x", "y"]) root.querySelectorAll(`.axis.${axis} span`).forEach((span, i) => (span.textContent = said(ticks[axis][i])));
  }

  update(state) {
    const arrays = state.frame?.arrays;
    const key = `${state.focus?.key}|${state.discretize}`;
    if (arrays?.output && (state.frame !== this.drawnFrame || key !== this.drawn)) {
      this.drawnFrame = state.frame;
      this.drawn = key;
      this.drawPicture(state);
      this.range = arrays.output.range ?? [-1, 1];
    }
    const rangeKey = String(this.range);
    this.shown = state.drawing ? { task: state.draftTask ?? "binary", train: state.draft ?? [], test: [] } : state.dataset;
    const shownKey = state.drawing ? state.draft : state.dataset;
    if (shownKey !== this.drawnDataset || rangeKey !== this.drawnRange) {
      this.drawPoints(this.shown);
      this.drawnDataset = shownKey;
      this.drawnRange = rangeKey;
    }
  }

  drawPicture(state) {
    const focus = state.focus;
    const source = focus && (focus.kind === "feature" ? state.features?.arrays.features : state.frame.arrays.neurons);
    const full = state.frame.arrays.focus;
    const probabilities = state.frame.arrays.probabilities;
    if (focus?.kind === "class" && probabilities) {
      paintClass(this.map, probabilities, focus.index);
      this.map.classList.remove("smooth");
      this.caption.textContent = t("showing_class", { name: focus.label });
    } else if (focus?.kind === "neuron" && full && state.frame.header.focus === focus.index) {
      paintCodes(this.map, full, 0, state.discretize); // the server's full-resolution picture
      this.caption.textContent = t("showing_neuron", { name: focus.label });
    } else if (source) {
      const [, rows, cols] = source.shape; // the thumbnail until the full picture arrives
      paintCodes(this.map, source, focus.index * rows * cols, state.discretize);
      this.map.classList.add("smooth");
      this.caption.textContent = t("showing_neuron", { name: focus.label });
    } else {
      paintOutput(this.map, state.frame.arrays, state.discretize);
      this.map.classList.remove("smooth");
      this.caption.textContent = "";
    }
  }

  pointColor(dataset, label) {
    if (dataset.task === "multiclass") return cssOf(classColor(label));
    if (dataset.task === "regression") {
      const [lo, hi] = this.range ?? [-1, 1];
      return cssOf(colorOf(((label - lo) / (hi - lo)) * 2 - 1));
    }
    return cssOf(binaryColor(label));
  }

  drawPoints(dataset) {
    const size = this.size.width || 1;
    this.points.width = this.points.height = size;
    const context = this.points.getContext("2d");
    context.clearRect(0, 0, size, size);
    if (!dataset) return;
    const scale = size / (DOMAIN[1] - DOMAIN[0]);
    const radius = 3.2 * devicePixelRatio;
    const draw = (rows, stroke) => {
      context.strokeStyle = stroke;
      context.lineWidth = devicePixelRatio;
      for (const [x1, x2, label] of rows) {
        const [x, y] = [(x1 - DOMAIN[0]) * scale, (DOMAIN[1] - x2) * scale];
        context.fillStyle = this.pointColor(dataset, label);
        if (dataset.task === "multiclass") { // each class its shape too (markers.js)
          const marker = new Path2D(markerPath(label, x, y, radius * 1.15));
          context.fill(marker);
          context.stroke(marker);
          continue;
        }
        context.beginPath();
        context.arc(x, y, radius, 0, 2 * Math.PI);
        context.fill();
        context.stroke();
      }
    };
    draw(dataset.train, "#fff");
    if (dataset.showTest) draw(dataset.test, "#000");
  }
}
