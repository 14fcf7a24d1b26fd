// Line charts: drawn pixels where the layout says, axes, NaN gaps, log scale, legend, tick labels,
// the bitmap font, PNG output and input errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Tensor } from '../../src/tensor.js';
import { formatTick, PALETTE, plotLayout, plotLines, plotPng, renderText, type PlotOptions } from '../../src/io/plot.js';
import { decodeImage } from '../../src/io/image.js';

type Rgb = [number, number, number];
const px = (t: Tensor, x: number, y: number): Rgb => {
  const [, h, w] = t.shape, n = h * w;
  return [t.data[y * w + x], t.data[n + y * w + x], t.data[2 * n + y * w + x]];
};
const same = (a: Rgb, b: Rgb) => a.every((v, i) => Math.abs(v - b[i]) < 1e-6);
const BLUE = PALETTE[0], ORANGE = PALETTE[1];

/** Pixels of colour c in column x (rows top..bottom). */
function rowsOf(t: Tensor, x: number, c: Rgb): number[] {
  const out: number[] = [];
  for (let y = 0; y < t.shape[1]; y++) if (same(px(t, x, y), c)) out.push(y);
  return out;
}

function countColour(t: Tensor, c: Rgb, box?: { x0: number; y0: number; x1: number; y1: number }): number {
  const [, h, w] = t.shape;
  let n = 0;
  for (let y = box?.y0 ?? 0; y <= (box?.y1 ?? h - 1); y++) for (let x = box?.x0 ?? 0; x <= (box?.x1 ?? w - 1); x++) if (same(px(t, x, y), c)) n++;
  return n;
}

test('plotLines: a horizontal and a rising line land on the pixels the layout maps them to', () => {
  const opts: PlotOptions = {
    series: [{ name: '', x: [0, 10], y: [0.5, 0.5] }, { name: '', x: [0, 10], y: [0, 1] }],
    width: 300, height: 200, yRange: [0, 1], xRange: [0, 10], lineWidth: 1,
  };
  const t = plotLines(opts);
  assert.deepEqual(t.shape, [3, 200, 300]);
  const L = plotLayout(opts);
  const [, yMid] = L.toPixel(0, 0.5);
  // the flat line: exactly one row, across the whole plot area
  for (let x = L.area.left + 1; x < L.area.right; x += 7) {
    const rows = rowsOf(t, x, BLUE);
    if (rows.length === 0) {
      // the rising line crosses the flat one near the middle and is drawn on top
      assert.ok(Math.abs(x - L.toPixel(5, 0.5)[0]) <= 2, `flat line missing at x=${x}`);
      continue;
    }
    assert.deepEqual(rows, [Math.round(yMid)], `column ${x}`);
  }
  // the rising line: at data x = 1..9 its pixel sits at the mapped row (±1 for rounding), higher up for larger x
  let last = Infinity;
  for (let k = 1; k < 10; k++) {
    const [fx, fy] = L.toPixel(k, k / 10);
    const rows = rowsOf(t, Math.round(fx), ORANGE);
    assert.ok(rows.length >= 1 && rows.every((r) => Math.abs(r - fy) <= 1.01), `x=${k}: rows ${rows} vs ${fy}`);
    assert.ok(rows[0] < last, 'rises');
    last = rows[0];
  }
  // the mapping itself: range corners are the area corners
  assert.deepEqual(L.toPixel(0, 0), [L.area.left, L.area.bottom]);
  assert.deepEqual(L.toPixel(10, 1), [L.area.right, L.area.top]);
});

