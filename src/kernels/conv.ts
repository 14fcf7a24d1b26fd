// conv   (twin: assembly/kernels/conv.ts; test: test/kernels/conv.prop.test.ts)
// A whole convolution: conv('forward', x, wt, g, y, bias?), conv('input', dy, wt, g, dx) (the adjoint
// in x), conv('weight', x, dy, g, dw) (the adjoint in wt); each overwrites its output. The forward's
// bias (one per output channel) is added to each band's rows right after its gemm, while they are
// in cache: y = float32(conv + b), the rounding of a separate add.
// Phrased in conv2d's terms: an image side x [N, Cin, H, W], an output side y [N, Cout, Ho, Wo] and a
// weight [Cout, Cin/G, kh, kw]; conv_transpose2d runs conv('input') (conv2d's adjoint in x). Per image
// and group, im2col columns are built a band of output rows at a time, cache-sized and never over
// TILE_FLOATS (a 512×512 VGG layer never materialises a full im2col); a 1×1 stride-1 unpadded conv
// uses the image itself as the column matrix (its bands are row ranges of x).
// Small outputs (a whole image in one band narrower than MIN_COLS, e.g. DCGAN's 7×7 and 14×14) put
// several images' columns side by side in one band, so each gemm is wide and packs the weight once
// for them all: y and dy then go through a [Og, images·Ho·Wo] staging matrix (≤ STAGE_FLOATS).
// A dense conv (one group, the kernel covers the whole unpadded image, 1×1 output: DCGAN's first G
// and last D layer) is a plain product over the batch: y [N, Cout] = x [N, K] · Wᵀ, no columns.
//
// The loops call tsKernels' primitives (arrays plus offsets in floats). The twin runs
// the same loops inside WASM on the operands the binding copied in once, for a share [lo, hi) of
// their units (convUnits; the thread pool splits a call into shares, src/wasm/parallel.ts, and
// every share gives the same results). Band sizes come from here (convRows) for both.
// The twin also packs the weight once per share instead of once per band, and packs a stride-1
// forward's columns straight from x into gemm's panels (no column buffer): the same values in the
// same sums, so its results are those of its own plain loops bit for bit.
import { col2imStrided } from './col2im.js';
import { im2colStrided } from './im2col.js';
import { tsKernels } from './index.js';

export const TILE_FLOATS = 4 << 20; // at most 16 MB of float32 columns per band
/**
 * Band size: columns of about BAND_FLOATS (512 KB: im2col writes them into L2 and gemm packs them
 * from there) but at least MIN_COLS wide (so gemm's repacking of the weight per call stays small
 * next to its work). Measured on the VGG layers: 44–47 GFLOP/s of gemm vs 39–42 with 16 MB bands.
 * Band sizes never change results (gemm's K blocking depends on K only).
 */
export const BAND_FLOATS = 128 << 10;
export const MIN_COLS = 512;
/** At most this many floats of staged y / dy per band of several images (the twin takes them from its arena). */
export const STAGE_FLOATS = 1 << 18;

export interface ConvGeom {
  n: number; cin: number; h: number; w: number; // image side
  cout: number; ho: number; wo: number; // output side
  groups: number; kh: number; kw: number;
  sh: number; sw: number; ph: number; pw: number; dh: number; dw: number;
}

/** The three primitives the band loops call; every array is an array plus an offset in floats. */
interface ConvPrims {
  gemm(m: number, n: number, k: number, a: Float32Array, ao: number, lda: number, transA: boolean,
    b: Float32Array, bo: number, ldb: number, transB: boolean, c: Float32Array, co: number, ldc: number, accumulate: boolean): void;
  /** im2col of `c` channels of one group at x + xo, output rows oh0 … oh0 + ohCount − 1, into cols + co (rows ld apart). */
  im2col(x: Float32Array, xo: number, g: ConvGeom, c: number, oh0: number, ohCount: number, cols: Float32Array, co: number, ld: number): void;
  /** The adjoint: accumulates cols + co (rows ld apart) into `c` channels at x + xo. */
  col2im(cols: Float32Array, co: number, g: ConvGeom, c: number, oh0: number, ohCount: number, x: Float32Array, xo: number, ld: number): void;
}

interface Dims {
  cg: number; og: number; K: number; kk: number; hw: number; howo: number;
  /** Output rows per band; bands per image and group. */
  rows: number; bands: number;
  /** Images per band (> 1 only when a band is a whole image); bands of images. */
  imgs: number; imageGroups: number;
  pointwise: boolean;
  /** One group, kernel = the whole unpadded image, 1×1 output: y [N, Cout] = x [N, K] · Wᵀ. */
  dense: boolean;
}

