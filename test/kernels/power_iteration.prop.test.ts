// power_iteration: TS reference (float64 accumulation) vs WASM SIMD / scalar / relaxed / debug
// (float32 lanes) on random [before, h, after] layouts with h and after around the 4-row and f32x4
// blocks; u, v and σ agree to float32 rounding. Plus: σ of a known matrix, iters = 0 leaves u and v
// alone, a zero weight gives zero vectors (eps guards the division), and short arrays are refused.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Kernels } from '../../src/kernels/index.js';
import { f32Array } from '../helpers/arb.js';
import { expectClose, fcParams, reference, wasmPaths } from './paths.js';

const allPaths: [string, Kernels][] = [['ts', reference], ...wasmPaths];
const dim = fc.constantFrom(1, 2, 3, 4, 5, 7, 8, 9, 12, 13, 17, 33);

interface Case { before: number; h: number; after: number; w: Float32Array; u: Float32Array; v: Float32Array; iters: number }

const caseArb = fc.record({ before: fc.constantFrom(1, 1, 2, 3), h: dim, after: dim, iters: fc.integer({ min: 1, max: 3 }) })
  .chain((s) => fc.record({
    before: fc.constant(s.before), h: fc.constant(s.h), after: fc.constant(s.after), iters: fc.constant(s.iters),
    w: f32Array(s.before * s.h * s.after), u: f32Array(s.h), v: f32Array(s.before * s.after),
  }))
  // a start orthogonal to everything (or an all-zero W) makes the direction arbitrary: keep ‖Wᵀu‖ away from 0
  .filter((c) => c.u.some((x) => Math.abs(x) > 0.1) && c.w.some((x) => Math.abs(x) > 0.1));

function run(k: Kernels, c: Case): { u: Float32Array; v: Float32Array; sigma: number } {
  const u = c.u.slice(), v = c.v.slice();
  const sigma = k.power_iteration(c.w, c.before, c.h, c.after, u, v, c.iters, 1e-12);
  return { u, v, sigma };
}

/** ‖Wᵀu‖ in float64 for the start u: the cancellation scale of the first product. */
function firstNorm(c: Case): number {
  const v = new Float64Array(c.before * c.after);
  for (let q = 0, f = 0; q < c.before; q++) for (let r = 0; r < c.h; r++) for (let k = 0; k < c.after; k++, f++) v[q * c.after + k] += c.w[f] * c.u[r];
  return Math.hypot(...v);
}

describe('power_iteration property: TS reference vs WASM', () => {
  it('random layouts and starts: u, v and σ agree to float32 rounding on every path', () => {
    fc.assert(fc.property(caseArb.filter((c) => firstNorm(c) > 0.05), (c) => {
      const ref = run(reference, c);
      assert.ok(ref.sigma >= 0 && Number.isFinite(ref.sigma));
      for (const [name, k] of wasmPaths) {
        const got = run(k, c), what = `${name} [${c.before}, ${c.h}, ${c.after}] iters ${c.iters}`;
        expectClose(got.u, ref.u, () => 2e-4, `${what} u`);
        expectClose(got.v, ref.v, () => 2e-4, `${what} v`);
        assert.ok(Math.abs(got.sigma - ref.sigma) <= 1e-4 * ref.sigma + 1e-6, `${what} σ ${got.sigma} vs ${ref.sigma}`);
      }
    }), fcParams(150));
  });

  it('a diagonal matrix diag(3, 1, 0.5) (as [1, 3, 3] and as [3, 1, 1]·…): σ → 3 and u, v → e₀', () => {
    const w = Float32Array.of(3, 0, 0, 0, 1, 0, 0, 0, 0.5);
    for (const [name, k] of allPaths) {
      const u = Float32Array.of(0.6, 0.8, 0), v = new Float32Array(3);
      const sigma = k.power_iteration(w, 1, 3, 3, u, v, 30, 1e-12);
      assert.ok(Math.abs(sigma - 3) < 1e-5, `${name}: σ ${sigma}`);
      assert.ok(Math.abs(u[0]) > 0.99999 && Math.abs(v[0]) > 0.99999, `${name}: u ${u}, v ${v}`);
    }
  });

  it('the [before, h, after] view: a ConvTranspose-style layout gives the σ of its permuted matrix', () => {
    // weight [2, 2, 2] with dim 1: rows r, columns (q, k); matrix rows [w000 w001 w100 w101], [w010 w011 w110 w111]
    const w = Float32Array.of(1, 2, 0, 0, 3, 4, 0, 0); // matrix [[1, 2, 3, 4], [0, 0, 0, 0]]: σ = √30
    for (const [name, k] of allPaths) {
      const u = Float32Array.of(1, 0), v = new Float32Array(4);
      const sigma = k.power_iteration(w, 2, 2, 2, u, v, 2, 1e-12);
      assert.ok(Math.abs(sigma - Math.sqrt(30)) < 1e-5, `${name}: σ ${sigma}`);
      expectClose(v, Float32Array.of(1, 2, 3, 4).map((x) => x / Math.sqrt(30)), () => 1e-6, `${name} v`);
    }
  });

  it('iters = 0 leaves u and v; a zero weight gives zero vectors and σ 0; short arrays are refused', () => {
    for (const [name, k] of allPaths) {
      const u = Float32Array.of(1, 2), v = Float32Array.of(3, 4, 5);
      assert.ok(Number.isNaN(k.power_iteration(new Float32Array(6), 1, 2, 3, u, v, 0, 1e-12)), name);
      assert.deepEqual([...u, ...v], [1, 2, 3, 4, 5], name);
      assert.equal(k.power_iteration(new Float32Array(6), 1, 2, 3, u, v, 1, 1e-12), 0, name);
      assert.deepEqual([...u, ...v], [0, 0, 0, 0, 0], name);
    }
    for (const [name, k] of wasmPaths) {
      assert.throws(() => k.power_iteration(new Float32Array(5), 1, 2, 3, new Float32Array(2), new Float32Array(3), 1, 1e-12), /power_iteration: weight has 5 elements, the call reads 6/, name);
    }
  });
});