test('plotLines: axes, ticks, tick labels, title and axis labels are drawn', () => {
  const base: PlotOptions = { series: [{ name: 'loss', x: [0, 100, 200], y: [3, 2, 1.5] }], width: 400, height: 260 };
  const t = plotLines({ ...base, title: 'Losses', xLabel: 'step', yLabel: 'loss' });
  const L = plotLayout({ ...base, title: 'Losses', xLabel: 'step', yLabel: 'loss' });
  for (let y = L.area.top; y <= L.area.bottom; y++) assert.ok(same(px(t, L.area.left, y), [0, 0, 0]) || !same(px(t, L.area.left, y), [1, 1, 1]), `y axis at ${y}`);
  for (let x = L.area.left; x <= L.area.right; x += 3) assert.ok(!same(px(t, x, L.area.bottom), [1, 1, 1]), `x axis at ${x}`);
  // nice ticks: x 0, 50, … 200; y covers [1.5, 3] in steps of 0.2 or 0.5
  assert.deepEqual(L.x.ticks, [0, 50, 100, 150, 200]);
  assert.ok(L.y.min <= 1.5 && L.y.max >= 3 && L.y.ticks.length >= 3, JSON.stringify(L.y));
  assert.deepEqual(L.x.labels, ['0', '50', '100', '150', '200']);
  // dark text pixels left of each y tick (its label) and below each x tick
  const dark = (x0: number, y0: number, x1: number, y1: number) => {
    let n = 0;
    for (let y = Math.max(0, y0); y <= y1; y++) for (let x = Math.max(0, x0); x <= x1; x++) if (px(t, x, y)[0] < 0.3 && px(t, x, y)[2] < 0.3) n++;
    return n;
  };
  for (const tick of L.y.ticks) {
    const y = Math.round(L.toPixel(0, tick)[1]);
    assert.ok(dark(L.area.left - 40, y - 3, L.area.left - 6, y + 3) > 5, `label of y tick ${tick}`);
  }
  for (const tick of L.x.ticks) {
    const x = Math.round(L.toPixel(tick, 2)[0]);
    assert.ok(dark(x - 10, L.area.bottom + 7, x + 10, L.area.bottom + 13) > 3, `label of x tick ${tick}`);
  }
  assert.ok(dark(0, 0, 399, L.area.top - 4) > 40, 'title');
  assert.ok(dark(0, L.area.top, 12, L.area.bottom) > 10, 'vertical y label');
  assert.ok(dark(L.area.left, L.area.bottom + 15, L.area.right, 259) > 10, 'x label');
  // without the labels and title those regions stay blank
  const bare = plotLines(base);
  const Lb = plotLayout(base);
  assert.ok(Lb.area.top < L.area.top && Lb.area.left < L.area.left && Lb.area.bottom > L.area.bottom);
  assert.equal(countColour(bare, [0.1, 0.1, 0.1], { x0: 0, y0: 0, x1: 399, y1: Lb.area.top - 5 }), 0);
});

test('plotLines: NaN (and infinite) points break the line; an isolated point is still drawn', () => {
  const opts: PlotOptions = { series: [{ name: '', x: [0, 1, 2, 3, 4, 5, 6, 7, 8], y: [1, 2, NaN, 4, 5, Infinity, 3, NaN, 1] }], width: 320, height: 220, lineWidth: 1 };
  const t = plotLines(opts);
  const L = plotLayout(opts);
  const col = (x: number) => Math.round(L.toPixel(x, 1)[0]);
  assert.ok(rowsOf(t, col(0.5), BLUE).length > 0, 'segment 0–1 drawn');
  assert.ok(rowsOf(t, col(3.5), BLUE).length > 0, 'segment 3–4 drawn');
  for (const x of [1.5, 2, 2.5, 4.5, 5, 5.5, 7.5]) assert.deepEqual(rowsOf(t, col(x), BLUE), [], `gap at x=${x}`);
  // x=6 (y=3) is isolated between Infinity and NaN: a dot at its pixel
  const [fx, fy] = L.toPixel(6, 3);
  assert.ok(rowsOf(t, Math.round(fx), BLUE).some((r) => Math.abs(r - fy) <= 1), 'isolated point drawn');
  // x=8 too
  assert.ok(rowsOf(t, Math.round(L.toPixel(8, 1)[0]), BLUE).length > 0, 'last isolated point drawn');
  // the axis range ignores non-finite values
  assert.ok(L.y.max < 10 && L.y.min <= 1);
});

test('plotLines: log-scale y: decades or 1-2-5 ticks, exponential curves become straight, y ≤ 0 skipped', () => {
  const x = Array.from({ length: 31 }, (_, i) => i / 10);
  const opts: PlotOptions = { series: [{ name: '', x: [...x, 3.1], y: [...x.map((v) => 10 ** v), 0] }], logY: true, width: 400, height: 300, lineWidth: 1 };
  const L = plotLayout(opts);
  assert.equal(L.y.log, true);
  assert.deepEqual(L.y.ticks, [1, 10, 100, 1000]);
  assert.deepEqual(L.y.labels, ['1', '10', '100', '1000']);
  const t = plotLines(opts);
  // on a log axis y = 10^x is a straight line: the pixel at x = 1.5 is halfway between the ends
  const [x0, y0] = L.toPixel(0, 1), [x1, y1] = L.toPixel(3, 1000), [xm, ym] = L.toPixel(1.5, 10 ** 1.5);
  assert.ok(Math.abs(xm - (x0 + x1) / 2) < 1e-9 && Math.abs(ym - (y0 + y1) / 2) < 1e-9);
  assert.ok(rowsOf(t, Math.round(xm), BLUE).some((r) => Math.abs(r - ym) <= 1), 'midpoint drawn');
  assert.ok(Number.isNaN(L.toPixel(3.1, 0)[0]), 'y = 0 is unplottable on a log axis');
  // narrow spans get 1-2-5 ticks
  const narrow = plotLayout({ series: [{ name: '', x: [0, 1], y: [110, 1300] }], logY: true });
  assert.deepEqual(narrow.y.ticks, [100, 200, 500, 1000, 2000]);
  // without logY the same data is a curve: the midpoint is far below the chord
  const lin = plotLayout({ ...opts, logY: false });
  assert.ok(lin.toPixel(1.5, 10 ** 1.5)[1] - (lin.toPixel(0, 1)[1] + lin.toPixel(3, 1000)[1]) / 2 > 50);
});

