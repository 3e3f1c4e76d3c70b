// The race page (/races/ID): 2–4 lanes trained in lockstep on the same data, each with its
// decision boundary, their test losses overlaid on one chart, and one transport for all.
// /races/new sets a race up from the playground's setup (the address's hash, as its links
// carry it) or, with ?fork=RUN&epoch=K, races forks of a run against the run as it was.
// Who made a race keeps its control token in this browser (localStorage); others watch.
// In a class (?class=ID), its teacher projects the race: presenter mode shows the lanes and
// the chart big, and beside them the class's join code. A race the teacher makes here is the
// class's (its token the teacher's) and goes on the class's stage; the students' pages come
// here to watch it (racestage.js), and go back when the stage is a run again.
import { controlRace, createClassRace, createRace, fetchClass, fetchRace, fetchRun } from "./api.js";
import { classFromUrl, memberOf } from "./classroom.js";
import { applyPalette } from "./colors.js";
import { paintOnce } from "./dom.js";
import { languagePicker, onLanguage, t } from "./i18n.js";
import { Presenter } from "./presenter.js";
import { RaceChart } from "./racechart.js";
import { RaceLane } from "./racelane.js";
import { RaceStage } from "./racestage.js";
import { describe, RaceSetup } from "./racesetup.js";
import { RaceSpace } from "./racespace.js";
import { configFromHash, difference, hashOf } from "./urlstate.js";
import { ENDED, OPTIONS } from "./vocabulary.js";

const $ = (selector) => document.querySelector(selector);
const live = (lane) => !ENDED.has(lane.status);
const tokenKey = (id) => `nnplayground.race.${id}`;

class RacePage {
  constructor() {
    this.lanes = [];
    this.request = paintOnce(() => this.paint());
    this.chart = new RaceChart($("#race-chart"), $("#race-legend"), $("#race-chart-title"));
    this.space = new RaceSpace($("#race-space"), $("#race-space-title"), $("#race-space-note"));
    this.setup = new RaceSetup($("#race-presets"), $("#race-lanes-form"), (body) => this.create(body));
    $("#race-play").addEventListener("click", () => this.control(this.playing ? "pause" : "play"));
    $("#race-step").addEventListener("click", () => this.control("step", {}));
    $("#race-reset").addEventListener("click", () => this.control("reset"));
  }

  async create(body) {
    try {
      const id = classFromUrl();
      const member = id && memberOf(id);
      const race = member?.role === "teacher" ? await createClassRace(id, member.token, body) : await createRace(body);
      localStorage.setItem(tokenKey(race.id), race.control_token);
      location.assign(`/races/${race.id}${classFromUrl() ? inClass() : ""}`);
    } catch (error) {
      this.problem(error);
    }
  }

  async show(id) {
    this.race = await fetchRace(id);
    this.token = localStorage.getItem(tokenKey(id)) ?? this.stage?.token(id) ?? null;
    this.lanes = this.race.lanes.map((lane, k) => new RaceLane(k, lane, this.token, () => this.request(), () => this.reread()));
    $("#race-lanes").replaceChildren(...this.lanes.map((lane) => lane.root));
    const first = await fetchRun(this.race.lanes[0].run_id);
    $("#race-back").href = `/${classFromUrl() ? inClass() : ""}${hashOf(first.config, OPTIONS.defaults)}`;
    const fork = this.race.parent ? { run: this.race.parent, epoch: this.race.fork_epoch } : null;
    this.setup.show(first.config, fork);
    $(".race-setup").hidden = this.stage?.member.role === "student"; // a student watches the class's race
    this.request();
  }

  // A lane's stream closed: a lane whose run was deleted is no longer the race's (docs/api.md),
  // and leaves the page; the others keep their colours and numbers.
  async reread() {
    const race = await fetchRace(this.race.id).catch(() => null);
    if (!race) return;
    const kept = new Set(race.lanes.map((lane) => lane.run_id));
    this.lanes.filter((lane) => !kept.has(lane.lane.run_id)).forEach((lane) => lane.root.remove());
    this.lanes = this.lanes.filter((lane) => kept.has(lane.lane.run_id));
    this.race = race;
    this.request();
  }

  async control(action, body) {
    try {
      this.race = await controlRace(this.race.id, this.token, action, body);
      this.request();
    } catch (error) {
      this.problem(error);
    }
  }

  get playing() {
    return this.lanes.some((lane) => lane.status === "running");
  }

  labels() {
    const shown = this.race.lanes.map((lane) => lane.label || describe(lane.changes));
    return shown.map((label, k) => t("race.lane", { k: this.lanes[k].index + 1, label }));
  }

