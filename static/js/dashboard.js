// The teacher's dashboard (/class/ID): every student's run as a tile — name, the decision
// boundary about once a second, epoch, test loss, status and alerts (diverged, stuck,
// overfitting) — sortable; a click spotlights a student for the class. Each tile watches its
// run's own stream at 1 frame a second, at the resolution the student's page draws (the
// run draws nothing more for it).
import { fetchClass, openClassStream, openStream, updateClass } from "./api.js";
import { classButtons } from "./classpanel.js";
import { applyPalette } from "./colors.js";
import { said } from "./said.js";
import { memberOf } from "./classroom.js";
import { element } from "./dom.js";
import { paintOutput } from "./heatmap.js";
import { language, languagePicker, onLanguage, t } from "./i18n.js";
import { ExperimentPanel } from "./experiment.js";
import { ENDED } from "./vocabulary.js";

const $ = (selector) => document.querySelector(selector);
const STUCK_EPOCHS = 100; // "stuck": the training loss moved less than FLAT over this many epochs
const FLAT = 0.01;
const STUCK_ABOVE = 0.1; // … while still above this (a converged run is flat too)

// What a run's recent frames say is wrong, as alert codes.
export function alertsOf(status, samples, gap) {
  const alerts = [];
  if (status === "diverged") return ["diverged"];
  const last = samples.at(-1);
  if (!last) return alerts;
  const before = samples.findLast((s) => s.epoch <= last.epoch - STUCK_EPOCHS);
  if (status === "running" && before && last.train > STUCK_ABOVE && Math.abs(before.train - last.train) <= FLAT * before.train) {
    alerts.push("stuck");
  }
  if (last.test !== null && last.train !== null && last.test - last.train > gap) alerts.push("overfitting");
  return alerts;
}

// The mosaic's order: names as a person reads them ("Student 2" before "Student 10", case and
// accents aside, in the page's language); by test loss, lowest first, a run with none yet (or
// a diverged one) last, and equal losses by name.
export function tileOrder(byLoss, locale = language()) {
  const names = new Intl.Collator(locale, { numeric: true, sensitivity: "base" });
  const byName = (a, b) => names.compare(a.name, b.name);
  if (!byLoss) return byName;
  const rank = (loss) => (Number.isFinite(loss) ? loss : Infinity);
  return (a, b) => {
    const [x, y] = [rank(a.loss), rank(b.loss)];
    return x === y ? byName(a, b) : x - y;
  };
}

class Tile {
  constructor(student, dashboard) {
    this.student = student;
    this.samples = [];
    this.status = student.run?.status ?? null;
    this.root = element("button", { type: "button", class: "tile" });
    this.canvas = element("canvas", { width: "100", height: "100", "aria-hidden": "true" });
    this.name = element("span", { class: "tile-name" }, student.name);
    this.numbers = element("span", { class: "tile-numbers" });
    this.badges = element("span", { class: "tile-badges" });
    this.root.append(this.canvas, this.name, this.numbers, this.badges);
    this.root.addEventListener("click", () => dashboard.spotlight(this.student));
  }

  watch(runId) {
    if (runId === this.runId) return;
    this.stream?.close();
    this.runId = runId;
    this.samples = [];
    if (!runId) return;
    this.stream = openStream({ id: runId }, {
      onFrame: (frame) => this.frame(frame),
      onMessage: (message) => message.type === "status" && (this.status = message.status),
    });
    this.stream.send({ type: "view", fps: 1, metrics: false }); // the frame's header has the numbers
  }

  frame({ header, arrays }) {
    paintOutput(this.canvas, arrays);
    this.samples.push({ epoch: header.epoch, train: header.train_loss, test: header.test_loss });
    if (this.samples.length > 600) this.samples.splice(0, 300);
    this.shownAt = performance.now();
  }

  get testLoss() {
    return this.samples.at(-1)?.test ?? this.student.run?.test_loss ?? Infinity;
  }

