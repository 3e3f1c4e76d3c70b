// The part of the run's config carried in the URL hash (e.g. #seed=42), so a link
// reproduces the same data and initial weights.
export function configFromHash(hash = location.hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const config = {};
  const seed = params.get("seed");
  if (seed !== null && /^\d{1,15}$/.test(seed)) config.seed = Number(seed);
  return config;
}

export function writeHash(config) {
  history.replaceState(null, "", `#seed=${config.seed}`);
}
