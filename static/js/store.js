// One store: the run, the latest frame, the metrics history, the status. Widgets read it in
// update(state); painting happens at most once per animation frame. The history comes from
// the run's `history` message (on joining) and `metrics` messages (every epoch).
const MAX_POINTS = 4000;
const COLUMNS = ["epoch", "step", "train_loss", "test_loss", "train_accuracy", "test_accuracy"];

// Keep every other point of the older half: the chart keeps its shape, memory stays bounded.
function thin(history) {
  const half = Math.floor(history.epoch.length / 2);
  for (const key of Object.keys(history)) {
    const column = history[key];
    history[key] = column.slice(0, half).filter((_, i) => i % 2 === 0).concat(column.slice(half));
  }
}

const empty = () => Object.fromEntries(COLUMNS.map((name) => [name, []]));

export class Store {
  constructor() {
    this.state = { run: null, status: "connecting", error: null, dataset: null, frame: null, history: empty() };
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

  // Rows [epoch, step, train_loss, test_loss, train_accuracy, test_accuracy], in order.
  addRows(rows, reset = false) {
    if (reset) this.clearHistory();
    for (const row of rows) {
      const h = this.state.history;
      const last = h.epoch.at(-1);
      if (last > row[0]) this.clearHistory(); // the run went back
      else if (last === row[0]) COLUMNS.forEach((name) => h[name].pop());
      COLUMNS.forEach((name, k) => this.state.history[name].push(row[k]));
    }
    if (this.state.history.epoch.length > MAX_POINTS) thin(this.state.history);
    this.state.history = { ...this.state.history }; // a new object: the chart redraws
    this.schedule();
  }

  clearHistory() {
    this.state.history = empty();
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