  paint() {
    if (!this.race) return;
    const labels = this.labels();
    this.lanes.forEach((lane, k) => lane.paint(labels[k], this.race.lanes[k].same_start ? "" : t("race.other_shape")));
    this.chart.update(this.lanes.map((lane, k) => ({ label: labels[k], history: lane.history, index: lane.index })), this.race.unit);
    const shown = (k) => k === 0 || this.race.lanes[k].same_start; // lane 1's shape: its window
    this.space.update(this.lanes.map((lane, k) => ({ label: labels[k], path: lane.path, shown: shown(k), index: lane.index })));
    this.paintTransport();
    this.paintSummary();
  }

  paintTransport() {
    const play = $("#race-play");
    const can = Boolean(this.token) && this.lanes.some(live);
    play.querySelector("span").textContent = t(this.playing ? "pause" : "play");
    play.setAttribute("aria-label", t(this.playing ? "pause" : "play"));
    const step = $("#race-step");
    step.textContent = t(this.race.unit === "epochs" ? "race.step.epoch" : "race.step.generation");
    for (const button of [play, step, $("#race-reset")]) button.disabled = !can;
  }

  paintSummary() {
    const race = this.race;
    const going = this.lanes.filter(live);
    const racing = going.length ? going : this.lanes; // a lane that ended stays where it ended
    const far = race.unit === "epochs"
      ? t("race.at_epoch", { epoch: Math.min(...racing.map((lane) => lane.epoch)) })
      : t("race.at_passes", { passes: Math.min(...racing.map((lane) => lane.passes)).toLocaleString() });
    const start = race.parent
      ? t("race.from_fork", { epoch: race.fork_epoch })
      : race.lanes.every((lane) => lane.same_start) ? t("race.same_start") : t("race.same_seed");
    const watching = this.token ? "" : ` · ${t(this.stage?.room ? "race.class_watching" : "race.watching", { teacher: this.stage?.room?.teacher })}`;
    $("#race-summary").textContent = `${far} · ${start}${watching}`;
    const note = $("#race-note");
    note.hidden = race.unit !== "forward_passes";
    note.textContent = note.hidden ? "" : t("race.passes_note");
  }

  problem(error) {
    $("#problem").textContent = error.message;
    $("#problem").hidden = false;
  }
}

const inClass = () => `?class=${encodeURIComponent(classFromUrl())}`;

// Presenter mode; for the class's teacher, with the class's join code beside the race.
async function present() {
  const presenter = new Presenter($("#presenter"), $("#present-toggle"));
  presenter.render();
  onLanguage(() => presenter.render());
  const id = classFromUrl();
  const member = id && memberOf(id);
  if (member?.role !== "teacher") return;
  const detail = await fetchClass(id, member.token);
  presenter.update({ member, classroom: { id, code: detail.code, viewers: detail.students.length } });
}

// A fork against its original: both from the fork's epoch, the original unchanged, the fork
// with what it changed (its config's differences from its parent's).
async function againstOriginal(page, id) {
  const fork = await fetchRun(id);
  const parent = await fetchRun(fork.parent);
  const changes = difference(fork.config, parent.config) ?? {};
  const lanes = [{ changes: {}, label: t("race.lane.original") }, { changes, label: fork.name ?? t("race.lane.fork") }];
  await page.create({ fork: { run: parent.id, epoch: fork.fork_epoch }, lanes, unit: "epochs", start: false });
}

async function newRace(page) {
  const search = new URLSearchParams(location.search);
  if (search.has("against")) return againstOriginal(page, search.get("against"));
  const run = search.get("fork");
  if (run) {
    const parent = await fetchRun(run);
    const epoch = search.has("epoch") ? Number(search.get("epoch")) : null;
    page.setup.show(parent.config, { run, epoch });
  } else {
    page.setup.show(configFromHash(OPTIONS.defaults), null);
  }
  $("#race-summary").textContent = t("race.choose");
}

async function start() {
  languagePicker($("#language"));
  applyPalette();
  const page = new RacePage();
  const id = location.pathname.split("/").filter(Boolean).at(-1);
  const classId = classFromUrl();
  const member = classId && memberOf(classId);
  if (member && id !== "new") page.stage = new RaceStage(classId, member, id, () => page.request(), (e) => page.problem(e));
  onLanguage(() => {
    page.setup.render();
    page.stage?.render();
    page.request();
  });
  present().catch((error) => page.problem(error));
  if (id === "new") await newRace(page);
  else await page.show(id);
}

start().catch((error) => {
  $("#problem").textContent = error.message;
  $("#problem").hidden = false;
});
