// Where a race's lanes go in weight space: every frame says where its network is in one fixed
// 2-D window onto weight space (engine/weightspace.py: two directions drawn from the network's
// shape, the same for every lane of that shape), so each lane is a path from the shared start,
// epoch by epoch, in its chart colour and dash; a genetic lane also shows its population now,
// a cloud of dots around its best member. Lanes of another shape live in another space: they
// are left out, and the note says so.
import { LANE_STYLES } from "./racechart.js";
import { deviceSize, paintOnce } from "./dom.js";
import { t } from "./i18n.js";

const MAX_POINTS = 2000; // a long race's path is thinned to every other point past this

// One lane's path: a point an epoch (the newest frame's place for that epoch).
export class LanePath {
  constructor() {
    this.points = [];
    this.population = null;
  }

  clear() {
    this.points = [];
    this.population = null;
  }

  // frame: a decoded frame (frame.js); it carries `weight_space` and, for a genetic run,
  // `population_space`.
  add(frame) {
    const place = frame.arrays.weight_space?.data;
    if (!place) return;
    const epoch = frame.header.epoch;
    const point = { epoch, x: place[0], y: place[1] };
    if (this.points.at(-1)?.epoch === epoch) this.points[this.points.length - 1] = point;
    else this.points.push(point);
    if (this.points.length > MAX_POINTS) this.points = this.points.filter((_, i) => i % 2 === 0 || i === this.points.length - 1);
    this.population = frame.arrays.population_space?.data ?? null;
  }
}

function bounds(lanes) {
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  const take = (x, y) => {
    if (!Number.isFinite(x) || !Number.isFinite(y)) return;
    [x0, x1, y0, y1] = [Math.min(x0, x), Math.max(x1, x), Math.min(y0, y), Math.max(y1, y)];
  };
  for (const { path } of lanes) {
    for (const p of path.points) take(p.x, p.y);
    for (let i = 0; path.population && i + 1 < path.population.length; i += 2) take(path.population[i], path.population[i + 1]);
  }
  if (x0 === Infinity) return null;
  const span = Math.max(x1 - x0, y1 - y0, 1e-6) * 1.1; // one scale for both axes: distances stay true
  return { cx: (x0 + x1) / 2, cy: (y0 + y1) / 2, span };
}

export class RaceSpace {
  constructor(canvas, caption, note) {
    Object.assign(this, { canvas, caption, note, lanes: [] });
    this.request = paintOnce(() => this.paint());
    this.size = deviceSize(canvas, () => this.request());
  }

  // lanes: [{label, path: LanePath, shown: whether it shares lane 1's shape}]
  update(lanes) {
    this.lanes = lanes;
    this.request();
  }

  paint() {
    const shown = this.lanes.map((lane, k) => ({ ...lane, style: LANE_STYLES[(lane.index ?? k) % LANE_STYLES.length] })).filter((lane) => lane.shown);
    const genetic = shown.some((lane) => lane.path.population);
    this.caption.textContent = t("race.space");
    const hidden = this.lanes.length - shown.length;
    this.note.textContent = `${t("race.space.note")}${genetic ? ` ${t("race.space.population")}` : ""}${hidden ? ` ${t("race.space.other")}` : ""}`;
    this.canvas.dataset.paths = shown.map((lane) => lane.path.points.length).join(" ");
    this.canvas.dataset.population = String(shown.reduce((n, lane) => n + (lane.path.population?.length ?? 0) / 2, 0));
    this.describe(shown);
    const { width, height } = this.size;
    if (!width || !height) return;
    if (this.canvas.width !== width || this.canvas.height !== height) Object.assign(this.canvas, { width, height });
    const context = this.canvas.getContext("2d");
    context.clearRect(0, 0, width, height);
    const box = bounds(shown);
    if (!box) return;
    const side = Math.min(width, height) - 20 * devicePixelRatio;
    const at = (x, y) => [width / 2 + ((x - box.cx) / box.span) * side, height / 2 - ((y - box.cy) / box.span) * side];
    for (const lane of shown) this.paintPopulation(context, lane, at);
    for (const lane of shown) this.paintPath(context, lane, at);
    const start = shown.find((lane) => lane.path.points.length)?.path.points[0];
    if (start) this.paintMark(context, at(start.x, start.y), null, "#333");
  }

  paintPopulation(context, { path, style }, at) {
    const members = path.population;
    if (!members) return;
    context.fillStyle = style.color;
    context.globalAlpha = 0.35;
    for (let i = 0; i + 1 < members.length; i += 2) {
      const [x, y] = at(members[i], members[i + 1]);
      context.beginPath();
      context.arc(x, y, 2.5 * devicePixelRatio, 0, 2 * Math.PI);
      context.fill();
    }
    context.globalAlpha = 1;
  }

  paintPath(context, { path, style }, at) {
    const points = path.points;
    if (!points.length) return;
    context.strokeStyle = style.color;
    context.lineWidth = 2 * devicePixelRatio;
    context.setLineDash(style.dash.map((d) => d * devicePixelRatio));
    context.beginPath();
    points.forEach((p, i) => context[i ? "lineTo" : "moveTo"](...at(p.x, p.y)));
    context.stroke();
    context.setLineDash([]);
    const last = points.at(-1);
    this.paintMark(context, at(last.x, last.y), style.color, "#fff");
  }

  // A point's mark: filled in the lane's colour (where it is now), or hollow (the start).
  paintMark(context, [x, y], fill, edge) {
    context.beginPath();
    context.arc(x, y, 5 * devicePixelRatio, 0, 2 * Math.PI);
    if (fill) {
      context.fillStyle = fill;
      context.fill();
    }
    context.strokeStyle = edge;
    context.lineWidth = 1.5 * devicePixelRatio;
    context.stroke();
  }

  // The canvas's words: for each lane, how far it went from the start in the window.
  describe(shown) {
    const parts = shown.map((lane) => {
      const [first, last] = [lane.path.points[0], lane.path.points.at(-1)];
      const far = first ? Math.hypot(last.x - first.x, last.y - first.y) : 0;
      return t("race.space.lane", { lane: lane.label, distance: far.toPrecision(2) });
    });
    this.canvas.setAttribute("aria-label", [t("race.space"), ...parts].join(". "));
  }
}
