// fast-check arbitraries shared by the kernel property tests (C8): f32 arrays, tile-edge dims,
// gemm argument sets and valid conv geometries. Dims come from XNNPACK's edge families (one below,
// at and above each tile and block size) rather than uniform ranges.
import fc from 'fast-check';

/** Tile and block sizes of assembly/kernels/gemm.ts (MR × NR micro-tile, KC-deep K slices). */
export const MR = 4;
export const NR = 8;
export const KC = 256;

/** Values in [-1, 1]; fast-check wants 32-bit float bounds, hence Math.fround. */
export function f32Array(length: number, lo = -1, hi = 1): fc.Arbitrary<Float32Array> {
  return fc.float32Array({ minLength: length, maxLength: length, noNaN: true, min: Math.fround(lo), max: Math.fround(hi) });
}

/** Leading-dimension slack: 0 (tight) or a prime gap, which catches stride mix-ups. */
export const ldGap = fc.constantFrom(0, 0, 1, 3, 7);

/** m ∈ 1..2·MR+1, sometimes a taller edge case. */
export const gemmM = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 2 * MR + 1 }) },
  { weight: 1, arbitrary: fc.constantFrom(3 * MR - 1, 4 * MR + 1) },
);

/** n at and around multiples of NR. */
export const gemmN = fc.constantFrom(1, 2, 3, 4, 5, NR - 1, NR, NR + 1, 2 * NR - 1, 2 * NR, 2 * NR + 3, 3 * NR + 5);

/** k below, at and above multiples of 4 and of the K slice (the slices are balanced, so 2·KC ± 1 too). */
export const gemmK = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(1, 2, 3, 4, 5, 7, 8, 9, 12, 13, 31, 33) },
  { weight: 2, arbitrary: fc.constantFrom(KC - 1, KC, KC + 1, KC + 4, 2 * KC - 3, 2 * KC + 1) },
  { weight: 1, arbitrary: fc.constant(0) },
);

export interface GemmCase {
  m: number; n: number; k: number;
  transA: boolean; transB: boolean; accumulate: boolean;
  lda: number; ldb: number; ldc: number;
  a: Float32Array; b: Float32Array; c: Float32Array;
}

/** Full gemm arguments; arrays carry 0–2 spare trailing elements (subarray lengths may exceed the extent). */
export function gemmCase(dims = fc.tuple(gemmM, gemmN, gemmK)): fc.Arbitrary<GemmCase> {
  return fc
    .record({ dims, transA: fc.boolean(), transB: fc.boolean(), accumulate: fc.boolean(), ga: ldGap, gb: ldGap, gc: ldGap, spare: fc.integer({ min: 0, max: 2 }) })
    .chain(({ dims: [m, n, k], transA, transB, accumulate, ga, gb, gc, spare }) => {
      const lda = (transA ? m : k) + ga, ldb = (transB ? k : n) + gb, ldc = n + gc;
      const aRows = transA ? k : m, bRows = transB ? n : k;
      return fc.record({
        m: fc.constant(m), n: fc.constant(n), k: fc.constant(k),
        transA: fc.constant(transA), transB: fc.constant(transB), accumulate: fc.constant(accumulate),
        lda: fc.constant(lda), ldb: fc.constant(ldb), ldc: fc.constant(ldc),
        a: f32Array(aRows * lda + spare), b: f32Array(bRows * ldb + spare), c: f32Array(m * ldc + spare),
      });
    });
}

export interface ConvGeometry {
  c: number; h: number; w: number;
  kh: number; kw: number; sh: number; sw: number; ph: number; pw: number; dh: number; dw: number;
  oh: number; ow: number; oh0: number; ohCount: number;
}

/** Output size of a conv along one axis (torch's formula). */
export function convOut(size: number, k: number, s: number, p: number, d: number): number {
  return Math.floor((size + 2 * p - d * (k - 1) - 1) / s) + 1;
}

/**
 * Valid conv geometries: stride, padding and dilation up to 3, kernels that may exceed the input
 * (padding keeps the output non-empty), and an output-row tile [oh0, oh0 + ohCount).
 */
export const convGeometry: fc.Arbitrary<ConvGeometry> = fc
  .record({
    c: fc.integer({ min: 1, max: 3 }), h: fc.integer({ min: 1, max: 9 }), w: fc.integer({ min: 1, max: 11 }),
    kh: fc.integer({ min: 1, max: 5 }), kw: fc.integer({ min: 1, max: 5 }),
    sh: fc.integer({ min: 1, max: 3 }), sw: fc.integer({ min: 1, max: 3 }),
    ph: fc.integer({ min: 0, max: 3 }), pw: fc.integer({ min: 0, max: 3 }),
    dh: fc.integer({ min: 1, max: 3 }), dw: fc.integer({ min: 1, max: 3 }),
  })
  .map((g) => ({ ...g, oh: convOut(g.h, g.kh, g.sh, g.ph, g.dh), ow: convOut(g.w, g.kw, g.sw, g.pw, g.dw) }))
  .filter((g) => g.oh >= 1 && g.ow >= 1)
  .chain((g) =>
    fc.integer({ min: 0, max: g.oh - 1 }).chain((oh0) =>
      fc.integer({ min: 1, max: g.oh - oh0 }).map((ohCount) => ({ ...g, oh0, ohCount }))));

/** Floats in one im2col column matrix of a geometry: [c·kh·kw, ohCount·ow]. */
export function colsLength(g: ConvGeometry): number {
  return g.c * g.kh * g.kw * g.ohCount * g.ow;
}
