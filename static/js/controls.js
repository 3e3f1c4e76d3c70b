// Play/pause and step buttons, the epoch counter, the loss read-outs and the status line.
export const ENDED = new Set(["succeeded", "failed", "diverged", "cancelled", "interrupted"]);

export function formatEpoch(epoch) {
  return String(epoch).padStart(6, "0").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

function formatLoss(value) {
  return value === null || value === undefined ? "—" : value.toFixed(3);
}

export class Controls {
  constructor(root, send) {
    this.play = root.querySelector("#play");
    this.step = root.querySelector("#step");
    this.reset = root.querySelector("#reset");
    this.stepBatch = root.querySelector("#step-batch");
    this.epoch = root.querySelector("#epoch");
    this.stepCount = root.querySelector("#step-count");
    this.testLoss = root.querySelector("#test-loss");
    this.trainLoss = root.querySelector("#train-loss");
    this.accuracy = root.querySelector("#test-accuracy");
    this.accuracyLabel = root.querySelector("#test-accuracy-label");
    this.status = root.querySelector("#status");
    this.play.addEventListener("click", () => {
      send({ type: this.playing ? "pause" : "play" });
    });
    this.step.addEventListener("click", () => send({ type: "step", epochs: 1 }));
    this.reset.addEventListener("click", () => send({ type: "reset", same_init: true }));
    this.stepBatch.addEventListener("click", () => send({ type: "step", batches: 1 }));
  }

  update(state) {
    this.playing = state.status === "running";
    const ended = ENDED.has(state.status);
    this.play.setAttribute("aria-label", this.playing ? "Pause" : "Play");
    this.play.classList.toggle("playing", this.playing);
    this.play.disabled = ended || !state.run;
    this.step.disabled = ended || !state.run;
    this.reset.disabled = !state.run;
    this.stepBatch.disabled = ended || !state.run;
    const header = state.frame?.header;
    if (header) {
      this.epoch.textContent = formatEpoch(header.epoch);
      this.stepCount.textContent = header.step.toLocaleString("en");
      this.testLoss.textContent = formatLoss(header.test_loss);
      this.trainLoss.textContent = formatLoss(header.train_loss);
      const regression = header.test_accuracy === null && header.test_r2 !== undefined;
      this.accuracyLabel.textContent = regression ? "Test R²" : "Test accuracy";
      const value = regression ? header.test_r2 : header.test_accuracy;
      if (value === null || value === undefined) this.accuracy.textContent = "—";
      else this.accuracy.textContent = regression ? value.toFixed(3) : `${(value * 100).toFixed(1)} %`;
    }
    const prefix = state.status === "diverged" ? "Training diverged: " : "";
    this.status.textContent = state.error ? prefix + state.error : "";
    this.status.hidden = !state.error;
  }
}
