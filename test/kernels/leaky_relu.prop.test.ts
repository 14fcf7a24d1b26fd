// leaky_relu: TS reference vs WASM SIMD / scalar / relaxed / debug, forward and backward, bit for bit
// (float64 products rounded once on every path): lengths around the f32x4 width, slopes including 0
// (relu's backward), in place, and the values that decide the branch or the sign of zero.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Kernels } from '../../src/kernels/index.js';
import { fcParams, reference, wasmPaths } from './paths.js';

interface Case { x: Float32Array; dy: Float32Array | null; slope: number; inPlace: boolean }

function run(k: Kernels, c: Case): Float32Array {
  const x = c.x.slice(), n = x.length;
  const out = c.inPlace ? (c.dy === null ? x : c.dy.slice()) : new Float32Array(n + 2).fill(7); // past n: untouched
  k.leaky_relu(x, c.dy === null || !c.inPlace ? c.dy : out, n, c.slope, out);
  return out;
}

const special = fc.constantFrom(0, -0, 1, -1, Infinity, -Infinity, NaN, 1e-45, -1e-45, 3.4e38, -3.4e38);
const values = (n: number) => fc.array(fc.oneof({ weight: 4, arbitrary: fc.float({ min: -10, max: 10, noNaN: true }) }, { weight: 1, arbitrary: special }), { minLength: n, maxLength: n }).map((a) => Float32Array.from(a));
const caseArb = fc.integer({ min: 0, max: 37 }).chain((n) => fc.record({
  x: values(n),
  dy: fc.option(values(n), { nil: null }),
  slope: fc.oneof(fc.constantFrom(0, 0.01, 0.2, 1, -0.5), fc.double({ min: -2, max: 2, noNaN: true })),
  inPlace: fc.boolean(),
}));

describe('leaky_relu property: TS reference vs WASM', () => {
  it('forward and backward, random lengths, slopes and special values, in place: bit-identical', () => {
    fc.assert(fc.property(caseArb, (c) => {
      const ref = run(reference, c);
      for (const [name, k] of wasmPaths) assert.deepEqual(run(k, c), ref, `${name} n=${c.x.length} slope=${c.slope} ${c.dy === null ? 'forward' : 'backward'}`);
    }), fcParams(300));
  });

  it('by hand: the slope below and at 0, NaN takes the slope, the backward gives +0 for −0', () => {
    const x = Float32Array.of(2, -3, 0, NaN, -0), dy = Float32Array.of(-0, 5, 7, 1, -0);
    for (const [name, k] of [['ts', reference] as const, ...wasmPaths]) {
      const fwd = new Float32Array(5), bwd = new Float32Array(5);
      k.leaky_relu(x, null, 5, 0.2, fwd);
      k.leaky_relu(x, dy, 5, 0.2, bwd);
      assert.deepEqual([...fwd], [2, Math.fround(-3 * 0.2), 0, NaN, -0], `${name} forward`);
      assert.ok(Object.is(fwd[4], -0), `${name}: leaky_relu(−0) is −0`);
      assert.deepEqual([...bwd], [0, Math.fround(5 * 0.2), Math.fround(7 * 0.2), Math.fround(0.2), 0], `${name} backward`);
      assert.ok(Object.is(bwd[0], 0) && Object.is(bwd[4], 0), `${name}: −0 gradients become +0`);
    }
  });
});
