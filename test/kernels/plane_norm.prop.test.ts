// plane_norm: TS reference (float64) vs WASM SIMD / scalar / relaxed / debug (final pass in float32
// lanes) on image and channel counts and plane sizes around the f32x4 width, with and without γ, β,
// xhat, the variance and the ReLU, out apart from x or x itself; plus a plane by hand, batch
// statistics over several images by hand, a constant plane (σ² = 0: eps keeps it finite), the
// ReLU's +0 and NaN, and short arrays refused.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Kernels } from '../../src/kernels/index.js';
import { f32Array } from '../helpers/arb.js';
import { expectClose, fcParams, reference, wasmPaths } from './paths.js';

const allPaths: [string, Kernels][] = [['ts', reference], ...wasmPaths];

interface Case { n: number; planes: number; s: number; x: Float32Array; weight: Float32Array | null; bias: Float32Array | null; xhat: boolean; eps: number; relu: boolean; inPlace: boolean }

const caseArb = fc.record({ n: fc.integer({ min: 1, max: 4 }), planes: fc.integer({ min: 1, max: 5 }), s: fc.constantFrom(2, 3, 4, 5, 7, 8, 9, 16, 17, 33), xhat: fc.boolean(), eps: fc.constantFrom(1e-5, 1e-3), relu: fc.boolean(), inPlace: fc.boolean() })
  .chain((r) => fc.record({
    n: fc.constant(r.n), planes: fc.constant(r.planes), s: fc.constant(r.s), xhat: fc.constant(r.xhat), eps: fc.constant(r.eps), relu: fc.constant(r.relu), inPlace: fc.constant(r.inPlace),
    x: f32Array(r.n * r.planes * r.s, -3, 5), // an offset mean, so (x − μ) matters
    weight: fc.option(f32Array(r.planes), { nil: null }), bias: fc.option(f32Array(r.planes), { nil: null }),
  }));

function run(k: Kernels, c: Case) {
  const len = c.n * c.planes * c.s, xhat = c.xhat ? new Float32Array(len).fill(NaN) : null;
  const x = c.inPlace ? c.x.slice() : c.x, out = c.inPlace ? x : new Float32Array(len).fill(NaN);
  const mean = new Float32Array(c.planes).fill(NaN), istd = new Float32Array(c.planes).fill(NaN), variance = new Float32Array(c.planes).fill(NaN);
  k.plane_norm(x, c.n, c.planes, c.s, c.weight, c.bias, c.eps, c.relu, out, xhat, mean, istd, variance);
  return { out, xhat, mean, istd, variance };
}

