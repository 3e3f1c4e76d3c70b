// The class panel and banner. Without a class: join one by its code (a join link /join/CODE
// opens this with the code filled in, and offers nothing else), or, a teacher, start one. A student sees their class and may
// leave it; the teacher sees the join code, the link other machines can open (and its QR
// code), the mode, the locks, everyone who joined, and class-wide controls. Every name is
// shown as text, never as HTML.
import { controlClass, createClass, deleteClass, fetchClass, fetchJoinable, joinClass, removeStudent, updateClass } from "./api.js";
import { classRaceUrl, classUrl, forget, memberOf, remember } from "./classroom.js";
import { element } from "./dom.js";
import { t } from "./i18n.js";
import { qrSvg } from "./qr.js";

const LOCKS = ["data", "features", "network", "activation", "training", "own_data"];

function field(label, control) {
  const wrapper = element("label", { class: "field" });
  wrapper.append(element("span", {}, label), control);
  return wrapper;
}

function button(text, onClick, attributes = {}) {
  const control = element("button", { type: "button", class: "wide", ...attributes }, text);
  control.addEventListener("click", onClick);
  return control;
}

// The controls for every student's run at once (the panel's and the dashboard's).
export function classButtons(room, member, say) {
  const box = element("div", { class: "class-buttons", role: "group", "aria-label": t("class.everyone") });
  const controls = [["pause_all", { type: "pause" }], ["play_all", { type: "play" }], ["step_all", { type: "step" }],
    ["step_batch_all", { type: "step", batches: 1 }], ["reset_all", { type: "reset" }], ["send_setup", { type: "send_setup" }]];
  for (const [key, control] of controls) {
    box.append(button(t(`class.${key}`), () => controlClass(room.id, member.token, control).catch((e) => say(e.message))));
  }
  return box;
}

export class ClassPanel {
  // session(): the page's ClassSession or null; code: a join link's code, if the page is one
  constructor(root, toggle, session, code) {
    Object.assign(this, { root, toggle, session, code });
    toggle.addEventListener("click", () => this.show(this.root.hidden));
    this.rosterBox = element("div", { class: "roster", "aria-live": "off" });
    if (code) this.show(true);
  }

  show(open) {
    this.root.hidden = !open;
    this.toggle.setAttribute("aria-expanded", String(open));
    this.render();
  }

  render() {
    this.key = null;
    if (this.state) this.update(this.state);
  }

  update(state) {
    this.state = state;
    if (state.member?.role === "teacher" && !this.opened) {
      this.opened = true; // the teacher's page opens on the class: its code is for the room
      this.show(true);
      return;
    }
    const room = state.classroom;
    const settled = { ...room, viewers: undefined }; // a new count alone must not rebuild (and unfocus) the panel
    const key = JSON.stringify([state.member?.role, settled, this.detail?.lan_url, this.problem, this.joinable]);
    if (!this.root.hidden && key !== this.key) {
      this.key = key;
      const member = state.member;
      if (!member) this.root.replaceChildren(...this.outside());
      else if (member.role === "student") this.root.replaceChildren(...this.student(room, member));
      else this.root.replaceChildren(...this.teacher(room, member));
    }
    if (state.member?.role === "teacher" && !this.root.hidden) this.roster(state);
  }

  // -- not in a class -------------------------------------------------------------------

  // A join link (/join/CODE) is a student's: only the join form. Elsewhere the join form, and
  // a teacher's way to the start form (and back): a student never meets "start" on the way.
  outside() {
    const note = element("p", { class: "class-problem", role: "alert" }, this.problem ?? "");
    note.hidden = !this.problem;
    if (this.code) return [note, this.joinForm()];
    const starting = this.starting === true;
    const other = button(t(starting ? "class.join_instead" : "class.start_instead"), () => {
      this.starting = !starting;
      this.render();
      this.root.querySelector("form input")?.focus();
    }, { class: "wide class-switch" });
    return [note, starting ? this.startForm() : this.joinForm(), other];
  }

  joinForm() {
    const code = this.typed("code", element("input", { type: "text", maxlength: "6", autocomplete: "off", spellcheck: "false", value: this.code ?? "" }));
    const name = this.typed("name", element("input", { type: "text", maxlength: "32", autocomplete: "nickname" }));
    const join = element("form", { class: "class-form", "aria-label": t("class.join") });
    const room = this.joinable;
    const heading = room ? t("class.join_named", { name: room.name, teacher: room.teacher }) : t("class.join");
    join.append(element("h2", {}, heading), ...this.alreadyIn(room), field(t("class.code"), code), field(t("class.your_name"), name),
      element("button", { type: "submit", class: "wide dark" }, t("class.join_button")));
    join.addEventListener("submit", (event) => {
      event.preventDefault();
      this.join(code.value.trim(), name.value);
    });
    if (this.code && !this.checked) this.check(this.code);
    return join;
  }

