// Wires the page: builds the setup from the options, runs a run, hands state to the widgets.
import { createRun, fetchOptions, openStream } from "./api.js";
import { Controls, ENDED } from "./controls.js";
import { Heatmap } from "./heatmap.js";
import { Legend } from "./legend.js";
import { LossChart } from "./losschart.js";
import { NeuronGrid } from "./neurons.js";
import { OwnData } from "./owndata.js";
import { Setup } from "./setup.js";
import { Store } from "./store.js";
import { configFromHash, writeHash } from "./urlstate.js";

const store = new Store();
let stream = null;
let speed = 20;

function onMessage(message) {
  if (message.type === "status") {
    store.set({ status: message.status, error: message.error });
  } else if (message.type === "dataset") {
    store.set({ dataset: { ...message, showTest: store.state.dataset?.showTest ?? false } });
  } else if (message.type === "error") {
    console.warn("server:", message.message, message.detail ?? "");
  }
}

// A new run for this config (the same seed: the same data and initial weights).
async function startRun(config) {
  stream?.close();
  stream = null;
  store.clearHistory();
  store.set({ run: null, frame: null, dataset: null, status: "connecting", error: null });
  try {
    const run = await createRun(config, false);
    writeHash(run.config);
    store.set({ run, status: run.status });
    stream = openStream(run, {
      onFrame: (frame) => store.addFrame(frame),
      onMessage,
      onClose: (event) => {
        if (event.code !== 1000 && stream?.run === run) {
          store.set({ error: `Connection closed (${event.code}). Reload to start again.` });
        }
      },
    });
    stream.run = run;
    stream.send({ type: "set", speed });
  } catch (error) {
    store.set({ status: "failed", error: `Could not start a run: ${error.message}` });
  }
}

function send(message) {
  if (message.type === "reset" && ENDED.has(store.state.status)) {
    startRun(store.state.run.config); // an ended run cannot rewind: start it again
  } else {
    stream?.send(message);
  }
}

async function start() {
  const options = await fetchOptions();
  const config = { ...structuredClone(options.defaults), ...configFromHash() };
  let setup = null;
  const ownData = new OwnData(document.querySelector("#own-data"), document.querySelector("#output"), store, (data) => {
    const points = data.points ? { dataset: "points", points: data.points, csv: null } : {};
    const csv = data.csv !== undefined ? { dataset: "csv", csv: data.csv, points: null } : {};
    setup.config.data = { ...setup.config.data, n_samples: null, noise: 0, points: null, csv: null, ...points, ...csv };
    setup.render();
    store.set({ drawing: false });
    startRun({ ...structuredClone(setup.config), seed: store.state.run?.config.seed ?? config.seed });
  });
  setup = new Setup(document, options, config, (change) => {
    if (change.live) {
      if (change.live.speed) speed = change.live.speed;
      send({ type: "set", ...change.live });
    } else {
      startRun({ ...change.config, seed: store.state.run?.config.seed ?? config.seed });
    }
  });
  const widgets = [
    ownData,
    setup,
    new Controls(document, send),
    new Heatmap(document.querySelector("#output")),
    new LossChart(document.querySelector("#loss-chart"), document.querySelector("#log-scale")),
    new Legend(document.querySelector("#legend")),
    new NeuronGrid(document.querySelector("#neurons")),
  ];
  store.subscribe((state) => widgets.forEach((widget) => widget.update(state)));
  const showTest = document.querySelector("#show-test");
  showTest.addEventListener("change", () => {
    if (store.state.dataset) store.set({ dataset: { ...store.state.dataset, showTest: showTest.checked } });
  });
  window.addEventListener("resize", () => store.schedule());
  await startRun(config);
}

start().catch((error) => store.set({ status: "failed", error: `The page could not start: ${error.message}` }));
