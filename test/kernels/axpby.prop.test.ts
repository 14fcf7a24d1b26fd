// axpby: TS reference vs WASM SIMD / scalar / relaxed / debug. Both compute in float64 and round once,
// so the results must be bit-identical — for lengths around the f32x4 width, with and without y, in
// place (out = x, as the weight EMA runs), and for values the f32 rounding and ±∞/NaN exercise.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Kernels } from '../../src/kernels/index.js';
import { f32Array } from '../helpers/arb.js';
import { fcParams, reference, wasmPaths } from './paths.js';

interface Case { x: Float32Array; y: Float32Array | null; a: number; b: number; inPlace: boolean }

function run(k: Kernels, c: Case): Float32Array {
  const x = c.x.slice(), n = x.length;
  const out = c.inPlace ? x : new Float32Array(n + 2).fill(7); // past n: must stay untouched
  k.axpby(x, c.a, c.y, c.b, n, out);
  return out;
}

const caseArb = fc.integer({ min: 0, max: 37 }).chain((n) => fc.record({
  x: f32Array(n, -1e3, 1e3),
  y: fc.option(f32Array(n, -1e3, 1e3), { nil: null }),
  a: fc.double({ min: -10, max: 10, noNaN: true }),
  b: fc.double({ min: -10, max: 10, noNaN: true }),
  inPlace: fc.boolean(),
}));

describe('axpby property: TS reference vs WASM', () => {
  it('random lengths, scalars, with/without y, in place: bit-identical', () => {
    fc.assert(fc.property(caseArb, (c) => {
      const ref = run(reference, c);
      for (const [name, k] of wasmPaths) assert.deepEqual(run(k, c), ref, `${name} n=${c.x.length}`);
    }), fcParams(300));
  });

  it('rounds once from float64: 1/3 of 1 is f32(1/3), and 0.1·x + 0.9·y is not the f32-op sequence', () => {
    const x = Float32Array.of(1, 1, 1, 1, 1), y = Float32Array.of(3, 3, 3, 3, 3);
    for (const [name, k] of [['ts', reference] as const, ...wasmPaths]) {
      const out = new Float32Array(5);
      k.axpby(x, 1 / 3, null, 0, 5, out);
      assert.ok(out.every((v) => v === Math.fround(1 / 3)), `${name}: ${out}`);
      k.axpby(x, 0.1, y, 0.9, 5, out);
      assert.ok(out.every((v) => v === Math.fround(0.1 + 0.9 * 3)), `${name}: ${out}`);
    }
  });

  it('∞ and NaN propagate as in IEEE arithmetic on every path', () => {
    const x = Float32Array.of(Infinity, NaN, -Infinity, 1, Infinity), y = Float32Array.of(1, 1, 1, NaN, -Infinity);
    for (const [name, k] of [['ts', reference] as const, ...wasmPaths]) {
      const out = new Float32Array(5);
      k.axpby(x, 2, y, 1, 5, out);
      assert.deepEqual([...out], [Infinity, NaN, -Infinity, NaN, NaN], name);
    }
  });
});