  // This browser is in the class already (the join link opened again, the tab closed): its
  // place back, rather than a second student of the same name.
  alreadyIn(room) {
    const member = room && memberOf(room.id);
    if (!member) return [];
    const back = button(t("class.back_in"), () => location.assign(classUrl(room.id).replace(/#.*$/, "")), { class: "wide dark" });
    return [element("p", {}, t("class.already_in", { you: member.name })), back];
  }

  startForm() {
    const title = this.typed("title", element("input", { type: "text", maxlength: "32", value: t("class.default_name") }));
    const teacher = this.typed("teacher", element("input", { type: "text", maxlength: "32" }));
    const start = element("form", { class: "class-form", "aria-label": t("class.start") });
    start.append(element("h2", {}, t("class.start")), field(t("class.name"), title), field(t("class.your_name"), teacher),
      element("button", { type: "submit", class: "wide dark" }, t("class.start_button")));
    start.addEventListener("submit", (event) => {
      event.preventDefault();
      this.start(title.value, teacher.value);
    });
    return start;
  }

  // A field that keeps what was typed in it when the panel is built again: a refused join
  // says why in a panel built anew, and the student fixes the code, not retypes their name.
  typed(key, control) {
    this.kept ??= {};
    if (key in this.kept) control.value = this.kept[key];
    control.addEventListener("input", () => (this.kept[key] = control.value));
    return control;
  }

  async check(code) {
    this.checked = true;
    try {
      this.joinable = await fetchJoinable(code);
      this.code = this.joinable.code;
      this.render();
    } catch {
      this.say(t("class.unknown_code", { code }));
    }
  }

  async join(code, name) {
    try {
      const joined = await joinClass(code, name);
      remember(joined.classroom.id, { role: "student", token: joined.student_token, name });
      location.assign(classUrl(joined.classroom.id).replace(/#.*$/, ""));
    } catch (error) {
      this.say(error.code === "class.no_code" ? t("class.unknown_code", { code }) : error.message);
    }
  }

  async start(name, teacher) {
    try {
      const room = await createClass(name, teacher || t("class.teacher"));
      remember(room.id, { role: "teacher", token: room.teacher_token, name: room.teacher });
      location.assign(classUrl(room.id));
    } catch (error) {
      this.say(error.message);
    }
  }

  say(problem) {
    this.problem = problem;
    this.render();
  }

  // -- a student --------------------------------------------------------------------------

  student(room, member) {
    const text = room ? t("class.you_are_in", { name: room.name, teacher: room.teacher, you: member.name }) : t("class.connecting");
    return [element("p", {}, text), button(t("class.leave"), () => this.leave(member.id))];
  }

  leave(id) {
    forget(id);
    location.assign(`/${location.hash}`);
  }

  // -- the teacher ------------------------------------------------------------------------

  teacher(room, member) {
    if (!room) return [element("p", {}, t("class.connecting"))];
    if (!this.detail) fetchClass(room.id, member.token).then((detail) => (this.detail = detail) && this.render(), () => {});
    const link = this.detail?.lan_url;
    const code = element("p", { class: "join-code" });
    code.append(element("span", {}, t("class.code")), element("strong", { "aria-label": t("class.code_spelled", { code: [...room.code].join(" ") }) }, room.code));
    const where = link ? element("p", {}, t("class.join_at", { link })) : element("p", { class: "hint" }, t("class.lan_hint"));
    const parts = [code, where];
    if (link) parts.push(qrSvg(link, { size: 160, label: t("class.qr", { link }) }));
    const links = element("p", {});
    links.append(element("a", { href: `/class/${encodeURIComponent(room.id)}`, target: "_blank" }, t("class.dashboard")));
    parts.push(this.modeSwitch(room, member), this.lockBoxes(room, member), classButtons(room, member, (p) => this.say(p)), links,
      this.raceRow(room, member), this.rosterBox, this.ending(room, member));
    return parts;
  }

  // Ending the class deletes it and its students' runs: the button asks first, in the page.
  ending(room, member) {
    const box = element("p", { class: "class-end" });
    const ask = button(t("class.end"), () => {
      box.replaceChildren(element("span", {}, t("class.end_sure")), " ",
        button(t("class.end_yes"), () => this.end(room.id, member.token), { class: "wide danger" }),
        button(t("class.end_no"), () => box.replaceChildren(ask)));
      box.querySelector("button").focus();
    });
    box.append(ask);
    return box;
  }

  async end(id, token) {
    try {
      await deleteClass(id, token);
    } catch (error) {
      if (error.code !== "class.unknown") return this.say(error.message); // already gone: leave it too
    }
    forget(id);
    location.assign(`/${location.hash}`);
  }

  // A race for the class: set one up (from this page's setup), or, while the class watches
  // one, open it or take the stage back.
  raceRow(room, member) {
    const row = element("p", { class: "class-race" });
    const race = room.stage?.race;
    if (race) {
      row.append(element("span", {}, t("class.race_on_stage")), " ",
        element("a", { href: classRaceUrl(room.id, race) }, t("class.race_open")),
        button(t("class.race_stop"), () => updateClass(room.id, member.token, { race: null }).catch((e) => this.say(e.message))));
    } else {
      row.append(element("a", { href: `/races/new?class=${encodeURIComponent(room.id)}${location.hash}` }, t("class.race_new")));
    }
    return row;
  }

  modeSwitch(room, member) {
    const box = element("div", { class: "class-mode", role: "radiogroup", "aria-label": t("class.mode") });
    for (const mode of ["watch", "hands_on"]) {
      const radio = element("input", { type: "radio", name: "class-mode", value: mode });
      radio.checked = room.mode === mode;
      radio.addEventListener("change", () => updateClass(room.id, member.token, { mode }).catch((e) => this.say(e.message)));
      const label = element("label", { class: "check compact" });
      label.append(radio, element("span", {}, t(`class.mode.${mode}`)));
      box.append(label);
    }
    if (room.stage?.student) box.append(button(t("class.back_to_mine"), () => updateClass(room.id, member.token, { spotlight: null })));
    return box;
  }

  lockBoxes(room, member) {
    const box = element("fieldset", { class: "class-locks" });
    box.append(element("legend", {}, t("class.locks")));
    for (const group of LOCKS) {
      const check = element("input", { type: "checkbox" });
      check.checked = room.locks.includes(group);
      check.addEventListener("change", () => {
        const locks = LOCKS.filter((g) => (g === group ? check.checked : room.locks.includes(g)));
        updateClass(room.id, member.token, { locks }).catch((e) => this.say(e.message));
      });
      const label = element("label", { class: "check compact" });
      label.append(check, element("span", {}, t(`lock.${group}`)));
      box.append(label);
    }
    return box;
  }

  roster(state) {
    const students = state.roster ?? [];
    const key = JSON.stringify(students);
    if (key === this.rosterKey) return;
    this.rosterKey = key;
    const room = state.classroom;
    const rows = students.map((student) => {
      const row = element("li", { class: student.connected ? "online" : "offline" });
      const numbers = student.run
        ? t("class.student_run", { epoch: student.run.epoch, loss: student.run.test_loss?.toFixed(3) ?? "—", status: t(`status_name.${student.run.status}`) })
        : t("class.no_run");
      row.append(element("span", { class: "student-name" }, student.name), element("span", { class: "muted" }, numbers));
      if (student.run && room) {
        row.append(button(t("class.spotlight"), () => updateClass(room.id, state.member.token, { spotlight: student.id }),
          { "aria-label": t("class.spotlight_who", { name: student.name }) }));
      }
      if (room) {
        row.append(button(t("class.remove"), () => removeStudent(room.id, state.member.token, student.id).catch((e) => this.say(e.message)),
          { "aria-label": t("class.remove_who", { name: student.name }) }));
      }
      return row;
    });
    const title = element("h2", {}, t("class.students", { n: students.filter((s) => s.connected).length, total: students.length }));
    const list = element("ul", {});
    list.append(...rows);
    this.rosterBox.replaceChildren(title, list);
  }
}

// A class this page is no longer in: deleted by the teacher, or the student taken out of it.
const LEFT = new Set(["class.gone", "class.removed"]);

// One line under the top bar: whose run this page shows, and how many watch it.
export class ClassBanner {
  constructor(root) {
    this.root = root;
  }

  render() {
    this.text = null;
  }

  update(state) {
    const text = this.say(state);
    const away = LEFT.has(state.classError) && state.member?.role === "student";
    if (text === this.text && away === this.away) return;
    Object.assign(this, { text, away });
    this.root.textContent = text ?? "";
    this.root.hidden = !text;
    // the class (and the run it showed) is gone for this student: the way on is their own playground
    if (away) this.root.append(" ", element("a", { href: `/${location.hash}`, class: "class-away" }, t("class.on_your_own")));
  }

  say(state) {
    if (state.classError) return t(state.classError);
    const room = state.classroom;
    // a run watched by its share code: whose its controls are (they stood disabled, unsaid)
    if (!room) return state.run && state.owner === false && !state.member ? t(state.canControl ? "watching.control" : "watching") : null;
    const n = room.viewers;
    if (state.member?.role === "teacher") {
      if (room.stage?.race) return t("banner.teacher_race", { code: room.code, n });
      return room.stage?.student
        ? t("banner.teacher_spotlight", { name: room.stage.student, code: room.code, n })
        : t("banner.teacher", { name: room.name, code: room.code, n });
    }
    if (!room.stage) return t("banner.waiting", { teacher: room.teacher });
    if (room.stage.student) return t("banner.spotlight", { name: room.stage.student, n });
    if (room.mode === "hands_on" && state.you?.cell) {
      const cell = Object.entries(state.you.cell).map(([name, value]) => `${t(name)} ${value}`).join(", ");
      if (state.you.race) return t("banner.race_lane", { cell, teacher: room.teacher });
      return `${t("banner.own", { teacher: room.teacher })} · ${t("experiment.your_cell", { cell })}`;
    }
    if (room.mode === "hands_on") {
      return room.locks.length ? t("banner.own_locked", { teacher: room.teacher, locks: room.locks.map((g) => t(`lock.${g}`)).join(", ") })
        : t("banner.own", { teacher: room.teacher });
    }
    return t("banner.watching", { teacher: room.teacher, n });
  }
}
