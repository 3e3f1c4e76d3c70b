// Wires the page: builds the setup from the options, runs a run (or watches a shared one),
// hands state to the widgets, and switches the language.
import { createRun, fetchRun, fetchShared, openStream, resumeRun } from "./api.js";
import { BatchInfo } from "./batchinfo.js";
import { ClassBanner, ClassPanel } from "./classpanel.js";
import { ClassSession, classFromUrl, joinCodeFromPath, memberOf } from "./classroom.js";
import { Confusion } from "./confusion.js";
import { applyPalette } from "./colors.js";
import { Controls } from "./controls.js";
import { DataPanel } from "./datapanel.js";
import { Diagram } from "./diagram.js";
import { closeOnEscape } from "./dom.js";
import { fitHead, taskOf } from "./heads.js";
import { Heatmap } from "./heatmap.js";
import { Inspector } from "./inspector.js";
import { DropoutView } from "./dropoutview.js";
import { ExportPanel } from "./export.js";
import { FocusTips } from "./focustips.js";
import { languagePicker, onLanguage, t } from "./i18n.js";
import { Legend } from "./legend.js";
import { Lessons, lessonConfig, lessonFromHash } from "./lessons.js";
import { LossChart } from "./losschart.js";
import { MyRuns, keptToken, rememberRun, shownRun } from "./myruns.js";
import { OwnData } from "./owndata.js";
import { ProbabilityReadout } from "./probabilities.js";
import { ConfigEditor, NetworkSetup, TrainingSetup } from "./setup.js";
import { Presenter } from "./presenter.js";
import { Replicates } from "./replicates.js";
import { handleMessage } from "./runmessages.js";
import { SharePanel } from "./share.js";
import { Store } from "./store.js";
import { TimeTravel } from "./timetravel.js";
import { configFromHash, watchCode, writeHash, writeWatchCode } from "./urlstate.js";
import { ENDED, OPTIONS } from "./vocabulary.js";

const $ = (selector) => document.querySelector(selector);
const store = new Store();
window.nnplayground = { store }; // for the console and bench/ui.py
let stream = null;
let defaults = {};
let session = null; // the class this page is in, if any (classroom.js)
let inspector = null; // the teaching panel: inspections are answered to it (inspector.js)
const UNKNOWN_RUN = 4404; // the server does not hold the run in memory (it restarted)
// Closes worth another try: going away, dropped, server error, restart, full, unknown run.
const RETRY_CODES = new Set([1001, 1006, 1011, 1012, 1013, UNKNOWN_RUN]);
const MAX_RECONNECTS = 12; // with the back-off, about a minute

function onMessage(message, editor) {
  if (message.type === "moved") follow(message.to, editor);
  else handleMessage(message, { store, editor, inspector, defaults, showTest: showTestFor });
}

// Another page replaced this run (its setup changed there): this page follows the new run,
// as its owner if this browser made it (My runs keeps its token), and says so. A class
// member's page follows the class instead.
async function follow(to, editor) {
  const from = store.state.run?.id;
  if (session || from === to) return;
  const [token, run] = await Promise.all([store.state.owner ? keptToken(to) : null, fetchRun(to).catch(() => null)]);
  if (!run || store.state.run?.id !== from) return; // gone, or this page moved on meanwhile
  if (token) own({ ...run, control_token: token }, editor);
  else watch(run, editor);
  if (watchCode() && run.share_code) writeWatchCode(run.share_code); // a reload watches it
  store.set({ notice: t("run_moved") });
}

// This page's run is replaced by `run` (just made): its viewers, this browser's other tabs
// among them, are told to follow (it is kept in My runs first: they find its token there).
function announce(old, run) {
  if (!session) rememberRun(run);
  old.send({ type: "moved", to: run.id, token: run.control_token });
}

// Every mini-batch's loss costs the run a little each step: it keeps them while the loss
// chart plots them.
const plotsSteps = () => Boolean(document.querySelector("input[name=loss-x][value=step]")?.checked);

