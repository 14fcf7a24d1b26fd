// sum_rows (a bias gradient: column sums): TS reference vs WASM SIMD / scalar / relaxed / debug, bit
// for bit, on shapes around the f32x4 width (0 and 1 rows or columns too), and against the column sums
// written out by hand (float64, rounded once).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Kernels } from '../../src/kernels/index.js';
import { f32Array } from '../helpers/arb.js';
import { fcParams, reference, wasmPaths } from './paths.js';

const dim = fc.constantFrom(0, 1, 2, 3, 4, 5, 7, 8, 9, 13, 17);
const caseArb = fc.tuple(dim, dim).chain(([rows, cols]) => fc.record({
  rows: fc.constant(rows), cols: fc.constant(cols), a: f32Array(rows * cols, -1e4, 1e4),
}));

function runSum(k: Kernels, c: { rows: number; cols: number; a: Float32Array }): Float32Array {
  const out = new Float32Array(c.cols + 1).fill(7);
  k.sum_rows(c.a, c.rows, c.cols, out);
  return out;
}

describe('sum_rows property: TS reference vs WASM', () => {
  it('sum_rows: bit-identical on every path, and the column sums (float64, rounded once)', () => {
    fc.assert(fc.property(caseArb, (c) => {
      const ref = runSum(reference, c);
      for (const [name, k] of wasmPaths) assert.deepEqual(runSum(k, c), ref, `${name} ${c.rows}×${c.cols}`);
      for (let j = 0; j < c.cols; j++) {
        let s = 0;
        for (let r = 0; r < c.rows; r++) s += c.a[r * c.cols + j];
        assert.equal(ref[j], Math.fround(s), `column ${j}`);
      }
      assert.equal(ref[c.cols], 7);
    }), fcParams(200));
  });
});
