// Running a feed-forward style network on an image of any size: `stylize` pads to the network's
// size multiple (reflection), runs it whole or in tiles, and crops back to the input's size.
//
// Tiling with exact instance norm. Instance norm needs each channel's mean and variance over the
// WHOLE image, so a tile cannot normalise with its own statistics (visible seams, and a different
// image). A network describes itself as a TilePlan: a head (full resolution → the low-resolution
// trunk), a body run whole on the trunk (residual blocks at 1/4 resolution: 8 values per input
// pixel for 128 channels, small enough to hold), and a tail (trunk → output). Head and tail are
// streamed, one segment at a time:
//   for every instance norm of the segment, in order: one pass over tiles of its input activation,
//     each tile computed from the segment's (whole, held) input with the statistics found so far,
//     accumulating per-channel Σ(x − shift) and Σ(x − shift)² in float64 (norm.ts);
//   then a last pass computes the segment's output tile by tile into a whole tensor.
// A tile of layer m's activation needs a region of layer m−1's that is worked out backwards
// through the layers (the halo is exactly each conv's reach, taken from the neighbours' real
// values); only where that region leaves the image is padding applied (reflection or zeros, as the
// whole-image network does there). Nothing is approximated: a tiled run equals the whole run up to
// float rounding.
// Cost: a segment with k norms recomputes its first layers up to k + 1 times; for the shipped
// networks (3 norms per segment) the head and tail cost about 2.5× and 2× their single pass, the
// whole network ≈ 1.4× an untiled run, plus the halos (measured: 2× with 256-px tiles). Memory: the input and output images, the trunk tensors
// (≈ 4 live tensors of 8 floats per input pixel) and one tile's activations (≈ 100 floats per
// tile pixel, plus its halo).
import { Tensor } from '../tensor.js';
import { F } from '../ops/index.js';
import { noGrad } from '../autograd.js';
import { resultScope } from '../backend.js';
import { fmt, ShapeError } from '../shape.js';
import { deconvSameBefore, samePadding, tanhTo255 } from './engstrom.js';
import { MomentAccumulator, normalizeInPlace, type ChannelStats } from './norm.js';

/** One layer of a streamed segment. Weights are the network's own tensors (no copies). */
export type TileLayer =
  /** conv2d; padding 'reflect' = ReflectionPad2d(k // 2) before it, 'same' = TF "SAME" zeros. */
  | { kind: 'conv'; weight: Tensor; bias: Tensor | null; stride: number; padding: 'reflect' | 'same' }
  /** conv_transpose2d with TF "SAME" output size stride·H (see engstrom.ts). */
  | { kind: 'deconv'; weight: Tensor; bias: Tensor | null; stride: number }
  | { kind: 'upsample'; scale: number }
  /** instance norm (affine when weight/bias are given), then ReLU when relu */
  | { kind: 'norm'; weight: Tensor | null; bias: Tensor | null; eps: number; relu: boolean }
  /** clip(tanh(y)·150 + 127.5, 0, 255) */
  | { kind: 'tanh255' };

export interface TilePlan {
  head: readonly TileLayer[];
  /** Run on the whole trunk activation (its instance norms see everything: exact). */
  body: (x: Tensor) => Tensor;
  tail: readonly TileLayer[];
}

/** What `stylize` runs: RGB 0–255 in, RGB ≈0–255 out (values outside are clamped when saved). */
export interface FastStyleNet {
  /** [N, 3, H, W] → [N, 3, H', W'] where H' = H when H is a multiple of sizeMultiple. */
  forward(x: Tensor): Tensor;
  /** The total downsampling factor: inputs are padded to a multiple of it. */
  readonly sizeMultiple: number;
  /** Layers for tiled inference; a network without one always runs whole. */
  tilePlan?(): TilePlan;
}

export interface TileProgress {
  pass: number;
  passes: number;
  tile: number;
  tiles: number;
}

export interface StylizeOptions {
  /** Tile side in input pixels; an image with a side longer than this is tiled. 0 = never tile. */
  tileSize?: number;
  onProgress?: (p: TileProgress) => void;
}

