// col2im: TS reference vs WASM SIMD / scalar / debug on the im2col geometries (it accumulates into
// x, and each element's terms are added in the reference's order, so results are exact), plus the
// adjoint property ⟨im2col(x), y⟩ = ⟨x, col2im(y)⟩ that defines it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { colsLength, convGeometry, f32Array } from '../helpers/arb.js';
import { expectClose, fcParams, reference, runCol2im, runIm2col, wasmPaths } from './paths.js';

const withData = convGeometry.chain((g) =>
  fc.record({ g: fc.constant(g), y: f32Array(colsLength(g)), x: f32Array(g.c * g.h * g.w) }));

describe('col2im property: TS reference vs WASM', () => {
  it('accumulates into x exactly as the reference does', () => {
    fc.assert(fc.property(withData, ({ g, y, x }) => {
      const ref = runCol2im(reference, g, y, x);
      for (const [name, k] of wasmPaths) expectClose(runCol2im(k, g, y, x), ref, () => 0, `${name} ${JSON.stringify(g)}`);
    }), fcParams(300));
  });

  it('is the adjoint of im2col: ⟨im2col(x), y⟩ = ⟨x, col2im(y)⟩ on every path', () => {
    fc.assert(fc.property(withData, ({ g, y, x }) => {
      for (const [name, k] of [['ts', reference] as const, ...wasmPaths]) {
        const cols = runIm2col(k, g, x);
        const back = runCol2im(k, g, y, new Float32Array(x.length));
        let lhs = 0, rhs = 0, scale = 0;
        for (let i = 0; i < cols.length; i++) {
          lhs += cols[i] * y[i];
          scale += Math.abs(cols[i] * y[i]);
        }
        for (let i = 0; i < x.length; i++) rhs += x[i] * back[i];
        // col2im sums up to kh·kw terms per element in f32: relative rounding ≈ kh·kw·2⁻²⁴
        assert.ok(Math.abs(lhs - rhs) <= 1e-6 * (g.kh * g.kw) * scale + 1e-12, `${name}: ${lhs} ≠ ${rhs} ${JSON.stringify(g)}`);
      }
    }), fcParams(200));
  });

  it('tiles over output rows add up to the whole image', () => {
    fc.assert(fc.property(withData, fc.nat(), ({ g }, cut) => {
      const full = { ...g, oh0: 0, ohCount: g.oh };
      const y = Float32Array.from({ length: colsLength(full) }, (_, i) => (i % 7) - 3);
      for (const [name, k] of [['ts', reference] as const, ...wasmPaths]) {
        const whole = runCol2im(k, full, y, new Float32Array(g.c * g.h * g.w));
        const split = 1 + (cut % g.oh); // rows [0, split) then [split, oh)
        let x: Float32Array = new Float32Array(g.c * g.h * g.w);
        for (const [oh0, ohCount] of [[0, split], [split, g.oh - split]]) {
          if (ohCount === 0) continue;
          const t = { ...g, oh0, ohCount };
          const part = new Float32Array(colsLength(t));
          const rowLen = ohCount * g.ow, fullRow = g.oh * g.ow;
          for (let r = 0; r < g.c * g.kh * g.kw; r++) part.set(y.subarray(r * fullRow + oh0 * g.ow, r * fullRow + oh0 * g.ow + rowLen), r * rowLen);
          x = runCol2im(k, t, part, x);
        }
        assert.deepEqual(x, whole, name); // small integers: every sum is exact
      }
    }), fcParams(60));
  });
});
