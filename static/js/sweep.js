// The sweep page (/sweeps/ID): the trials as a sortable table, a heatmap of the metric over
// two swept fields, parallel coordinates for them all; a trial opens in the playground with
// its setup (the same data and first weights). Reads the sweep every second while it runs.
import { fetchRun, fetchSweep } from "./api.js";
import { applyPalette } from "./colors.js";
import { languagePicker, onLanguage, t } from "./i18n.js";
import { ParallelCoordinates } from "./parallelcoords.js";
import { SweepHeatmap } from "./sweepheatmap.js";
import { TrialTable } from "./sweeptable.js";
import { hashOf } from "./urlstate.js";
import { OPTIONS } from "./vocabulary.js";

const $ = (selector) => document.querySelector(selector);
const POLL_MS = 1000;

async function openTrial(trial) {
  const run = await fetchRun(trial.run_id);
  location.assign(`/${hashOf(run.config, OPTIONS.defaults)}`);
}

function summary(sweep) {
  const ended = sweep.trials.filter((trial) => !["created", "running"].includes(trial.status)).length;
  const goal = t(`sweep.goal.${sweep.goal}`);
  return t("sweep.summary", { done: ended, total: sweep.total, status: t(`sweep.status.${sweep.status}`), metric: t(sweep.metric), goal });
}

class SweepPage {
  constructor(id) {
    this.id = id;
    this.table = new TrialTable($("#trials"), (trial) => openTrial(trial).catch((error) => this.problem(error)));
    this.heatmap = new SweepHeatmap($("#heatmap"), $("#heat-x"), $("#heat-y"));
    this.parallel = new ParallelCoordinates($("#parallel"));
  }

  async refresh() {
    this.sweep = await fetchSweep(this.id);
    this.paint();
    if (this.sweep.status === "running") setTimeout(() => this.refresh().catch((e) => this.problem(e)), POLL_MS);
  }

  paint() {
    const sweep = this.sweep;
    if (!sweep) return;
    $("#sweep-name").textContent = sweep.name ?? t("sweep.untitled", { id: sweep.id });
    document.title = `${$("#sweep-name").textContent} — nnplayground`;
    $("#sweep-summary").textContent = summary(sweep);
    requestAnimationFrame(() => {
      this.table.update(sweep);
      this.heatmap.update(sweep);
      this.parallel.update(sweep);
    });
  }

  problem(error) {
    $("#problem").textContent = error.message;
    $("#problem").hidden = false;
  }
}

async function start() {
  languagePicker($("#language"));
  applyPalette();
  const page = new SweepPage(location.pathname.split("/").filter(Boolean).at(-1));
  onLanguage(() => page.paint());
  await page.refresh();
}

start().catch((error) => {
  $("#problem").textContent = error.message;
  $("#problem").hidden = false;
});
