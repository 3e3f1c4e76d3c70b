// A QR code as an <svg>: black modules on white, drawn with DOM APIs (presenter mode shows the
// class's join link with it). The encoder is the vendored qrcode-generator's own ES module.
import qrcode from "../vendor/qrcode-generator/qrcode.mjs";

const SVG = "http://www.w3.org/2000/svg";
const LEVELS = new Set(["L", "M", "Q", "H"]);

// The text's UTF-8 bytes as a "binary" string: the library's default byte conversion keeps the
// low byte of each character, so this encodes any text without changing the library's state.
function utf8Binary(text) {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return binary;
}

// The module matrix of `text` (byte mode, the smallest version that holds it): rows of
// booleans, true where a module is dark.
export function qrMatrix(text, level = "M") {
  if (!LEVELS.has(level)) throw new RangeError(`the error-correction level is L, M, Q or H, not ${level}`);
  const code = qrcode(0, level);
  code.addData(utf8Binary(String(text)), "Byte");
  try {
    code.make();
  } catch (error) {
    // the library throws strings, e.g. "code length overflow. (…)" past version 40
    throw new RangeError(`a QR code at level ${level} cannot hold this text: ${error}`);
  }
  const count = code.getModuleCount();
  return Array.from({ length: count }, (_, row) => Array.from({ length: count }, (_, col) => code.isDark(row, col)));
}

// `text` as an <svg role="img">. `size`: its width and height in CSS pixels (leave it out to
// size it with CSS: the viewBox keeps it square); `margin`: the quiet zone in modules (4 is the
// standard's minimum); `label`: its accessible name (the text itself if none is given);
// `level`: the error correction, L, M (the default), Q or H.
export function qrSvg(text, { size, margin = 4, label, level = "M" } = {}) {
  if (!Number.isInteger(margin) || margin < 0) throw new RangeError(`the margin is a whole number of modules, not ${margin}`);
  const matrix = qrMatrix(text, level);
  const side = matrix.length + 2 * margin;
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${side} ${side}`);
  if (size !== undefined) {
    svg.setAttribute("width", String(size));
    svg.setAttribute("height", String(size));
  }
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", label ?? String(text));
  svg.setAttribute("shape-rendering", "crispEdges");
  svg.classList.add("qr");
  const background = document.createElementNS(SVG, "rect");
  for (const [name, value] of [["width", side], ["height", side], ["fill", "#fff"]]) background.setAttribute(name, String(value));
  // One path: each run of dark modules in a row is one rectangle.
  const segments = [];
  matrix.forEach((row, y) => {
    for (let x = 0; x < row.length; x += 1) {
      if (!row[x]) continue;
      const start = x;
      while (x + 1 < row.length && row[x + 1]) x += 1;
      const run = x - start + 1;
      segments.push(`M${start + margin} ${y + margin}h${run}v1h${-run}z`);
    }
  });
  const modules = document.createElementNS(SVG, "path");
  modules.setAttribute("d", segments.join(""));
  modules.setAttribute("fill", "#000");
  svg.append(background, modules);
  return svg;
}