type Span = [number, number];
interface Region {
  h: Span;
  w: Span;
}

const half = (k: number): number => Math.floor(k / 2);

function outSize(l: TileLayer, n: number): number {
  if (l.kind === 'conv') {
    const k = l.weight.shape[2];
    return l.padding === 'same' ? Math.ceil(n / l.stride) : Math.floor((n + 2 * half(k) - k) / l.stride) + 1;
  }
  if (l.kind === 'deconv') return n * l.stride;
  if (l.kind === 'upsample') return n * l.scale;
  return n;
}

/** pad_before of a conv on a whole axis of size n. */
function convBefore(l: Extract<TileLayer, { kind: 'conv' }>, n: number): number {
  const k = l.weight.shape[2];
  return l.padding === 'reflect' ? half(k) : samePadding(n, k, l.stride)[0];
}

/** The input span (unclamped: it may reach into the padding) that output span `o` reads. */
function needed(l: TileLayer, [o0, o1]: Span, n: number): Span {
  switch (l.kind) {
    case 'conv': {
      const k = l.weight.shape[2], b = convBefore(l, n);
      return [o0 * l.stride - b, (o1 - 1) * l.stride - b + k];
    }
    case 'deconv': {
      // out[o] += in[i]·w[u] for o = i·s + u − before: the i whose kernel reaches [o0, o1).
      const k = l.weight.shape[2], s = l.stride, b = deconvSameBefore(k, s);
      return [Math.ceil((o0 + b - k + 1) / s), Math.floor((o1 - 1 + b) / s) + 1];
    }
    case 'upsample':
      return [Math.floor(o0 / l.scale), Math.floor((o1 - 1) / l.scale) + 1];
    default:
      return [o0, o1];
  }
}

const clampSpan = ([a, b]: Span, n: number): Span => [Math.max(a, 0), Math.min(b, n)];

/** x[:, :, h0:h1, w0:w1] where the spans are relative to x's first row/column (x itself when whole). */
function crop(x: Tensor, [h0, h1]: Span, [w0, w1]: Span): Tensor {
  const [h, w] = x.shape.slice(2);
  if (h0 === 0 && h1 === h && w0 === 0 && w1 === w) return x;
  return F.constant_pad2d(x, { padding: [-w0, w1 - w, -h0, h1 - h] });
}

/**
 * One layer on a tile: `t` holds the clamped span `have` of the layer's input, `need` is the
 * unclamped span the output span `out` reads.
 */
function applyLayer(l: TileLayer, t: Tensor, need: Region, have: Region, out: Region, stats: ChannelStats | undefined): Tensor {
  switch (l.kind) {
    case 'conv': {
      const pads: [number, number, number, number] = [have.w[0] - need.w[0], need.w[1] - have.w[1], have.h[0] - need.h[0], need.h[1] - have.h[1]];
      let p = t;
      if (pads.some((v) => v > 0)) p = l.padding === 'reflect' ? F.reflection_pad2d(t, { padding: pads }) : F.constant_pad2d(t, { padding: pads });
      return F.conv2d(p, l.weight, l.bias, { stride: l.stride });
    }
    case 'deconv': {
      const full = F.conv_transpose2d(t, l.weight, l.bias, { stride: l.stride });
      const k = l.weight.shape[2], b = deconvSameBefore(k, l.stride);
      const start = (s: Span, o: Span): Span => [o[0] - (s[0] * l.stride - b), o[1] - (s[0] * l.stride - b)];
      return crop(full, start(have.h, out.h), start(have.w, out.w));
    }
    case 'upsample': {
      const up = F.upsample_nearest2d(t, { scale_factor: l.scale });
      const start = (s: Span, o: Span): Span => [o[0] - s[0] * l.scale, o[1] - s[0] * l.scale];
      return crop(up, start(have.h, out.h), start(have.w, out.w));
    }
    case 'norm':
      if (stats === undefined) throw new Error('tiled: instance norm statistics are not computed yet (layer order bug)');
      return normalizeInPlace(t, stats, l, l.relu); // t: a fresh conv output (checked in runSegment)
    case 'tanh255':
      return tanhTo255(t);
  }
}

