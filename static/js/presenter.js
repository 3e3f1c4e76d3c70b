// Presenter mode, for the projector: the network, the plot and the loss big enough to read
// from the back of the room (no text under 24 px), the setup panels out of the way, and
// beside them the class's join code, its link and a QR code of it. Fullscreen where the
// browser allows; Esc (or the button) leaves.
import { fetchClass } from "./api.js";
import { element } from "./dom.js";
import { t } from "./i18n.js";
import { qrSvg } from "./qr.js";

export class Presenter {
  constructor(root, toggle) {
    Object.assign(this, { root, toggle });
    toggle.addEventListener("click", () => this.present(!document.body.classList.contains("presenter")));
    document.addEventListener("keydown", (event) => event.key === "Escape" && this.present(false));
    document.addEventListener("fullscreenchange", () => !document.fullscreenElement && this.present(false, false));
    if (new URLSearchParams(location.search).has("present")) this.present(true, false);
    // the stage's height bounds the plot (presenter.css): what a lesson's panel leaves of it
    const stage = document.querySelector("main.columns");
    if (stage) new ResizeObserver(() => document.body.style.setProperty("--stage", `${stage.clientHeight}px`)).observe(stage);
  }

  present(on, fullscreen = true) {
    if (document.body.classList.contains("presenter") === on) return;
    document.body.classList.toggle("presenter", on);
    this.toggle.setAttribute("aria-pressed", String(on));
    this.root.hidden = !on;
    if (fullscreen && on) document.documentElement.requestFullscreen?.().catch(() => {}); // not everywhere
    if (!on && document.fullscreenElement) document.exitFullscreen().catch(() => {});
    window.dispatchEvent(new Event("resize")); // the plot and chart take their new sizes
  }

  render() {
    this.key = null;
    this.toggle.textContent = t("class.present");
    this.toggle.title = t("class.present.tip");
  }

  update(state) {
    const teacher = state.member?.role === "teacher";
    const room = teacher ? state.classroom : null; // the join code is the teacher's to show
    if (room && this.asked !== room.id) {
      this.asked = room.id;
      fetchClass(room.id, state.member.token).then((detail) => (this.lanUrl = detail.lan_url), () => {});
    }
    const link = this.lanUrl ?? (room ? `${location.origin}/join/${room.code}` : null);
    const key = JSON.stringify([room?.code, room?.viewers, link]);
    if (key === this.key) return;
    this.key = key;
    if (!room) {
      this.root.replaceChildren();
      return;
    }
    const code = element("p", { class: "presenter-code" });
    code.append(element("span", {}, t("class.code")), element("strong", {}, room.code));
    this.root.replaceChildren(
      code,
      linkLine(link),
      qrSvg(link, { size: 280, label: t("class.qr", { link }) }),
      element("p", { class: "presenter-viewers" }, t("presenter.viewers", { n: room.viewers })),
    );
  }
}

// The join link, broken (if it must be) after its "://", its host and port, and its last
// "/": the address and the code stay whole.
function linkLine(link) {
  const cuts = [link.indexOf("://") + 3, link.indexOf("/", link.indexOf("://") + 3) + 1, link.lastIndexOf("/") + 1];
  const line = element("p", { class: "presenter-link" }, link.slice(0, cuts[0]));
  for (const [k, at] of cuts.entries()) {
    const part = link.slice(at, cuts[k + 1] ?? link.length);
    if (part) line.append(document.createElement("wbr"), k === 2 ? element("span", { class: "presenter-link-code" }, part) : part);
  }
  return line;
}
