// The share panel: a link that rebuilds this setup, and the run's watch code and link for a
// class to follow it live; the owner may let viewers control the run.
import { element, togglesPanel } from "./dom.js";
import { t } from "./i18n.js";

function copyRow(label, value) {
  const row = element("div", { class: "share-row" });
  const input = element("input", { type: "text", readonly: "", "aria-label": label, value });
  const copy = element("button", { type: "button", class: "wide" }, t("copy"));
  copy.addEventListener("click", async () => {
    input.select();
    try {
      await navigator.clipboard.writeText(value);
    } catch {
      document.execCommand?.("copy");
    }
    copy.textContent = t("copied");
  });
  row.append(element("span", { class: "share-label" }, label), input, copy);
  return row;
}

export class SharePanel {
  // lanOrigin: where other machines open this server (GET /api/options), null on loopback
  constructor(root, toggle, send, lanOrigin = null) {
    Object.assign(this, { root, toggle, send, lanOrigin });
    togglesPanel(this, toggle);
  }

  render() {
    this.key = null;
  }

  update(state) {
    this.state = state;
    const run = state.run;
    const key = [location.href, run?.share_code, state.viewersCanControl, state.owner].join("|");
    if (this.root.hidden || key === this.key) return;
    this.key = key;
    const rows = [copyRow(t("share_link"), location.href)];
    if (run?.share_code) {
      const watch = `${this.lanOrigin ?? location.origin}/?watch=${run.share_code}`;
      rows.push(copyRow(t("watch_code"), run.share_code), copyRow(t("watch_link"), watch));
      if (!this.lanOrigin) rows.push(element("p", { class: "hint" }, t("class.lan_hint")));
    }
    if (state.owner) {
      const check = element("input", { type: "checkbox" });
      check.checked = Boolean(state.viewersCanControl);
      check.addEventListener("change", () => this.send({ type: "permissions", viewers_can_control: check.checked }));
      const label = element("label", { class: "check compact" });
      label.append(check, element("span", {}, t("let_viewers_control")));
      rows.push(label);
    }
    this.root.replaceChildren(...rows);
  }
}
