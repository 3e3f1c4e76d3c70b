// Explanations for the keyboard and for touch: a control whose explanation is its `title` (which
// only a mouse's hover shows) shows it in a visible tip while the keyboard's focus is on it, or
// once a finger touches it. Escape hides it (WCAG 1.4.13: dismissable).
export class FocusTips {
  constructor(root, tip) {
    this.tip = tip;
    root.addEventListener("focusin", (event) => {
      if (event.target.matches(":focus-visible")) this.show(event.target);
    });
    root.addEventListener("focusout", () => this.hide());
    root.addEventListener("pointerdown", (event) => {
      if (event.pointerType === "touch") this.show(event.target);
      else this.hide();
    });
    root.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.hide();
    });
  }

  show(target) {
    const owner = target.closest?.("[title]");
    if (!owner?.title || this.tip.contains(target)) return this.hide();
    this.tip.textContent = owner.title;
    this.tip.hidden = false;
    // under the control, kept inside the page's width
    const box = owner.getBoundingClientRect();
    const room = document.documentElement.clientWidth - this.tip.offsetWidth - 8;
    this.tip.style.left = `${Math.max(8, Math.min(box.left, room)) + window.scrollX}px`;
    this.tip.style.top = `${box.bottom + 6 + window.scrollY}px`;
  }

  hide() {
    this.tip.hidden = true;
  }
}
