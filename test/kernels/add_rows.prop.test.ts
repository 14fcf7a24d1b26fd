// add_rows (a bias add): TS reference vs WASM SIMD / scalar / relaxed / debug, bit for bit, on shapes
// around the f32x4 width (0 and 1 rows or columns too), in place and not.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Kernels } from '../../src/kernels/index.js';
import { f32Array } from '../helpers/arb.js';
import { fcParams, reference, wasmPaths } from './paths.js';

const dim = fc.constantFrom(0, 1, 2, 3, 4, 5, 7, 8, 9, 13, 17);
const caseArb = fc.tuple(dim, dim).chain(([rows, cols]) => fc.record({
  rows: fc.constant(rows), cols: fc.constant(cols), a: f32Array(rows * cols, -1e4, 1e4), b: f32Array(cols, -1e4, 1e4), inPlace: fc.boolean(),
}));

function runAdd(k: Kernels, c: { rows: number; cols: number; a: Float32Array; b: Float32Array; inPlace: boolean }): Float32Array {
  const a = c.a.slice(), out = c.inPlace ? a : new Float32Array(a.length + 1).fill(7);
  k.add_rows(a, c.rows, c.cols, c.b, out);
  return out;
}

describe('add_rows property: TS reference vs WASM', () => {
  it('add_rows: bit-identical on every path, in place too, nothing past the matrix written', () => {
    fc.assert(fc.property(caseArb, (c) => {
      const ref = runAdd(reference, c);
      for (const [name, k] of wasmPaths) assert.deepEqual(runAdd(k, c), ref, `${name} ${c.rows}×${c.cols}`);
    }), fcParams(200));
  });
});
