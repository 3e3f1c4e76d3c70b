// What a run's stream says, as the page's state: a status, the history and metrics rows, the
// dataset, a live change of settings (the controls follow it), errors and notices, and an
// inspection's answer (to the teaching panel). `page`: the store, the setup editor, the
// inspector, the defaults the link is written against, and whether the plot shows test points.
import { t } from "./i18n.js";
import { said } from "./said.js";
import { writeHash } from "./urlstate.js";

// A live change the run took (from this page or another controller): the controls show it,
// and the owner's link holds it (reopened, the run starts with it).
function applySettings({ store, editor, defaults }, changes) {
  const { dropout, ...training } = changes;
  Object.assign(editor.config.training, training);
  if (dropout !== undefined) {
    const rates = Array.isArray(dropout) ? dropout : editor.config.network.hidden.map(() => dropout);
    rates.forEach((rate, k) => (editor.layer(k).dropout = rate));
  }
  editor.render();
  if (store.state.owner) writeHash(editor.config, defaults);
}

export function handleMessage(message, page) {
  const { store, inspector, showTest } = page;
  if (message.type === "inspection" || (message.type === "error" && message.id !== undefined)) {
    inspector?.answer(message); // an inspection's answer, to this viewer alone
    return;
  }
  if (message.type === "settings") {
    applySettings(page, message.changes);
    store.markChange(message.changes); // the loss chart marks where a live change happened
    return;
  }
  if (message.type === "status") {
    store.set({
      status: message.status, error: said({ message: message.error, ...message.error_code }), stopReason: message.stop_reason,
      bestEpoch: message.best_epoch, stoppedEpoch: message.epoch,
      viewersCanControl: message.viewers_can_control,
      canControl: store.state.owner || message.viewers_can_control,
    });
  } else if (message.type === "history") {
    store.addRows(message.rows, true);
  } else if (message.type === "metrics") {
    store.addRows(message.rows, message.reset, message.batches);
  } else if (message.type === "dataset") {
    store.set({ dataset: { ...message, showTest: showTest() } });
  } else if (message.type === "error") {
    store.set({ error: t("server_error", { message: said(message) }) });
  } else if (message.type === "notice") {
    store.set({ error: said(message) }); // why something stopped: shown where errors are
  }
}
