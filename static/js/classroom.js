// A class on this page (docs/api.md, "Classes"): who this browser is in it (the teacher or a
// student, by the token kept in localStorage), the class socket with its reconnects, and
// what the page should show: the stage (the teacher's run, or a spotlit student's) or, in
// hands-on mode, the student's own run. The page's runs are made and watched by main.js;
// this module decides which.
import { createClassRun, fetchRun, openClassStream } from "./api.js";
import { t } from "./i18n.js";
import { ENDED } from "./vocabulary.js";

const KEY = (id) => `nnpg.class.${id}`;
const RETRY_MS = [500, 1000, 2000, 4000, 8000];

export function classFromUrl(search = location.search) {
  const id = new URLSearchParams(search).get("class");
  return id && /^[A-Za-z0-9_-]{1,32}$/.test(id) ? id : null;
}

// A join link: /join/CODE.
export function joinCodeFromPath(path = location.pathname) {
  const match = path.match(/^\/join\/([A-Za-z0-9]{6})\/?$/);
  return match ? match[1].toUpperCase() : null;
}

export function memberOf(id) {
  try {
    const member = JSON.parse(localStorage.getItem(KEY(id)) ?? "null");
    return member?.token && (member.role === "teacher" || member.role === "student") ? member : null;
  } catch {
    return null;
  }
}

export function remember(id, member) {
  localStorage.setItem(KEY(id), JSON.stringify(member));
}

export function forget(id) {
  localStorage.removeItem(KEY(id));
}

// The page's address in a class: /?class=ID, keeping the setup in the hash.
export function classUrl(id) {
  return `/?class=${encodeURIComponent(id)}${location.hash}`;
}

// A race the class watches: its page, in the class.
export const classRaceUrl = (id, race) => `/races/${encodeURIComponent(race)}?class=${encodeURIComponent(id)}`;

export class ClassSession {
  // page: { watch(runId), own(run), waiting(), locks(groups), left() } — main.js's ways to show a run
  constructor(id, member, store, page) {
    Object.assign(this, { id, member, store, page });
    this.you = null;
    this.shown = null; // what the page shows now: "stage:<run id>" or "own"
    this.attempt = 0;
    this.older = new Set(); // stage runs older than what this teacher page shows: never followed
  }

  get teacher() {
    return this.member.role === "teacher";
  }

  open() {
    this.socket = openClassStream(this.id, this.member.token, {
      onMessage: (message) => this.onMessage(message),
      onClose: (event) => this.onClose(event),
    });
  }

  onClose(event) {
    if (event.code === 4403 || event.code === 4404) {
      const removed = /removed/.test(event.reason);
      if (removed) forget(this.id);
      if (!this.teacher) this.page.left(); // the run it showed went with the class (the teacher's stay)
      this.store.set({ classError: event.code === 4404 ? "class.gone" : removed ? "class.removed" : "class.not_member" });
      return;
    }
    if (event.code === 1000) return;
    const wait = RETRY_MS[Math.min(this.attempt++, RETRY_MS.length - 1)];
    setTimeout(() => this.open(), wait); // a restart or a dropped network: the class is stored
  }

  onMessage(message) {
    this.attempt = 0;
    if (message.type === "class") {
      this.store.set({ classroom: message });
      this.follow(message).catch((error) => this.failed(error));
    } else if (message.type === "you") {
      const moved = this.you && message.run_id && message.run_id !== this.you.run_id;
      this.you = message;
      this.store.set({ you: message });
      if (this.shown === "own") this.page.locks(this.locks(this.store.state.classroom)); // a cell came
      if (moved && this.shown === "own") this.showOwn(message.run_id).catch((error) => this.failed(error)); // the teacher sent a run
    } else if (message.type === "roster") {
      this.store.set({ roster: message.students });
    }
  }

  // A run that could not be shown (gone, or the server busy): said where errors are; the
  // next class message tries again.
  failed(error) {
    this.shown = null;
    this.store.set({ error: error.message });
  }

  // A student's page shows the stage, or in hands-on mode (no spotlight) their own run; a
  // race on the stage takes the page to the race's (which comes back when the race ends).
  async follow(room) {
    const stage = room.stage;
    if (this.teacher) {
      await this.followAsTeacher(stage);
      return;
    }
    if (stage?.race) {
      location.assign(classRaceUrl(this.id, stage.race));
      return;
    }
    const own = room.mode === "hands_on" && stage && !stage.student;
    const wanted = !stage ? "waiting" : own ? "own" : `stage:${stage.run_id}`;
    this.page.locks(own ? this.locks(room) : []);
    if (wanted === this.shown) return;
    this.shown = wanted;
    if (!stage) this.page.waiting();
    else if (own) await this.ownRun(stage.run_id);
    else await this.page.watch(stage.run_id);
  }

  // What a student may not change in their own run: the teacher's locked groups, and the
  // settings their experiment cell fixes ("cell:learning_rate"; the server holds both).
  locks(room) {
    const cell = room?.experiment && this.you?.cell ? Object.keys(this.you.cell).map((key) => `cell:${key}`) : [];
    return [...(room?.locks ?? []), ...cell];
  }

  // The teacher's page drives the stage, but shows a spotlit student's run too (the projector
  // shows what the class sees), and goes back to its own run when the spotlight ends.
  async followAsTeacher(stage) {
    const wanted = stage?.student ? `stage:${stage.run_id}` : "mine";
    const was = this.shown;
    if (wanted === was && wanted === "mine") await this.followNewer(stage);
    if (wanted === was) return;
    this.shown = wanted;
    if (stage?.student) await this.page.watch(stage.run_id);
    else if (was && stage) this.page.own({ ...(await fetchRun(stage.run_id)), control_token: this.member.token });
  }

  // Another page of this teacher made the class a newer run (a second tab, a reload there):
  // this page shows it too (its Play else trained a run nobody watched). An older one, a
  // message from before this page's own new run, is not followed.
  async followNewer(stage) {
    const shown = this.store.state.run;
    if (!stage || stage.race || !shown?.created_at || stage.run_id === shown.id || this.older.has(stage.run_id)) return;
    const run = await fetchRun(stage.run_id);
    if (Date.parse(run.created_at) <= Date.parse(shown.created_at)) this.older.add(run.id);
    else if (this.store.state.run === shown) {
      this.page.own({ ...run, control_token: this.member.token });
      this.store.set({ notice: t("class.stage_moved") });
    }
  }

  // The student's own run: the one they had (after a reload), or a new one from the
  // teacher's setup (the same seed: the same data and first weights).
  async ownRun(stageRunId) {
    const token = this.member.token;
    if (this.you?.race && this.you.run_id) { // a lane of the class's race: the teacher drives it
      await this.page.watch(this.you.run_id);
      return;
    }
    if (this.you?.run_id) {
      const run = await fetchRun(this.you.run_id).catch(() => null);
      if (run && (!ENDED.has(run.status) || run.status === "interrupted")) { // brought back on connecting
        this.page.own({ ...run, control_token: token });
        return;
      }
    }
    const teachers = await fetchRun(stageRunId);
    this.page.own(await this.makeRun(teachers.config));
  }

  async showOwn(runId) {
    if (this.you?.race) return this.page.watch(runId);
    this.page.own({ ...(await fetchRun(runId)), control_token: this.member.token });
  }

  async makeRun(config) {
    const run = await createClassRun(this.id, this.member.token, config);
    if (this.you) this.you.run_id = run.id;
    return run;
  }
}
