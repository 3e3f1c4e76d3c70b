// TF Playground's diverging scale: orange at -1, grey at 0, blue at +1, in the server's
// number of shades (its palette and shade count: vocabulary.js).
import { PALETTE, SHADES } from "./vocabulary.js";

const { negative: NEGATIVE, zero: ZERO, positive: POSITIVE } = PALETTE;
const STEPS = SHADES - 1;

function mix(a, b, t) {
  return a.map((v, i) => Math.round(v + (b[i] - v) * t));
}

export function colorOf(value) {
  const v = Math.max(-1, Math.min(1, value));
  const shade = Math.round(((v + 1) / 2) * STEPS) / STEPS; // quantised to SHADES shades
  const t = shade * 2 - 1;
  return t < 0 ? mix(ZERO, NEGATIVE, -t) : mix(ZERO, POSITIVE, t);
}

// An RGBA table (as Uint32 pixels) for picture codes 0 … levels − 1, the lowest code orange,
// the highest blue, blended at alpha 160/255 over white as TF Playground draws it.
const tables = new Map();
export function codeTable(levels = 256) {
  if (tables.has(levels)) return tables.get(levels);
  const table = new Uint8ClampedArray(256 * 4);
  const alpha = 160 / 255;
  for (let code = 0; code < 256; code++) {
    const rgb = colorOf((Math.min(code, levels - 1) / (levels - 1)) * 2 - 1);
    rgb.forEach((c, i) => (table[code * 4 + i] = Math.round(c * alpha + 255 * (1 - alpha))));
    table[code * 4 + 3] = 255;
  }
  const pixels = new Uint32Array(table.buffer);
  tables.set(levels, pixels);
  return pixels;
}

// Classes of a multi-class set: hues apart from the value scale's and for colour-blind eyes.
export const CLASS_COLORS = PALETTE.classes;
export const classColor = (k) => CLASS_COLORS[k % CLASS_COLORS.length];
// A binary point's colour: the value scale's ends (+1 blue, −1 orange).
export const binaryColor = (label) => (label > 0 ? POSITIVE : NEGATIVE);

// Black or white, whichever reads at 4.5:1 or better on `rgb` (one of them always does).
export function inkOn(rgb) {
  const [r, g, b] = rgb.map((c) => (c / 255 <= 0.04045 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.179 ? "#000" : "#fff";
}

export function cssOf([r, g, b]) {
  return `rgb(${r}, ${g}, ${b})`;
}

// The style sheet's --negative, --zero and --positive (the legend's bar, the class swatches).
export function applyPalette(root = document.documentElement) {
  for (const name of ["negative", "zero", "positive"]) root.style.setProperty(`--${name}`, cssOf(PALETTE[name]));
}

// A pixel (Uint32, little-endian RGBA) of a class's colour at a confidence in [0, 1]:
// pale where the network is unsure, as strong as TF Playground's where it is sure.
export function classPixel(index, confidence) {
  const rgb = classColor(index);
  const t = (160 / 255) * confidence;
  const [r, g, b] = rgb.map((c) => Math.round(c * t + 255 * (1 - t)));
  return (255 << 24) | (b << 16) | (g << 8) | r;
}

// A trial's score as a colour, good to bad: deep blue for the best of [low, high], pale for
// the worst (``goal`` "min": low is best; "max": high is best); no score, pale red.
export function scoreColor(score, low, high, goal) {
  if (!Number.isFinite(score)) return "#f2d7d5";
  const span = high - low || 1;
  let x = Math.min(1, Math.max(0, (score - low) / span));
  if (goal === "max") x = 1 - x;
  const mixed = mix([8, 90, 160], [232, 236, 240], x);
  return `rgb(${mixed.join(", ")})`;
}
