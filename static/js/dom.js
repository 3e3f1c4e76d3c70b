// Small DOM helpers shared by the widgets.
export function element(tag, attributes = {}, text = "") {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text) node.textContent = text;
  return node;
}

// A control with its visible label (the label names it for assistive technology too).
export function labelled(label, control, tip = "") {
  const wrapper = element("label", { class: "field" });
  if (tip) wrapper.title = tip;
  if (!control.hasAttribute("aria-label")) control.setAttribute("aria-label", label.replace(/\s+\d+\s*%?$/, ""));
  wrapper.append(element("span", {}, label), control);
  return wrapper;
}

// A <select> of choices: values, or [value, text] pairs. A value that is not among them (say
// a link's max_epochs of 300) is added, so the control never shows something else.
export function select(name, choices, value) {
  const control = element("select", { name });
  const known = choices.some((choice) => String(Array.isArray(choice) ? choice[0] : choice) === String(value));
  if (!known && value !== null && value !== undefined) choices = [...choices, value];
  for (const choice of choices) {
    const [key, text] = Array.isArray(choice) ? choice : [choice, choice];
    const option = element("option", { value: String(key) }, String(text));
    option.selected = String(key) === String(value);
    control.append(option);
  }
  return control;
}

// A small round button with an accessible name.
export function roundButton(name, text, enabled, onClick) {
  const control = element("button", { type: "button", "aria-label": name, title: name, class: "small" }, text);
  control.disabled = !enabled;
  control.addEventListener("click", onClick);
  return control;
}

// The element's size in device pixels, kept current by a ResizeObserver, which then calls
// `onResize`. Reading clientWidth while painting would force a layout in every frame (the
// widgets before have just written to the DOM).
export function deviceSize(element, onResize) {
  const size = { width: 0, height: 0 };
  new ResizeObserver(([entry]) => {
    size.width = Math.round(entry.contentRect.width * devicePixelRatio);
    size.height = Math.round(entry.contentRect.height * devicePixelRatio);
    onResize();
  }).observe(element);
  return size;
}

// A canvas font in the page's own families (app.css's, the vendored Korean subset among
// them): a canvas is not repainted when a web font arrives, so `onFontsLoaded` tells its
// widget to paint again.
export function canvasFont(px) {
  return `${px}px ${getComputedStyle(document.body).fontFamily}`;
}

export function onFontsLoaded(repaint) {
  document.fonts?.addEventListener("loadingdone", repaint);
}

// Starts loading the faces `text` needs in `font` (a canvas alone does not ask for them).
export function needFont(font, text) {
  if (document.fonts && !document.fonts.check(font, text)) document.fonts.load(font, text).catch(() => {});
}

// Rebuilds a widget's controls and keeps the keyboard's place: the focused control, replaced,
// hands the focus to its successor (the same tag and accessible name, or the same name).
export function keepingFocus(root, rebuild) {
  const focused = root.contains(document.activeElement) ? document.activeElement : null;
  rebuild();
  if (!focused || focused.isConnected) return;
  const key = (node) => node.getAttribute("aria-label") ?? node.getAttribute("name");
  const successor = [...root.querySelectorAll(focused.tagName)].find((node) => key(node) === key(focused));
  successor?.focus();
}

// A top-bar button that opens and closes a panel widget (its `root`): the panel is built
// afresh on opening (`render`, then `update` with the last state it saw).
export function togglesPanel(panel, toggle) {
  toggle.addEventListener("click", () => {
    const open = panel.root.hidden;
    panel.root.hidden = !open;
    toggle.setAttribute("aria-expanded", String(open));
    panel.render();
    if (panel.state) panel.update(panel.state);
  });
}

// A function that asks for `paint` at the next animation frame, once however often it is
// called before then (data arrives any time; painting happens at most once a frame).
export function paintOnce(paint) {
  let queued = false;
  return () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      paint();
    });
  };
}

// Escape in an open panel, or on the button that opened it (where the focus stays after a
// click or Enter), closes it as its button would (a button with aria-controls and
// aria-expanded), and gives that button the focus back. A panel that closes itself on Escape
// first (the inspector, the lessons menu) is left as it is.
export function closeOnEscape(toggles) {
  for (const toggle of toggles) {
    const panel = document.getElementById(toggle.getAttribute("aria-controls"));
    const close = (event) => {
      if (event.key !== "Escape" || toggle.getAttribute("aria-expanded") !== "true") return;
      toggle.click();
      toggle.focus();
    };
    panel?.addEventListener("keydown", close);
    toggle.addEventListener("keydown", close);
  }
}
