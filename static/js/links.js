// The network diagram's links (diagram.js owns the nodes): one SVG path per drawn weight, from
// the right of its source to the left of its target, coloured and sized by the weight as TF
// Playground draws them. A big network stays smooth and readable:
// - a frame restyles only the links whose look changed (restyling all 8,577 paths of a
//   [64, 64, 64] network every frame took most of the page's time);
// - a layer pair with more weights than LINK_LIMIT is one band, not a hairball of lines;
// - a folded layer's hidden units are one fold tile, joined by plain lines (no weight).
import { colorOf, cssOf } from "./colors.js";

const SVG = "http://www.w3.org/2000/svg";
export const LINK_LIMIT = 600; // weights of a layer pair drawn one by one
// TF Playground: width grows with |w| from 1 px (w = 0) to 10 px (|w| ≥ 5)
const linkWidth = (w) => 1 + Math.min(Math.abs(w), 5) * 1.8;

function path(d, attributes = {}) {
  const element = document.createElementNS(SVG, "path");
  element.setAttribute("d", d);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  return element;
}

// A curve from (x1, y1) to (x2, y2), level at both ends.
function curve([x1, y1], [x2, y2]) {
  const mid = (x1 + x2) / 2;
  return `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`;
}

export class Links {
  constructor(svg) {
    this.svg = svg;
    this.links = []; // [path, layer, source, target, look]: the look last painted
  }

  // columns: per layer of units (inputs, hidden…, outputs), its drawn units as
  // [{node, unit}], its fold tile (or null) and its size (units in all). at(node, side): a
  // node's [x, y] on that side.
  layout(columns, at) {
    const paths = [];
    this.links = [];
    for (let k = 0; k + 1 < columns.length; k++) {
      const [from, to] = [columns[k], columns[k + 1]];
      if (from.units.length * to.units.length > LINK_LIMIT) {
        paths.push(this.band(from, to, at, k));
        continue;
      }
      for (const { node: source, unit: i } of from.units) {
        for (const { node: target, unit: j } of to.units) {
          const link = path(curve(at(source, "right"), at(target, "left")), { "data-layer": k, "data-source": i, "data-target": j });
          this.links.push([link, k, i, j, ""]);
          paths.push(link);
        }
      }
      paths.push(...this.foldLines(from, to, at));
    }
    this.svg.replaceChildren(...paths);
  }

  // A fold tile stands for many units: one plain line to each drawn unit beside it.
  foldLines(from, to, at) {
    const lines = [];
    const plain = (a, b) => lines.push(path(curve(at(a, "right"), at(b, "left")), { class: "folded" }));
    if (from.fold) to.units.forEach(({ node }) => plain(from.fold, node));
    if (to.fold) from.units.forEach(({ node }) => plain(node, to.fold));
    if (from.fold && to.fold) plain(from.fold, to.fold);
    return lines;
  }

  // Every weight of a big layer pair as one grey band from the sources' span to the targets'.
  band(from, to, at, k) {
    const ends = (column, side) => {
      const nodes = [...column.units.map((u) => u.node), column.fold].filter(Boolean);
      const top = at(nodes[0], side)[1] - 18;
      const bottom = at(nodes.at(-1), side)[1] + 18;
      return [at(nodes[0], side)[0], top, bottom];
    };
    const [x1, top1, bottom1] = ends(from, "right");
    const [x2, top2, bottom2] = ends(to, "left");
    const mid = (x1 + x2) / 2;
    const d = `M${x1},${top1} C${mid},${top1} ${mid},${top2} ${x2},${top2} L${x2},${bottom2} `
      + `C${mid},${bottom2} ${mid},${bottom1} ${x1},${bottom1} Z`;
    return path(d, { class: "band", "data-band": k, "data-weights": from.size * to.size });
  }

  // Restyles the links whose colour or width changed; value(layer, source, target) → weight.
  paint(value) {
    for (const link of this.links) {
      const w = value(link[1], link[2], link[3]);
      const stroke = cssOf(colorOf(w));
      const width = linkWidth(w).toFixed(1);
      const look = `${stroke} ${width}`;
      if (look === link[4]) continue;
      link[4] = look;
      link[0].setAttribute("stroke", stroke);
      link[0].setAttribute("stroke-width", width);
    }
  }
}
