// The three kernel paths every property test compares (C8): the TS reference, the WASM SIMD build
// and the WASM scalar build (same source without SIMD: separates SIMD bugs from marshalling bugs),
// plus the debug build (SIMD, assertions on) so precondition asserts run too.
import assert from 'node:assert/strict';
import { tsKernels, type Kernels } from '../../src/kernels/index.js';
import { loadNodeWasm } from '../../src/node/wasm.js';
import { bindWasmKernels } from '../../src/wasm/bindings.js';
import { colsLength, type ConvGeometry } from '../helpers/arb.js';

export const reference: Kernels = tsKernels;

export const wasmPaths: [string, Kernels][] = [
  ['wasm-simd', bindWasmKernels(loadNodeWasm('release'))],
  ['wasm-scalar', bindWasmKernels(loadNodeWasm('scalar'))],
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