function dims(g: ConvGeom): Dims {
  const cg = g.cin / g.groups, kk = g.kh * g.kw, K = cg * kk;
  const pointwise = kk === 1 && g.sh === 1 && g.sw === 1 && g.ph === 0 && g.pw === 0 && g.ho === g.h && g.wo === g.w;
  const row = Math.max(1, K * g.wo); // column floats per output row
  const want = Math.max(Math.ceil(MIN_COLS / Math.max(1, g.wo)), Math.floor(BAND_FLOATS / row));
  const rows = Math.max(1, Math.min(g.ho, Math.floor(TILE_FLOATS / row), want));
  const og = g.cout / g.groups, howo = g.ho * g.wo, perImage = Math.max(1, K * howo);
  const dense = convDense(g);
  const imgs = dense ? Math.max(1, g.n) : pointwise || rows < g.ho || howo === 0 ? 1 : Math.max(1, Math.min(g.n,
    Math.max(Math.ceil(MIN_COLS / howo), Math.floor(BAND_FLOATS / perImage)), Math.floor(TILE_FLOATS / perImage), Math.floor(STAGE_FLOATS / Math.max(1, og * howo))));
  return { cg, og, K, kk, hw: g.h * g.w, howo, rows, bands: Math.ceil(g.ho / rows), imgs, imageGroups: Math.ceil(g.n / imgs), pointwise, dense };
}

/** Output rows per band (the twin takes it as an argument). */
export function convRows(g: ConvGeom): number {
  return dims(g).rows;
}

/** Images per band (the twin takes it as an argument). */
export function convImages(g: ConvGeom): number {
  return dims(g).imgs;
}

/** Floats of the column buffer the loops need (0 for a pointwise or dense conv). */
export function convColsFloats(g: ConvGeom): number {
  const d = dims(g);
  return d.pointwise || d.dense ? 0 : d.K * d.rows * g.wo * d.imgs;
}

export type ConvLoopKind = 'forward' | 'input' | 'weight';

/**
 * A loop's work comes in units that threads can share without changing any result: forward — one
 * (image or band of images, group, band of rows) each, a thread needing its own column buffer
 * (dense: one image, a row of the product); input and weight — one input channel of every group (its
 * rows of the column buffer, its x planes or dW columns; every element is still summed over images
 * and bands in order).
 */
/** A dense conv: one group, the kernel covers the whole unpadded, undilated image, 1×1 output (one product over the batch). */
export function convDense(g: ConvGeom): boolean {
  return g.groups === 1 && g.ho === 1 && g.wo === 1 && g.kh === g.h && g.kw === g.w && g.ph === 0 && g.pw === 0 && g.dh === 1 && g.dw === 1;
}

export function convUnits(kind: ConvLoopKind, g: ConvGeom): number {
  const d = dims(g);
  if (kind !== 'forward') return d.cg;
  return d.dense ? g.n : d.imageGroups * g.groups * d.bands; // dense: its rows (images) of the product
}

/** Units [lo, hi) of convUnits. */
export interface Part { lo: number; hi: number }

/**
 * y[n, g·Og + o] = W_g · im2col(x[n, g·Cg …]) (+ bias[g·Og + o]): one gemm per (image, group, band),
 * or per (band of images, group) when imgs > 1: their columns side by side, the product staged, then
 * scattered. y is overwritten.
 */
function convForwardLoop(p: ConvPrims, x: Float32Array, wt: Float32Array, y: Float32Array, cols: Float32Array, g: ConvGeom, bias: Float32Array | null, part?: Part): void {
  const { cg, og, K, hw, howo, rows, bands, imgs, pointwise, dense } = dims(g);
  const { lo, hi } = part ?? { lo: 0, hi: convUnits('forward', g) };
  if (dense) {
    if (lo < hi) p.gemm(hi - lo, og, K, x, lo * K, K, false, wt, 0, K, true, y, lo * og, og, false);
    if (bias !== null) tsKernels.add_rows(y.subarray(lo * og), hi - lo, og, bias, y.subarray(lo * og)); // rows = images
    return;
  }
  const stage = new Float32Array(imgs > 1 ? og * imgs * howo : 0);
  for (let u = lo; u < hi; u++) {
    const ig = Math.floor(u / (g.groups * bands)), gr = Math.floor(u / bands) % g.groups, r0 = (u % bands) * rows;
    const xo = (i: number) => (i * g.cin + gr * cg) * hw, yo = (i: number) => (i * g.cout + gr * og) * howo, wo = gr * og * K;
    if (imgs > 1) {
      const i0 = ig * imgs, cnt = Math.min(imgs, g.n - i0), ld = cnt * howo;
      for (let i = 0; i < cnt; i++) p.im2col(x, xo(i0 + i), g, cg, 0, g.ho, cols, i * howo, ld);
      p.gemm(og, ld, K, wt, wo, K, false, cols, 0, ld, false, stage, 0, ld, false);
      if (bias !== null) addChannelBias(og, ld, stage, 0, ld, bias, gr * og);
      for (let i = 0; i < cnt; i++) copyRows(og, howo, stage, i * howo, ld, y, yo(i0 + i), howo);
      continue;
    }
    const rc = Math.min(rows, g.ho - r0), nc = rc * g.wo;
    if (pointwise) {
      p.gemm(og, nc, K, wt, wo, K, false, x, xo(ig) + r0 * g.w, hw, false, y, yo(ig) + r0 * g.wo, howo, false);
    } else {
      p.im2col(x, xo(ig), g, cg, r0, rc, cols, 0, nc);
      p.gemm(og, nc, K, wt, wo, K, false, cols, 0, nc, false, y, yo(ig) + r0 * g.wo, howo, false);
    }
    if (bias !== null) addChannelBias(og, nc, y, yo(ig) + r0 * g.wo, howo, bias, gr * og);
  }
}