test('plotLines: series colours, legend with every name in the emptiest corner', () => {
  const rising = { name: 'G loss', x: [0, 1, 2, 3], y: [0, 1, 2, 3] };
  const flat = { name: 'D loss', x: [0, 1, 2, 3], y: [2.8, 2.8, 2.8, 2.8] };
  const opts: PlotOptions = { series: [rising, flat], width: 400, height: 300 };
  const t = plotLines(opts);
  const L = plotLayout(opts);
  // legend swatches: 17-pixel horizontal runs of each colour; both series present
  const runs = (c: Rgb) => {
    const found: [number, number][] = [];
    for (let y = L.area.top; y < L.area.bottom; y++) {
      let run = 0;
      for (let x = L.area.left; x <= L.area.right; x++) {
        run = same(px(t, x, y), c) ? run + 1 : 0;
        if (run === 17 && !same(px(t, x + 1, y), c)) found.push([x - 16, y]);
      }
    }
    return found;
  };
  const blue = runs(BLUE), orange = runs(ORANGE);
  assert.ok(blue.length >= 1 && orange.length >= 1, `swatches ${blue} / ${orange}`);
  // the rising line fills the top-right and the flat line the top: the legend goes bottom-right
  const [sx, sy] = orange[0];
  assert.ok(sx > (L.area.left + L.area.right) / 2 && sy > (L.area.top + L.area.bottom) / 2, `legend at ${sx}, ${sy}`);
  assert.ok(countColour(t, ORANGE) > 200 && countColour(t, BLUE) > 200);
  // no names, no legend; explicit colours are used
  const plain = plotLines({ series: [{ name: '', x: [0, 1], y: [0, 1], color: [0, 0.5, 0] }], width: 200, height: 150 });
  assert.equal(countColour(plain, BLUE), 0);
  assert.ok(countColour(plain, [0, 0.5, 0]) > 50);
});

test('bitmap font: every printable ASCII glyph has ink, digits are distinct, unknown characters render as ?', () => {
  const bitmaps = new Map<string, string>();
  for (let code = 33; code < 127; code++) {
    const ch = String.fromCharCode(code);
    const t = renderText(ch);
    assert.deepEqual(t.shape, [3, 7, 5]);
    const bits = [...t.data.subarray(0, 35)].map((v) => (v < 0.5 ? 1 : 0)).join('');
    assert.ok(bits.includes('1'), `glyph '${ch}' is blank`);
    bitmaps.set(ch, bits);
  }
  assert.equal(new Set('0123456789'.split('').map((d) => bitmaps.get(d))).size, 10);
  assert.equal(new Set([...bitmaps.values()]).size, 94, 'all glyphs differ');
  assert.equal([...renderText(' ').data].every((v) => v === 1), true);
  assert.deepEqual(renderText('é').data, renderText('?').data);
  assert.deepEqual(renderText('−1').data, renderText('-1').data);
  assert.deepEqual(renderText('12', 2).shape, [3, 14, 22]);
});

test('formatTick: decimals follow the step; very large and small values use exponents', () => {
  assert.equal(formatTick(0.2, 0.2), '0.2');
  assert.equal(formatTick(1, 0.25), '1.00');
  assert.equal(formatTick(2000, 500), '2000');
  assert.equal(formatTick(0.05, 0.01), '0.05');
  assert.equal(formatTick(200000, 100000), '2e5');
  assert.equal(formatTick(0.0001, 0.0001), '1e-4');
  assert.equal(formatTick(-1.5, 0.5), '-1.5');
  assert.equal(formatTick(0, 1e-7), '0');
});

test('plotPng: a PNG of the requested size; input errors name the problem', async () => {
  const png = await plotPng({ series: [{ name: 'a', x: [1, 2, 3], y: [1, 4, 9] }], width: 160, height: 100, title: 't' });
  assert.deepEqual([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join(''), 'PNG');
  const back = await decodeImage(png);
  assert.deepEqual(back.shape, [1, 3, 100, 160]);
  // empty and all-NaN inputs still give axes
  assert.deepEqual(plotLines({ series: [] }).shape, [3, 400, 640]);
  assert.deepEqual(plotLines({ series: [{ name: 'x', x: [0], y: [NaN] }], width: 100, height: 80 }).shape, [3, 80, 100]);
  assert.throws(() => plotLines({ series: [{ name: 'bad', x: [1, 2], y: [1] }] }), /series 0 \('bad'\) has 2 x values but 1 y values/);
  assert.throws(() => plotLines({ series: [], width: 10, height: 10 }), RangeError);
  assert.throws(() => plotLines({ series: [], width: 100.5 }), RangeError);
});
