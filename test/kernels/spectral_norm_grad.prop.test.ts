// spectral_norm_grad: TS reference vs WASM SIMD / scalar / relaxed / debug, bit-identical (float64
// arithmetic, the dot product in the shared four-lane order) over [before, h, after] layouts with
// sizes around the f32x4 width; and the reference against the formula ∂W = (dy − ⟨dy, out⟩·u vᵀ)/σ
// written out independently (matrix view by explicit row/column indices).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Kernels } from '../../src/kernels/index.js';
import { f32Array } from '../helpers/arb.js';
import { expectClose, fcParams, reference, wasmPaths } from './paths.js';

interface Case { before: number; h: number; after: number; dy: Float32Array; out: Float32Array; u: Float32Array; v: Float32Array; inv: number }

function run(k: Kernels, c: Case): Float32Array {
  const n = c.before * c.h * c.after, g = new Float32Array(n + 1).fill(7);
  k.spectral_norm_grad(c.dy, c.out, c.u, c.v, c.before, c.h, c.after, c.inv, g);
  return g;
}

const dim = fc.constantFrom(0, 1, 2, 3, 4, 5, 7, 8, 9, 13);
const caseArb = fc.tuple(fc.constantFrom(1, 1, 2, 3), dim, dim).chain(([before, h, after]) => fc.record({
  before: fc.constant(before), h: fc.constant(h), after: fc.constant(after),
  dy: f32Array(before * h * after), out: f32Array(before * h * after),
  u: f32Array(h), v: f32Array(before * after),
  inv: fc.double({ min: 0.01, max: 100, noNaN: true }),
}));

/** The formula, by matrix indices: row r, column q·after + k of the [h, before·after] view. */
function byFormula(c: Case): Float32Array {
  const n = c.before * c.h * c.after, w = c.before * c.after, g = new Float32Array(n + 1).fill(7);
  let dot = 0;
  for (let i = 0; i < n; i++) dot += c.dy[i] * c.out[i];
  for (let r = 0; r < c.h; r++) {
    for (let col = 0; col < w; col++) {
      const q = Math.floor(col / c.after), k = col % c.after, f = (q * c.h + r) * c.after + k;
      g[f] = (c.dy[f] - dot * c.u[r] * c.v[col]) * c.inv;
    }
  }
  return g;
}

describe('spectral_norm_grad property', () => {
  it('WASM paths = TS reference, bit for bit, and nothing past the gradient is written', () => {
    fc.assert(fc.property(caseArb, (c) => {
      const ref = run(reference, c);
      for (const [name, k] of wasmPaths) assert.deepEqual(run(k, c), ref, `${name} ${c.before}×${c.h}×${c.after}`);
    }), fcParams(300));
  });

  it('the reference is (dy − ⟨dy, out⟩·u vᵀ)/σ on the matrix view', () => {
    fc.assert(fc.property(caseArb, (c) => {
      expectClose(run(reference, c), byFormula(c), (r) => 1e-5 * (1 + Math.abs(r)) * (1 + c.inv), `${c.before}×${c.h}×${c.after}`);
    }), fcParams(200));
  });
});
