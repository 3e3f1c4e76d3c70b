// The inspector's building blocks (inspector.js): numbers to 4 significant digits, symbols
// with subscripts, small tables, and two of its views: a point's way through the network
// (the `probe` answer) and the cost's gradient norms per layer (every frame's header).
import { element, labelled } from "./dom.js";
import { t } from "./i18n.js";
import { nameOf } from "./names.js";

// 4 significant digits, a real minus sign; "—" for null (the server sends null for NaN, ±inf).
export function fmt(value) {
  if (value === null || value === undefined) return "—";
  if (typeof value !== "number") return String(value);
  if (value === 0) return "0";
  return value.toPrecision(4).replace("-", "−");
}

// "∂s_i/∂w_ji" with its indices as subscripts.
export function math(text, attributes = {}) {
  const node = element("span", { class: "math", ...attributes });
  let last = 0;
  for (const match of text.matchAll(/_([A-Za-z0-9]+)/g)) {
    node.append(text.slice(last, match.index), element("sub", {}, match[1]));
    last = match.index + match[0].length;
  }
  node.append(text.slice(last));
  return node;
}

// A number as shown, its full value in data-value (for a reader who wants every digit).
export function number(value, name = "") {
  const attributes = { class: "num", "data-value": String(value) };
  if (name) attributes["data-name"] = name;
  return element("span", attributes, fmt(value));
}

// A table row: a symbol (and what it is, in words), then its value.
export function line(symbol, value, name, words = "") {
  const row = element("tr", { "data-name": name });
  const head = element("th", { scope: "row" });
  head.append(math(symbol));
  if (words) head.append(element("span", { class: "words" }, words));
  const cell = element("td");
  cell.append(number(value, name));
  row.append(head, cell);
  return row;
}

export function table(caption, rows, attributes = {}) {
  const node = element("table", { class: "inspect-table", ...attributes });
  if (caption) {
    const title = element("caption");
    title.append(caption);
    node.append(title);
  }
  const body = element("tbody");
  body.append(...rows);
  node.append(body);
  return node;
}

// Units across, quantities down: a layer's z and a (or the inputs' values).
function unitsTable(caption, heads, rows, layer) {
  const node = element("table", { class: "inspect-table units", "data-layer": String(layer) });
  node.append(element("caption", {}, caption));
  const top = element("tr");
  top.append(element("th"), ...heads.map((head) => element("th", { scope: "col" }, head)));
  const body = element("tbody");
  for (const [symbol, values] of rows) {
    const row = element("tr", { "data-row": symbol });
    const head = element("th", { scope: "row" });
    head.append(math(symbol));
    row.append(head, ...values.map((value) => {
      const cell = element("td");
      cell.append(number(value));
      return cell;
    }));
    body.append(row);
  }
  const thead = element("thead");
  thead.append(top);
  node.append(thead, body);
  return node;
}

function probeWhere(data) {
  const [x1, x2] = data.point.map(fmt);
  if (data.example === null) return t("inspect.at_point", { x1, x2 });
  return t("inspect.at_example", { n: data.example, x1, x2, target: (data.target ?? []).map(fmt).join(", ") });
}

// The output in words: each class's probability, or the value, and the predicted label.
function probeOutput(output) {
  const node = element("p", { class: "probe-output", "data-kind": output.kind });
  const values = output.values;
  if (output.kind === "probabilities") {
    values.forEach((p, k) => node.append(t("inspect.p_class", { k }), " = ", number(p, `p${k}`), " "));
  } else {
    node.append(math(`${output.kind === "probability" ? "P(+1)" : "ŷ"} = `), number(values[0], "output"), " ");
  }
  const label = Number.isInteger(output.label) ? String(output.label).replace("-", "−") : fmt(output.label);
  if (output.label !== null) node.append(element("strong", {}, t("inspect.predicted_class", { label })));
  return node;
}

