// The big output plot: the network's output over [-6, 6]² and the data points on top.
import { classPixel, codeTable, colorOf, cssOf, CLASS_COLORS } from "./colors.js";

const DOMAIN = [-6, 6];

export class Heatmap {
  constructor(root) {
    this.root = root;
    this.map = root.querySelector("canvas.map");
    this.points = root.querySelector("canvas.points");
    this.drawnFrame = null;
    this.drawnDataset = null;
  }

  update(state) {
    const arrays = state.frame?.arrays;
    if (arrays?.output && state.frame !== this.drawnFrame) {
      if (arrays.confidence) this.drawClasses(arrays.output, arrays.confidence);
      else this.drawMap(arrays.output);
      this.range = arrays.output.range ?? [-1, 1];
      this.drawnFrame = state.frame;
    }
    const rangeKey = String(this.range);
    const shown = state.drawing ? { task: "binary", train: state.draft ?? [], test: [] } : state.dataset;
    const shownKey = state.drawing ? state.draft : state.dataset;
    if (shownKey !== this.drawnDataset || this.sizeChanged() || rangeKey !== this.drawnRange) {
      this.drawPoints(shown);
      this.drawnDataset = shownKey;
      this.drawnRange = rangeKey;
    }
  }

  drawMap({ data, shape: [rows, cols], levels }) {
    const table = codeTable(levels);
    this.paint(rows, cols, (pixels) => {
      for (let i = 0; i < data.length; i++) pixels[i] = table[data[i]];
    });
  }

  // Multi-class: each pixel in its predicted class's colour, as strong as the network is sure.
  drawClasses({ data, shape: [rows, cols] }, confidence) {
    const top = confidence.levels - 1;
    this.paint(rows, cols, (pixels) => {
      for (let i = 0; i < data.length; i++) pixels[i] = classPixel(data[i], confidence.data[i] / top);
    });
  }

  paint(rows, cols, fill) {
    if (this.map.width !== cols || this.map.height !== rows) {
      this.map.width = cols;
      this.map.height = rows;
    }
    const context = this.map.getContext("2d");
    const image = context.createImageData(cols, rows);
    fill(new Uint32Array(image.data.buffer));
    context.putImageData(image, 0, 0);
  }

  pointColor(dataset, label) {
    if (dataset.task === "multiclass") return cssOf(CLASS_COLORS[label % CLASS_COLORS.length]);
    if (dataset.task === "regression") {
      const [lo, hi] = this.range ?? [-1, 1];
      return cssOf(colorOf(((label - lo) / (hi - lo)) * 2 - 1));
    }
    return cssOf(CLASS_COLORS[label > 0 ? 1 : 0]);
  }

  sizeChanged() {
    const size = Math.round(this.points.clientWidth * devicePixelRatio);
    return size > 0 && size !== this.points.width;
  }

  drawPoints(dataset) {
    const size = Math.round(this.points.clientWidth * devicePixelRatio) || 1;
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
        context.beginPath();
        context.arc((x1 - DOMAIN[0]) * scale, (DOMAIN[1] - x2) * scale, radius, 0, 2 * Math.PI);
        context.fillStyle = this.pointColor(dataset, label);
        context.fill();
        context.stroke();
      }
    };
    draw(dataset.train, "#fff");
    if (dataset.showTest) draw(dataset.test, "#000");
  }
}
