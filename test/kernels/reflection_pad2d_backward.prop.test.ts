// reflection_pad2d_backward (the padding's adjoint): TS reference vs WASM SIMD / scalar / relaxed / debug,
// bit for bit, on random plane counts, plane sizes (1 row or column included) and every pad up to its
// axis − 1, over a NaN-filled output (the kernel overwrites it); plus the adjoint identity
// ⟨pad(x), dy⟩ = ⟨x, backward(dy)⟩, a plane by hand and short arrays refused.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Kernels } from '../../src/kernels/index.js';
import { f32Array } from '../helpers/arb.js';
import { fcParams, reference, wasmPaths } from './paths.js';

interface Case { planes: number; h: number; w: number; pads: [number, number, number, number]; dy: Float32Array; x: Float32Array }

const caseArb = fc.record({ planes: fc.integer({ min: 1, max: 3 }), h: fc.integer({ min: 1, max: 9 }), w: fc.integer({ min: 1, max: 11 }) })
  .chain((r) => fc.tuple(fc.nat(r.w - 1), fc.nat(r.w - 1), fc.nat(r.h - 1), fc.nat(r.h - 1)).chain((pads) => fc.record({
    planes: fc.constant(r.planes), h: fc.constant(r.h), w: fc.constant(r.w), pads: fc.constant(pads),
    dy: f32Array(r.planes * (r.h + pads[2] + pads[3]) * (r.w + pads[0] + pads[1]), -1e3, 1e3), x: f32Array(r.planes * r.h * r.w, -1, 1),
  })));

function run(k: Kernels, c: Case): Float32Array {
  const [l, r, t, b] = c.pads, len = c.planes * c.h * c.w, out = new Float32Array(len + 1).fill(NaN);
  k.reflection_pad2d_backward(c.dy, c.planes, c.h, c.w, l, r, t, b, out.subarray(0, len));
  return out;
}

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i], 0);

describe('reflection_pad2d_backward property: TS reference vs WASM', () => {
  it('random planes and pads: bit-identical on every path, the output overwritten, nothing past the end', () => {
    fc.assert(fc.property(caseArb, (c) => {
      const ref = run(reference, c);
      assert.ok(ref.subarray(0, -1).every(Number.isFinite) && Number.isNaN(ref[ref.length - 1]), 'reference');
      for (const [name, k] of wasmPaths) assert.deepEqual(run(k, c), ref, `${name} ${JSON.stringify({ ...c, dy: undefined, x: undefined })}`);
    }), fcParams(200));
  });

  it('is the adjoint of reflection_pad2d: ⟨pad(x), dy⟩ = ⟨x, backward(dy)⟩', () => {
    fc.assert(fc.property(caseArb, (c) => {
      const [l, r, t, b] = c.pads, padded = new Float32Array(c.dy.length);
      reference.reflection_pad2d(c.x, c.planes, c.h, c.w, l, r, t, b, padded);
      const lhs = dot(padded, c.dy), rhs = dot(c.x, run(reference, c).subarray(0, -1));
      assert.ok(Math.abs(lhs - rhs) <= 1e-4 * c.dy.reduce((s, v) => s + Math.abs(v), 0), `${lhs} vs ${rhs}`);
    }), fcParams(100));
  });

  it('by hand: a 2×3 plane padded [2, 1, 1, 1], dy = 1 … 24', () => {
    // out[y, x] sums dy at the positions that read x[y, x] (the forward's by-hand case, read backwards):
    const dy = Float32Array.from({ length: 24 }, (_, i) => i + 1);
    // padded rows 0 … 3 read x rows 1, 0, 1, 0; padded columns 0 … 5 read x columns 2, 1, 0, 1, 2, 1
    const want = [9 + 21, 8 + 10 + 12 + 20 + 22 + 24, 7 + 11 + 19 + 23, 3 + 15, 2 + 4 + 6 + 14 + 16 + 18, 1 + 5 + 13 + 17];
    for (const [name, k] of [['ts', reference] as const, ...wasmPaths]) {
      const out = new Float32Array(6).fill(NaN);
      k.reflection_pad2d_backward(dy, 1, 2, 3, 2, 1, 1, 1, out);
      assert.deepEqual([...out], want, name);
    }
  });

  it('short arrays are refused with the kernel and the array named', () => {
    for (const [name, k] of wasmPaths) {
      assert.throws(() => k.reflection_pad2d_backward(new Float32Array(19), 1, 2, 3, 1, 1, 1, 1, new Float32Array(6)), /reflection_pad2d_backward: dy has 19 elements, the call reads 20/, name);
    }
  });
});
