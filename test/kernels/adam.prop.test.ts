// adam: TS reference vs WASM SIMD / scalar / debug. Every operation rounds to float32 in the same
// order on every path (no FMA), so the results must be bit-identical — for random lengths around the
// f32x4 width, with and without weight decay and AMSGrad, and for a NaN gradient.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Kernels } from '../../src/kernels/index.js';
import { f32Array } from '../helpers/arb.js';
import { fcParams, reference, wasmPaths } from './paths.js';

interface Case {
  p: Float32Array; g: Float32Array; m: Float32Array; v: Float32Array; vmax: Float32Array | null;
  scalars: [number, number, number, number, number, number, number, number];
}

function run(k: Kernels, c: Case): Float32Array[] {
  const [p, m, v] = [c.p.slice(), c.m.slice(), c.v.slice()], vmax = c.vmax?.slice() ?? null;
  k.adam(p, c.g, m, v, vmax, p.length, ...c.scalars);
  return vmax === null ? [p, m, v] : [p, m, v, vmax];
}

const f = Math.fround;
const caseArb = fc.integer({ min: 0, max: 37 }).chain((n) => fc.record({
  p: f32Array(n), g: f32Array(n), m: f32Array(n),
  v: f32Array(n).map((a) => a.map(Math.abs)),
  vmax: fc.option(f32Array(n).map((a) => a.map(Math.abs)), { nil: null }),
  beta1: fc.double({ min: 0, max: 0.99, noNaN: true }),
  beta2: fc.double({ min: 0.5, max: 0.9999, noNaN: true }),
  lr: fc.double({ min: 1e-5, max: 1, noNaN: true }),
  eps: fc.constantFrom(1e-8, 1e-3, 0.5),
  wd: fc.constantFrom(0, 0.1),
  t: fc.integer({ min: 1, max: 1000 }),
})).map((r): Case => ({
  p: r.p, g: r.g, m: r.m, v: r.v, vmax: r.vmax,
  scalars: [f(r.beta1), f(1 - r.beta1), f(r.beta2), f(1 - r.beta2), f(-r.lr / (1 - r.beta1 ** r.t)), f(Math.sqrt(1 - r.beta2 ** r.t)), f(r.eps), f(r.wd)],
}));

describe('adam property: TS reference vs WASM', () => {
  it('random lengths, hyper-parameters, weight decay and AMSGrad: bit-identical p, m, v, vmax', () => {
    fc.assert(fc.property(caseArb, (c) => {
      const ref = run(reference, c);
      for (const [name, k] of wasmPaths) assert.deepEqual(run(k, c), ref, `${name} n=${c.p.length}`);
    }), fcParams(200));
  });

  it('one element by hand: m = 0.1·g, v = 0.001·g², p moves by lr·m̂/(sqrt(v̂)+eps)', () => {
    // β1 0.9, β2 0.999, lr 0.1, t = 1: bias correction makes the move lr·g/(|g| + eps) = 0.1·2/(2 + 1e-8).
    const c: Case = { p: Float32Array.of(1), g: Float32Array.of(2), m: Float32Array.of(0), v: Float32Array.of(0), vmax: null,
      scalars: [f(0.9), f(0.1), f(0.999), f(1 - 0.999), f(-0.1 / 0.1), f(Math.sqrt(0.001)), f(1e-8), 0] };
    for (const [name, k] of [['ts', reference] as const, ...wasmPaths]) {
      const [p, m, v] = run(k, c);
      assert.ok(Math.abs(m[0] - 0.2) < 1e-7, `${name} m ${m[0]}`);
      assert.ok(Math.abs(v[0] - 0.004) < 1e-9, `${name} v ${v[0]}`);
      assert.ok(Math.abs(p[0] - 0.9) < 1e-6, `${name} p ${p[0]}`);
    }
  });

  it('a NaN gradient makes p, m and v NaN on every path (no silent skip)', () => {
    const c: Case = { p: new Float32Array(9).fill(1), g: new Float32Array(9).fill(NaN), m: new Float32Array(9), v: new Float32Array(9), vmax: new Float32Array(9),
      scalars: [f(0.5), f(0.5), f(0.9), f(0.1), f(-0.01), 1, f(1e-8), 0] };
    for (const [name, k] of [['ts', reference] as const, ...wasmPaths]) {
      for (const arr of run(k, c)) assert.ok(arr.every(Number.isNaN), name);
    }
  });
});
