// One store: the run, the latest frame, the metrics history, the status. Widgets read it in
// update(state); painting happens at most once per animation frame. The history comes from
// the run's `history` message (on joining) and `metrics` messages (every epoch); the per-step
// losses from the `batches` of `metrics` messages; the live changes from `settings` messages.
import { HISTORY_COLUMNS as COLUMNS } from "./vocabulary.js";

const MAX_POINTS = 4000;
const MAX_MARKS = 200;

// Keep every other point of the older half: the chart keeps its shape, memory stays bounded.
function thin(history) {
  const half = Math.floor(history.epoch.length / 2);
  for (const key of Object.keys(history)) {
    const column = history[key];
    history[key] = column.slice(0, half).filter((_, i) => i % 2 === 0).concat(column.slice(half));
  }
}

const empty = () => Object.fromEntries(COLUMNS.map((name) => [name, []]));
const noSteps = () => ({ step: [], loss: [] });

export class Store {
  constructor() {
    this.state = {
      run: null, status: "connecting", error: null, dataset: null, frame: null, history: empty(), steps: noSteps(), marks: [],
      unfolded: [], // the diagram's hidden layers shown whole though big (diagram.js)
    };
    this.listeners = [];
    this.scheduled = false;
  }

  subscribe(listener) {
    this.listeners.push(listener);
  }

  set(patch) {
    Object.assign(this.state, patch);
    this.schedule();
  }

  addFrame(frame) {
    this.set({ frame });
  }

  // Rows of the server's history columns (epoch, step, train_loss, …), in order (a shorter
  // row: the rest missing); batches [[step, loss], ...].
  addRows(rows, reset = false, batches = []) {
    if (reset) this.clearHistory();
    for (const row of rows) {
      const h = this.state.history;
      const last = h.epoch.at(-1);
      if (last > row[0]) this.clearHistory(); // the run went back
      else if (last === row[0]) COLUMNS.forEach((name) => h[name].pop());
      COLUMNS.forEach((name, k) => this.state.history[name].push(row[k] ?? null));
    }
    if (this.state.history.epoch.length > MAX_POINTS) thin(this.state.history);
    this.state.history = { ...this.state.history }; // a new object: the chart redraws
    this.addSteps(batches ?? []);
    this.schedule();
  }

  addSteps(batches) {
    if (!batches.length) return;
    let steps = this.state.steps;
    if (steps.step.at(-1) >= batches[0][0]) steps = noSteps(); // the run went back
    for (const [step, loss] of batches) {
      steps.step.push(step);
      steps.loss.push(loss);
    }
    if (steps.step.length > MAX_POINTS) thin(steps);
    this.state.steps = { ...steps };
  }

  // A live change the run took (its `settings` message): marked on the chart where it happened.
  markChange(changes) {
    const names = Object.keys(changes ?? {});
    if (!names.length) return;
    const { history, steps, frame } = this.state;
    const step = Math.max(history.step.at(-1) ?? 0, steps.step.at(-1) ?? 0, frame?.header?.step ?? 0);
    const epoch = Math.max(history.epoch.at(-1) ?? 0, frame?.header?.epoch ?? 0);
    this.state.marks = [...this.state.marks, { epoch, step, changes }].slice(-MAX_MARKS);
    this.schedule();
  }

  clearHistory() {
    this.state.history = empty();
    this.state.steps = noSteps();
    this.state.marks = [];
  }

  schedule() {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      const start = performance.now();
      for (const listener of this.listeners) listener(this.state);
      this.onPaint?.(performance.now() - start, this.state.frame); // bench/ui.py listens here
    });
  }
}
