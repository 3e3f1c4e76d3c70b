// The inspector's arithmetic for one weight (inspector.js): the next step's update (the
// `update` answer) and the chain rule on one example (the `chain` answer), in the course
// slides' notation: i an output unit, j the unit below it, k the one below that; x the
// activations, s the weighted sums, t the targets.
import { element } from "./dom.js";
import { t } from "./i18n.js";
import { fmt, line, math, number, table } from "./inspectviews.js";
import { nameOf } from "./names.js";

// The optimizer's quantities (engine/inspect_step.py's next_update), each by its symbol.
const SYMBOLS = {
  eta_g: "η·g", velocity: "v", accumulator: "s", t: "t", m: "m", v: "v", m_hat: "m̂", v_hat: "v̂",
  decay: "η·λ_wd·w", step: "Δ_opt",
};

// The weight's name in the slides: w_ji into output unit i, w_kj into hidden unit j; b a bias.
export function weightSymbol(data) {
  const output = data.kind === "output";
  if (data.bias) return output ? "b_i" : "b_j";
  return output ? "w_ji" : "w_kj";
}

function batchNote(batch) {
  const end = batch.start + batch.size - 1;
  let text = t("inspect.batch", { start: batch.start, end, size: batch.size });
  if (batch.new_epoch) text += ` ${t("inspect.new_epoch")}`;
  if (batch.dropout) text += ` ${t("inspect.with_dropout")}`;
  return element("p", { class: "hint" }, text);
}

export function updateView(data) {
  const g = data.gradient;
  const formula = element("p", { class: "formula" });
  formula.append(element("span", { class: "words" }, nameOf("optimizer", data.optimizer)), math(data.formula));
  const rows = [
    line("w", data.weight, "weight", t("inspect.now")),
    line("∂L/∂w", g.loss, "loss", t("inspect.loss_part")),
    line("λ·R′(w)", g.penalty, "penalty", t("inspect.penalty_part")),
    line("∂J/∂w", g.total, "gradient", t("inspect.gradient_total")),
  ];
  if (g.seen !== g.loss) rows.push(line("g", g.seen, "seen", t("inspect.seen")));
  for (const [name, value] of Object.entries(data.quantities)) {
    rows.push(line(SYMBOLS[name] ?? name, value, `q-${name}`, name === "step" ? t("inspect.optimizer_step") : ""));
  }
  if (data.regularization !== "none") rows.push(line("η·λ·R′(w)", data.penalty_step, "penalty_step", t("inspect.penalty_step")));
  rows.push(line("w′", data.new_weight, "new_weight", t("inspect.next_value")), line("Δw", data.change, "change"));
  const parts = [formula, table(null, rows, { "data-name": "update" }), batchNote(data.batch)];
  if (data.dead) parts.push(element("p", { class: "hint" }, t("inspect.dead")));
  if (!data.will_step) parts.push(element("p", { class: "hint" }, t("inspect.no_step")));
  return parts;
}

// What "Step one batch" did to the weight: before, the value predicted, the value after.
export function beforeAfter(before, after) {
  const same = fmt(before.new_weight) === fmt(after.weight);
  const rows = [
    line("w", before.weight, "before", t("inspect.before")),
    line("w′", before.new_weight, "predicted", t("inspect.predicted")),
    line("w", after.weight, "after", t("inspect.after")),
  ];
  const caption = t("inspect.stepped", { from: before.step, to: after.step });
  const node = table(caption, rows, { "data-name": "before-after" });
  const verdict = element("p", { class: same ? "verdict good" : "verdict" }, t(same ? "inspect.as_predicted" : "inspect.not_predicted"));
  return [node, verdict];
}

function factorsTable(data) {
  const w = weightSymbol(data);
  const caption = element("span");
  caption.append(math(`∂E/∂${w} = ${data.factors.map((f) => f.symbol).join(" · ")}`));
  const rows = data.factors.map((factor, k) => line(factor.symbol, factor.value, `factor-${k}`));
  rows.push(line(`∂E/∂${w}`, data.product, "product", t("inspect.product")));
  const weight = `${data.layer},${data.source ?? "bias"},${data.target}`; // which weight it answers
  return table(caption, rows, { "data-name": "factors", "data-weight": weight });
}

