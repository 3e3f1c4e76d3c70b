// The only module that knows URLs and the socket.
import { decodeFrame } from "./frame.js";
import { fieldErrors, said } from "./said.js";

// What a refused request says, in the page's language, whatever its body: the server's JSON
// ({"detail": "…", "code": …, "params": …} or {"detail": [{"loc": […], "msg": "…", "type": …}]}),
// plain text, a proxy's HTML error page, or nothing. The error keeps the code (error.code).
export async function failure(response, what) {
  let text = "";
  try {
    text = await response.text();
  } catch {
    // the body broke off: the status says enough
  }
  let body = null;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  let detail = body?.detail ?? null;
  if (Array.isArray(detail)) detail = fieldErrors(detail);
  else if (typeof detail === "string") detail = said({ ...body, message: detail });
  else if (detail != null) detail = JSON.stringify(detail);
  if (!detail && text.trim() && !text.trimStart().startsWith("<")) detail = text.trim().slice(0, 300);
  const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`;
  return Object.assign(new Error(detail || `${what}: ${status}`), { code: body?.code ?? null });
}

// The run behind a share code (to watch it).
export async function fetchShared(code) {
  const response = await fetch(`/api/share/${encodeURIComponent(code)}`);
  if (!response.ok) throw await failure(response, "share code");
  return response.json();
}

export async function createRun(config = {}, start = false) {
  const response = await fetch("/api/runs", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ config, start }),
  });
  if (!response.ok) throw await failure(response, "the server did not create the run");
  return response.json();
}

// Brings back a run the server holds only in its store (it restarted, or evicted the run),
// training or paused: "resumed", "gone" (no such run, or not ours), or "unreachable" (try
// again later).
export async function resumeRun(run, play) {
  try {
    const response = await fetch(`/api/runs/${run.id}/resume?play=${play}`, {
      method: "POST",
      headers: { Authorization: `Bearer ${run.control_token}` },
    });
    if (response.ok || response.status === 409) return "resumed"; // 409: live already (the socket tells)
    return response.status >= 500 ? "unreachable" : "gone";
  } catch {
    return "unreachable";
  }
}

// The runs these control tokens control (GET /api/runs: nobody else's), newest first:
// {runs, next_cursor}. At most 100 tokens a request, as the server takes.
export async function listRuns(tokens) {
  const response = await fetch("/api/runs?limit=200", { headers: { Authorization: `Bearer ${tokens.join(", ")}` } });
  if (!response.ok) throw await failure(response, "your runs");
  return response.json();
}

// -- time travel (docs/api.md, "Time travel and forks") -------------------------------------

// The run's kept states, oldest first: [{epoch, step, bytes}, ...].
export async function fetchStates(runId) {
  const response = await fetch(`/api/runs/${encodeURIComponent(runId)}/states`);
  if (!response.ok) throw await failure(response, "kept states");
  return (await response.json()).states;
}

// The frame the stream would have sent at a kept epoch, decoded as the stream's are.
export async function fetchStateFrame(runId, epoch) {
  const response = await fetch(`/api/runs/${encodeURIComponent(runId)}/states/${epoch}?format=frame`);
  if (!response.ok) throw await failure(response, "a kept state");
  return decodeFrame(await response.arrayBuffer());
}

// A new run from the kept state at `epoch`, paused there; it comes with its control token.
export async function forkRun(runId, epoch) {
  const response = await fetch(`/api/runs/${encodeURIComponent(runId)}/fork`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ epoch }),
  });
  if (!response.ok) throw await failure(response, "the server did not fork the run");
  return response.json();
}

// Opens the run's stream; handlers: onFrame(frame), onMessage(json), onClose(event).
export function openStream(run, handlers) {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const token = encodeURIComponent(run.control_token || "");
  const socket = new WebSocket(`${scheme}://${location.host}/api/runs/${run.id}/stream?token=${token}`);
  socket.binaryType = "arraybuffer";
  const pending = [];
  let decoding = Promise.resolve(); // binary messages decode in arrival order
  socket.addEventListener("open", () => pending.splice(0).forEach((m) => socket.send(m)));
  socket.addEventListener("message", (event) => {
    if (typeof event.data === "string") {
      handlers.onMessage(JSON.parse(event.data));
      return;
    }
    decoding = decoding
      .then(() => decodeFrame(event.data))
      .then((decoded) => {
        if (decoded.header.type === "frame") handlers.onFrame(decoded);
        else handlers.onBinary?.(decoded); // e.g. the input features' pictures, sent once
      })
      .catch((error) => console.error("could not decode a frame", error));
  });
  socket.addEventListener("close", (event) => handlers.onClose?.(event));
  return {
    send(message) {
      const text = JSON.stringify(message);
      if (socket.readyState === WebSocket.OPEN) socket.send(text);
      else pending.push(text);
    },
    close: () => socket.close(1000),
  };
}