describe('plane_norm property: TS reference vs WASM', () => {
  it('random planes, affine or not, with or without xhat and ReLU, in place or not: every output within float32 rounding', () => {
    fc.assert(fc.property(caseArb, (c) => {
      const ref = run(reference, c);
      for (const [name, k] of wasmPaths) {
        const got = run(k, c), what = `${name} n ${c.n} planes ${c.planes} s ${c.s} relu ${c.relu} in place ${c.inPlace}`;
        if (c.relu) assert.ok(got.out.every((v) => v >= 0), `${what}: a negative output after the ReLU`);
        // |xhat| ≤ √s, so a few float32 ulps of that scale
        expectClose(got.out, ref.out, (r) => 1e-5 * (Math.abs(r) + Math.sqrt(c.s)), `${what} out`);
        if (c.xhat) expectClose(got.xhat!, ref.xhat!, () => 1e-5 * Math.sqrt(c.s), `${what} xhat`);
        expectClose(got.mean, ref.mean, (r) => 1e-6 * (Math.abs(r) + 1), `${what} mean`);
        expectClose(got.istd, ref.istd, (r) => 1e-6 * Math.abs(r), `${what} istd`);
        expectClose(got.variance, ref.variance, (r) => 1e-6 * Math.abs(r), `${what} variance`);
      }
    }), fcParams(200));
  });

  it('one plane by hand: x = [1, 2, 3, 4, 6], γ 2, β 1', () => {
    // μ = 3.2, σ² = (4.84 + 1.44 + 0.04 + 0.64 + 7.84)/5 = 2.96
    const x = Float32Array.of(1, 2, 3, 4, 6), is = 1 / Math.sqrt(2.96 + 1e-5);
    const want = Float32Array.from(x, (v) => (v - 3.2) * is * 2 + 1);
    for (const [name, k] of allPaths) {
      const out = new Float32Array(5), mean = new Float32Array(1), istd = new Float32Array(1);
      k.plane_norm(x, 1, 1, 5, Float32Array.of(2), Float32Array.of(1), 1e-5, false, out, null, mean, istd);
      expectClose(out, want, () => 1e-6, `${name} out`);
      assert.ok(Math.abs(mean[0] - 3.2) < 1e-6 && Math.abs(istd[0] - is) < 1e-6, `${name}: mean ${mean[0]}, istd ${istd[0]}`);
    }
  });

  it('batch statistics by hand: 2 images × 2 channels × 2 values, each channel over both images', () => {
    // channel 0: [1, 3] and [5, 7] → μ 4, σ² 5; channel 1: [0, 0] and [2, 2] → μ 1, σ² 1
    const x = Float32Array.of(1, 3, 0, 0, 5, 7, 2, 2);
    const want = [1, 3, 0, 0, 5, 7, 2, 2].map((v, j) => ((j >> 1) % 2 === 0 ? (v - 4) / Math.sqrt(5) : v - 1));
    for (const [name, k] of allPaths) {
      const out = new Float32Array(8), mean = new Float32Array(2), istd = new Float32Array(2), variance = new Float32Array(2);
      k.plane_norm(x, 2, 2, 2, null, null, 0, false, out, null, mean, istd, variance);
      expectClose(out, Float32Array.from(want), () => 1e-6, `${name} out`);
      assert.deepEqual([...mean, ...variance], [4, 1, 5, 1], `${name}: mean and variance`);
      expectClose(istd, Float32Array.of(1 / Math.sqrt(5), 1), () => 1e-7, `${name} istd`);
    }
  });

  it('a constant plane normalises to β (σ² = 0, eps keeps 1/σ finite); short arrays are refused', () => {
    for (const [name, k] of allPaths) {
      const out = new Float32Array(6), istd = new Float32Array(1);
      k.plane_norm(new Float32Array(6).fill(7), 1, 1, 6, null, Float32Array.of(0.5), 1e-5, false, out, null, new Float32Array(1), istd);
      assert.deepEqual([...out], [0.5, 0.5, 0.5, 0.5, 0.5, 0.5], name);
      assert.ok(Math.abs(istd[0] - 1 / Math.sqrt(1e-5)) < 1e-2, `${name}: istd ${istd[0]}`);
    }
    for (const [name, k] of wasmPaths) {
      assert.throws(() => k.plane_norm(new Float32Array(5), 1, 2, 3, null, null, 1e-5, false, new Float32Array(6), null, new Float32Array(2), new Float32Array(2)), /plane_norm: x has 5 elements, the call reads 6/, name);
    }
  });

  it('the ReLU: negatives become +0 (not −0), NaN stays NaN, the pre-ReLU xhat is kept', () => {
    for (const [name, k] of allPaths) {
      // plane 0 = [−1, 1, −1, 1, −1, 1, −1, 1] (μ 0, σ 1): xhat ±1, out = max(±1·2 − 1, 0) = [0, 1, …]; plane 1 holds a NaN
      const x = Float32Array.of(-1, 1, -1, 1, -1, 1, -1, 1, 0, 1, 2, NaN, 4, 5, 6, 7), out = new Float32Array(16), xhat = new Float32Array(16);
      k.plane_norm(x, 1, 2, 8, Float32Array.of(2, 1), Float32Array.of(-1, 0), 0, true, out, xhat, new Float32Array(2), new Float32Array(2));
      for (let j = 0; j < 8; j++) {
        assert.ok(Object.is(out[j], j % 2 === 0 ? 0 : 1), `${name}: out[${j}] = ${Object.is(out[j], -0) ? '-0' : out[j]}`);
        assert.equal(xhat[j], x[j], `${name}: xhat[${j}]`);
      }
      assert.ok(out.subarray(8).every(Number.isNaN), `${name}: a NaN plane stays NaN through the ReLU`);
    }
  });
});
