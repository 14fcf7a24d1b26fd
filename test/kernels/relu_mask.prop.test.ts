// relu_mask: TS reference vs WASM SIMD / scalar / relaxed / debug, bit for bit: lengths around the
// 32-element word and the f32x4 width, the forward with and without the mask, the backward from a
// mask, special values (−0 and NaN become +0), and words past the mask's end left alone.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Kernels } from '../../src/kernels/index.js';
import { fcParams, reference, wasmPaths } from './paths.js';

interface Case { x: Float32Array; g: Float32Array; withBits: boolean }

const words = (n: number) => (n + 31) >> 5;

/** Forward of x (mask as u32 words, one guard word after it), then the backward of g with that mask. */
function run(k: Kernels, c: Case): { y: Float32Array; bits: Uint32Array | null; dx: Float32Array | null } {
  const n = c.x.length, y = c.x.slice();
  const bits = c.withBits ? new Float32Array(words(n) + 1) : null;
  if (bits !== null) new Uint32Array(bits.buffer).fill(0xdeadbeef);
  k.relu_mask(y, n, bits, false);
  if (bits === null) return { y, bits: null, dx: null };
  const dx = c.g.slice();
  k.relu_mask(dx, n, bits, true);
  return { y, bits: new Uint32Array(bits.buffer), dx };
}

const special = fc.constantFrom(0, -0, 1, -1, Infinity, -Infinity, NaN, 1e-45, -1e-45);
const values = (n: number) => fc.array(fc.oneof({ weight: 4, arbitrary: fc.float({ min: -10, max: 10, noNaN: true }) }, { weight: 1, arbitrary: special }), { minLength: n, maxLength: n }).map((a) => Float32Array.from(a));
const length = fc.oneof(fc.integer({ min: 0, max: 40 }), fc.constantFrom(31, 32, 33, 63, 64, 65, 96, 127, 128, 129), fc.integer({ min: 100, max: 300 }));
const caseArb = length.chain((n) => fc.record({ x: values(n), g: values(n), withBits: fc.boolean() }));

describe('relu_mask property: TS reference vs WASM', () => {
  it('forward (with and without the mask) and backward, random lengths and special values: bit-identical', () => {
    fc.assert(fc.property(caseArb, (c) => {
      const ref = run(reference, c);
      for (const [name, k] of wasmPaths) assert.deepEqual(run(k, c), ref, `${name} n=${c.x.length} bits=${c.withBits}`);
    }), fcParams(300));
  });

  it('by hand: the definition, the mask\'s bit order, −0 and NaN to +0, and the gradient kept only where x > 0', () => {
    const n = 37, x = Float32Array.from({ length: n }, (_, i) => (i % 3 === 0 ? i : -i));
    x[1] = -0;
    x[2] = NaN;
    x[35] = 5; // in the partial second word
    const g = Float32Array.from({ length: n }, (_, i) => i + 0.5);
    for (const [name, k] of [['ts', reference] as const, ...wasmPaths]) {
      const y = x.slice(), bits = new Float32Array(2), dx = g.slice();
      k.relu_mask(y, n, bits, false);
      k.relu_mask(dx, n, bits, true);
      const pos = Array.from(x, (v) => v > 0);
      assert.deepEqual([...y], Array.from(x, (v, i) => (pos[i] ? v : 0)), `${name} forward`);
      assert.ok([...y].every((v) => !Object.is(v, -0)), `${name}: no −0 left`);
      const w = new Uint32Array(bits.buffer);
      pos.forEach((p, i) => assert.equal((w[i >> 5] >>> (i & 31)) & 1, +p, `${name} bit ${i}`));
      assert.deepEqual([...dx], Array.from(g, (v, i) => (pos[i] ? v : 0)), `${name} backward`);
    }
    // all-ones words are NaN bit patterns as floats: they must cross the JS ↔ WASM copies unchanged
    for (const [name, k] of [['ts', reference] as const, ...wasmPaths]) {
      const bits = new Float32Array(2), dx = g.slice(0, 33);
      k.relu_mask(new Float32Array(64).fill(1), 64, bits, false);
      assert.deepEqual([...new Uint32Array(bits.buffer)], [0xffffffff, 0xffffffff], `${name}: all-ones words`);
      k.relu_mask(dx, 33, bits, true);
      assert.deepEqual(dx, g.slice(0, 33), `${name}: an all-ones mask keeps every gradient`);
    }
    assert.throws(() => reference.relu_mask(new Float32Array(4), 4, null, true), /needs the mask/);
    assert.throws(() => wasmPaths[0][1].relu_mask(new Float32Array(4), 4, null, true), /needs the mask/);
    assert.throws(() => wasmPaths[0][1].relu_mask(new Float32Array(40), 40, new Float32Array(1), false), /bits has 1 elements, the call reads 2/);
  });
});
