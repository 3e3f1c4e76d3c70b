// Seed replicates: the page's setup over N seeds (POST /api/runs with `replicates`,
// docs/api.md), trained together on the server. When they have ended, their losses' median
// and min–max at each epoch go to the store (`band`), and the loss chart draws them behind
// the run's own lines: one run is not evidence.
import { createReplicates, fetchMetrics, listRuns } from "./api.js";
import { t } from "./i18n.js";
import { ENDED } from "./vocabulary.js";

const SPEED = 500; // epochs a second each: paced alike, they fall due together and train stacked
const MIN_EPOCHS = 20; // replicates train as many epochs as the run has, at least this many
const POLL_MS = 400;
export const BANDED = ["train_loss", "test_loss"];

// Per epoch that every curve has: the median, least and greatest of each BANDED loss.
export function bandOf(curves) {
  const rows = curves.map((curve) => new Map(curve.epoch.map((epoch, i) => [epoch, i])));
  const epoch = curves[0].epoch.filter((e) => rows.every((row) => row.has(e)));
  const band = { epoch };
  for (const key of BANDED) {
    const stats = { median: [], lo: [], hi: [] };
    for (const e of epoch) {
      const values = curves.map((curve, k) => curve[key][rows[k].get(e)]).filter(Number.isFinite);
      values.sort((a, b) => a - b);
      const mid = values.length >> 1;
      const median = values.length % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
      stats.median.push(values.length ? median : null);
      stats.lo.push(values.length ? values[0] : null);
      stats.hi.push(values.length ? values.at(-1) : null);
    }
    band[key] = stats;
  }
  return band;
}

export class Replicates {
  constructor(root, store) {
    Object.assign(this, { root, store, busy: false, said: null });
    this.count = root.querySelector("input");
    this.button = root.querySelector("button");
    this.status = root.querySelector("output");
    this.button.addEventListener("click", () => this.run());
  }

  render() {
    this.status.value = this.said ? t(...this.said) : "";
  }

  update(state) {
    this.state = state;
    this.button.disabled = this.busy || !state.run;
    // the caption is the band's: once the page shows another run (another setup), both go
    if (!this.busy && this.said && state.band?.runId !== state.run?.id) {
      this.said = null;
      this.render();
    }
  }

  say(key, params) {
    this.said = [key, params];
    this.render();
  }

  async run() {
    const run = this.state.run;
    const { min, max, value } = this.count;
    const count = Math.min(Number(max), Math.max(Number(min), Math.round(Number(value)) || Number(min)));
    this.count.value = String(count); // within the input's bounds
    const epochs = Math.max(MIN_EPOCHS, this.state.history.epoch.at(-1) ?? 0);
    const config = structuredClone(run.config);
    config.training = { ...config.training, max_epochs: epochs };
    this.busy = this.button.disabled = true;
    this.store.set({ band: null });
    this.say("replicates.progress", { count, epoch: 0, epochs });
    try {
      const made = await createReplicates(config, count, SPEED);
      await this.untilEnded(made.replicates, made.control_token, count, epochs);
      const curves = await Promise.all(made.replicates.map((id) => fetchMetrics(id)));
      if (this.state.run?.id !== run.id) return; // the page has moved on to another setup
      this.store.set({ band: { runId: run.id, count, ...bandOf(curves) } });
      this.say("replicates.done", { count, epochs });
    } catch (error) {
      this.said = null;
      this.render();
      this.store.set({ error: error.message });
    } finally {
      this.busy = false;
      this.update(this.state);
    }
  }

  // Asks how the replicates are doing (a cheap list, not a heavy read) until all have ended.
  async untilEnded(ids, token, count, epochs) {
    for (;;) {
      const runs = (await listRuns([token])).runs.filter((r) => ids.includes(r.id));
      if (runs.length === ids.length && runs.every((r) => ENDED.has(r.status))) return;
      this.say("replicates.progress", { count, epoch: Math.min(...runs.map((r) => r.epoch)), epochs });
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
}
