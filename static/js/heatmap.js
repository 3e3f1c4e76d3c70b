// The big output plot: the network's output over [-6, 6]² and the data points on top.
import { codeTable, CSS } from "./colors.js";

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
    const grid = state.frame?.arrays.output;
    if (grid && state.frame !== this.drawnFrame) {
      this.drawMap(grid);
      this.drawnFrame = state.frame;
    }
    if (state.dataset !== this.drawnDataset || this.sizeChanged()) {
      this.drawPoints(state.dataset);
      this.drawnDataset = state.dataset;
    }
  }

  drawMap({ data, shape: [rows, cols], levels }) {
    if (this.map.width !== cols || this.map.height !== rows) {
      this.map.width = cols;
      this.map.height = rows;
    }
    const context = this.map.getContext("2d");
    const image = context.createImageData(cols, rows);
    const pixels = new Uint32Array(image.data.buffer);
    const table = codeTable(levels);
    for (let i = 0; i < data.length; i++) pixels[i] = table[data[i]];
    context.putImageData(image, 0, 0);
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
        context.fillStyle = label > 0 ? CSS.positive : CSS.negative;
        context.fill();
        context.stroke();
      }
    };
    draw(dataset.train, "#fff");
    if (dataset.showTest) draw(dataset.test, "#000");
  }
}
