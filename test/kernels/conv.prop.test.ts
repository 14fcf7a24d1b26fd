// conv: the conv-level entries (src/kernels/conv.ts band loops; WASM: operands copied in once, the
// loops run on pointers) — TS reference vs WASM SIMD / scalar / debug on random geometries with
// batches, groups, strides, padding, dilation and 1×1 (pointwise) convs, within a rounding bound
// derived from Σ|terms|; plus the adjoint identities and a multi-band layer.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { convColsFloats, convRows, convSizes, TILE_FLOATS, type ConvGeom } from '../../src/kernels/conv.js';
import { convOut } from '../../src/ops/_conv.js';
import { Rng } from '../../src/rng.js';
import { convBound, convCaseArb, convGeomArb, ENTRIES, expectWithin, fcParams, reference, runConv, wasmPaths, type ConvCase } from './paths.js';

const chans = fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 5 }));
const pointwise = convGeomArb(chans).map((g): ConvGeom => ({ ...g, kh: 1, kw: 1, sh: 1, sw: 1, ph: 0, pw: 0, ho: g.h, wo: g.w }));

// dense: the kernel covers the whole unpadded image (1×1 output), batches up to 5, any stride
const dense = fc.record({
  n: fc.integer({ min: 1, max: 5 }), cin: fc.integer({ min: 1, max: 5 }), cout: fc.integer({ min: 1, max: 9 }),
  h: fc.integer({ min: 1, max: 7 }), w: fc.integer({ min: 1, max: 7 }), sh: fc.integer({ min: 1, max: 3 }),
}).map(({ n, cin, cout, h, w, sh }): ConvGeom => ({ n, cin, h, w, cout, ho: 1, wo: 1, groups: 1, kh: h, kw: w, sh, sw: sh, ph: 0, pw: 0, dh: 1, dw: 1 }));

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i], 0);

function checkAll(c: ConvCase): void {
  for (const entry of ENTRIES) {
    const ref = runConv(reference, 'conv', entry, c), bound = convBound('conv', entry, c);
    for (const [name, k] of wasmPaths) expectWithin(runConv(k, 'conv', entry, c), ref, bound, `${name} conv ${entry} ${JSON.stringify(c.g)}`);
  }
}

