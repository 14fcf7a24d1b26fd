// layer_grad (one Gatys loss layer's gradient): TS reference vs WASM SIMD / scalar / relaxed / debug,
// bit for bit, with and without the content target and the style product, accumulating or not, on
// lengths around the f32x4 width; values spread over many exponents so the float64 steps round.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Kernels } from '../../src/kernels/index.js';
import { f32Array } from '../helpers/arb.js';
import { fcParams, reference, wasmPaths } from './paths.js';

const len = fc.constantFrom(0, 1, 2, 3, 4, 5, 7, 8, 9, 13, 31, 64, 67);
const scale = fc.double({ min: -1e3, max: 1e3, noNaN: true }).map((v) => v * 10 ** Math.round(Math.abs(v) % 7 - 3));
const caseArb = len.chain((n) => fc.record({
  n: fc.constant(n), f: f32Array(n, -1e4, 1e4), p: fc.option(f32Array(n, -1e4, 1e4), { nil: null }), sf: fc.option(f32Array(n, -1e6, 1e6), { nil: null }),
  out0: f32Array(n + 1, -1e4, 1e4), kc: scale, ks: scale, accumulate: fc.boolean(), inPlace: fc.boolean(),
}));

interface Case {
  n: number; f: Float32Array; p: Float32Array | null; sf: Float32Array | null; out0: Float32Array; kc: number; ks: number; accumulate: boolean; inPlace: boolean;
}

function run(k: Kernels, c: Case): Float32Array {
  const f = c.f.slice(), out = c.inPlace ? f : c.out0.slice();
  k.layer_grad(c.n, f, c.p, c.kc, c.sf, c.ks, out, c.accumulate);
  return out;
}

describe('layer_grad property: TS reference vs WASM', () => {
  it('bit-identical on every path (content target, style product, both or neither; accumulating; in place), nothing past n written', () => {
    fc.assert(fc.property(caseArb, (c) => {
      const ref = run(reference, c);
      for (const [name, k] of wasmPaths) assert.deepEqual(run(k, c), ref, `${name} n=${c.n} p=${c.p !== null} sf=${c.sf !== null} acc=${c.accumulate}`);
    }), fcParams(300));
  });

  it('by hand: float32(float32(kc·(f − p)) + ks·sf), then added; −0 from the style term alone becomes +0 as in 0 + (−0)', () => {
    const f = Float32Array.of(1.5, 2, -3, 0.1), p = Float32Array.of(0.5, 2, 1, 0.3), sf = Float32Array.of(2, -1, 0.25, -0);
    for (const [name, k] of [['ts', reference] as const, ...wasmPaths]) {
      const out = Float32Array.of(10, 10, 10, 10, 99);
      k.layer_grad(4, f, p, 0.5, sf, 3, out, true);
      const want = [0, 1, 2, 3].map((j) => Math.fround(10 + Math.fround(Math.fround(0.5 * (f[j] - p[j])) + 3 * sf[j])));
      assert.deepEqual([...out], [...want, 99], name);
      const alone = new Float32Array(4);
      k.layer_grad(4, f, null, 0.5, sf, 1, alone, false);
      assert.ok(Object.is(alone[3], 0), `${name}: 0 + (−0) is +0`);
    }
  });
});