/** Row r of the `rows` runs of `len` floats at y + off (ld apart) += bias[b0 + r]. */
function addChannelBias(rows: number, len: number, y: Float32Array, off: number, ld: number, bias: Float32Array, b0: number): void {
  for (let r = 0; r < rows; r++) {
    const b = bias[b0 + r];
    for (let j = off + r * ld, end = j + len; j < end; j++) y[j] += b;
  }
}

/**
 * The gradients' walk over images (or bands of images, imgs > 1), groups and bands of rows, for the
 * input channels [lo, hi) of `part` (default all) in every group: step(ctx, band). Returns what the
 * steps share: the dims, the channel count c = hi − lo, the offset co of channel lo's column rows
 * (channel c's at c·kh·kw·(widest band) whatever the band, so parts never overlap) and a staging
 * matrix for dy when imgs > 1.
 */
function gradientBands(g: ConvGeom, part: Part | undefined, step: (ctx: GradientPart, b: GradientBand) => void): void {
  const d = dims(g), { lo, hi } = part ?? { lo: 0, hi: d.cg };
  const ctx: GradientPart = { d, c: hi - lo, co: lo * d.kk * d.rows * g.wo * d.imgs, stage: new Float32Array(d.imgs > 1 && !d.dense ? d.og * d.imgs * d.howo : 0) };
  for (let ig = 0; ig < d.imageGroups; ig++) {
    const i0 = ig * d.imgs, cnt = Math.min(d.imgs, g.n - i0);
    for (let gr = 0; gr < g.groups; gr++) {
      const xo = (i: number) => (i * g.cin + gr * d.cg + lo) * d.hw, yo = (i: number) => (i * g.cout + gr * d.og) * d.howo;
      for (let r0 = 0; r0 < g.ho; r0 += d.rows) {
        const rc = Math.min(d.rows, g.ho - r0);
        step(ctx, { i0, cnt, xo, yo, wo: gr * d.og * d.K + lo * d.kk, r0, rc, nc: rc * g.wo });
      }
    }
  }
}

interface GradientPart { d: Dims; c: number; co: number; stage: Float32Array }

/** Images [i0, i0 + cnt) (cnt > 1 only when imgs > 1), output rows [r0, r0 + rc) (nc columns per image); offsets of image i's x (at channel lo) and y, and of the weight (at column lo·kh·kw). */
interface GradientBand { i0: number; cnt: number; xo: (i: number) => number; yo: (i: number) => number; wo: number; r0: number; rc: number; nc: number }

/** stage[o, i·Ho·Wo + q] = dy[i0 + i, g·Og + o, q]: the band's images side by side, [Og, cnt·Ho·Wo]. */
function stageDy(dy: Float32Array, { d, stage }: GradientPart, { i0, cnt, yo }: GradientBand): void {
  for (let i = 0; i < cnt; i++) copyRows(d.og, d.howo, dy, yo(i0 + i), d.howo, stage, i * d.howo, cnt * d.howo);
}

/** `rows` runs of `len` floats: dst[dOff + r·dLd …] = src[sOff + r·sLd …] (staging in and out). */
function copyRows(rows: number, len: number, src: Float32Array, sOff: number, sLd: number, dst: Float32Array, dOff: number, dLd: number): void {
  for (let r = 0; r < rows; r++) dst.set(src.subarray(sOff + r * sLd, sOff + r * sLd + len), dOff + r * dLd);
}

/**
 * The adjoint in x: x[n, g·Cg + c] += col2im(W_gᵀ · y[n, g·Og …]) for the channels c of `part`.
 * x must be zero on entry.
 */