  render(gap) {
    const run = this.student.run;
    const last = this.samples.at(-1);
    const epoch = last?.epoch ?? run?.epoch;
    const status = this.status ?? run?.status;
    this.numbers.textContent = run
      ? t("class.student_run", { epoch: epoch ?? 0, loss: Number.isFinite(this.testLoss) ? this.testLoss.toFixed(3) : "—", status: t(`status_name.${status}`) })
      : t("class.no_run");
    const alerts = alertsOf(status, this.samples, gap);
    this.badges.replaceChildren(...alerts.map((code) => element("span", { class: `badge ${code}` }, t(`alert.${code}`))));
    this.root.classList.toggle("offline", !this.student.connected);
    this.root.classList.toggle("ended", ENDED.has(status));
    this.root.setAttribute("aria-label", [t("class.spotlight_who", { name: this.student.name }), this.numbers.textContent,
      ...alerts.map((code) => t(`alert.${code}`))].join(". "));
    this.alerts = alerts;
  }
}

class Dashboard {
  constructor(id, member) {
    Object.assign(this, { id, member, tiles: new Map() });
    this.experiment = new ExperimentPanel($("#experiment"), id, member.token);
    $("#sort").addEventListener("change", () => this.paint());
    $("#gap").addEventListener("change", () => this.paint());
    setInterval(() => this.paint(), 1000);
  }

  open() {
    openClassStream(this.id, this.member.token, {
      onMessage: (message) => this.onMessage(message),
      onClose: (event) => event.code !== 1000 && setTimeout(() => this.open(), 1000),
    });
  }

  onMessage(message) {
    if (message.type === "class") {
      this.room = message;
      $("#class-name").textContent = t("dashboard.title", { name: message.name, code: message.code });
      $("#back").href = `/?class=${encodeURIComponent(this.id)}`;
      $("#class-buttons").replaceChildren(classButtons(message, this.member, (problem) => this.say(problem)));
      this.experiment.update(message);
    } else if (message.type === "roster") {
      for (const student of message.students) {
        const tile = this.tiles.get(student.id) ?? new Tile(student, this);
        this.tiles.set(student.id, tile);
        tile.student = student;
        tile.watch(student.run?.id ?? null);
      }
      this.experiment.roster(message.students);
      this.paint();
    } else if (message.type === "error") {
      this.say(said(message));
    }
  }

  // In the page's language again: what the class said last, the experiment panel, the tiles.
  render() {
    if (this.room) this.onMessage(this.room);
    this.experiment.render();
    this.paint();
  }

  spotlight(student) {
    if (!student.run) return;
    updateClass(this.id, this.member.token, { spotlight: student.id }).catch((error) => this.say(error.message));
  }

  say(problem) {
    $("#problem").textContent = problem;
    $("#problem").hidden = !problem;
  }

  paint() {
    const gap = Number($("#gap").value) || 0.1;
    const tiles = [...this.tiles.values()];
    tiles.forEach((tile) => tile.render(gap));
    const byLoss = $("#sort").value === "loss";
    const order = tileOrder(byLoss);
    const keyed = new Map(tiles.map((tile) => [tile, { name: tile.student.name, loss: tile.testLoss }]));
    tiles.sort((a, b) => order(keyed.get(a), keyed.get(b)));
    const mosaic = $("#mosaic");
    if (tiles.some((tile, k) => mosaic.children[k] !== tile.root) || mosaic.children.length !== tiles.length) {
      mosaic.replaceChildren(...tiles.map((tile) => tile.root));
    }
    $("#summary").textContent = t("class.students", { n: tiles.filter((x) => x.student.connected).length, total: tiles.length });
  }
}

async function start() {
  languagePicker($("#language"));
  applyPalette();
  const id = location.pathname.split("/").filter(Boolean).at(-1);
  const member = memberOf(id);
  if (member?.role !== "teacher") {
    $("#problem").textContent = t("dashboard.teacher_only");
    $("#problem").hidden = false;
    return;
  }
  await fetchClass(id, member.token); // a wrong or stale token says so at once
  const dashboard = new Dashboard(id, member);
  onLanguage(() => dashboard.render());
  dashboard.open();
}

start().catch((error) => {
  $("#problem").textContent = error.message;
  $("#problem").hidden = false;
});
