// Wires the page: creates a run, opens its stream, and hands state to the widgets.
import { createRun, openStream } from "./api.js";
import { Controls } from "./controls.js";
import { Heatmap } from "./heatmap.js";
import { LossChart } from "./losschart.js";
import { NeuronGrid } from "./neurons.js";
import { Store } from "./store.js";
import { configFromHash, writeHash } from "./urlstate.js";

const store = new Store();

function onMessage(message) {
  if (message.type === "status") {
    store.set({ status: message.status, error: message.error });
  } else if (message.type === "dataset") {
    store.set({ dataset: { ...message, showTest: store.state.dataset?.showTest ?? false } });
  } else if (message.type === "error") {
    console.warn("server:", message.message, message.detail ?? "");
  }
}

async function start() {
  let stream = null;
  const send = (message) => stream?.send(message);
  const widgets = [
    new Controls(document, send),
    new Heatmap(document.querySelector("#output")),
    new LossChart(document.querySelector("#loss-chart")),
    new NeuronGrid(document.querySelector("#neurons")),
  ];
  store.subscribe((state) => widgets.forEach((widget) => widget.update(state)));
  const showTest = document.querySelector("#show-test");
  showTest.addEventListener("change", () => {
    if (store.state.dataset) store.set({ dataset: { ...store.state.dataset, showTest: showTest.checked } });
  });
  window.addEventListener("resize", () => store.schedule());
  try {
    const run = await createRun(configFromHash(), false);
    writeHash(run.config);
    store.set({ run, status: run.status });
    stream = openStream(run, {
      onFrame: (frame) => store.addFrame(frame),
      onMessage,
      onClose: (event) => {
        if (event.code !== 1000) store.set({ error: `Connection closed (${event.code}). Reload to start again.` });
      },
    });
  } catch (error) {
    store.set({ status: "failed", error: `Could not start a run: ${error.message}` });
  }
}

start();