function convInputLoop(p: ConvPrims, y: Float32Array, wt: Float32Array, x: Float32Array, cols: Float32Array, g: ConvGeom, part?: Part): void {
  gradientBands(g, part, (ctx, b) => {
    const { d: { og, K, kk, hw, howo, imgs, pointwise, dense }, c, co, stage } = ctx, { i0, xo, yo, wo, r0, rc, nc } = b;
    // dense: dx[:, lo·K/Cin …] = dy [N, Cout] · W[:, those columns]
    if (dense) return p.gemm(g.n, c * kk, og, y, 0, og, false, wt, wo, K, false, x, xo(0), K, false);
    if (pointwise) return p.gemm(c, nc, og, wt, wo, K, true, y, yo(i0) + r0 * g.wo, howo, false, x, xo(i0) + r0 * g.w, hw, false);
    if (imgs === 1) {
      p.gemm(c * kk, nc, og, wt, wo, K, true, y, yo(i0) + r0 * g.wo, howo, false, cols, co, nc, false);
      return p.col2im(cols, co, g, c, r0, rc, x, xo(i0), nc);
    }
    const ld = b.cnt * howo;
    stageDy(y, ctx, b);
    p.gemm(c * kk, ld, og, wt, wo, K, true, stage, 0, ld, false, cols, co, ld, false);
    for (let i = 0; i < b.cnt; i++) p.col2im(cols, co + i * howo, g, c, 0, g.ho, x, xo(i0 + i), ld);
  });
}

/** ∂L/∂W for the input channels of `part`: dW[g·Og …] += Σ_n Σ_bands dy_g · colsᵀ (gemm transB). dw must be zero on entry. */
function convWeightLoop(p: ConvPrims, x: Float32Array, dy: Float32Array, dw: Float32Array, cols: Float32Array, g: ConvGeom, part?: Part): void {
  gradientBands(g, part, (ctx, b) => {
    const { d: { og, K, kk, hw, howo, imgs, pointwise, dense }, c, co, stage } = ctx, { i0, xo, yo, wo, r0, rc, nc } = b;
    // dense: dW[:, those columns] = dyᵀ [Cout, N] · x[:, those columns]
    if (dense) return p.gemm(og, c * kk, g.n, dy, 0, og, true, x, xo(0), K, false, dw, wo, K, true);
    if (pointwise) return p.gemm(og, c, nc, dy, yo(i0) + r0 * g.wo, howo, false, x, xo(i0) + r0 * g.w, hw, true, dw, wo, K, true);
    if (imgs === 1) {
      p.im2col(x, xo(i0), g, c, r0, rc, cols, co, nc);
      return p.gemm(og, c * kk, nc, dy, yo(i0) + r0 * g.wo, howo, false, cols, co, nc, true, dw, wo, K, true);
    }
    const ld = b.cnt * howo;
    stageDy(dy, ctx, b);
    for (let i = 0; i < b.cnt; i++) p.im2col(x, xo(i0 + i), g, c, 0, g.ho, cols, co + i * howo, ld);
    p.gemm(og, c * kk, ld, stage, 0, ld, false, cols, co, ld, true, dw, wo, K, true);
  });
}

/** The primitives, offsets as subarrays: tsKernels.gemm (read at each call: tests may swap it) and
 *  the row-strided im2col / col2im the twin uses too. */
const prims: ConvPrims = {
  gemm: (m, n, kk, a, ao, lda, tA, b, bo, ldb, tB, c, co, ldc, acc) =>
    tsKernels.gemm(m, n, kk, a.subarray(ao), lda, tA, b.subarray(bo), ldb, tB, c.subarray(co), ldc, acc),
  im2col: (x, xo, g, c, oh0, ohCount, cols, co, ld) =>
    im2colStrided(x.subarray(xo), c, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, oh0, ohCount, g.wo, cols.subarray(co), ld),
  col2im: (cols, co, g, c, oh0, ohCount, x, xo, ld) =>
    col2imStrided(cols.subarray(co), c, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, oh0, ohCount, g.wo, x.subarray(xo), ld),
};

/** Floats of x, y and the weight of a geometry. */
export function convSizes(g: ConvGeom): { x: number; y: number; w: number } {
  return { x: g.n * g.cin * g.h * g.w, y: g.n * g.cout * g.ho * g.wo, w: g.cout * (g.cin / g.groups) * g.kh * g.kw };
}

/** The TS reference: the loops over tsKernels' primitives. */
export function conv(kind: ConvLoopKind, a: Float32Array, b: Float32Array, g: ConvGeom, out: Float32Array, bias: Float32Array | null = null): void {
  if (bias !== null && kind !== 'forward') throw new Error(`conv ${kind}: a bias belongs to the forward only`);
  const cols = new Float32Array(convColsFloats(g));
  if (kind === 'forward') return convForwardLoop(prims, a, b, out, cols, g, bias);
  out.fill(0, 0, convSizes(g)[kind === 'input' ? 'x' : 'w']); // the gradients accumulate
  (kind === 'input' ? convInputLoop : convWeightLoop)(prims, a, b, out, cols, g);
}