/** [start, end) bounds of `parts` near-equal pieces of n (empty pieces dropped). */
function splits(n: number, parts: number): Span[] {
  const p = Math.min(parts, n);
  return Array.from({ length: p }, (_, i): Span => [Math.floor((i * n) / p), Math.floor(((i + 1) * n) / p)]);
}

/** Writes tile [1, C, h, w] into out [1, C, H, W] at rows r.h, columns r.w. */
function paste(out: Tensor, tile: Tensor, r: Region): void {
  const [, c, hh, ww] = out.shape, th = r.h[1] - r.h[0], tw = r.w[1] - r.w[0];
  for (let ch = 0; ch < c; ch++) {
    for (let y = 0; y < th; y++) {
      const src = (ch * th + y) * tw;
      out.data.set(tile.data.subarray(src, src + tw), (ch * hh + r.h[0] + y) * ww + r.w[0]);
    }
  }
}

interface SegmentRun {
  /** Tile grid (rows × columns), the same for every activation of the segment. */
  grid: [number, number];
  passBase: number;
  passes: number;
  onProgress?: (p: TileProgress) => void;
}

/** Streams x [1, C, H, W] (held whole) through `layers`, returning the whole output. */
function runSegment(layers: readonly TileLayer[], x: Tensor, run: SegmentRun): Tensor {
  const sizes: [number, number][] = [[x.shape[2], x.shape[3]]];
  const channels: number[] = [x.shape[1]];
  for (const l of layers) {
    const [h, w] = sizes[sizes.length - 1];
    sizes.push([outSize(l, h), outSize(l, w)]);
    channels.push(l.kind === 'conv' ? l.weight.shape[0] : l.kind === 'deconv' ? l.weight.shape[1] : channels[channels.length - 1]);
  }
  layers.forEach((l, m) => {
    if (l.kind === 'norm' && (m === 0 || (layers[m - 1].kind !== 'conv' && layers[m - 1].kind !== 'deconv'))) {
      throw new Error(`tiled: layer ${m} (instance norm) must follow a conv (it normalises the conv's output in place)`);
    }
  });
  const stats = new Map<number, ChannelStats>();

  // The activation after layers[0..m) over region r.
  const evalRegion = (m: number, r: Region): Tensor => {
    const need: Region[] = new Array(m);
    const have: Region[] = new Array(m + 1);
    have[m] = r;
    for (let l = m - 1; l >= 0; l--) {
      need[l] = { h: needed(layers[l], have[l + 1].h, sizes[l][0]), w: needed(layers[l], have[l + 1].w, sizes[l][1]) };
      have[l] = { h: clampSpan(need[l].h, sizes[l][0]), w: clampSpan(need[l].w, sizes[l][1]) };
    }
    let t = crop(x, have[0].h, have[0].w);
    for (let l = 0; l < m; l++) t = applyLayer(layers[l], t, need[l], have[l], have[l + 1], stats.get(l));
    return t;
  };
  const tilesOf = (m: number): Region[] => {
    const hs = splits(sizes[m][0], run.grid[0]), ws = splits(sizes[m][1], run.grid[1]);
    return hs.flatMap((h) => ws.map((w) => ({ h, w })));
  };
  const pass = (m: number, visit: (t: Tensor, r: Region) => void): void => {
    const tiles = tilesOf(m);
    const passNo = run.passBase + stats.size + 1;
    tiles.forEach((r, i) => {
      visit(evalRegion(m, r), r);
      run.onProgress?.({ pass: passNo, passes: run.passes, tile: i + 1, tiles: tiles.length });
    });
  };

  layers.forEach((l, m) => {
    if (l.kind !== 'norm') return;
    const acc = new MomentAccumulator(channels[m]);
    pass(m, (t) => acc.add(t.data, t.shape[2] * t.shape[3]));
    stats.set(m, acc.result());
  });
  const L = layers.length;
  const out = Tensor.zeros([1, channels[L], sizes[L][0], sizes[L][1]]);
  pass(L, (t, r) => paste(out, t, r));
  return out;
}

