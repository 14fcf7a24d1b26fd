// reflection_pad2d: TS reference vs WASM SIMD / scalar / relaxed / debug, bit for bit, on random plane
// counts, plane sizes (1 row or column included) and every pad up to its axis − 1; plus a plane by hand
// (torch's F.pad(mode='reflect')) and short arrays refused.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Kernels } from '../../src/kernels/index.js';
import { f32Array } from '../helpers/arb.js';
import { fcParams, reference, wasmPaths } from './paths.js';

interface Case { planes: number; h: number; w: number; pads: [number, number, number, number]; x: Float32Array }

const caseArb = fc.record({ planes: fc.integer({ min: 1, max: 3 }), h: fc.integer({ min: 1, max: 9 }), w: fc.integer({ min: 1, max: 11 }) })
  .chain((r) => fc.record({
    planes: fc.constant(r.planes), h: fc.constant(r.h), w: fc.constant(r.w),
    pads: fc.tuple(fc.nat(r.w - 1), fc.nat(r.w - 1), fc.nat(r.h - 1), fc.nat(r.h - 1)),
    x: f32Array(r.planes * r.h * r.w, -10, 10),
  }));

function run(k: Kernels, c: Case): Float32Array {
  const [l, r, t, b] = c.pads, len = c.planes * (c.h + t + b) * (c.w + l + r), out = new Float32Array(len + 1).fill(NaN);
  k.reflection_pad2d(c.x, c.planes, c.h, c.w, l, r, t, b, out.subarray(0, len));
  return out;
}

describe('reflection_pad2d property: TS reference vs WASM', () => {
  it('random planes and pads: bit-identical on every path, every element written, nothing past the end', () => {
    fc.assert(fc.property(caseArb, (c) => {
      const ref = run(reference, c);
      assert.ok(ref.subarray(0, -1).every(Number.isFinite) && Number.isNaN(ref[ref.length - 1]), 'reference');
      for (const [name, k] of wasmPaths) assert.deepEqual(run(k, c), ref, `${name} ${JSON.stringify({ ...c, x: undefined })}`);
    }), fcParams(200));
  });

  it('by hand: a 2×3 plane padded [2, 1, 1, 1] (torch: F.pad(x, (2, 1, 1, 1), mode="reflect"))', () => {
    const x = Float32Array.of(1, 2, 3, 4, 5, 6);
    const want = [6, 5, 4, 5, 6, 5, 3, 2, 1, 2, 3, 2, 6, 5, 4, 5, 6, 5, 3, 2, 1, 2, 3, 2];
    for (const [name, k] of [['ts', reference] as const, ...wasmPaths]) {
      const out = new Float32Array(24);
      k.reflection_pad2d(x, 1, 2, 3, 2, 1, 1, 1, out);
      assert.deepEqual([...out], want, name);
    }
  });

  it('short arrays are refused with the kernel and the array named', () => {
    for (const [name, k] of wasmPaths) {
      assert.throws(() => k.reflection_pad2d(new Float32Array(6), 1, 2, 3, 1, 1, 1, 1, new Float32Array(19)), /reflection_pad2d: out has 19 elements, the call reads 20/, name);
    }
  });
});
