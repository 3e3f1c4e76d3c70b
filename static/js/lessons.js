// Lessons: one for each concept of the course (13 in all). The Lessons menu (or a link,
// #lesson=learning-rate) starts a lesson's preset setup as a link's setup starts, and a panel
// walks the student through its steps: an instruction, a question answered before the page
// says what happens, then whether it was right, why, and maybe a change "Apply" makes
// (live, or a new run, through the ConfigEditor). The words are per language (lessons/en.js,
// ko.js); setups and answers are shared (lessons/configs.js). A first-visit intro says what
// the page shows, once per browser. In a class, the teacher can start the open lesson for
// everyone: each student's page opens it (on the teacher's run, which the class watches).
import { updateClass } from "./api.js";
import { element } from "./dom.js";
import { language, t } from "./i18n.js";
import { LESSONS } from "./lessons/configs.js";
import en from "./lessons/en.js";
import ko from "./lessons/ko.js";
import { merge } from "./urlstate.js";

const TEXTS = { en, ko };
const SEEN = "nnplayground.intro-seen";

const words = (lesson) => (TEXTS[language()] ?? en)[lesson.id] ?? en[lesson.id];

// The lesson a link names (#lesson=learning-rate), or null.
export function lessonFromHash(hash = location.hash) {
  const id = new URLSearchParams(hash.replace(/^#/, "")).get("lesson");
  return LESSONS.find((lesson) => lesson.id === id) ?? null;
}

// The whole config of a lesson's preset: its setup over the server's defaults.
export function lessonConfig(lesson, defaults) {
  return merge(structuredClone(defaults), structuredClone(lesson.config));
}

function remember(key) {
  try {
    if (localStorage.getItem(key)) return true;
    localStorage.setItem(key, "1");
  } catch {
    // private mode: the intro shows on every visit
  }
  return false;
}

export class Lessons {
  // `start(config)`: a new run of a preset, as the page starts a link's setup.
  constructor({ toggle, menu, panel, intro }, editor, defaults, start) {
    Object.assign(this, { toggle, menu, panel, intro, editor, defaults, start });
    this.lesson = null;
    this.step = 0;
    this.chosen = null;
    toggle.addEventListener("click", () => this.showMenu(menu.hidden));
    menu.addEventListener("keydown", (event) => event.key === "Escape" && this.closeMenu());
    // Escape in the lesson's panel closes it as its × does; in the intro, as "Got it" does
    panel.addEventListener("keydown", (event) => event.key === "Escape" && this.lesson && this.close());
    intro.addEventListener("keydown", (event) => event.key === "Escape" && this.closeIntro());
    document.addEventListener("click", (event) => {
      if (!menu.hidden && !menu.contains(event.target) && !toggle.contains(event.target)) this.showMenu(false);
    });
    if (!remember(SEEN)) this.intro.hidden = false;
  }

  // The class's lesson: a student's page opens the one the teacher started; the teacher's
  // panel shows whether the class has the open lesson.
  update(state) {
    const room = state.classroom;
    const key = JSON.stringify([state.member?.role ?? null, room?.id ?? null, room?.lesson ?? null]);
    if (key === this.classKey) return;
    this.classKey = key;
    Object.assign(this, { room, member: state.member ?? null });
    const started = LESSONS.find((lesson) => lesson.id === room?.lesson);
    if (state.member?.role === "student" && started && this.lesson?.id !== started.id) this.open(started, false);
    else this.renderPanel();
  }

  // The teacher's button: start the open lesson for the whole class.
  forClass() {
    if (this.member?.role !== "teacher" || !this.room) return [];
    const started = this.room.lesson === this.lesson.id;
    const button = element("button", { type: "button", class: "wide for-class", "aria-pressed": String(started) },
      t(started ? "lessons.class_started" : "lessons.for_class"));
    button.disabled = started;
    button.addEventListener("click", () => {
      updateClass(this.room.id, this.member.token, { lesson: this.lesson.id }).catch((error) => {
        button.replaceWith(element("p", { class: "lesson-problem", role: "alert" }, error.message));
      });
    });
    return [button];
  }

  render() {
    this.renderMenu();
    this.renderIntro();
    this.renderPanel();
  }

  showMenu(open) {
    this.menu.hidden = !open;
    this.toggle.setAttribute("aria-expanded", String(open));
    if (!open) return;
    const below = this.toggle.getBoundingClientRect().bottom + window.scrollY; // the top bar may wrap
    this.menu.style.top = `${Math.round(below + 6)}px`;
    this.menu.querySelector("a, button")?.focus();
  }

  closeMenu() {
    this.showMenu(false);
    this.toggle.focus();
  }

  closeIntro() {
    this.intro.hidden = true;
    this.toggle.focus();
  }

  renderMenu() {
    const list = element("ol", { class: "lesson-list" });
    for (const lesson of LESSONS) {
      const link = element("a", { href: `#lesson=${lesson.id}` }, words(lesson).title);
      link.addEventListener("click", (event) => {
        event.preventDefault();
        this.open(lesson, true);
      });
      const item = element("li");
      item.append(link);
      list.append(item);
    }
    const intro = element("button", { type: "button", class: "link-button" }, t("lessons.intro"));
    intro.addEventListener("click", () => {
      this.showMenu(false);
      this.intro.hidden = false;
      this.intro.classList.add("open"); // asked for: the text too
      this.renderIntro();
      this.intro.querySelector("button:not(.intro-more)")?.focus();
    });
    this.menu.replaceChildren(element("h2", { class: "lessons-heading" }, t("lessons")), list, intro);
  }

  renderIntro() {
    const lessons = element("button", { type: "button", class: "wide" }, t("intro.lessons"));
    lessons.addEventListener("click", () => {
      this.intro.hidden = true;
      this.showMenu(true);
    });
    const close = element("button", { type: "button", class: "wide" }, t("intro.close"));
    close.addEventListener("click", () => (this.intro.hidden = true));
    // a small first screen (app.css) shows the title and the buttons; the text on asking
    const open = this.intro.classList.contains("open");
    const more = element("button", { type: "button", class: "wide intro-more", "aria-expanded": String(open), "aria-controls": "intro-text" },
      t("intro.more"));
    more.addEventListener("click", () => {
      more.setAttribute("aria-expanded", String(this.intro.classList.toggle("open")));
    });
    this.intro.replaceChildren(
      element("h2", { id: "intro-title" }, t("intro.title")),
      element("p", { id: "intro-text" }, t("intro.text")),
      element("div", { class: "lesson-actions" }),
    );
    this.intro.lastChild.append(more, lessons, close);
  }

  // Opens a lesson at its first step; `fresh`: also start its preset (a link's lesson is
  // started by the page itself).
  open(lesson, fresh) {
    Object.assign(this, { lesson, step: 0, chosen: null });
    this.showMenu(false);
    if (fresh) this.start(lessonConfig(lesson, this.defaults));
    this.renderPanel();
    if (fresh) this.panel.querySelector("h2")?.focus();
  }

  close() {
    this.lesson = null;
    this.renderPanel();
    this.toggle.focus();
  }

  renderPanel() {
    this.panel.hidden = !this.lesson;
    if (!this.lesson) return this.panel.replaceChildren();
    const text = words(this.lesson);
    const step = text.steps[this.step];
    const shut = element("button", { type: "button", class: "small", "aria-label": t("lessons.close"), title: t("lessons.close") }, "×");
    shut.addEventListener("click", () => this.close());
    const title = element("h2", { id: "lesson-title", tabindex: "-1" }, text.title);
    const count = element("span", { class: "lesson-count" }, t("lessons.step", { k: this.step + 1, n: text.steps.length }));
    this.panel.replaceChildren(
      element("header", { class: "lesson-head" }),
      ...this.forClass(),
      element("p", { class: "lesson-text" }, step.text),
      this.question(step),
    );
    this.panel.firstChild.append(title, count, shut);
    if (this.chosen !== null) this.panel.append(...this.reveal(step));
  }

  // The question and its choices: a choice answers it once.
  question(step) {
    const group = element("div", { class: "lesson-question", role: "group", "aria-labelledby": "lesson-question" });
    group.append(element("p", { id: "lesson-question" }, step.question));
    const answer = this.shared().answer;
    step.choices.forEach((choice, index) => {
      const button = element("button", { type: "button", class: "choice" }, choice);
      if (this.chosen !== null) {
        button.disabled = true;
        button.setAttribute("aria-pressed", String(index === this.chosen));
        if (index === answer) button.classList.add("right");
        else if (index === this.chosen) button.classList.add("wrong");
      }
      button.addEventListener("click", () => {
        this.chosen = index;
        this.renderPanel();
        this.panel.querySelector(".lesson-verdict")?.focus();
      });
      group.append(button);
    });
    return group;
  }

  shared() {
    return this.lesson.steps[this.step];
  }

  // After an answer: right or not, why, the step's change to apply, and the next step.
  reveal(step) {
    const right = this.chosen === this.shared().answer;
    const verdict = element("p", { class: `lesson-verdict ${right ? "right" : "wrong"}`, role: "status", tabindex: "-1" },
      right ? t("lessons.right") : t("lessons.wrong", { answer: step.choices[this.shared().answer] }));
    const actions = element("div", { class: "lesson-actions" });
    const change = this.shared().apply;
    if (change) {
      const apply = element("button", { type: "button", class: "wide apply" }, t("lessons.apply"));
      apply.disabled = !this.editor.canControl;
      apply.addEventListener("click", () => this.apply(change));
      actions.append(apply);
    }
    const last = this.step === this.lesson.steps.length - 1;
    const next = element("button", { type: "button", class: "wide next" }, last ? t("lessons.done") : t("lessons.next"));
    next.addEventListener("click", () => (last ? this.close() : this.goTo(this.step + 1)));
    actions.append(next);
    return [verdict, element("p", { class: "lesson-explain" }, step.explain), actions];
  }

  goTo(index) {
    Object.assign(this, { step: index, chosen: null });
    this.renderPanel();
    this.panel.querySelector("h2")?.focus();
  }

  // A step's change, as if the student made it: `live` goes to the running run, `config`
  // starts a new one (the editor's own paths).
  apply({ live, config }) {
    if (live) {
      Object.assign(this.editor.config.training, live);
      this.editor.live(live);
      this.editor.render();
    }
    if (config) this.editor.change((current) => Object.assign(current, merge(current, config)));
  }
}
