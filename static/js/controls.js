// Play/pause and step buttons, the epoch counter (a generation's, for an optimizer that
// breeds them), the read-outs and the status line.
import { t } from "./i18n.js";
import { ENDED } from "./vocabulary.js";

export function formatEpoch(epoch) {
  return String(epoch).padStart(6, "0").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

function formatLoss(value) {
  return value === null || value === undefined ? "—" : value.toFixed(3);
}

// The status line: a friendly sentence for an ended run, or the page's own error.
export function statusText(state) {
  if (state.status === "diverged") return t("status.diverged", { error: state.error ?? "" });
  if (state.status === "failed") return t("status.failed", { error: state.error ?? "" });
  if (state.status === "succeeded" && state.stopReason) {
    const validated = state.stopReason === "early_stopping" && state.run?.config.data.validation_ratio > 0;
    return t("status.succeeded", { reason: t(validated ? "reason.early_stopping_val" : `reason.${state.stopReason}`) });
  }
  return state.error || state.notice || ""; // a notice (the run moved) until something goes wrong
}

export class Controls {
  constructor(root, send, options) {
    const $ = (selector) => root.querySelector(selector);
    Object.assign(this, {
      options, epochLabel: $("#epoch-label"),
      play: $("#play"), step: $("#step"), reset: $("#reset"), resetNew: $("#reset-new"), stepBatch: $("#step-batch"),
      epoch: $("#epoch"), stepCount: $("#step-count"), testLoss: $("#test-loss"), trainLoss: $("#train-loss"),
      accuracy: $("#test-accuracy"), accuracyLabel: $("#test-accuracy-label"), rmseItem: $("#rmse-item"),
      rmse: $("#test-rmse"), status: $("#status"),
    });
    this.play.addEventListener("click", () => send({ type: this.playing ? "pause" : "play" }));
    this.step.addEventListener("click", () => send({ type: "step", epochs: 1 }));
    this.reset.addEventListener("click", () => send({ type: "reset", same_init: true }));
    this.resetNew.addEventListener("click", () => send({ type: "reset", same_init: false }));
    this.stepBatch.addEventListener("click", () => send({ type: "step", batches: 1 }));
  }

  render() {
    this.drawn = null;
  }

  update(state) {
    this.playing = state.status === "running";
    const ended = ENDED.has(state.status);
    const idle = !state.run || !state.canControl;
    const playLabel = t(this.playing ? "pause" : "play");
    this.play.setAttribute("aria-label", playLabel);
    this.play.querySelector(".caption").textContent = playLabel; // the visible label says the same
    this.play.classList.toggle("playing", this.playing);
    for (const button of [this.play, this.step, this.stepBatch]) button.disabled = ended || idle;
    this.reset.disabled = this.resetNew.disabled = idle;
    const breeds = this.options.optimizers[state.run?.config.training.optimizer]?.gradient_free;
    this.epochLabel.dataset.i18n = breeds ? "generation" : "epoch"; // kept on a language switch
    this.epochLabel.textContent = t(this.epochLabel.dataset.i18n);
    // a trainer that breeds generations steps one; it has no mini-batch (the button said so)
    this.words(this.step, breeds ? "step_generation" : "step");
    this.words(this.stepBatch, "step_batch", breeds ? "no_gradient.tip" : "step_batch.tip");
    if (breeds) this.stepBatch.disabled = true;
    const header = state.frame?.header;
    if (header) this.readouts(header);
    else for (const output of [this.testLoss, this.trainLoss, this.accuracy, this.rmse]) output.textContent = "—";
    const text = statusText(state);
    this.status.textContent = text;
    this.status.hidden = !text;
    this.status.classList.toggle("calm", state.status === "succeeded" || (!state.error && Boolean(state.notice)));
  }

  // A transport button's caption, name and tooltip by their string keys (kept on a language switch).
  words(button, key, tip = `${key}.tip`) {
    const caption = button.querySelector(".caption");
    caption.dataset.i18n = button.dataset.i18nLabel = key;
    button.dataset.i18nTitle = tip;
    caption.textContent = t(key);
    button.setAttribute("aria-label", t(key));
    button.title = t(tip);
  }

  readouts(header) {
    this.epoch.textContent = formatEpoch(header.epoch);
    this.stepCount.textContent = header.step.toLocaleString("en");
    this.testLoss.textContent = formatLoss(header.test_loss);
    this.trainLoss.textContent = formatLoss(header.train_loss);
    const regression = header.test_accuracy === null && header.test_r2 !== undefined;
    this.accuracyLabel.textContent = t(regression ? "test_r2" : "test_accuracy");
    const value = regression ? header.test_r2 : header.test_accuracy;
    if (value === null || value === undefined) this.accuracy.textContent = "—";
    else this.accuracy.textContent = regression ? value.toFixed(3) : `${(value * 100).toFixed(1)} %`;
    this.rmseItem.hidden = !regression;
    if (regression) this.rmse.textContent = formatLoss(header.test_rmse);
  }
}
