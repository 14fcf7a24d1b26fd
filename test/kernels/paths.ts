// The three kernel paths every property test compares (C8): the TS reference, the WASM SIMD build
// and the WASM scalar build (same source without SIMD: separates SIMD bugs from marshalling bugs),
// plus the debug build (SIMD, assertions on) so precondition asserts run too.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { convSizes, type ConvGeom, type ConvLoopKind } from '../../src/kernels/conv.js';
import { tsKernels, type Kernels } from '../../src/kernels/index.js';
import { loadNodeWasm } from '../../src/node/wasm.js';
import { bindWasmKernels } from '../../src/wasm/bindings.js';
import { colsLength, convOut, f32Array, type ConvGeometry } from '../helpers/arb.js';

export const reference: Kernels = tsKernels;

export const wasmPaths: [string, Kernels][] = [
  ['wasm-simd', bindWasmKernels(loadNodeWasm('release'))],
  ['wasm-scalar', bindWasmKernels(loadNodeWasm('scalar'))],
  ['wasm-relaxed', bindWasmKernels(loadNodeWasm('relaxed'))], // gemm with FMA: only gemm results differ (last bits)
  ['wasm-debug', bindWasmKernels(loadNodeWasm('debug'))],
];

/** Pinned fast-check parameters; FC_SEED / FC_RUNS override them to replay or soak. */
export function fcParams(runs: number): { seed: number; numRuns: number } {
  return { seed: Number(process.env.FC_SEED ?? 20240611), numRuns: Number(process.env.FC_RUNS ?? runs) };
}

/**
 * Asserts |got[i] − ref[i]| ≤ tol(ref[i]) for every i (NaN never passes), naming the worst index.
 * A tolerance of 0 demands exact equality (−0 equals +0).
 */
export function expectClose(got: Float32Array, ref: Float32Array, tol: (ref: number) => number, what: string): void {
  assert.equal(got.length, ref.length, `${what}: length`);
  let worst = -1, worstExcess = 0;
  for (let i = 0; i < ref.length; i++) {
    const err = Math.abs(got[i] - ref[i]);
    const excess = Number.isNaN(err) ? Infinity : err - tol(ref[i]);
    if (excess > worstExcess) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    assert.fail(`${what}: element ${worst} is ${got[worst]}, reference ${ref[worst]} (tolerance ${tol(ref[worst])})`);
  }
}

/** im2col of one geometry on a path; NaN prefill, so an element the kernel skips fails the comparison. */
export function runIm2col(k: Kernels, g: ConvGeometry, x: Float32Array): Float32Array {
  const cols = new Float32Array(colsLength(g)).fill(NaN);
  k.im2col(x, g.c, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.oh0, g.ohCount, g.ow, cols);
  return cols;
}

/** col2im of one geometry on a path, accumulating into a copy of x0. */
export function runCol2im(k: Kernels, g: ConvGeometry, cols: Float32Array, x0: Float32Array): Float32Array {
  const x = x0.slice();
  k.col2im(cols, g.c, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.oh0, g.ohCount, g.ow, x);
  return x;
}

/** Asserts |got[i] − ref[i]| ≤ bound[i] for every i (NaN never passes), naming the worst index. */
export function expectWithin(got: Float32Array, ref: Float32Array, bound: Float32Array, what: string): void {
  assert.equal(got.length, ref.length, `${what}: length`);
  let worst = -1, worstExcess = 0;
  for (let i = 0; i < ref.length; i++) {
    const err = Math.abs(got[i] - ref[i]);
    const excess = Number.isNaN(err) ? Infinity : err - bound[i];
    if (excess > worstExcess) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) assert.fail(`${what}: element ${worst} is ${got[worst]}, reference ${ref[worst]} (bound ${bound[worst]})`);
}

/** Image/output sizes from the SIMD edge families: 1, around the f32x4 width, around 8 (two vectors), odd. */
export const edgeSize = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(1, 2, 3, 4, 5, 7, 8, 9, 12, 13) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 21 }) },
);

/**
 * A conv geometry (conv2d's terms, src/kernels/conv.ts) with image sizes from edgeSize, kernels up to
 * 5, stride/dilation 1–3, padding 0–3, batch 1–2; `chans` picks (groups, Cin/groups, Cout/groups).
 */
export function convGeomArb(chans: fc.Arbitrary<[number, number, number]>): fc.Arbitrary<ConvGeom> {
  return fc
    .record({
      n: fc.integer({ min: 1, max: 2 }), chans, h: edgeSize, w: edgeSize,
      kh: fc.integer({ min: 1, max: 5 }), kw: fc.integer({ min: 1, max: 5 }),
      sh: fc.integer({ min: 1, max: 3 }), sw: fc.integer({ min: 1, max: 3 }),
      ph: fc.integer({ min: 0, max: 3 }), pw: fc.integer({ min: 0, max: 3 }),
      dh: fc.integer({ min: 1, max: 3 }), dw: fc.integer({ min: 1, max: 3 }),
    })
    .map(({ chans: [groups, cg, og], ...r }) => ({
      ...r, groups, cin: groups * cg, cout: groups * og,
      ho: convOut(r.h, r.kh, r.sh, r.ph, r.dh), wo: convOut(r.w, r.kw, r.sw, r.pw, r.dw),
    }))
    .filter((g) => g.ho >= 1 && g.wo >= 1);
}

/** A geometry with random operands x, w, y (each entry's inputs draw from these). */
export interface ConvCase { g: ConvGeom; x: Float32Array; w: Float32Array; y: Float32Array }

export function convCaseArb(geom: fc.Arbitrary<ConvGeom>): fc.Arbitrary<ConvCase> {
  return geom.chain((g) => {
    const s = convSizes(g);
    return fc.record({ g: fc.constant(g), x: f32Array(s.x), w: f32Array(s.w), y: f32Array(s.y) });
  });
}

type Entry = ConvLoopKind;
export const ENTRIES: readonly Entry[] = ['forward', 'input', 'weight'];

/** Runs conv or depthwise (`kind`) of one entry on a path; the output is NaN-prefilled (every element must be written). */
export function runConv(k: Kernels, kind: 'conv' | 'depthwise', entry: Entry, c: ConvCase): Float32Array {
  const s = convSizes(c.g);
  const [a, b, n] = entry === 'forward' ? [c.x, c.w, s.y] : entry === 'input' ? [c.y, c.w, s.x] : [c.x, c.y, s.w];
  const out = new Float32Array(n).fill(NaN);
  k[kind](entry, a, b, c.g, out);
  return out;
}

/**
 * A rounding bound per element: two f32 summations of T terms in any orders differ by at most
 * 2·T·ε·Σ|terms| (ε = 2⁻²⁴, products exact in the reference's doubles); Σ|terms| is the same entry
 * on |operands| (TS reference), T the most terms an element of this entry can have.
 */
export function convBound(kind: 'conv' | 'depthwise', entry: Entry, c: ConvCase): Float32Array {
  const abs = (a: Float32Array) => a.map(Math.abs);
  const sums = runConv(reference, kind, entry, { g: c.g, x: abs(c.x), w: abs(c.w), y: abs(c.y) });
  const g = c.g, taps = g.kh * g.kw;
  const terms = entry === 'weight' ? g.n * g.ho * g.wo : entry === 'forward' ? (g.cin / g.groups) * taps : (g.cout / g.groups) * taps;
  return sums.map((s) => 2 * terms * 2 ** -24 * s);
}
