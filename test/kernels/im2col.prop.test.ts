// im2col: TS reference vs WASM SIMD / scalar / debug on conv geometries with stride, padding,
// dilation, kernels larger than the input and output-row tiles (oh0, ohCount). im2col only copies,
// so every path must match the reference exactly and write every element.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { convGeometry, f32Array } from '../helpers/arb.js';
import { expectClose, fcParams, reference, runIm2col, wasmPaths } from './paths.js';

const exact = () => 0;
const withImage = convGeometry.chain((g) => f32Array(g.c * g.h * g.w).map((x) => ({ g, x })));

describe('im2col property: TS reference vs WASM', () => {
  it('conv geometries and row tiles: exact copies, padding zero-filled', () => {
    fc.assert(fc.property(withImage, ({ g, x }) => {
      const ref = runIm2col(reference, g, x);
      for (const [name, k] of wasmPaths) expectClose(runIm2col(k, g, x), ref, exact, `${name} ${JSON.stringify(g)}`);
    }), fcParams(300));
  });

  it('a 1×1 kernel with stride 1 and no padding returns the image itself', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 13 }), (c, h, w) => {
      const x = Float32Array.from({ length: c * h * w }, (_, i) => i + 1);
      const g = { c, h, w, kh: 1, kw: 1, sh: 1, sw: 1, ph: 0, pw: 0, dh: 1, dw: 1, oh: h, ow: w, oh0: 0, ohCount: h };
      for (const [name, k] of [['ts', reference] as const, ...wasmPaths]) assert.deepEqual(runIm2col(k, g, x), x, name);
    }), fcParams(30));
  });

  it('a hand-computed padded, strided case', () => {
    // x = [[1,2,3],[4,5,6],[7,8,9]], 2×2 kernel, stride 2, padding 1 → 2×2 output
    const x = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const g = { c: 1, h: 3, w: 3, kh: 2, kw: 2, sh: 2, sw: 2, ph: 1, pw: 1, dh: 1, dw: 1, oh: 2, ow: 2, oh0: 0, ohCount: 2 };
    //           (u,v) = (0,0)    (0,1)       (1,0)       (1,1);  columns: output (0,0) (0,1) (1,0) (1,1)
    const want = [0, 0, 0, 5, 0, 0, 4, 6, 0, 2, 0, 8, 1, 3, 7, 9];
    for (const [name, k] of [['ts', reference] as const, ...wasmPaths]) assert.deepEqual([...runIm2col(k, g, x)], want, name);
  });
});
