// Every hidden neuron's picture, one column per layer.
import { codeTable } from "./colors.js";

export class NeuronGrid {
  constructor(root) {
    this.root = root;
    this.shape = "";
  }

  update(state) {
    const frame = state.frame;
    const neurons = frame?.arrays.neurons;
    if (!neurons || frame === this.drawnFrame) return;
    this.drawnFrame = frame;
    const hidden = state.run?.config.network.hidden ?? [];
    this.build(hidden, neurons.shape);
    const [, rows, cols] = neurons.shape;
    const table = codeTable(neurons.levels);
    this.canvases.forEach((canvas, n) => {
      const context = canvas.getContext("2d");
      const image = context.createImageData(cols, rows);
      const pixels = new Uint32Array(image.data.buffer);
      const offset = n * rows * cols;
      for (let i = 0; i < rows * cols; i++) pixels[i] = table[neurons.data[offset + i]];
      context.putImageData(image, 0, 0);
    });
  }

  build(hidden, [, rows, cols]) {
    const key = `${hidden.join(",")}:${rows}x${cols}`;
    if (key === this.shape) return;
    this.shape = key;
    this.root.replaceChildren();
    this.canvases = [];
    hidden.forEach((units, layer) => {
      const column = document.createElement("div");
      column.className = "layer";
      column.setAttribute("role", "group");
      column.setAttribute("aria-label", `Hidden layer ${layer + 1}`);
      const title = document.createElement("div");
      title.className = "layer-title";
      title.textContent = `${units} neuron${units === 1 ? "" : "s"}`;
      column.append(title);
      for (let unit = 0; unit < units; unit++) {
        const canvas = document.createElement("canvas");
        canvas.width = cols;
        canvas.height = rows;
        canvas.className = "neuron";
        canvas.setAttribute("role", "img");
        canvas.setAttribute("aria-label", `Layer ${layer + 1}, neuron ${unit + 1}`);
        column.append(canvas);
        this.canvases.push(canvas);
      }
      this.root.append(column);
    });
  }
}
