// The output activation and the loss are one pair, allowed per task (GET /api/options'
// `heads`, from engine/heads.py). The menus offer only pairs that fit, and a change that
// leaves a pair which no longer fits (another task's dataset) sets it back to auto.

// The task of the config's data: a registered dataset's own, else (your own data, whose task
// follows from its labels) the task of the data the page shows, if that is known.
export function taskOf(options, config, shown = null) {
  const task = options.datasets[config.data.dataset]?.task;
  return task in options.heads ? task : shown;
}

// The allowed pairs of a task ({output: [losses]}); with no task known, every pair of any task.
function allowedOf(options, task) {
  if (task) return options.heads[task].allowed;
  const all = {};
  for (const { allowed } of Object.values(options.heads)) {
    for (const [output, losses] of Object.entries(allowed)) all[output] = [...new Set([...(all[output] ?? []), ...losses])];
  }
  return all;
}

const canonical = (options, output) => options.output_aliases[output] ?? output;

// The output menu's choices: auto, then every output the task allows.
export function outputChoices(options, task) {
  return ["auto", ...Object.keys(allowedOf(options, task))];
}

// The loss menu's choices for an output: auto, then the losses that output allows (with auto,
// those of any allowed output: the server then picks the output that fits the loss).
export function lossChoices(options, task, output) {
  const allowed = allowedOf(options, task);
  const losses = output === "auto" ? Object.values(allowed).flat() : allowed[canonical(options, output)] ?? [];
  return ["auto", ...new Set(losses)];
}

// Sets the config's output and loss back to auto where they do not fit its task (unknown: left
// as they are, for the server to judge).
export function fitHead(options, config, task) {
  if (!task) return;
  const { network, training } = config;
  if (!outputChoices(options, task).includes(canonical(options, network.output_activation))) network.output_activation = "auto";
  if (!lossChoices(options, task, network.output_activation).includes(training.loss)) training.loss = "auto";
}
