// Time travel: a paused or ended run's kept states (docs/api.md, "Time travel and forks").
// A slider under the loss chart picks a kept epoch; the boundary, the network, the readouts
// and the chart's cursor show that epoch (the frame the stream would have sent then, and
// `travel` in the store); "Fork from here" makes a new run from that state and opens it;
// "Race from here" sets up a race of forks from it against the run as it was (race.js), and
// for a fork, "Race against the original" races it from its fork epoch against its parent.
import { fetchStateFrame, fetchStates, forkRun } from "./api.js";
import { t } from "./i18n.js";
import { ENDED } from "./vocabulary.js";

export class TimeTravel {
  // open(run): the page takes over a run it controls (the fork, with its control token).
  constructor(root, store, open) {
    Object.assign(this, { root, store, open, epochs: [], key: null, wanted: null, fetching: false });
    this.slider = root.querySelector("input[type=range]");
    this.readout = root.querySelector("output");
    this.forkButton = root.querySelector("button");
    this.raceLink = root.querySelector("#race-fork");
    this.originalLink = root.querySelector("#race-original");
    this.slider.addEventListener("input", () => this.scrub());
    this.forkButton.addEventListener("click", () => this.fork());
  }

  render() {
    this.show(this.epochs[Number(this.slider.value)]);
  }

  update(state) {
    this.state = state;
    const settled = Boolean(state.run) && (state.status === "paused" || ENDED.has(state.status));
    this.root.hidden = !settled;
    if (!settled && state.travel != null) this.store.set({ travel: null }); // training again: now
    const key = settled ? `${state.run.id}:${state.status}:${state.history.epoch.at(-1)}` : null;
    if (key === this.key) return;
    this.key = key;
    if (settled) this.load(state.run).catch((error) => this.store.set({ error: error.message }));
  }

  async load(run) {
    const states = await fetchStates(run.id);
    if (this.state.run !== run) return;
    this.epochs = states.map((kept) => kept.epoch);
    this.slider.max = String(Math.max(0, this.epochs.length - 1));
    this.slider.value = this.slider.max;
    this.wanted = this.epochs.at(-1);
    this.show(this.wanted);
    this.store.set({ travel: null });
  }

  show(epoch) {
    this.readout.value = epoch === undefined ? "" : t("travel.epoch", { epoch });
    this.slider.setAttribute("aria-valuetext", this.readout.value);
    this.root.dataset.epoch = epoch === undefined ? "" : String(epoch);
    this.forkButton.disabled = epoch === undefined;
    const run = this.state?.run;
    if (this.raceLink && run && epoch !== undefined) this.raceLink.href = `/races/new?fork=${encodeURIComponent(run.id)}&epoch=${epoch}`;
    if (this.originalLink) this.originalLink.hidden = !run?.parent;
    if (this.originalLink && run?.parent) this.originalLink.href = `/races/new?against=${encodeURIComponent(run.id)}`;
  }

  // One request at a time: a quick drag fetches where it stops, not every epoch it passed.
  async scrub() {
    this.wanted = this.epochs[Number(this.slider.value)];
    this.show(this.wanted);
    if (this.fetching || this.wanted === undefined) return;
    this.fetching = true;
    try {
      let shown;
      while (shown !== this.wanted) {
        shown = this.wanted;
        const frame = await fetchStateFrame(this.state.run.id, shown);
        if (shown === this.wanted) this.store.set({ frame, travel: shown }); // the chart points there too
      }
      this.root.dataset.shown = String(shown);
    } catch (error) {
      this.store.set({ error: error.message });
    } finally {
      this.fetching = false;
    }
  }

  async fork() {
    const epoch = this.epochs[Number(this.slider.value)];
    try {
      this.open(await forkRun(this.state.run.id, epoch));
    } catch (error) {
      this.store.set({ error: error.message });
    }
  }
}
