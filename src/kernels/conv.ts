// conv   (twin: assembly/kernels/conv.ts; test: test/kernels/conv.prop.test.ts)
// A whole convolution: conv('forward', x, wt, g, y), conv('input', dy, wt, g, dx) (the adjoint in
// x), conv('weight', x, dy, g, dw) (the adjoint in wt); each overwrites its output.
// Phrased in conv2d's terms: an image side x [N, Cin, H, W], an output side y [N, Cout, Ho, Wo] and a
// weight [Cout, Cin/G, kh, kw]; conv_transpose2d runs conv('input') (conv2d's adjoint in x). Per image
// and group, im2col columns are built a band of output rows at a time, cache-sized and never over
// TILE_FLOATS (a 512×512 VGG layer never materialises a full im2col); a 1×1 stride-1 unpadded conv
// uses the image itself as the column matrix (its bands are row ranges of x).
//
// The loops call tsKernels' primitives (arrays plus offsets in floats). The twin runs
// the same loops inside WASM on the operands the binding copied in once, for a share [lo, hi) of
// their units (convUnits; the thread pool splits a call into shares, src/wasm/parallel.ts, and
// every share gives the same results). Band sizes come from here (convRows) for both.
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
  /** im2col of `c` channels of one group at x + xo, output rows oh0 … oh0 + ohCount − 1, into cols + co. */
  im2col(x: Float32Array, xo: number, g: ConvGeom, c: number, oh0: number, ohCount: number, cols: Float32Array, co: number): void;
  /** The adjoint: accumulates cols + co into `c` channels at x + xo. */
  col2im(cols: Float32Array, co: number, g: ConvGeom, c: number, oh0: number, ohCount: number, x: Float32Array, xo: number): void;
}

interface Dims {
  cg: number; og: number; K: number; kk: number; hw: number; howo: number;
  /** Output rows per band; bands per image and group. */
  rows: number; bands: number;
  pointwise: boolean;
}

function dims(g: ConvGeom): Dims {
  const cg = g.cin / g.groups, kk = g.kh * g.kw, K = cg * kk;
  const pointwise = kk === 1 && g.sh === 1 && g.sw === 1 && g.ph === 0 && g.pw === 0 && g.ho === g.h && g.wo === g.w;
  const row = Math.max(1, K * g.wo); // column floats per output row
  const want = Math.max(Math.ceil(MIN_COLS / Math.max(1, g.wo)), Math.floor(BAND_FLOATS / row));
  const rows = Math.max(1, Math.min(g.ho, Math.floor(TILE_FLOATS / row), want));
  return { cg, og: g.cout / g.groups, K, kk, hw: g.h * g.w, howo: g.ho * g.wo, rows, bands: Math.ceil(g.ho / rows), pointwise };
}

/** Output rows per band (the twin takes it as an argument). */
export function convRows(g: ConvGeom): number {
  return dims(g).rows;
}

/** Floats of the column buffer the loops need (0 for a pointwise conv). */
export function convColsFloats(g: ConvGeom): number {
  const d = dims(g);
  return d.pointwise ? 0 : d.K * d.rows * g.wo;
}

export type ConvLoopKind = 'forward' | 'input' | 'weight';

/**
 * A loop's work comes in units that threads can share without changing any result: forward — one
 * (image, group, band) each (a thread needs its own column buffer); input and weight — one input
 * channel of every group (its rows of the column buffer, its x planes or dW columns; every element
 * is still summed over images and bands in order).
 */
export function convUnits(kind: ConvLoopKind, g: ConvGeom): number {
  const d = dims(g);
  return kind === 'forward' ? g.n * g.groups * d.bands : d.cg;
}

/** Units [lo, hi) of convUnits. */
export interface Part { lo: number; hi: number }

/** y[n, g·Og + o] = W_g · im2col(x[n, g·Cg …]): one gemm per (image, group, band). y is overwritten. */
function convForwardLoop(p: ConvPrims, x: Float32Array, wt: Float32Array, y: Float32Array, cols: Float32Array, g: ConvGeom, part?: Part): void {
  const { cg, og, K, hw, howo, rows, bands, pointwise } = dims(g);
  const { lo, hi } = part ?? { lo: 0, hi: convUnits('forward', g) };
  for (let u = lo; u < hi; u++) {
    const n = Math.floor(u / (g.groups * bands)), gr = Math.floor(u / bands) % g.groups, r0 = (u % bands) * rows;
    const xo = (n * g.cin + gr * cg) * hw, yo = (n * g.cout + gr * og) * howo, wo = gr * og * K;
    const rc = Math.min(rows, g.ho - r0), nc = rc * g.wo;
    if (pointwise) {
      p.gemm(og, nc, K, wt, wo, K, false, x, xo + r0 * g.w, hw, false, y, yo + r0 * g.wo, howo, false);
      continue;
    }
    p.im2col(x, xo, g, cg, r0, rc, cols, 0);
    p.gemm(og, nc, K, wt, wo, K, false, cols, 0, nc, false, y, yo + r0 * g.wo, howo, false);
  }
}

