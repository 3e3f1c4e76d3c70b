// TF Playground's diverging scale: orange at -1, grey at 0, blue at +1, in 31 shades.
const NEGATIVE = [245, 147, 34];
const ZERO = [232, 234, 235];
const POSITIVE = [8, 119, 189];
const SHADES = 30;
export const CSS = { negative: "#f59322", zero: "#e8eaeb", positive: "#0877bd" };

function mix(a, b, t) {
  return a.map((v, i) => Math.round(v + (b[i] - v) * t));
}

export function colorOf(value) {
  const v = Math.max(-1, Math.min(1, value));
  const shade = Math.round(((v + 1) / 2) * SHADES) / SHADES; // quantised to 31 shades
  const t = shade * 2 - 1;
  return t < 0 ? mix(ZERO, NEGATIVE, -t) : mix(ZERO, POSITIVE, t);
}

// A 256-entry RGBA table for uint8 codes (0 = -1, 255 = +1), blended at alpha 160/255
// over white as TF Playground draws it.
export function codeTable() {
  const table = new Uint8ClampedArray(256 * 4);
  const alpha = 160 / 255;
  for (let code = 0; code < 256; code++) {
    const rgb = colorOf(code / 127.5 - 1);
    rgb.forEach((c, i) => (table[code * 4 + i] = Math.round(c * alpha + 255 * (1 - alpha))));
    table[code * 4 + 3] = 255;
  }
  return table;
}
