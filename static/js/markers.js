// Each class's marker shape, a second cue beside its colour (a colour-blind student tells the
// classes apart by shape too): one SVG path, drawn on the plot's canvas (Path2D) and in the
// legend, the readout and the own-data picker (an inline SVG).
import { classColor, cssOf } from "./colors.js";

const SVG = "http://www.w3.org/2000/svg";
// [corners, turn (of a full circle), inner radius of a star (0: a polygon), size]: circle,
// square, triangle, diamond, triangle down, star, hexagon, plus, pentagon, six-point star
const SHAPES = [
  [0, 0, 0, 1], [4, 1 / 8, 0, 1.15], [3, -1 / 4, 0, 1.35], [4, -1 / 4, 0, 1.25], [3, 1 / 4, 0, 1.35],
  [5, -1 / 4, 0.45, 1.45], [6, 0, 0, 1.1], [4, 0, 0.38, 1.4], [5, -1 / 4, 0, 1.15], [6, -1 / 4, 0.5, 1.35],
];

// Class k's marker centred on (x, y), about as big as a circle of radius r: an SVG path.
export function markerPath(k, x, y, r) {
  const [corners, turn, inner, size] = SHAPES[k % SHAPES.length];
  if (!corners) return `M${x - r},${y}a${r},${r} 0 1,0 ${2 * r},0a${r},${r} 0 1,0 ${-2 * r},0Z`;
  const points = [];
  const steps = inner ? corners * 2 : corners;
  for (let i = 0; i < steps; i++) {
    const angle = 2 * Math.PI * (turn + i / steps);
    const reach = r * size * (inner && i % 2 ? inner : 1);
    points.push(`${(x + reach * Math.cos(angle)).toFixed(2)},${(y + reach * Math.sin(angle)).toFixed(2)}`);
  }
  return `M${points.join("L")}Z`;
}

// A small picture of class k's marker in its colour, for a key beside its name.
export function markerIcon(k, edge = "#444", size = 12) {
  const svg = document.createElementNS(SVG, "svg");
  for (const [name, value] of Object.entries({ width: size, height: size, viewBox: "0 0 12 12", class: "marker", "aria-hidden": "true" })) {
    svg.setAttribute(name, String(value));
  }
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", markerPath(k, 6, 6, 4));
  path.setAttribute("fill", cssOf(classColor(k)));
  path.setAttribute("stroke", edge);
  path.setAttribute("stroke-width", "0.8");
  svg.append(path);
  return svg;
}
