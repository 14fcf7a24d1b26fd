// Line charts as image tensors (no native dependencies): loss and metric curves a person can open.
//   plotLines({ series: [{ name, x, y }], title, xLabel, yLabel, width, height, logY }) → [3, H, W] in [0, 1]
//   await plotPng(opts) → PNG bytes (encodeImage)
// Axes with "nice" ticks (1, 2, 5 × 10^k; decades on a log axis), grid, tick labels, a legend and
// labels drawn with a built-in 5×7 bitmap font. Non-finite points (and y ≤ 0 on a log axis) break
// the line; an isolated point is drawn as a dot.
import { Tensor } from '../tensor.js';
import { encodeImage } from './image.js';

export interface Series {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** RGB in [0, 1]; default: matplotlib's tab10 colour cycle. */
  color?: [number, number, number];
}

export interface PlotOptions {
  series: Series[];
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Image size in pixels (default 640 × 400). */
  width?: number;
  height?: number;
  /** Logarithmic y axis (default false). */
  logY?: boolean;
  /** Fixed axis ranges (default: the data, widened to whole ticks). */
  xRange?: [number, number];
  yRange?: [number, number];
  /** Line width in pixels (default 2). */
  lineWidth?: number;
  /** Draw the legend (default: when any series has a name). */
  legend?: boolean;
}

export const PALETTE: [number, number, number][] = [
  '1f77b4', 'ff7f0e', '2ca02c', 'd62728', '9467bd', '8c564b', 'e377c2', '7f7f7f', 'bcbd22', '17becf',
].map((h) => [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16) / 255) as [number, number, number]);

type Rgb = readonly [number, number, number];
const BLACK: Rgb = [0, 0, 0], GRID: Rgb = [0.88, 0.88, 0.88], TEXT: Rgb = [0.1, 0.1, 0.1], WHITE: Rgb = [1, 1, 1];

// ---- font: ASCII 32–126, 7 rows of 5 bits per glyph, one base-32 digit per row (bit 4 = left column) ----
const FONT =
  '00000004444404aaa0000aavavaa4fke5u4op248j3cik8lidc4800002488842842224804lel40044v440' +
  '0000c48000v00000000cc01248g0ehjlphe4c4444eeh1248vv2421he26aiv22vgu11he68guhhev124888' +
  'ehhehheehhf12c0cc0cc00cc0c48248g84200v0v008421248eh12404eh1dlleehhhvhhuhhuhhuehggghe' +
  'sihhhisvgguggvvggugggehgnhhfhhhvhhhe44444e72222ichikokihggggggvhrllhhhhhpljhhehhhhhe' +
  'uhhugggehhhliduhhukihfgge11uv444444hhhhhhehhhhha4hhhlllahha4ahhhhha444v1248gve88888e' +
  '0g84210e22222e4ah0000000000v842000000e1fhfggmphhu00egghe11djhhf00ehvge698s8880fhhf1e' +
  'ggmphhh40c444e20622icggikokic44444e00qllhh00mphhh00ehhhe00uhugg00djf1100mpggg00ege1u' +
  '88s889600hhhjd00hhha400hhlla00ha4ah00hhf1e00v248v244844244444448442448008l200';
export const GLYPH_W = 5, GLYPH_H = 7, ADVANCE = 6;

/** The 7 row bit masks of a character (unknown characters render as '?'; '−' as '-'). */
function glyph(ch: string): number[] {
  let code = ch === '−' ? 45 : ch.charCodeAt(0);
  if (code < 32 || code > 126) code = 63;
  const off = (code - 32) * GLYPH_H;
  return Array.from({ length: GLYPH_H }, (_, r) => parseInt(FONT[off + r], 32));
}