function connect(run, editor, attempt = 0) {
  stream?.close();
  store.clearHistory();
  const current = (handler) => (...args) => stream?.run === run && handler(...args); // not a replaced run's
  stream = openStream(run, {
    onFrame: current((frame) => store.addFrame(frame)),
    onBinary: current((decoded) => decoded.header.type === "features" && store.set({ features: decoded })),
    onMessage: current((message) => {
      if (attempt && message.type === "status") {
        attempt = 0; // back: a later drop starts its count again
        if (store.state.reconnecting) store.set({ error: null, reconnecting: false });
      }
      onMessage(message, editor);
    }),
    onClose: (event) => stream?.run === run && reconnect(run, editor, event.code, attempt),
  });
  stream.run = run;
  if (store.state.owner && !ENDED.has(store.state.status)) stream.send({ type: "set", speed: editor.speed });
  if (plotsSteps()) stream.send({ type: "view", steps: true });
}

// The server went away (a restart, a dropped network, a laptop asleep): try again, backing
// off, for about a minute. A run the server now holds only in its store is brought back from
// its checkpoint by its owner, training if it was; viewers wait for that.
async function reconnect(run, editor, code, attempt) {
  const status = store.state.status;
  if (code === 1000 || (ENDED.has(status) && status !== "interrupted")) return; // it has nothing more to send
  if (!RETRY_CODES.has(code) || attempt >= MAX_RECONNECTS) {
    store.set({ error: t("connection_closed", { code }), reconnecting: false });
    return;
  }
  const playing = store.state.status === "running";
  store.set({ error: t("reconnecting"), reconnecting: true });
  await new Promise((resolve) => setTimeout(resolve, Math.min(500 * 2 ** attempt, 8000)));
  if (stream?.run !== run) return; // the page has moved on to another run
  if (code === UNKNOWN_RUN && store.state.owner && (await resumeRun(run, playing)) === "gone") {
    store.set({ error: t("connection_closed", { code }), reconnecting: false });
    return;
  }
  connect(run, editor, attempt + 1);
}

// A new run for this config (the same seed: the same data and initial weights).
async function startRun(config, editor) {
  const before = store.state.owner && store.state.run ? { ...store.state } : null;
  store.set({
    run: null, frame: null, dataset: null, status: "connecting", error: null, reconnecting: false, stopReason: null,
    focus: null,
  });
  try {
    const run = await (session ? session.makeRun(config) : createRun(config, false));
    // the run left behind stops: it trains for nobody, and holds one of this client's slots
    if (before && stream?.run === before.run && !ENDED.has(before.status)) stream.send({ type: "pause" });
    if (before && stream?.run === before.run) announce(stream, run);
    own(run, editor);
  } catch (error) {
    if (before && stream?.run === before.run) keepRun(before, editor, error);
    else store.set({ status: "failed", error: t("could_not_start", { error: error.message }) });
  }
}

// The server refused a change to a run this page trains: that run goes on (its socket is
// still open), its setup back in the controls, and one sentence says what was refused (in
// the controls' words: api.js).
function keepRun(before, editor, error) {
  const { run, dataset, features } = before;
  const status = store.state.status === "connecting" ? before.status : store.state.status;
  store.set({ run, dataset, features, frame: store.state.frame ?? before.frame, status, stopReason: before.stopReason,
    error: t("change_refused", { error: error.message }) });
  editor.config = structuredClone(run.config);
  editor.render();
}

// A run this page controls (its control token is in `run`): shown and connected.
function own(run, editor) {
  writeHash(run.config, defaults);
  editor.canControl = true;
  editor.config = structuredClone(run.config);
  document.body.classList.remove("watching");
  store.set({ run, status: run.status, owner: true, canControl: true, error: null, notice: null });
  connect(run, editor);
  editor.render();
}

// A run this browser made, shown where it was (My runs, or this tab's reload): an interrupted
// one comes back from its checkpoint, and it trains on if `play` (as it did when last shown).
async function reopen(run, editor, play = false) {
  const left = store.state;
  if (left.owner && left.run && stream?.run === left.run && !ENDED.has(left.status)) stream.send({ type: "pause" });
  if (run.status === "interrupted") {
    if ((await resumeRun(run, play)) !== "resumed") {
      store.set({ error: t("myruns.gone") });
      return false;
    }
    run = { ...run, status: "connecting" };
  }
  own(run, editor);
  if (play && run.status === "paused") stream.send({ type: "play" });
  return true;
}