const normCount = (layers: readonly TileLayer[]): number => layers.filter((l) => l.kind === 'norm').length;

/**
 * Runs a plan on x [1, 3, H, W] in tiles of about tileSize × tileSize input pixels. Equals the
 * network's forward (same output size, same values up to float rounding).
 */
export function runTiled(plan: TilePlan, x: Tensor, opts: { tileSize: number; onProgress?: (p: TileProgress) => void }): Tensor {
  if (x.ndim !== 4 || x.shape[0] !== 1) throw new ShapeError(`runTiled: expected one image [1, C, H, W], got ${fmt(x.shape)}`);
  if (!Number.isInteger(opts.tileSize) || opts.tileSize < 1) throw new RangeError(`runTiled: tileSize must be an integer ≥ 1, got ${opts.tileSize}`);
  const grid: [number, number] = [Math.ceil(x.shape[2] / opts.tileSize), Math.ceil(x.shape[3] / opts.tileSize)];
  const headPasses = normCount(plan.head) + 1;
  const passes = headPasses + normCount(plan.tail) + 1;
  return noGrad(() => {
    const trunk = plan.body(runSegment(plan.head, x, { grid, passBase: 0, passes, onProgress: opts.onProgress }));
    return runSegment(plan.tail, trunk, { grid, passBase: headPasses, passes, onProgress: opts.onProgress });
  });
}

/** Reflection padding by any amount (repeated when it exceeds what one reflection allows). */
function reflectTo(x: Tensor, h: number, w: number): Tensor {
  let y = x;
  while (y.shape[2] < h || y.shape[3] < w) {
    const ph = Math.min(h - y.shape[2], y.shape[2] - 1), pw = Math.min(w - y.shape[3], y.shape[3] - 1);
    y = F.reflection_pad2d(y, { padding: [0, pw, 0, ph] });
  }
  return y;
}

/** x's values in a fresh plain array (slice makes a non-shared copy, whatever x's storage): a result leaving a result scope. */
function plainCopy(x: Tensor): Tensor {
  return new Tensor(x.data.slice(), x.shape);
}

/** The smallest padded side a network with this size multiple runs on (Johnson's 9×9 reflection needs 5). */
const MIN_SIDE = 8;

/**
 * Stylises x [N, 3, H, W] (RGB 0–255) → [N, 3, H, W]: pads to the network's size multiple (and at
 * least 8 px) by reflection, runs the network whole or, for an image with a side over tileSize,
 * tiled (one image at a time), and crops back.
 */
export function stylize(net: FastStyleNet, x: Tensor, opts: StylizeOptions = {}): Tensor {
  if (x.ndim !== 4 || x.shape[1] !== 3) throw new ShapeError(`stylize: expected images [N, 3, H, W] (RGB 0–255), got ${fmt(x.shape)}`);
  const [n, , h, w] = x.shape;
  if (h < 2 || w < 2) throw new ShapeError(`stylize: image ${w}×${h} is too small (at least 2×2 pixels)`);
  const m = net.sizeMultiple;
  const to = (v: number): number => Math.max(MIN_SIDE, Math.ceil(v / m) * m);
  const tileSize = opts.tileSize ?? 0;
  const plan = tileSize > 0 && (h > tileSize || w > tileSize) ? net.tilePlan?.() : undefined;
  return noGrad(() => {
    const xp = reflectTo(x, to(h), to(w));
    // Whole: every intermediate lives in the kernels' memory for the call only (resultScope: no
    // copies in and out of each kernel), the cropped output is copied out before the scope ends.
    if (plan === undefined) return resultScope(() => plainCopy(crop(net.forward(xp), [0, h], [0, w])));
    let y = runTiled(plan, n === 1 ? xp : F.narrow(xp, { dim: 0, start: 0, length: 1 }), { tileSize, onProgress: opts.onProgress });
    for (let i = 1; i < n; i++) y = F.cat(y, runTiled(plan, F.narrow(xp, { dim: 0, start: i, length: 1 }), { tileSize, onProgress: opts.onProgress }), { dim: 0 });
    return crop(y, [0, h], [0, w]);
  });
}