/** A drawing surface: [3, H, W] float RGB, white. */
class Canvas {
  readonly data: Float32Array;
  constructor(readonly width: number, readonly height: number) {
    this.data = new Float32Array(3 * width * height).fill(1);
  }
  set(x: number, y: number, c: Rgb): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const n = this.width * this.height, i = y * this.width + x;
    this.data[i] = c[0];
    this.data[n + i] = c[1];
    this.data[2 * n + i] = c[2];
  }
  /** True where something other than background, grid or black/grey ink was drawn (a series). */
  isData(x: number, y: number): boolean {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return false;
    const n = this.width * this.height, i = y * this.width + x;
    const r = this.data[i], g = this.data[n + i], b = this.data[2 * n + i];
    return Math.max(r, g, b) - Math.min(r, g, b) > 0.05;
  }
  fill(x0: number, y0: number, x1: number, y1: number, c: Rgb): void {
    for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) this.set(x, y, c);
  }
  /** Text with its top-left corner at (x, y); vertical = rotated 90° counter-clockwise (reads upwards, (x, y) = bottom-left). */
  text(s: string, x: number, y: number, c: Rgb, scale = 1, vertical = false): void {
    [...s].forEach((ch, k) => {
      const rows = glyph(ch);
      for (let r = 0; r < GLYPH_H; r++) {
        for (let col = 0; col < GLYPH_W; col++) {
          if (((rows[r] >> (GLYPH_W - 1 - col)) & 1) === 0) continue;
          const u = k * ADVANCE + col;
          for (let dy = 0; dy < scale; dy++) {
            for (let dx = 0; dx < scale; dx++) {
              if (vertical) this.set(x + r * scale + dy, y - u * scale - dx, c);
              else this.set(x + u * scale + dx, y + r * scale + dy, c);
            }
          }
        }
      }
    });
  }
  /** A line from (x0, y0) to (x1, y1) (Bresenham) with a square brush of side w, clipped to clip. */
  line(x0: number, y0: number, x1: number, y1: number, c: Rgb, w: number, clip: Area): void {
    const dx = Math.abs(x1 - x0), dy = -Math.abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
    const lo = -Math.floor((w - 1) / 2);
    let err = dx + dy;
    for (let guard = 0; guard <= dx - dy + 1; guard++) {
      for (let a = lo; a < lo + w; a++) {
        for (let b = lo; b < lo + w; b++) {
          const px = x0 + a, py = y0 + b;
          if (px >= clip.left && px <= clip.right && py >= clip.top && py <= clip.bottom) this.set(px, py, c);
        }
      }
      if (x0 === x1 && y0 === y1) break;
      const e2 = 2 * err;
      if (e2 >= dy) {
        err += dy;
        x0 += sx;
      }
      if (e2 <= dx) {
        err += dx;
        y0 += sy;
      }
    }
  }
}

export const textWidth = (s: string, scale = 1): number => ([...s].length * ADVANCE - 1) * scale;

/** Renders one line of text in black on white: [3, 7·scale, width] (for checks and small labels). */
export function renderText(s: string, scale = 1): Tensor {
  const c = new Canvas(Math.max(1, textWidth(s, scale)), GLYPH_H * scale);
  c.text(s, 0, 0, BLACK, scale);
  return new Tensor(c.data, [3, c.height, c.width]);
}

// ---- axes ----
export interface Area {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

export interface Axis {
  /** Range in data units (log10 units on a log axis). */
  min: number;
  max: number;
  log: boolean;
  /** Tick positions in data units (not log10) and their labels. */
  ticks: number[];
  labels: string[];
}

/** A tick step of 1, 2 or 5 × 10^k near span / target. */
function niceStep(span: number, target: number): number {
  const raw = span / target, p = 10 ** Math.floor(Math.log10(raw)), f = raw / p;
  return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
}

/** A short label: fixed-point with the tick's decimals, or exponent form for very large/small values. */
export function formatTick(v: number, step: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(Math.max(0, Math.min(3, Math.round(Math.log10(a)) - Math.floor(Math.log10(step))))).replace(/\.?0+e/, 'e').replace('e+', 'e');
  let decimals = 0; // the fewest that show the step exactly (0.25 → 2)
  while (decimals < 6 && Math.abs(step * 10 ** decimals - Math.round(step * 10 ** decimals)) > 1e-6 * step * 10 ** decimals) decimals++;
  return v.toFixed(decimals);
}

function makeAxis(values: number[], log: boolean, fixed: [number, number] | undefined, target: number): Axis {
  const tv = values.filter((v) => Number.isFinite(v) && (!log || v > 0)).map((v) => (log ? Math.log10(v) : v));
  let lo = fixed ? (log ? Math.log10(fixed[0]) : fixed[0]) : Math.min(...tv);
  let hi = fixed ? (log ? Math.log10(fixed[1]) : fixed[1]) : Math.max(...tv);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) [lo, hi] = log ? [0, 1] : [0, 1];
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) [lo, hi] = log ? [lo - 0.5, hi + 0.5] : [lo - (Math.abs(lo) || 1) * 0.1, hi + (Math.abs(hi) || 1) * 0.1];
  if (log) {
    // spans of up to 2 decades get ticks at 1, 2, 5 × 10^k; wider ones at (every n-th) decade
    const fine = hi - lo <= 2;
    const cands: number[] = [];
    for (let e = Math.floor(lo) - 1; e <= Math.ceil(hi) + 1; e++) for (const m of fine ? [1, 2, 5] : [1]) cands.push(e + Math.log10(m));
    if (!fixed) {
      lo = Math.max(...cands.filter((v) => v <= lo + 1e-9));
      hi = Math.min(...cands.filter((v) => v >= hi - 1e-9));
    }
    const every = fine ? 1 : Math.max(1, Math.ceil((Math.floor(hi) - Math.ceil(lo) + 1) / target));
    const ticks = cands.filter((v) => v >= lo - 1e-9 && v <= hi + 1e-9 && (fine || Math.round(v) % every === 0)).map((v) => Number((10 ** v).toPrecision(12)));
    return { min: lo, max: hi, log, ticks, labels: ticks.map((t) => formatTick(t, 10 ** Math.floor(Math.log10(t) + 1e-9))) };
  }
  const step = niceStep(hi - lo, target);
  if (!fixed) [lo, hi] = [Math.floor(lo / step + 1e-9) * step, Math.ceil(hi / step - 1e-9) * step];
  const ticks: number[] = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) ticks.push(k * step === 0 ? 0 : k * step);
  return { min: lo, max: hi, log, ticks, labels: ticks.map((t) => formatTick(t, step)) };
}

