// The whole setup in the URL hash: #seed=42&c=<the config's differences from the defaults,
// as base64url JSON>. Reopening the link rebuilds the same data and the same first weights.
function encode(value) {
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function decode(text) {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0))));
}

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);

// What of `value` differs from `base` (objects key by key; anything else as a whole).
export function difference(value, base) {
  if (!isObject(value) || !isObject(base)) return JSON.stringify(value) === JSON.stringify(base) ? undefined : value;
  const out = {};
  for (const [key, item] of Object.entries(value)) {
    const changed = difference(item, base[key]);
    if (changed !== undefined) out[key] = changed;
  }
  return Object.keys(out).length ? out : undefined;
}

export function merge(base, patch) {
  if (!isObject(base) || !isObject(patch)) return patch === undefined ? base : patch;
  const out = { ...base };
  for (const [key, item] of Object.entries(patch)) out[key] = key in base ? merge(base[key], item) : item;
  return out;
}

// The config a link carries, merged over the defaults (a broken link gives the defaults).
export function configFromHash(defaults, hash = location.hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  let config = structuredClone(defaults);
  try {
    if (params.get("c")) config = merge(config, decode(params.get("c")));
  } catch (error) {
    console.warn("the link's setup could not be read", error);
  }
  const seed = params.get("seed");
  if (seed !== null && /^\d{1,15}$/.test(seed)) config.seed = Number(seed);
  return config;
}

export function hashOf(config, defaults) {
  const { seed, ...rest } = config;
  const changed = difference(rest, defaults);
  return `#seed=${seed}${changed ? `&c=${encode(changed)}` : ""}`;
}

// The page's own hash is marked in the history entry (`pageHash`): a hash typed or pasted
// since (a new entry, not yet read) is told apart from the one the page wrote.
export function writeHash(config, defaults) {
  const hash = hashOf(config, defaults);
  history.replaceState({ pageHash: hash }, "", `${location.pathname}${location.search}${hash}`);
}

export const pageHash = () => (history.state?.pageHash === location.hash ? location.hash : null);

// A shared run to watch: ?watch=CODE.
export function watchCode(search = location.search) {
  const code = new URLSearchParams(search).get("watch");
  return code && /^[A-Za-z0-9]{6}$/.test(code) ? code.toUpperCase() : null;
}

// The watched run's share code in the address (it moved to a new run): a reload watches that.
export function writeWatchCode(code) {
  const search = new URLSearchParams(location.search);
  search.set("watch", code);
  history.replaceState(history.state, "", `${location.pathname}?${search}${location.hash}`);
}