export function probeView(data) {
  const unit = (n) => String(n + 1);
  const parts = [element("p", { class: "hint" }, probeWhere(data))];
  parts.push(unitsTable(t("inspect.inputs"), data.features.map((f) => nameOf("feature", f)), [["x", data.inputs]], "inputs"));
  for (const layer of data.layers) {
    const name = layer.output ? t("inspect.output") : t("inspect.hidden_n", { n: layer.layer + 1 });
    const heads = layer.z.map((_, k) => (layer.output && layer.z.length > 1 ? `${k}` : unit(k)));
    parts.push(unitsTable(`${name} · ${nameOf("activation", layer.activation)}`, heads, [["z", layer.z], ["a", layer.a]], layer.layer));
  }
  parts.push(probeOutput(data.output));
  return parts;
}

// The run's loss by name, "auto" resolved as engine/heads.py resolves it.
export function lossName(config, task, options) {
  if (config.training.loss !== "auto") return config.training.loss;
  const [autoOutput, autoLoss] = options.heads[task]?.auto ?? [];
  let output = config.network.output_activation;
  if (output === "none") output = "linear";
  if (output === "auto") output = autoOutput;
  if (task === "binary" && output === "sigmoid") return "bce";
  return output === autoOutput || task === "regression" ? autoLoss : null;
}

function bars(title, values, name) {
  const top = Math.max(...values.map((v) => (Number.isFinite(v) ? Math.abs(v) : 0)), 1e-12);
  const list = element("ul", { class: "norm-bars", "data-name": name, "aria-label": title });
  values.forEach((value, k) => {
    const item = element("li");
    const bar = element("span", { class: "norm-bar" });
    bar.style.width = `${Number.isFinite(value) ? (100 * Math.abs(value)) / top : 0}%`;
    const track = element("span", { class: "norm-track" });
    track.append(bar);
    item.append(element("span", { class: "norm-layer" }, t("inspect.layer_k", { k })), track, number(value));
    list.append(item);
  });
  const wrapper = element("div", { class: "norms" });
  wrapper.append(math(title), list);
  return wrapper;
}

// The cost's formula and, per weight layer, the last step's gradient norm and the weights'.
export function costView(header, config, task, options, penalty) {
  const parts = [];
  const loss = config && task ? lossName(config, task, options) : null;
  if (loss) {
    const formula = element("p", { class: "formula", "data-name": "loss-formula" });
    formula.append(element("span", { class: "words" }, t("inspect.loss_is", { name: nameOf("loss", loss) })), math(options.losses[loss]?.formula ?? ""));
    parts.push(formula);
  }
  if (penalty && penalty.name !== "none" && options.regularizers[penalty.name]) {
    const formula = element("p", { class: "formula" });
    const words = t("inspect.penalty_is", { name: nameOf("regularizer", penalty.name), rate: fmt(penalty.rate) });
    formula.append(element("span", { class: "words" }, words), math(options.regularizers[penalty.name].formula));
    parts.push(formula);
  }
  if (header?.grad_norms) parts.push(bars(t("inspect.grad_norms"), header.grad_norms, "grad-norms"));
  if (header?.weight_norms) parts.push(bars(t("inspect.weight_norms"), header.weight_norms, "weight-norms"));
  return parts;
}

// The network's layer sizes, from the frame's weights (weights.k: fan_in × fan_out).
export function sizesOf(frame) {
  const sizes = [];
  for (let k = 0; frame?.arrays[`weights.${k}`]; k++) {
    const [fanIn, fanOut] = frame.arrays[`weights.${k}`].shape;
    if (k === 0) sizes.push(fanIn);
    sizes.push(fanOut);
  }
  return sizes;
}

// A number and its button (Enter works too): a training example's index.
export function numberForm(label, value, onSubmit) {
  const form = element("form", { class: "inspect-form" });
  const input = element("input", { type: "number", min: "0", step: "1", value: String(value), inputmode: "numeric" });
  const show = element("button", { type: "submit", class: "wide" }, t("inspect.show"));
  form.append(labelled(label, input), show);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const n = Math.max(0, Math.round(Number(input.value) || 0));
    input.value = String(onSubmit(n) ?? n); // the number shown: past the last example, the last
  });
  return form;
}