// This tab's run after a reload (myruns.js keeps it), unless the link asks for another setup.
async function reopenShown(editor) {
  const shown = shownRun();
  if (!shown || shown.hash !== location.hash) return false;
  const run = await fetchRun(shown.id).catch(() => null);
  return Boolean(run) && reopen({ ...run, control_token: shown.token }, editor, shown.playing);
}

function watch(run, editor) {
  editor.canControl = false;
  editor.config = structuredClone(run.config);
  store.set({ run, status: run.status, owner: false, canControl: run.viewers_can_control, error: null, notice: null, focus: null });
  connect(run, editor);
  editor.render();
  document.body.classList.add("watching");
}

// The page stops following its run (and its setup can no longer be changed).
function letGo(editor) {
  stream?.close();
  stream = null;
  editor.canControl = false;
  editor.render();
}

// The class decides what a student's page shows (classroom.js): the stage, or their own run.
function joinClass(id, member, editor) {
  session = new ClassSession(id, member, store, {
    watch: async (runId) => watch(await fetchRun(runId), editor),
    own: (run) => own(run, editor),
    waiting: () => {
      letGo(editor);
      store.set({ run: null, frame: null, dataset: null, status: "waiting", error: null });
    },
    left: () => { // the class is gone: its picture stays, nothing offers to play it
      letGo(editor);
      store.set({ owner: false, canControl: false });
    },
    locks: (locks) => {
      const key = [...locks].sort().join();
      if (key === [...editor.locks].sort().join()) return;
      editor.locks = new Set(locks);
      editor.render();
    },
  });
  store.set({ member: { id, ...member } });
  session.open();
}

// An ended run cannot rewind, nor take a live change: Reset starts it again with the settings
// as the controls show them (a smaller learning rate after it diverged: it restarted with
// the one it was made with), New weights then draws new ones, and a live change waits in the
// controls for it (the server's refusal of it hid why the run had ended).
async function send(editor, message) {
  const ended = store.state.owner && ENDED.has(store.state.status);
  if (!ended || !["reset", "set"].includes(message.type)) return void stream?.send(message);
  if (message.type === "set") return;
  const before = store.state.run;
  await startRun({ ...editor.config, seed: before.config.seed }, editor);
  if (!message.same_init && store.state.run && store.state.run !== before) stream?.send(message);
}

// Hovering a neuron asks the server for its picture at full resolution: the newest hover,
// at most every 150 ms (a sweep of the mouse must not flood the socket).
function focusFollower(toSend) {
  let sent = null;
  let timer = null;
  return (state) => {
    const wanted = state.focus?.kind === "neuron" ? state.focus.index : null;
    if (wanted === sent || timer) return;
    timer = setTimeout(() => {
      timer = null;
      const now = store.state.focus?.kind === "neuron" ? store.state.focus.index : null;
      if (now !== sent) toSend({ type: "view", focus: (sent = now) });
    }, 150);
  };
}

// Whether the plot shows the test points: as the checkbox says, but a student's own points
// all show (both splits: else half of what they drew would vanish when it trains).
function showTestFor() {
  const own = ["points", "csv"].includes(store.state.run?.config.data.dataset);
  const show = own || (store.state.dataset?.showTest ?? false);
  $("#show-test").checked = show;
  return show;
}

function toggles() {
  $("#show-test").addEventListener("change", (event) => {
    if (store.state.dataset) store.set({ dataset: { ...store.state.dataset, showTest: event.target.checked } });
  });
  $("#discretize").addEventListener("change", (event) => store.set({ discretize: event.target.checked }));
}