export interface PlotLayout {
  width: number;
  height: number;
  /** The plotting rectangle (inclusive pixel bounds; the axes are drawn on its left and bottom edges). */
  area: Area;
  x: Axis;
  y: Axis;
  /** Data coordinates → pixel (fractional; round for the drawn pixel). NaN for unplottable points. */
  toPixel(x: number, y: number): [number, number];
}

/** Where everything goes (what plotLines draws; exported for tests and for callers adding marks). */
export function plotLayout(opts: PlotOptions): PlotLayout {
  const width = opts.width ?? 640, height = opts.height ?? 400;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 80 || height < 60 || width * height > 1 << 26) {
    throw new RangeError(`plotLines: width and height must be integers from 80 × 60 up (got ${width} × ${height})`);
  }
  opts.series.forEach((s, i) => {
    if (s.x.length !== s.y.length) throw new RangeError(`plotLines: series ${i} ('${s.name}') has ${s.x.length} x values but ${s.y.length} y values`);
  });
  const log = opts.logY ?? false;
  const xs: number[] = [], ys: number[] = [];
  for (const s of opts.series) {
    for (let i = 0; i < s.x.length; i++) {
      if (Number.isFinite(s.x[i]) && Number.isFinite(s.y[i]) && (!log || s.y[i] > 0)) {
        xs.push(s.x[i]);
        ys.push(s.y[i]);
      }
    }
  }
  const x = makeAxis(xs, false, opts.xRange, Math.max(2, Math.floor(width / 110)));
  const y = makeAxis(ys, log, opts.yRange, Math.max(2, Math.floor(height / 60)));
  const titleH = opts.title ? GLYPH_H * titleScale(width) + 10 : 6;
  const yLabelW = Math.max(...y.labels.map((l) => textWidth(l)));
  const left = 8 + (opts.yLabel ? GLYPH_H + 6 : 0) + yLabelW + 6;
  const bottom = height - 1 - (6 + GLYPH_H + 4 + (opts.xLabel ? GLYPH_H + 6 : 0));
  const right = width - 1 - Math.max(10, Math.ceil(textWidth(x.labels[x.labels.length - 1] ?? '') / 2) + 2);
  const area = { left, top: titleH + 4, right, bottom };
  const sx = (right - left) / (x.max - x.min), sy = (bottom - area.top) / (y.max - y.min);
  const toPixel = (px: number, py: number): [number, number] => {
    if (!Number.isFinite(px) || !Number.isFinite(py) || (log && py <= 0)) return [NaN, NaN];
    return [left + (px - x.min) * sx, bottom - ((log ? Math.log10(py) : py) - y.min) * sy];
  };
  return { width, height, area, x, y, toPixel };
}

const titleScale = (width: number): number => (width >= 400 ? 2 : 1);