describe('conv property: TS reference vs WASM', () => {
  it('random geometries (groups, batch, stride, padding, dilation): every entry on every path', () => {
    fc.assert(fc.property(convCaseArb(convGeomArb(chans)), checkAll), fcParams(150));
  });

  it('pointwise 1×1 convs (the image is the column matrix)', () => {
    fc.assert(fc.property(convCaseArb(pointwise), checkAll), fcParams(40));
  });

  it('dense convs (kernel = the whole image, 1×1 output: one product over the batch)', () => {
    fc.assert(fc.property(convCaseArb(dense), checkAll), fcParams(40));
  });

  it('the forward\'s bias: y = float32(conv(x) + b[channel]) bit for bit, on every path and geometry kind; only the forward takes one', () => {
    const anyGeom = fc.oneof(convGeomArb(chans), pointwise, dense);
    fc.assert(fc.property(convCaseArb(anyGeom), fc.integer({ min: 0, max: 1000 }), (c, seed) => {
      const rng = new Rng(seed), bias = Float32Array.from({ length: c.g.cout }, () => rng.random() * 4 - 2);
      const plane = c.g.ho * c.g.wo;
      for (const [name, k] of [['ts', reference] as const, ...wasmPaths]) {
        const y = runConv(k, 'conv', 'forward', c), yb = new Float32Array(y.length).fill(NaN);
        k.conv('forward', c.x, c.w, c.g, yb, bias);
        const want = y.map((v, i) => v + bias[Math.floor(i / plane) % c.g.cout]);
        assert.deepEqual(yb, want, `${name} ${JSON.stringify(c.g)}`);
      }
    }), fcParams(80));
    for (const [name, k] of [['ts', reference] as const, ...wasmPaths]) {
      const g: ConvGeom = { n: 1, cin: 2, h: 3, w: 3, cout: 2, ho: 3, wo: 3, groups: 1, kh: 1, kw: 1, sh: 1, sw: 1, ph: 0, pw: 0, dh: 1, dw: 1 };
      assert.throws(() => k.conv('input', new Float32Array(18), new Float32Array(4), g, new Float32Array(18), new Float32Array(2)), /bias belongs to/, name);
    }
  });

  it('the entries are adjoint: ⟨forward(x), y⟩ = ⟨x, input(y)⟩ = ⟨w, weight(x, y)⟩ on every path', () => {
    fc.assert(fc.property(convCaseArb(convGeomArb(chans)), (c) => {
      for (const [name, k] of [['ts', reference] as const, ...wasmPaths]) {
        const [y, dx, dw] = ENTRIES.map((e) => runConv(k, 'conv', e, c));
        const lhs = dot(y, c.y), scale = 1e-5 * (1 + Math.abs(lhs) + dot(y.map(Math.abs), c.y.map(Math.abs)));
        assert.ok(Math.abs(lhs - dot(c.x, dx)) <= scale, `${name}: ⟨conv(x), y⟩ ${lhs} vs ⟨x, input(y)⟩ ${dot(c.x, dx)}`);
        assert.ok(Math.abs(lhs - dot(c.w, dw)) <= scale, `${name}: ⟨conv(x), y⟩ ${lhs} vs ⟨w, weight(x, y)⟩ ${dot(c.w, dw)}`);
      }
    }), fcParams(60));
  });

  it('columns packed straight from x (stride 1 along w, K ≥ 64: the forward with Wo % 8 = 0, the weight gradient with Wo % 4 = 0), the weight packed once per group', () => {
    // Wo ∈ {4, 8, …, 24} (multiples of 8: the forward's direct packing; of 4: the weight gradient's) fixes W
    // from the kernel, padding and dilation; groups = 2 gives a share two
    // units, so the pre-packed weight is repacked when the group changes.
    const direct = fc.record({
      groups: fc.integer({ min: 1, max: 2 }), cg: fc.integer({ min: 4, max: 9 }), og: fc.integer({ min: 1, max: 6 }),
      kh: fc.integer({ min: 3, max: 4 }), kw: fc.integer({ min: 3, max: 5 }), wo: fc.constantFrom(4, 8, 12, 16, 20, 24),
      h: fc.integer({ min: 1, max: 12 }), sh: fc.integer({ min: 1, max: 3 }), ph: fc.integer({ min: 0, max: 2 }), pw: fc.integer({ min: 0, max: 2 }),
      dh: fc.integer({ min: 1, max: 2 }), dw: fc.integer({ min: 1, max: 2 }),
    }).map(({ groups, cg, og, wo, ...r }): ConvGeom => {
      const w = wo - 1 + r.dw * (r.kw - 1) + 1 - 2 * r.pw, ho = Math.floor((r.h + 2 * r.ph - r.dh * (r.kh - 1) - 1) / r.sh) + 1;
      return { n: 1, cin: groups * cg, cout: groups * og, groups, ...r, w, wo, ho, sw: 1 };
    }).filter((g) => g.w >= 1 && g.ho >= 1 && (g.cin / g.groups) * g.kh * g.kw >= 64);
    fc.assert(fc.property(convCaseArb(direct), (c) => {
      for (const entry of ENTRIES) {
        const ref = runConv(reference, 'conv', entry, c), bound = convBound('conv', entry, c);
        for (const [name, k] of wasmPaths) expectWithin(runConv(k, 'conv', entry, c), ref, bound, `${name} ${entry} ${JSON.stringify(c.g)}`);
      }
    }), fcParams(60));
    // Several bands of rows in one share (64 rows each here): the weight packed once serves them all.
    const g: ConvGeom = { n: 1, cin: 16, h: 150, w: 9, cout: 5, ho: convOut(150, 4, 1, 1, 1), wo: convOut(9, 4, 1, 1, 1), groups: 1, kh: 4, kw: 4, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1 };
    assert.ok(g.wo === 8 && 2 * convRows(g) < g.ho, 'three bands of 8-wide rows');
    const rng = new Rng(5), r = (n: number) => Float32Array.from({ length: n }, () => rng.random() * 2 - 1);
    const s = convSizes(g), c: ConvCase = { g, x: r(s.x), w: r(s.w), y: r(s.y) };
    for (const entry of ENTRIES) {
      const ref = runConv(reference, 'conv', entry, c), bound = convBound('conv', entry, c);
      for (const [name, k] of wasmPaths) expectWithin(runConv(k, 'conv', entry, c), ref, bound, `${name} ${entry} several bands`);
    }
  });

  it('the forward with at most 3 output channels per group (stride 1, no dilation: taps straight from padded rows of x), its bias too', () => {
    // Wo around the 8-column step (1 … 7, 8, 9, 17 …), kernels up to 9×9 and wider than the image
    const few = fc.record({
      groups: fc.integer({ min: 1, max: 2 }), cg: fc.integer({ min: 1, max: 8 }), og: fc.integer({ min: 1, max: 3 }),
      h: fc.integer({ min: 1, max: 20 }), w: fc.integer({ min: 1, max: 26 }),
      kh: fc.integer({ min: 1, max: 9 }), kw: fc.integer({ min: 1, max: 9 }), ph: fc.integer({ min: 0, max: 4 }), pw: fc.integer({ min: 0, max: 4 }),
    }).map(({ groups, cg, og, ...r }): ConvGeom => ({
      n: 1, cin: groups * cg, cout: groups * og, groups, ...r, sh: 1, sw: 1, dh: 1, dw: 1,
      ho: convOut(r.h, r.kh, 1, r.ph, 1), wo: convOut(r.w, r.kw, 1, r.pw, 1),
    })).filter((g) => g.ho >= 1 && g.wo >= 1);
    fc.assert(fc.property(convCaseArb(few), fc.integer({ min: 0, max: 1000 }), (c, seed) => {
      const rng = new Rng(seed), bias = Float32Array.from({ length: c.g.cout }, () => rng.random() * 4 - 2);
      const ref = runConv(reference, 'conv', 'forward', c), bound = convBound('conv', 'forward', c), plane = c.g.ho * c.g.wo;
      for (const [name, k] of wasmPaths) {
        const y = runConv(k, 'conv', 'forward', c);
        expectWithin(y, ref, bound, `${name} ${JSON.stringify(c.g)}`);
        const yb = new Float32Array(y.length).fill(NaN);
        k.conv('forward', c.x, c.w, c.g, yb, bias);
        assert.deepEqual(yb, y.map((v, i) => v + bias[Math.floor(i / plane) % c.g.cout]), `${name} bias ${JSON.stringify(c.g)}`);
      }
    }), fcParams(80));
  });

  it('the weight gradient with fewer taps than output channels (a first layer): unpacked dot products (gemmDots) over bands of ≥ 64 columns, else gemm', () => {
    // batches up to 3 (small outputs put several images in one band), groups, strides and padding;
    // og from 8 to 40 (4-row tiles and the rows past them), taps odd or even (2-column tiles and a last
    // column), band widths below and above 64 and off multiples of 4 (the k tail)
    const narrow = fc.record({
      n: fc.integer({ min: 1, max: 3 }), groups: fc.integer({ min: 1, max: 2 }), cg: fc.integer({ min: 1, max: 3 }), og: fc.integer({ min: 8, max: 40 }),
      h: fc.integer({ min: 1, max: 24 }), w: fc.integer({ min: 1, max: 24 }), kh: fc.integer({ min: 1, max: 3 }), kw: fc.integer({ min: 1, max: 3 }),
      sh: fc.integer({ min: 1, max: 2 }), sw: fc.integer({ min: 1, max: 2 }), ph: fc.integer({ min: 0, max: 1 }), pw: fc.integer({ min: 0, max: 1 }),
    }).map(({ groups, cg, og, ...r }): ConvGeom => ({
      ...r, cin: groups * cg, cout: groups * og, groups, dh: 1, dw: 1,
      ho: convOut(r.h, r.kh, r.sh, r.ph, 1), wo: convOut(r.w, r.kw, r.sw, r.pw, 1),
    })).filter((g) => g.ho >= 1 && g.wo >= 1 && (g.cin / g.groups) * g.kh * g.kw < g.cout / g.groups);
    fc.assert(fc.property(convCaseArb(narrow), (c) => {
      const ref = runConv(reference, 'conv', 'weight', c), bound = convBound('conv', 'weight', c);
      for (const [name, k] of wasmPaths) expectWithin(runConv(k, 'conv', 'weight', c), ref, bound, `${name} ${JSON.stringify(c.g)}`);
    }), fcParams(60));
    // several bands of rows accumulating into dW, 27 taps (a last odd column) and 30 output channels
    // (rows past the last 4-row tile), each band 48 rows of 100 columns
    const g: ConvGeom = { n: 1, cin: 3, h: 100, w: 100, cout: 30, ho: 100, wo: 100, groups: 1, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1 };
    assert.equal(convRows(g), 48);
    const rng = new Rng(5), r = (n: number) => Float32Array.from({ length: n }, () => rng.random() * 2 - 1);
    const s = convSizes(g), c: ConvCase = { g, x: r(s.x), w: r(s.w), y: r(s.y) };
    const ref = runConv(reference, 'conv', 'weight', c), bound = convBound('conv', 'weight', c);
    for (const [name, k] of wasmPaths) expectWithin(runConv(k, 'conv', 'weight', c), ref, bound, `${name} three bands`);
  });

  it('layers of several column bands (K·Ho·Wo > TILE_FLOATS): batch 2 with 2 groups and stride 2, and stride 1', () => {
    const strided: ConvGeom = { n: 2, cin: 128, h: 260, w: 130, cout: 4, ho: 130, wo: 65, groups: 2, kh: 3, kw: 3, sh: 2, sw: 2, ph: 1, pw: 1, dh: 1, dw: 1 };
    const plain: ConvGeom = { ...strided, n: 1, cin: 64, h: 72, groups: 1, sh: 1, sw: 1, ho: 72, wo: 130 };
    const rng = new Rng(3), r = (n: number) => Float32Array.from({ length: n }, () => rng.random() * 2 - 1);
    for (const g of [strided, plain]) {
      const cols = (g.cin / g.groups) * 9 * g.ho * g.wo;
      assert.ok(cols > TILE_FLOATS && convColsFloats(g) <= TILE_FLOATS, `several bands: ${cols} column floats`);
      const c: ConvCase = { g, x: r(g.n * g.cin * g.h * g.w), w: r(g.cout * (g.cin / g.groups) * 9), y: r(g.n * g.cout * g.ho * g.wo) };
      for (const entry of ENTRIES) {
        const ref = runConv(reference, 'conv', entry, c), bound = convBound('conv', entry, c);
        expectWithin(runConv(wasmPaths[0][1], 'conv', entry, c), ref, bound, `${wasmPaths[0][0]} conv ${entry} ${JSON.stringify(g)}`);
      }
    }
  });
});