async function start() {
  languagePicker($("#language"));
  applyPalette();
  const options = OPTIONS;
  defaults = options.defaults;
  const lesson = lessonFromHash(); // a lesson's link starts its preset
  const config = lesson ? lessonConfig(lesson, defaults) : configFromHash(defaults);
  fitHead(options, config, taskOf(options, config)); // a link's pair that does not fit its data: auto
  const editor = new ConfigEditor(config, (change) => {
    if (change.live) send(editor, { type: "set", ...change.live });
    else startRun({ ...change.config, seed: store.state.run?.config.seed ?? config.seed }, editor);
  });
  editor.fit = (changed) => fitHead(options, changed, taskOf(options, changed));
  const toSend = (message) => send(editor, message);
  const ownData = new OwnData($("#own-data"), $("#output"), store, editor, (data) => {
    editor.change((c) => {
      const user = data.points ? { dataset: "points", points: data.points } : { dataset: "csv", csv: data.csv };
      c.data = { ...c.data, n_samples: null, noise: 0, points: null, csv: null, ...user };
    });
    store.set({ drawing: false });
  });
  const lessons = new Lessons(
    { toggle: $("#lessons-toggle"), menu: $("#lessons-menu"), panel: $("#lesson"), intro: $("#intro") },
    editor, defaults, (preset) => startRun(preset, editor),
  );
  inspector = new Inspector($("#inspector"), $("#inspect-toggle"), $("#output"), options, toSend, () => store.schedule());
  const views = [
    new DataPanel($("#data-setup"), options, editor, toSend),
    new TrainingSetup($("#training-setup"), options, editor),
    new NetworkSetup($("#network-setup"), options, editor),
    new Diagram($("#diagram"), options, editor, store, toSend),
  ];
  editor.views = views;
  const widgets = [
    ...views, ownData, new Controls(document, toSend, options), new Heatmap($("#output"), $("#focus-caption")),
    new LossChart($("#loss-chart"), $("#log-scale"), $("#early-mark")), new Legend($("#legend")),
    new Confusion($("#confusion")), new SharePanel($("#share"), $("#share-toggle"), toSend, options.lan_origin),
    new ClassPanel($("#class"), $("#class-toggle"), () => session, joinCodeFromPath()), new ClassBanner($("#class-banner")),
    new Presenter($("#presenter"), $("#present-toggle")), inspector, new ProbabilityReadout($("#output"), store), new BatchInfo(editor, options),
    new DropoutView($("#output"), toSend), new ExportPanel($("#export"), $("#export-toggle")),
    new TimeTravel($("#time-travel"), store, (run) => own(run, editor)), new Replicates($("#replicates"), store), lessons,
    new MyRuns($("#my-runs"), $("#my-runs-toggle"), $("#output"), (run) => reopen(run, editor)),
  ];
  store.subscribe((state) => widgets.forEach((widget) => widget.update(state)));
  store.subscribe(focusFollower(toSend));
  onLanguage(() => {
    widgets.forEach((widget) => widget.render?.());
    store.schedule();
  });
  editor.render();
  lessons.render();
  if (lesson) lessons.open(lesson, false);
  toggles();
  closeOnEscape(document.querySelectorAll(".corner button[aria-controls][aria-expanded]"));
  new FocusTips(document.body, $("#focus-tip"));
  for (const radio of document.querySelectorAll("input[name=loss-x]")) {
    radio.addEventListener("change", () => stream?.send({ type: "view", steps: plotsSteps() }));
  }
  window.addEventListener("resize", () => store.schedule());
  // a setup link pasted into this tab (the page writes its own hash with replaceState, which
  // fires no event): start over from it
  window.addEventListener("hashchange", () => location.reload());
  const code = watchCode();
  const classId = classFromUrl();
  const member = classId && memberOf(classId);
  if (member) joinClass(classId, member, editor);
  if (code) watch(await fetchShared(code), editor);
  else if (joinCodeFromPath()) store.set({ status: "waiting" }); // a join link starts nothing before the name
  else if (classId && !member) store.set({ status: "waiting", classError: "class.not_member" });
  else if (member?.role === "student") return; // the class shows the stage, or their own run
  else if (member || lesson || !(await reopenShown(editor))) await startRun(config, editor); // a reload: the same run
}

start().catch((error) => store.set({ status: "failed", error: t("page_failed", { error: error.message }) }));