// Where a run's network is downloaded: "json" or "npz" (its weights), "numpy" or "pytorch"
// (a Python file that rebuilds it).
export function exportUrl(runId, format) {
  const id = encodeURIComponent(runId);
  return ["json", "npz"].includes(format) ? `/api/runs/${id}/model?format=${format}` : `/api/runs/${id}/export?format=${format}`;
}

// -- classes (docs/api.md, "Classes") --------------------------------------------------------

async function send(method, path, body, token, what) {
  const headers = { "Content-Type": "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!response.ok) throw await failure(response, what);
  return response.status === 204 ? null : response.json();
}

export const fetchSweep = (id) => send("GET", `/api/sweeps/${encodeURIComponent(id)}`, undefined, null, "sweep");
export const fetchRun = (id) => send("GET", `/api/runs/${encodeURIComponent(id)}`, undefined, null, "run");
export const createClass = (name, teacher) => send("POST", "/api/classes", { name, teacher }, null, "class");
export const fetchClass = (id, token) => send("GET", `/api/classes/${id}`, undefined, token, "class");
export const updateClass = (id, token, change) => send("PATCH", `/api/classes/${id}`, change, token, "class");
export const controlClass = (id, token, control) => send("POST", `/api/classes/${id}/control`, control, token, "class");
export const deleteClass = (id, token) => send("DELETE", `/api/classes/${id}`, undefined, token, "class");
export const removeStudent = (id, token, student) =>
  send("DELETE", `/api/classes/${id}/students/${encodeURIComponent(student)}`, undefined, token, "class");
export const fetchJoinable = (code) => send("GET", `/api/join/${encodeURIComponent(code)}`, undefined, null, "join code");
export const joinClass = (code, name) => send("POST", `/api/join/${encodeURIComponent(code)}`, { name }, null, "join");
export const createClassRun = (id, token, config) =>
  send("POST", `/api/classes/${id}/runs`, { config, start: false }, token, "the server did not create the run");

// A class member's socket: JSON messages only (docs/protocol.md, "Class socket").
export function openClassStream(id, token, handlers) {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/api/classes/${id}/stream?token=${encodeURIComponent(token)}`);
  socket.addEventListener("message", (event) => handlers.onMessage(JSON.parse(event.data)));
  socket.addEventListener("close", (event) => handlers.onClose?.(event));
  return { close: () => socket.close(1000) };
}

// -- seed replicates (docs/api.md, `replicates` in POST /api/runs) ---------------------------

export const createReplicates = (config, replicates, speed) =>
  send("POST", "/api/runs", { config, replicates, speed, start: true }, null, "the server did not create the replicates");
// since: only the epochs after this one (docs/api.md's ?since_epoch=)
export const fetchMetrics = (id, since) =>
  send("GET", `/api/runs/${encodeURIComponent(id)}/metrics${since === undefined ? "" : `?since_epoch=${since}`}`, undefined, null, "metrics");
// -- races (docs/api.md, "Races") ------------------------------------------------------------

export const createRace = (body) => send("POST", "/api/races", body, null, "the server did not make the race");
// A race for a class (made with the teacher's token; the class's stage moves to it).
export const createClassRace = (id, token, body) =>
  send("POST", `/api/classes/${id}/races`, body, token, "the server did not make the race");
export const fetchRace = (id) => send("GET", `/api/races/${encodeURIComponent(id)}`, undefined, null, "race");
export const controlRace = (id, token, action, body) =>
  send("POST", `/api/races/${encodeURIComponent(id)}/${action}`, body, token, "race");