/** Draws the chart: [3, height, width] RGB in [0, 1] (white background). */
export function plotLines(opts: PlotOptions): Tensor {
  const L = plotLayout(opts);
  const { area, x, y } = L;
  const c = new Canvas(L.width, L.height);
  const lw = opts.lineWidth ?? 2;

  // grid, ticks and tick labels
  x.ticks.forEach((t, i) => {
    const px = Math.round(L.toPixel(t, y.log ? 10 ** y.min : y.min)[0]);
    c.fill(px, area.top, px, area.bottom, GRID);
    c.fill(px, area.bottom, px, area.bottom + 4, BLACK);
    c.text(x.labels[i], px - Math.floor(textWidth(x.labels[i]) / 2), area.bottom + 7, TEXT);
  });
  y.ticks.forEach((t, i) => {
    const py = Math.round(L.toPixel(x.min, t)[1]);
    c.fill(area.left, py, area.right, py, GRID);
    c.fill(area.left - 4, py, area.left, py, BLACK);
    c.text(y.labels[i], area.left - 6 - textWidth(y.labels[i]), py - 3, TEXT);
  });
  // axes
  c.fill(area.left, area.top, area.left, area.bottom, BLACK);
  c.fill(area.left, area.bottom, area.right, area.bottom, BLACK);

  // series
  opts.series.forEach((s, k) => {
    const col = s.color ?? PALETTE[k % PALETTE.length];
    let prev: [number, number] | null = null;
    for (let i = 0; i < s.x.length; i++) {
      const [fx, fy] = L.toPixel(s.x[i], s.y[i]);
      if (Number.isNaN(fx)) {
        prev = null;
        continue;
      }
      const p: [number, number] = [Math.round(fx), Math.round(fy)];
      const next = i + 1 < s.x.length ? L.toPixel(s.x[i + 1], s.y[i + 1])[0] : NaN;
      if (prev) c.line(prev[0], prev[1], p[0], p[1], col, lw, area);
      else if (Number.isNaN(next)) c.line(p[0], p[1], p[0], p[1], col, lw + 1, area); // isolated point
      prev = p;
    }
  });

  // title, axis labels
  if (opts.title) {
    const sc = titleScale(L.width);
    c.text(opts.title, Math.max(2, Math.floor((L.width - textWidth(opts.title, sc)) / 2)), 5, TEXT, sc);
  }
  if (opts.xLabel) c.text(opts.xLabel, Math.floor((area.left + area.right - textWidth(opts.xLabel)) / 2), L.height - 1 - GLYPH_H - 3, TEXT);
  if (opts.yLabel) c.text(opts.yLabel, 6, Math.floor((area.top + area.bottom + textWidth(opts.yLabel)) / 2), TEXT, 1, true);

  // legend: top-right inside the plot area
  const named = opts.series.map((s, k) => ({ s, k })).filter(({ s }) => s.name !== '');
  if ((opts.legend ?? named.length > 0) && named.length > 0) {
    const w = 8 + 18 + Math.max(...named.map(({ s }) => textWidth(s.name))) + 6, h = named.length * 12 + 6;
    // the corner where the box hides the fewest drawn data pixels (top-right first on ties)
    const corners = [[area.right - 6 - w, area.top + 6], [area.left + 8, area.top + 6], [area.right - 6 - w, area.bottom - 6 - h], [area.left + 8, area.bottom - 6 - h]];
    const covered = ([cx, cy]: number[]): number => {
      let n = 0;
      for (let yy = cy; yy <= cy + h; yy++) for (let xx = cx; xx <= cx + w; xx++) if (c.isData(xx, yy)) n++;
      return n;
    };
    const counts = corners.map(covered);
    const [x0, y0] = corners[counts.indexOf(Math.min(...counts))];
    c.fill(x0, y0, x0 + w, y0 + h, WHITE);
    c.fill(x0, y0, x0 + w, y0, GRID);
    c.fill(x0, y0 + h, x0 + w, y0 + h, GRID);
    c.fill(x0, y0, x0, y0 + h, GRID);
    c.fill(x0 + w, y0, x0 + w, y0 + h, GRID);
    named.forEach(({ s, k }, row) => {
      const ly = y0 + 6 + row * 12;
      c.fill(x0 + 6, ly + 3 - Math.floor((lw - 1) / 2), x0 + 22, ly + 3 + Math.floor(lw / 2), s.color ?? PALETTE[k % PALETTE.length]);
      c.text(s.name, x0 + 26, ly, TEXT);
    });
  }
  return new Tensor(c.data, [3, L.height, L.width]);
}

/** plotLines → PNG bytes. */
export async function plotPng(opts: PlotOptions): Promise<Uint8Array> {
  return encodeImage(plotLines(opts));
}
