// max_pool2d and max_pool2d_backward: TS reference vs WASM SIMD / scalar / relaxed / debug, bit for
// bit (values and float argmax; the scatter's sums): random geometries (kernel, stride, padding,
// dilation), the 2×2 stride-2 pool the SIMD path takes (widths around its 8-column step, odd sizes),
// special values — NaN wins (the last of several), −∞ and ties keep the first position, −0 and +0 are
// kept as found — and the scatter's overlapping windows, skipped −1 indices and reported bad ones.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Kernels } from '../../src/kernels/index.js';
import type { MaxPoolGeom } from '../../src/kernels/max_pool2d.js';
import { poolOut } from '../../src/ops/_conv.js';
import { fcParams, reference, wasmPaths } from './paths.js';

function run(k: Kernels, g: MaxPoolGeom, x: Float32Array): { out: Float32Array; arg: Float32Array } {
  const n = g.planes * g.ho * g.wo, out = new Float32Array(n).fill(7), arg = new Float32Array(n).fill(7);
  k.max_pool2d(x, g, out, arg);
  return { out, arg };
}

const special = fc.constantFrom(NaN, -Infinity, Infinity, 0, -0, 1, 1, -1);
const values = (n: number) => fc.array(fc.oneof({ weight: 3, arbitrary: fc.float({ min: -4, max: 4, noNaN: true }) }, { weight: 1, arbitrary: special }), { minLength: n, maxLength: n }).map((a) => Float32Array.from(a));

const generalGeom = fc.record({
  planes: fc.integer({ min: 1, max: 3 }), h: fc.integer({ min: 1, max: 11 }), w: fc.integer({ min: 1, max: 13 }),
  kh: fc.integer({ min: 1, max: 3 }), kw: fc.integer({ min: 1, max: 3 }), sh: fc.integer({ min: 1, max: 3 }), sw: fc.integer({ min: 1, max: 3 }),
  dh: fc.integer({ min: 1, max: 2 }), dw: fc.integer({ min: 1, max: 2 }), ceil: fc.boolean(), pad: fc.boolean(),
}).map(({ planes, h, w, kh, kw, sh, sw, dh, dw, ceil, pad }): MaxPoolGeom => {
  const ph = pad ? Math.floor(kh / 2) : 0, pw = pad ? Math.floor(kw / 2) : 0;
  return { planes, h, w, kh, kw, sh, sw, ph, pw, dh, dw, ho: poolOut(h, kh, sh, ph, dh, ceil), wo: poolOut(w, kw, sw, pw, dw, ceil) };
}).filter((g) => g.ho > 0 && g.wo > 0);

// the SIMD path: 2×2 stride 2, widths around 8 columns per 4 outputs
const plain2x2 = fc.record({ planes: fc.integer({ min: 1, max: 3 }), h: fc.integer({ min: 2, max: 9 }), w: fc.oneof(fc.integer({ min: 2, max: 40 }), fc.constantFrom(7, 8, 9, 15, 16, 17, 24, 25)) })
  .map(({ planes, h, w }): MaxPoolGeom => ({ planes, h, w, ho: h >> 1, wo: w >> 1, kh: 2, kw: 2, sh: 2, sw: 2, ph: 0, pw: 0, dh: 1, dw: 1 }));

const caseArb = (geom: fc.Arbitrary<MaxPoolGeom>) => geom.chain((g) => fc.record({ g: fc.constant(g), x: values(g.planes * g.h * g.w) }));

function check({ g, x }: { g: MaxPoolGeom; x: Float32Array }): void {
  const ref = run(reference, g, x);
  for (const [name, k] of wasmPaths) assert.deepEqual(run(k, g, x), ref, `${name} ${JSON.stringify(g)}`);
}

describe('max_pool2d property: TS reference vs WASM', () => {
  it('random geometries (kernel, stride, padding, dilation, ceil mode) and special values: bit-identical values and argmax', () => {
    fc.assert(fc.property(caseArb(generalGeom), check), fcParams(200));
  });

  it('the 2×2 stride-2 pool (the SIMD path) over widths around its 8-column step: bit-identical', () => {
    fc.assert(fc.property(caseArb(plain2x2), check), fcParams(200));
  });

  it('the backward scatter of the forward\'s argmax (overlapping windows add up): bit-identical; a bad index is reported at the same position', () => {
    const withDy = caseArb(generalGeom).chain((c) => fc.record({ c: fc.constant(c), dy: values(c.g.planes * c.g.ho * c.g.wo).map((a) => a.map((v) => (Number.isFinite(v) ? v : 1))), bad: fc.option(fc.tuple(fc.nat(), fc.constantFrom(NaN, 0.5, -2, 1e9)), { nil: null }) }));
    fc.assert(fc.property(withDy, ({ c, dy, bad }) => {
      const g = c.g, howo = g.ho * g.wo, hw = g.h * g.w, idx = run(reference, g, c.x).arg;
      if (bad !== null) idx[bad[0] % idx.length] = bad[1];
      const scatter = (k: Kernels) => {
        const out = new Float32Array(g.planes * hw).fill(7);
        return { at: k.max_pool2d_backward(dy, idx, g.planes, howo, hw, out), out };
      };
      const ref = scatter(reference);
      assert.equal(ref.at, bad === null ? -1 : bad[0] % idx.length, 'the reference reports the planted index');
      for (const [name, k] of wasmPaths) {
        const got = scatter(k);
        assert.equal(got.at, ref.at, `${name} ${JSON.stringify(g)}: bad index position`);
        if (ref.at < 0) assert.deepEqual(got.out, ref.out, `${name} ${JSON.stringify(g)}`);
      }
    }), fcParams(200));
  });

  it('by hand: the maximum and its index, NaN wins (the last one), ties and −∞ keep the first position', () => {
    const g: MaxPoolGeom = { planes: 1, h: 2, w: 10, ho: 1, wo: 5, kh: 2, kw: 2, sh: 2, sw: 2, ph: 0, pw: 0, dh: 1, dw: 1 };
    // windows (top-left, top-right, bottom-left, bottom-right): [1,5,2,3] [NaN,4,NaN,0] [2,2,2,2] [−∞ ×4] [0,−1,9,−0]
    const x = Float32Array.of(1, 5, NaN, 4, 2, 2, -Infinity, -Infinity, 0, -1, 2, 3, NaN, 0, 2, 2, -Infinity, -Infinity, 9, -0);
    for (const [name, k] of [['ts', reference] as const, ...wasmPaths]) {
      const { out, arg } = run(k, g, x);
      assert.deepEqual([...out], [5, NaN, 2, -Infinity, 9], `${name} values`);
      assert.deepEqual([...arg], [1, 12, 4, 6, 18], `${name} argmax`);
    }
  });
});
