// plane_norm_backward (batch / instance norm's backward): TS reference vs WASM SIMD / scalar / relaxed /
// debug, bit for bit, on image and channel counts and plane sizes around the f32x4 width, with and
// without γ and dx, training or eval; plus a channel by hand (the float64 sums, one rounding per dx)
// and short arrays refused.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Kernels } from '../../src/kernels/index.js';
import { f32Array } from '../helpers/arb.js';
import { fcParams, reference, wasmPaths } from './paths.js';

interface Case { n: number; planes: number; s: number; dy: Float32Array; xhat: Float32Array; weight: Float32Array | null; istd: Float32Array; training: boolean; dx: boolean }

const caseArb = fc.record({ n: fc.integer({ min: 1, max: 4 }), planes: fc.integer({ min: 1, max: 5 }), s: fc.constantFrom(1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33) })
  .chain((r) => fc.record({
    n: fc.constant(r.n), planes: fc.constant(r.planes), s: fc.constant(r.s),
    dy: f32Array(r.n * r.planes * r.s, -1e3, 1e3), xhat: f32Array(r.n * r.planes * r.s, -4, 4),
    weight: fc.option(f32Array(r.planes, -3, 3), { nil: null }), istd: f32Array(r.planes, 0.01, 100),
    training: fc.boolean(), dx: fc.boolean(),
  }));

function run(k: Kernels, c: Case) {
  const len = c.n * c.planes * c.s, dx = c.dx ? new Float32Array(len + 1).fill(NaN) : null;
  const sdy = new Float32Array(c.planes + 1).fill(NaN), sdyx = new Float32Array(c.planes + 1).fill(NaN);
  k.plane_norm_backward(c.dy, c.xhat, c.n, c.planes, c.s, c.weight, c.istd, c.training, dx?.subarray(0, len) ?? null, sdy.subarray(0, c.planes), sdyx.subarray(0, c.planes));
  return { dx, sdy, sdyx };
}

describe('plane_norm_backward property: TS reference vs WASM', () => {
  it('random planes, with or without γ and dx, training or eval: bit-identical on every path, nothing past the arrays written', () => {
    fc.assert(fc.property(caseArb, (c) => {
      const ref = run(reference, c);
      assert.ok(Number.isNaN(ref.sdy[c.planes]) && ref.sdy.subarray(0, c.planes).every(Number.isFinite), 'reference sums');
      if (ref.dx !== null) assert.ok(Number.isNaN(ref.dx[ref.dx.length - 1]) && ref.dx.subarray(0, -1).every(Number.isFinite), 'reference dx');
      for (const [name, k] of wasmPaths) {
        assert.deepEqual(run(k, c), ref, `${name} n ${c.n} planes ${c.planes} s ${c.s} γ ${c.weight !== null} training ${c.training} dx ${c.dx}`);
      }
    }), fcParams(300));
  });

  it('by hand: one channel over two images of 5 values (a SIMD step and a tail each)', () => {
    // [n = 2, c = 2, s = 5]; channel 1 is the one checked, channel 0 sits between its planes
    const dy = Float32Array.of(9, 9, 9, 9, 9, 0.5, -1.25, 2, 0.1, 3, 9, 9, 9, 9, 9, 1, 0.3, -0.7, 4, -2);
    const xhat = Float32Array.of(0, 0, 0, 0, 0, -1, 0.5, 1.5, 0.2, -0.3, 0, 0, 0, 0, 0, 0.8, -1.1, 0.4, 0.9, -2);
    const ch1 = (a: Float32Array) => [...a.subarray(5, 10), ...a.subarray(15, 20)];
    const d = ch1(dy), h = ch1(xhat), m = 10, g = 1.5, is = 0.25;
    const sum4 = (v: number[]) => { const s = [0, 0, 0, 0]; v.forEach((x, j) => { s[j < 4 ? j : 0] += x; }); return (s[0] + s[1]) + (s[2] + s[3]); };
    const a = sum4(d.slice(0, 5)) + sum4(d.slice(5)), b = sum4(d.slice(0, 5).map((x, j) => x * h[j])) + sum4(d.slice(5).map((x, j) => x * h[5 + j]));
    for (const [name, k] of [['ts', reference] as const, ...wasmPaths]) {
      for (const training of [true, false]) {
        const dx = new Float32Array(20), sdy = new Float32Array(2), sdyx = new Float32Array(2);
        k.plane_norm_backward(dy, xhat, 2, 2, 5, Float32Array.of(7, g), Float32Array.of(3, is), training, dx, sdy, sdyx);
        assert.deepEqual([sdy[1], sdyx[1]], [Math.fround(a), Math.fround(b)], `${name} sums`);
        const want = d.map((x, j) => Math.fround((x - (training ? a / m : 0) - h[j] * (training ? b / m : 0)) * (g * is)));
        assert.deepEqual(ch1(dx), want, `${name} dx (training ${training})`);
        // channel 0: dy = 9 everywhere, x̂ = 0: training centres it to 0, eval scales it by γ·istd = 21
        assert.deepEqual([...dx.subarray(0, 5), ...dx.subarray(10, 15)], Array(10).fill(training ? 0 : 189), `${name} channel 0`);
      }
    }
  });

  it('short arrays are refused with the kernel and the array named', () => {
    for (const [name, k] of wasmPaths) {
      assert.throws(() => k.plane_norm_backward(new Float32Array(7), new Float32Array(8), 2, 1, 4, null, new Float32Array(1), true, null, new Float32Array(1), new Float32Array(1)),
        /plane_norm_backward: dy has 7 elements, the call reads 8/, name);
    }
  });
});