/**
 * The gradients' walk over images, groups and bands for the input channels [lo, hi) of `part`
 * (default all) in every group: step(xo, yo, wo, r0, rc, nc) with the offsets of x (at channel
 * lo), y and the weight (at column lo·kh·kw), the band's output rows [r0, r0 + rc) and its nc
 * columns. Returns what the steps share: the dims, the channel count c = hi − lo and the offset co
 * of channel lo's column rows (channel c's at c·kh·kw·(widest band) whatever the band, so parts
 * never overlap).
 */
function gradientBands(g: ConvGeom, part: Part | undefined, step: (ctx: GradientPart, xo: number, yo: number, wo: number, r0: number, rc: number, nc: number) => void): void {
  const d = dims(g), { lo, hi } = part ?? { lo: 0, hi: d.cg };
  const ctx: GradientPart = { d, c: hi - lo, co: lo * d.kk * d.rows * g.wo };
  for (let n = 0; n < g.n; n++) {
    for (let gr = 0; gr < g.groups; gr++) {
      const xo = (n * g.cin + gr * d.cg + lo) * d.hw, yo = (n * g.cout + gr * d.og) * d.howo, wo = gr * d.og * d.K + lo * d.kk;
      for (let r0 = 0; r0 < g.ho; r0 += d.rows) {
        const rc = Math.min(d.rows, g.ho - r0);
        step(ctx, xo, yo, wo, r0, rc, rc * g.wo);
      }
    }
  }
}

interface GradientPart { d: Dims; c: number; co: number }

/**
 * The adjoint in x: x[n, g·Cg + c] += col2im(W_gᵀ · y[n, g·Og …]) for the channels c of `part`.
 * x must be zero on entry.
 */
function convInputLoop(p: ConvPrims, y: Float32Array, wt: Float32Array, x: Float32Array, cols: Float32Array, g: ConvGeom, part?: Part): void {
  gradientBands(g, part, ({ d: { og, K, kk, hw, howo, pointwise }, c, co }, xo, yo, wo, r0, rc, nc) => {
    if (pointwise) return p.gemm(c, nc, og, wt, wo, K, true, y, yo + r0 * g.wo, howo, false, x, xo + r0 * g.w, hw, false);
    p.gemm(c * kk, nc, og, wt, wo, K, true, y, yo + r0 * g.wo, howo, false, cols, co, nc, false);
    p.col2im(cols, co, g, c, r0, rc, x, xo);
  });
}

/** ∂L/∂W for the input channels of `part`: dW[g·Og …] += Σ_n Σ_bands dy_g · colsᵀ (gemm transB). dw must be zero on entry. */
function convWeightLoop(p: ConvPrims, x: Float32Array, dy: Float32Array, dw: Float32Array, cols: Float32Array, g: ConvGeom, part?: Part): void {
  gradientBands(g, part, ({ d: { og, K, kk, hw, howo, pointwise }, c, co }, xo, yo, wo, r0, rc, nc) => {
    if (pointwise) return p.gemm(og, c, nc, dy, yo + r0 * g.wo, howo, false, x, xo + r0 * g.w, hw, true, dw, wo, K, true);
    p.im2col(x, xo, g, c, r0, rc, cols, co);
    p.gemm(og, c * kk, nc, dy, yo + r0 * g.wo, howo, false, cols, co, nc, true, dw, wo, K, true);
  });
}

const CONV_LOOPS = { forward: convForwardLoop, input: convInputLoop, weight: convWeightLoop } as const;

/** tsKernels' primitives, offsets as subarrays; members are read at each call (tests swap them). */
const prims: ConvPrims = {
  gemm: (m, n, kk, a, ao, lda, tA, b, bo, ldb, tB, c, co, ldc, acc) =>
    tsKernels.gemm(m, n, kk, a.subarray(ao), lda, tA, b.subarray(bo), ldb, tB, c.subarray(co), ldc, acc),
  im2col: (x, xo, g, c, oh0, ohCount, cols, co) =>
    tsKernels.im2col(x.subarray(xo), c, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, oh0, ohCount, g.wo, cols.subarray(co)),
  col2im: (cols, co, g, c, oh0, ohCount, x, xo) =>
    tsKernels.col2im(cols.subarray(co), c, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, oh0, ohCount, g.wo, x.subarray(xo)),
};

/** Floats of x, y and the weight of a geometry. */
export function convSizes(g: ConvGeom): { x: number; y: number; w: number } {
  return { x: g.n * g.cin * g.h * g.w, y: g.n * g.cout * g.ho * g.wo, w: g.cout * (g.cin / g.groups) * g.kh * g.kw };
}

/** The TS reference: the loops over tsKernels' primitives. */
export function conv(kind: ConvLoopKind, a: Float32Array, b: Float32Array, g: ConvGeom, out: Float32Array): void {
  if (kind !== 'forward') out.fill(0, 0, convSizes(g)[kind === 'input' ? 'x' : 'w']); // the gradients accumulate
  CONV_LOOPS[kind](prims, a, b, out, new Float32Array(convColsFloats(g)), g);
}