const TERM_HEADS = {
  i: "i", k: "k", x_i: "x_i", t_i: "t_i", dE_ds_i: "∂E/∂s_i", w_ji: "w_ji", dE_dx_k: "∂E/∂x_k",
  dx_k_ds_i: "∂x_k/∂s_i",
};

// The sum inside the first factor, a term a row with the sum last: a hidden weight's
// ∂E/∂x_j over the units i above, or a softmax output's ∂E/∂s_i over its outputs k.
function termsTable(data) {
  const hidden = data.kind === "hidden";
  const names = Object.keys(TERM_HEADS).filter((name) => name in data.terms[0]);
  const sum = hidden ? "∂E/∂x_j = Σ_i ∂E/∂s_i·w_ji" : "∂E/∂s_i = Σ_k ∂E/∂x_k·∂x_k/∂s_i";
  const termOf = (term) => (hidden ? term.dE_ds_i * term.w_ji : term.product);
  const node = element("table", { class: "inspect-table terms", "data-name": "terms" });
  const caption = element("caption");
  caption.append(math(sum));
  const row = (cells) => {
    const tr = element("tr");
    tr.append(...cells.map((cell) => {
      const td = element("td");
      td.append(cell);
      return td;
    }));
    return tr;
  };
  const head = element("tr");
  head.append(...[...names, hidden ? "∂E/∂s_i·w_ji" : "∂E/∂x_k·∂x_k/∂s_i"].map((name) => {
    const th = element("th", { scope: "col" });
    th.append(math(TERM_HEADS[name] ?? name));
    return th;
  }));
  const body = element("tbody");
  for (const term of data.terms) {
    body.append(row([...names.map((name) => (name === "i" || name === "k" ? String(term[name]) : number(term[name]))), number(termOf(term))]));
  }
  const total = element("tfoot");
  total.append(row([...names.map((_, n) => (n ? "" : "Σ")), number(data.factors[0].value, "sum")]));
  const thead = element("thead");
  thead.append(head);
  node.append(caption, thead, body, total);
  return node;
}

// A factor as written in a product: a negative one in parentheses.
const factor = (value) => (value < 0 ? `(${fmt(value)})` : fmt(value));

// The slide's short form for sigmoid with BCE (or softmax with cross-entropy), with numbers.
function shortForm(data) {
  const simple = data.simplified;
  const node = element("p", { class: "formula short-form", "data-name": "short-form" });
  node.append(element("span", { class: "words" }, t("inspect.short_form")), math(simple.formula), " = ");
  if (simple.errors) {
    const sum = data.terms.map((term) => `(${fmt(term.x_i)} − ${fmt(term.t_i)})·${factor(term.w_ji)}`).join(" + ");
    node.append(`(${sum})·${factor(simple.dx_j_ds_j)}·${factor(simple.x_k)}`);
  } else {
    node.append(`(${fmt(simple.x_i)} − ${fmt(simple.t_i)})·${factor(simple.x_j)}`);
  }
  node.append(" = ", number(simple.value, "short"));
  return node;
}

function knownValues(data) {
  const names = data.kind === "output" ? ["x_i", "t_i", "x_j"] : ["x_j", "x_k"];
  const node = element("p", { class: "hint values" });
  const indices = Object.entries(data.indices).map(([name, value]) => `${name} = ${value ?? "b"}`);
  node.append(t("inspect.example_values", { n: data.example }), " ", indices.join(", "), "; ");
  for (const name of names) node.append(math(`${name} = `), number(data[name]), " ");
  return node;
}

export function chainView(data) {
  const w = weightSymbol(data);
  const parts = [knownValues(data), factorsTable(data)];
  if (data.terms.length) parts.push(termsTable(data));
  if (data.simplified) parts.push(shortForm(data));
  const checks = [
    line(`∂E/∂${w}`, data.product, "chain_product", t("inspect.by_chain_rule")),
    line(`∂E/∂${w}`, data.finite_difference, "finite_difference", t("inspect.finite_difference")),
    line("λ·R′(w)", data.penalty, "chain_penalty", t("inspect.penalty_part")),
    line(`∂J/∂${w}`, data.total, "chain_total", t("inspect.example_total")),
    line(`∂L/∂${w}`, data.batch.mean, "batch_mean", t("inspect.batch_mean")),
  ];
  parts.push(table(null, checks, { "data-name": "checks" }), batchNote(data.batch));
  return parts;
}
