// upsample_nearest2d_backward (block sums): TS reference vs WASM SIMD / scalar / relaxed / debug, bit for
// bit, on random plane counts, sizes and factors 1–3 over a NaN-filled output; the adjoint identity with
// upsample_nearest2d; a block by hand (its order: rows, then columns) and short arrays refused.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Kernels } from '../../src/kernels/index.js';
import { f32Array } from '../helpers/arb.js';
import { fcParams, reference, wasmPaths } from './paths.js';

interface Case { planes: number; h: number; w: number; sh: number; sw: number; dy: Float32Array; x: Float32Array }

const caseArb = fc.record({ planes: fc.integer({ min: 1, max: 3 }), h: fc.integer({ min: 1, max: 5 }), w: fc.integer({ min: 1, max: 9 }), sh: fc.integer({ min: 1, max: 3 }), sw: fc.integer({ min: 1, max: 3 }) })
  .chain((r) => fc.record({
    planes: fc.constant(r.planes), h: fc.constant(r.h), w: fc.constant(r.w), sh: fc.constant(r.sh), sw: fc.constant(r.sw),
    dy: f32Array(r.planes * r.h * r.w * r.sh * r.sw, -1e3, 1e3), x: f32Array(r.planes * r.h * r.w, -1, 1),
  }));

function run(k: Kernels, c: Case): Float32Array {
  const len = c.planes * c.h * c.w, out = new Float32Array(len + 1).fill(NaN);
  k.upsample_nearest2d_backward(c.dy, c.planes, c.h, c.w, c.sh, c.sw, out.subarray(0, len));
  return out;
}

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i], 0);

describe('upsample_nearest2d_backward property: TS reference vs WASM', () => {
  it('random planes and factors: bit-identical on every path, the output overwritten, nothing past the end', () => {
    fc.assert(fc.property(caseArb, (c) => {
      const ref = run(reference, c);
      assert.ok(ref.subarray(0, -1).every(Number.isFinite) && Number.isNaN(ref[ref.length - 1]), 'reference');
      for (const [name, k] of wasmPaths) assert.deepEqual(run(k, c), ref, `${name} ${JSON.stringify({ ...c, dy: undefined, x: undefined })}`);
    }), fcParams(200));
  });

  it('is the adjoint of upsample_nearest2d: ⟨up(x), dy⟩ = ⟨x, backward(dy)⟩', () => {
    fc.assert(fc.property(caseArb, (c) => {
      const up = new Float32Array(c.dy.length);
      reference.upsample_nearest2d(c.x, c.planes, c.h, c.w, c.sh, c.sw, up);
      const lhs = dot(up, c.dy), rhs = dot(c.x, run(reference, c).subarray(0, -1));
      assert.ok(Math.abs(lhs - rhs) <= 1e-4 * c.dy.reduce((s, v) => s + Math.abs(v), 0), `${lhs} vs ${rhs}`);
    }), fcParams(100));
  });

  it('by hand: one 2×2 block summed rows then columns in float32 (1e8 + 1 − 1e8 + 1)', () => {
    for (const [name, k] of [['ts', reference] as const, ...wasmPaths]) {
      const out = new Float32Array(1);
      k.upsample_nearest2d_backward(Float32Array.of(1e8, 1, -1e8, 1), 1, 1, 1, 2, 2, out);
      assert.deepEqual([...out], [1], name); // ((1e8 + 1) − 1e8) + 1 in float32: 1e8 + 1 rounds to 1e8
    }
  });

  it('short arrays are refused with the kernel and the array named', () => {
    for (const [name, k] of wasmPaths) {
      assert.throws(() => k.upsample_nearest2d_backward(new Float32Array(23), 1, 2, 3, 2, 2, new Float32Array(6)), /upsample_nearest2d_backward: dy has 23 elements, the call reads 24/, name);
    }
  });
});
