// upsample_nearest2d: TS reference vs WASM SIMD / scalar / relaxed / debug, bit for bit, on random plane
// counts, plane sizes (widths around the f32x4 step of factor 2) and factors 1–3; plus a plane by hand
// and short arrays refused.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Kernels } from '../../src/kernels/index.js';
import { f32Array } from '../helpers/arb.js';
import { fcParams, reference, wasmPaths } from './paths.js';

interface Case { planes: number; h: number; w: number; sh: number; sw: number; x: Float32Array }

const caseArb = fc.record({ planes: fc.integer({ min: 1, max: 3 }), h: fc.integer({ min: 1, max: 5 }), w: fc.integer({ min: 1, max: 13 }), sh: fc.integer({ min: 1, max: 3 }), sw: fc.integer({ min: 1, max: 3 }) })
  .chain((r) => fc.record({ planes: fc.constant(r.planes), h: fc.constant(r.h), w: fc.constant(r.w), sh: fc.constant(r.sh), sw: fc.constant(r.sw), x: f32Array(r.planes * r.h * r.w, -10, 10) }));

function run(k: Kernels, c: Case): Float32Array {
  const len = c.planes * c.h * c.w * c.sh * c.sw, out = new Float32Array(len + 1).fill(NaN);
  k.upsample_nearest2d(c.x, c.planes, c.h, c.w, c.sh, c.sw, out.subarray(0, len));
  return out;
}

describe('upsample_nearest2d property: TS reference vs WASM', () => {
  it('random planes and factors: bit-identical on every path, every element written, nothing past the end', () => {
    fc.assert(fc.property(caseArb, (c) => {
      const ref = run(reference, c);
      assert.ok(ref.subarray(0, -1).every(Number.isFinite) && Number.isNaN(ref[ref.length - 1]), 'reference');
      for (const [name, k] of wasmPaths) assert.deepEqual(run(k, c), ref, `${name} ${JSON.stringify({ ...c, x: undefined })}`);
    }), fcParams(200));
  });

  it('by hand: a 2×5 plane by [1, 2] (the f32x4 step and a tail)', () => {
    const x = Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
    for (const [name, k] of [['ts', reference] as const, ...wasmPaths]) {
      const out = new Float32Array(20);
      k.upsample_nearest2d(x, 1, 2, 5, 1, 2, out);
      assert.deepEqual([...out], [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10], name);
    }
  });

  it('short arrays are refused with the kernel and the array named', () => {
    for (const [name, k] of wasmPaths) {
      assert.throws(() => k.upsample_nearest2d(new Float32Array(6), 1, 2, 3, 2, 2, new Float32Array(23)), /upsample_nearest2d: out has 23 elements, the call reads 24/, name);
    }
  });
});
