// A race page in a class (race.js): the class socket, so that a student's page goes back to
// the playground (or on to another race) once the class's stage is no longer this race, and
// the teacher's button that puts this race on the stage or takes it off.
import { openClassStream, updateClass } from "./api.js";
import { classRaceUrl, classUrl } from "./classroom.js";
import { t } from "./i18n.js";

export class RaceStage {
  // changed(): the page repaints; problem(error): the page says what went wrong.
  constructor(id, member, raceId, changed, problem) {
    Object.assign(this, { id, member, raceId, changed, problem, room: null });
    this.button = document.querySelector("#race-class");
    this.button.hidden = member.role !== "teacher";
    this.button.addEventListener("click", () => this.toggle());
    this.open();
  }

  // The teacher's token drives the class's races (they are made with it); a student has none.
  token() {
    return this.member.role === "teacher" ? this.member.token : null;
  }

  open() {
    openClassStream(this.id, this.member.token, {
      onMessage: (message) => message.type === "class" && this.update(message),
      onClose: (event) => event.code !== 1000 && event.code < 4000 && setTimeout(() => this.open(), 1000),
    });
  }

  get shown() {
    return this.room?.stage?.race === this.raceId;
  }

  update(room) {
    this.room = room;
    if (this.member.role === "student" && !this.shown) {
      const race = room.stage?.race;
      location.assign(race ? classRaceUrl(this.id, race) : classUrl(this.id).replace(/#.*$/, ""));
      return;
    }
    this.render();
    this.changed();
  }

  render() {
    this.button.textContent = t(this.shown ? "race.class_stop" : "race.class_show");
  }

  async toggle() {
    try {
      await updateClass(this.id, this.member.token, { race: this.shown ? null : this.raceId });
    } catch (error) {
      this.problem(error);
    }
  }
}
