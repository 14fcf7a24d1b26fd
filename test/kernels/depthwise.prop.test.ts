// depthwise: TS reference vs WASM SIMD / scalar / debug (assembly/kernels/depthwise.ts) for the
// forward pass and both gradients, on random depthwise geometries (groups = Cin, multiplier 1–3,
// stride/padding/dilation up to 3, widths around the f32x4 width and its double), within a rounding
// bound derived from Σ|terms|; SIMD and scalar builds agree bit for bit on forward and input
// gradient (same per-element tap order); the entries are adjoint to each other.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { ConvGeom } from '../../src/kernels/conv.js';
import { convBound, convCaseArb, convGeomArb, ENTRIES, expectWithin, fcParams, reference, runConv, wasmPaths, type ConvCase } from './paths.js';

const chans = fc.tuple(fc.integer({ min: 1, max: 4 }), fc.constant(1), fc.integer({ min: 1, max: 3 }));
const anyGeom = convGeomArb(chans);
/** MobileNet-like: 3×3 (or 5×5), stride 1 or 2, 'same' padding, rows long enough for the f32x4 loops. */
const mobile = fc
  .record({
    n: fc.integer({ min: 1, max: 2 }), c: fc.integer({ min: 1, max: 3 }), m: fc.constantFrom(1, 1, 2),
    h: fc.integer({ min: 1, max: 12 }), w: fc.integer({ min: 7, max: 41 }), k: fc.constantFrom(3, 3, 5), s: fc.constantFrom(1, 2),
  })
  .map(({ n, c, m, h, w, k, s }): ConvGeom => {
    const p = (k - 1) / 2, out = (size: number) => Math.floor((size + 2 * p - k) / s) + 1;
    return { n, cin: c, cout: c * m, groups: c, h, w, ho: out(h), wo: out(w), kh: k, kw: k, sh: s, sw: s, ph: p, pw: p, dh: 1, dw: 1 };
  });

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i], 0);
const [simd, scalar, debug] = wasmPaths.map(([, k]) => k);

function checkAll(c: ConvCase): void {
  for (const entry of ENTRIES) {
    const ref = runConv(reference, 'depthwise', entry, c), bound = convBound('depthwise', entry, c);
    const got = wasmPaths.map(([name, k]) => {
      const out = runConv(k, 'depthwise', entry, c);
      expectWithin(out, ref, bound, `${name} depthwise ${entry} ${JSON.stringify(c.g)}`);
      return out;
    });
    if (entry !== 'weight') assert.deepEqual(got[1], got[0], `scalar = SIMD build, depthwise ${entry} ${JSON.stringify(c.g)}`);
  }
}

describe('depthwise property: TS reference vs WASM', () => {
  it('random geometries: forward, input and weight gradients on every path', () => {
    fc.assert(fc.property(convCaseArb(anyGeom), checkAll), fcParams(200));
  });

  it('MobileNet-like rows (3×3 / 5×5, stride 1 / 2, same padding) through the f32x4 loops', () => {
    fc.assert(fc.property(convCaseArb(mobile), checkAll), fcParams(100));
  });

  it('the entries are adjoint: ⟨forward(x), y⟩ = ⟨x, input(y)⟩ = ⟨w, weight(x, y)⟩', () => {
    fc.assert(fc.property(convCaseArb(fc.oneof(anyGeom, mobile)), (c) => {
      for (const [name, k] of [['ts', reference] as const, ...wasmPaths]) {
        const [y, dx, dw] = ENTRIES.map((e) => runConv(k, 'depthwise', e, c));
        const lhs = dot(y, c.y), scale = 1e-5 * (1 + dot(y.map(Math.abs), c.y.map(Math.abs)));
        assert.ok(Math.abs(lhs - dot(c.x, dx)) <= scale, `${name}: ⟨dw(x), y⟩ ${lhs} vs ⟨x, input(y)⟩ ${dot(c.x, dx)}`);
        assert.ok(Math.abs(lhs - dot(c.w, dw)) <= scale, `${name}: ⟨dw(x), y⟩ ${lhs} vs ⟨w, weight(x, y)⟩ ${dot(c.w, dw)}`);
      }
    }), fcParams(60));
  });

  it('a hand-computed case: 1 channel, multiplier 2, 3×3 input, 2×2 kernel, padding 1, stride 2', () => {
    // x = [[1,2,3],[4,5,6],[7,8,9]]; output 2×2; kernel 0 = [[1,0],[0,0]] picks the top-left tap,
    // kernel 1 = [[0,0],[0,1]] the bottom-right one
    const g: ConvGeom = { n: 1, cin: 1, cout: 2, groups: 1, h: 3, w: 3, ho: 2, wo: 2, kh: 2, kw: 2, sh: 2, sw: 2, ph: 1, pw: 1, dh: 1, dw: 1 };
    const c: ConvCase = { g, x: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), w: Float32Array.from([1, 0, 0, 0, 0, 0, 0, 1]), y: new Float32Array(8) };
    for (const k of [reference, simd, scalar, debug]) assert.deepEqual([...runConv(k, 'depthwise', 'forward', c)], [0, 0, 0, 5, 1, 3, 7, 9]);
  });

  it('rejects a geometry that is not depthwise', () => {
    const g: ConvGeom = { n: 1, cin: 2, cout: 2, groups: 1, h: 3, w: 3, ho: 3, wo: 3, kh: 1, kw: 1, sh: 1, sw: 1, ph: 0, pw: 0, dh: 1, dw: 1 };
    const c: ConvCase = { g, x: new Float32Array(18), w: new Float32Array(4), y: new Float32Array(18) };
    for (const k of [reference, simd]) assert.throws(() => runConv(k, 'depthwise', 'forward', c), /not a depthwise geometry/);
  });
});
