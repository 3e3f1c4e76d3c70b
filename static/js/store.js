// One store: the run, the latest frame, the history, the status. Widgets read it in
// update(state); painting happens at most once per animation frame.
const MAX_POINTS = 4000;

// Keep every other point of the older half: the chart keeps its shape, memory stays bounded.
function thin(history) {
  const half = Math.floor(history.epoch.length / 2);
  for (const key of Object.keys(history)) {
    const column = history[key];
    history[key] = column.slice(0, half).filter((_, i) => i % 2 === 0).concat(column.slice(half));
  }
}

export class Store {
  constructor() {
    this.state = {
      run: null,
      status: "connecting",
      error: null,
      dataset: null,
      frame: null,
      history: { epoch: [], train_loss: [], test_loss: [] },
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
    const h = this.state.history;
    const { epoch, train_loss: train, test_loss: test } = frame.header;
    const last = h.epoch.length - 1;
    if (last >= 0 && h.epoch[last] >= epoch) {
      if (h.epoch[last] > epoch) this.clearHistory(); // the run went back (a reset)
      else h.epoch.pop(), h.train_loss.pop(), h.test_loss.pop();
    }
    h.epoch.push(epoch);
    h.train_loss.push(train);
    h.test_loss.push(test);
    if (h.epoch.length > MAX_POINTS) thin(h);
    this.set({ frame });
  }

  clearHistory() {
    this.state.history = { epoch: [], train_loss: [], test_loss: [] };
  }

  schedule() {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      for (const listener of this.listeners) listener(this.state);
    });
  }
}
