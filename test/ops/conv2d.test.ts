// conv2d / conv_transpose2d / conv2d_weight: hand-computed semantics where the math is subtle
// (cross-correlation, groups, dilation, asymmetric stride/padding, output_padding), the adjoint
// identities that tie the three ops together, banded im2col on a layer big enough to need several
// bands, and gradients of gradients (WGAN-GP's penalty) checked against finite differences.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../../src/tensor.js';
import { F } from '../../src/ops/index.js';
import { grad } from '../../src/autograd.js';
import { Rng } from '../../src/rng.js';
import { TILE_FLOATS, convColsFloats, convImages, convUnits } from '../../src/kernels/conv.js';
import { withBackend } from '../helpers/backends.js';
import { resultScope, setNumThreads, setResultPoison, useBackend } from '../../src/backend.js';

const t = (shape: number[], values: number[]) => Tensor.from(values, shape);
const arange = (shape: number[]) => Tensor.from(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i), shape);
const dot = (a: Tensor, b: Tensor) => a.data.reduce((s, v, i) => s + v * b.data[i], 0);

function near(act: Tensor, exp: Tensor | number[], shape?: number[], tol = 1e-5): void {
  const ref = Array.isArray(exp) ? exp : Array.from(exp.data);
  if (shape) assert.deepEqual(act.shape, shape);
  assert.equal(act.size, ref.length);
  const scale = Math.max(1, ...ref.map(Math.abs));
  act.data.forEach((v, i) => assert.ok(Math.abs(v - ref[i]) <= tol * scale, `element ${i}: ${v} vs ${ref[i]}`));
}

/** Direct 7-loop conv2d (FORMAT §3.3) as the reference. */
function convRef(x: Tensor, w: Tensor, s: [number, number], p: [number, number], d: [number, number], groups: number): Tensor {
  const [n, cin, h, wd] = x.shape, [cout, cg, kh, kw] = w.shape, og = cout / groups;
  const ho = Math.floor((h + 2 * p[0] - d[0] * (kh - 1) - 1) / s[0]) + 1, wo = Math.floor((wd + 2 * p[1] - d[1] * (kw - 1) - 1) / s[1]) + 1;
  const out = new Float32Array(n * cout * ho * wo);
  for (let b = 0; b < n; b++) for (let o = 0; o < cout; o++) for (let i = 0; i < ho; i++) for (let j = 0; j < wo; j++) {
    let acc = 0;
    const g = Math.floor(o / og);
    for (let c = 0; c < cg; c++) for (let u = 0; u < kh; u++) for (let v = 0; v < kw; v++) {
      const iy = i * s[0] - p[0] + u * d[0], ix = j * s[1] - p[1] + v * d[1];
      if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
      acc += w.data[((o * cg + c) * kh + u) * kw + v] * x.data[((b * cin + g * cg + c) * h + iy) * wd + ix];
    }
    out[((b * cout + o) * ho + i) * wo + j] = acc;
  }
  return new Tensor(out, [n, cout, ho, wo]);
}

test('conv2d is a cross-correlation (kernel not flipped), plus bias', () => {
  const x = arange([1, 1, 3, 3]).add(1); // 1..9
  const w = t([1, 1, 2, 2], [1, 0, 0, -1]);
  near(F.conv2d(x, w, t([1], [0.5])), [-3.5, -3.5, -3.5, -3.5], [1, 1, 2, 2]); // x[i,j] − x[i+1,j+1] + 0.5
});

test('conv2d groups: each output channel sees only its group (depthwise with multiplier 2)', () => {
  const x = t([1, 2, 1, 2], [1, 2, 10, 20]);
  const w = t([4, 1, 1, 1], [1, 2, 3, 4]); // channels 0,1 read x0; 2,3 read x1
  near(F.conv2d(x, w, null, { groups: 2 }), [1, 2, 2, 4, 30, 60, 40, 80], [1, 4, 1, 2]);
  const w3 = t([2, 1, 1, 2], [1, 1, 1, -1]); // groups=2, 1×2 kernel: sum and difference per channel
  near(F.conv2d(x, w3, null, { groups: 2 }), [3, -10], [1, 2, 1, 1]);
});

test('conv2d dilation, and non-square stride/padding', () => {
  const x = arange([1, 1, 5, 5]);
  const ones = Tensor.ones([1, 1, 2, 2]);
  // taps at (i, j), (i, j+2), (i+2, j), (i+2, j+2) of x = 5i + j: 4·x[i,j] + 2 + 10 + 12
  const exp = [0, 1, 2, 5, 6, 7, 10, 11, 12].map((v) => 4 * v + 24);
  near(F.conv2d(x, ones, null, { dilation: 2 }), exp, [1, 1, 3, 3]);
  // 1×1 identity, padding [1, 0], stride [2, 1]: rows read are −1 (pad), 1, 3 (pad bottom row of H=3).
  const x3 = arange([1, 1, 3, 2]);
  near(F.conv2d(x3, Tensor.ones([1, 1, 1, 1]), null, { stride: [2, 1], padding: [1, 0] }), [0, 0, 2, 3, 0, 0], [1, 1, 3, 2]);
});

test('conv2d matches the direct definition on mixed geometries', () => {
  const rng = new Rng(3);
  const geos: [number[], number[], [number, number], [number, number], [number, number], number][] = [
    [[2, 6, 7, 9], [6, 2, 3, 2], [2, 1], [1, 0], [1, 2], 3],
    [[1, 4, 6, 6], [4, 1, 3, 3], [1, 1], [1, 1], [1, 1], 4],
    [[2, 3, 5, 4], [5, 3, 1, 1], [1, 1], [0, 0], [1, 1], 1],
    [[1, 2, 9, 8], [3, 2, 2, 3], [3, 2], [1, 1], [2, 1], 1],
  ];
  for (const [xs, ws, s, p, d, groups] of geos) {
    const x = Tensor.randn(xs, { rng }), w = Tensor.randn(ws, { rng });
    near(F.conv2d(x, w, null, { stride: s, padding: p, dilation: d, groups }), convRef(x, w, s, p, d, groups), undefined, 1e-5);
  }
});

test('conv_transpose2d: stride scatters blocks, padding crops, output_padding adds bottom/right rows', () => {
  const x = t([1, 1, 2, 2], [1, 2, 3, 4]);
  const w = t([1, 1, 2, 2], [1, 10, 100, 1000]);
  const full = [1, 10, 2, 20, 100, 1000, 200, 2000, 3, 30, 4, 40, 300, 3000, 400, 4000];
  near(F.conv_transpose2d(x, w, null, { stride: 2 }), full, [1, 1, 4, 4]);
  near(F.conv_transpose2d(x, w, t([1], [1]), { stride: 2, padding: 1 }), [1001, 201, 31, 5], [1, 1, 2, 2]);
  // Ho = (2−1)·2 − 2 + 1 + 1 + 1 = 3: rows/cols 1..3 of the full 4×4 scatter.
  near(F.conv_transpose2d(x, w, t([1], [1]), { stride: 2, padding: 1, output_padding: 1 }), [1001, 201, 2001, 31, 5, 41, 3001, 401, 4001], [1, 1, 3, 3]);
  // Without padding, output_padding's extra bottom row / right column is reached by no input: bias only.
  const extra = Array.from({ length: 25 }, (_, k) => (k % 5 === 4 || k >= 20 ? 0 : full[Math.floor(k / 5) * 4 + (k % 5)]) + 1);
  near(F.conv_transpose2d(x, w, t([1], [1]), { stride: 2, output_padding: 1 }), extra, [1, 1, 5, 5]);
});

test('conv_transpose2d and conv2d_weight are the adjoints of conv2d (in x and in weight)', () => {
  const rng = new Rng(11);
  const geos = [
    { xs: [2, 4, 7, 6], ws: [6, 2, 3, 2], a: { stride: [2, 1], padding: [1, 0], dilation: [1, 2], groups: 2 } },
    { xs: [1, 3, 8, 8], ws: [6, 1, 3, 3], a: { stride: 3, padding: 1, dilation: 1, groups: 3 } },
    { xs: [2, 2, 5, 5], ws: [3, 2, 1, 1], a: { stride: 1, padding: 0, dilation: 1, groups: 1 } },
  ];
  for (const { xs, ws, a } of geos) {
    const x = Tensor.randn(xs, { rng }), w = Tensor.randn(ws, { rng });
    const y = F.conv2d(x, w, null, a);
    const r = Tensor.randn(y.shape, { rng });
    const [H, W] = xs.slice(2), [kh, kw] = ws.slice(2);
    const s = typeof a.stride === 'number' ? [a.stride, a.stride] : a.stride;
    const p = typeof a.padding === 'number' ? [a.padding, a.padding] : a.padding;
    const d = typeof a.dilation === 'number' ? [a.dilation, a.dilation] : a.dilation;
    const op = [H - ((y.shape[2] - 1) * s[0] - 2 * p[0] + d[0] * (kh - 1) + 1), W - ((y.shape[3] - 1) * s[1] - 2 * p[1] + d[1] * (kw - 1) + 1)];
    const xt = F.conv_transpose2d(r, w, null, { ...a, output_padding: op });
    assert.deepEqual(xt.shape, x.shape);
    const lhs = dot(y, r);
    assert.ok(Math.abs(lhs - dot(x, xt)) <= 1e-4 * Math.abs(lhs) + 1e-3, `⟨conv(x),r⟩ ${lhs} vs ⟨x,convT(r)⟩ ${dot(x, xt)}`);
    const gw = F.conv2d_weight(x, r, { ...a, kernel_size: [kh, kw] });
    assert.deepEqual(gw.shape, w.shape);
    assert.ok(Math.abs(lhs - dot(w, gw)) <= 1e-4 * Math.abs(lhs) + 1e-3, `⟨conv(x),r⟩ ${lhs} vs ⟨w,conv2d_weight(x,r)⟩ ${dot(w, gw)}`);
  }
});

test('big layers are computed in bands of output rows (bounded im2col) and stay exact across bands', () => {
  const rng = new Rng(5);
  const x = Tensor.randn([1, 64, 32, 512], { rng }), w = Tensor.randn([2, 64, 3, 3], { rng });
  const geom = { n: 1, cin: 64, h: 32, w: 512, cout: 2, ho: 32, wo: 512, groups: 1, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1 };
  assert.ok(convUnits('forward', geom) > 1, `expected several bands, got ${convUnits('forward', geom)}`);
  assert.ok(convColsFloats(geom) <= TILE_FLOATS, `a band of ${convColsFloats(geom)} floats exceeds the ${TILE_FLOATS} budget`);
  const y = F.conv2d(x, w, null, { padding: 1 });
  near(y, convRef(x, w, [1, 1], [1, 1], [1, 1], 1), undefined, 1e-5);
  const r = Tensor.randn(y.shape, { rng });
  const gw = F.conv2d_weight(x, r, { padding: 1, kernel_size: 3 });
  const xt = F.conv_transpose2d(r, w, null, { padding: 1 });
  const lhs = dot(y, r);
  assert.ok(Math.abs(lhs - dot(w, gw)) <= 1e-4 * Math.abs(lhs), 'conv2d_weight across bands');
  assert.ok(Math.abs(lhs - dot(x, xt)) <= 1e-4 * Math.abs(lhs), 'conv_transpose2d across bands');
});

for (const backend of ['ts', 'wasm'] as const) {
  for (const groups of [1, 2]) {
    test(`small outputs put several images in one band (DCGAN 14→7, groups ${groups}), and stay exact [${backend}]`, () => withBackend(backend, () => {
      const rng = new Rng(6), cin = 8 * groups;
      const x = Tensor.randn([23, cin, 14, 14], { rng }), w = Tensor.randn([16, 8, 4, 4], { rng });
      const geom = { n: 23, cin, h: 14, w: 14, cout: 16, ho: 7, wo: 7, groups, kh: 4, kw: 4, sh: 2, sw: 2, ph: 1, pw: 1, dh: 1, dw: 1 };
      assert.ok(convImages(geom) > 1 && convImages(geom) < 23, `images per band: ${convImages(geom)}`);
      assert.equal(convUnits('forward', geom), Math.ceil(23 / convImages(geom)) * groups, 'a last, partial band of images');
      const a = { stride: 2, padding: 1, groups };
      const y = F.conv2d(x, w, null, a);
      near(y, convRef(x, w, [2, 2], [1, 1], [1, 1], groups), undefined, 1e-5);
      const r = Tensor.randn(y.shape, { rng });
      const gw = F.conv2d_weight(x, r, { ...a, kernel_size: 4 });
      const xt = F.conv_transpose2d(r, w, null, a);
      const lhs = dot(y, r);
      assert.ok(Math.abs(lhs - dot(w, gw)) <= 1e-4 * Math.abs(lhs), 'conv2d_weight over bands of images');
      assert.ok(Math.abs(lhs - dot(x, xt)) <= 1e-4 * Math.abs(lhs), 'conv_transpose2d over bands of images');
    }));
  }
}

test('conv errors name the op and both shapes', () => {
  const x = Tensor.zeros([1, 3, 8, 8]);
  assert.throws(() => F.conv2d(x, Tensor.zeros([16, 4, 3, 3])), { message: 'conv2d: input [1, 3, 8, 8] has 3 channels but weight [16, 4, 3, 3] expects 4 (groups=1)' });
  assert.throws(() => F.conv2d(x, Tensor.zeros([4, 3, 9, 9])), /conv2d: input \[1, 3, 8, 8\] and weight \[4, 3, 9, 9\] give an empty output/);
  assert.throws(() => F.conv2d(Tensor.zeros([3, 8, 8]), Tensor.zeros([4, 3, 3, 3])), /conv2d: expected 4-D/);
  assert.throws(() => F.conv2d(Tensor.zeros([1, 4, 8, 8]), Tensor.zeros([3, 2, 3, 3]), null, { groups: 2 }), /not divisible by groups=2/);
  assert.throws(() => F.conv2d(x, Tensor.zeros([4, 3, 3, 3]), null, { stride: 0 }), RangeError);
  assert.throws(() => F.conv2d(x, Tensor.zeros([4, 3, 3, 3]), null, { padding: NaN }), RangeError);
  assert.throws(() => F.conv2d(x, Tensor.zeros([4, 3, 3, 3]), Tensor.zeros([3])), /conv2d: bias \[3\]/);
  assert.throws(() => F.conv_transpose2d(x, Tensor.zeros([4, 2, 3, 3])), /conv_transpose2d: input \[1, 3, 8, 8\] has 3 channels but weight \[4, 2, 3, 3\]/);
  assert.throws(() => F.conv_transpose2d(x, Tensor.zeros([3, 2, 3, 3]), null, { stride: 2, output_padding: 2 }), /output_padding/);
  assert.throws(() => F.conv2d_weight(x, Tensor.zeros([1, 4, 5, 5]), { kernel_size: 3 }), /conv2d_weight: .* gives 6×6, not 5×5/);
});

test('first-order gradients: conv2d backward equals the adjoint ops; bias gets Σ dy', () => {
  const rng = new Rng(2);
  const x = Tensor.randn([2, 4, 6, 5], { rng, requiresGrad: true }), w = Tensor.randn([6, 2, 3, 3], { rng, requiresGrad: true });
  const b = Tensor.randn([6], { rng, requiresGrad: true });
  const a = { stride: 2, padding: 1, groups: 2 };
  const y = F.conv2d(x, w, b, a);
  const dy = Tensor.randn(y.shape, { rng });
  y.backward(dy);
  near(x.grad!, F.conv_transpose2d(dy, w.detach(), null, { ...a, output_padding: [1, 0] }));
  near(w.grad!, F.conv2d_weight(x.detach(), dy, { ...a, kernel_size: 3 }));
  near(b.grad!, F.sum(dy, { dim: [0, 2, 3] }), undefined, 1e-5);
});

/** Central differences of a scalar function of `ts` (every element of every tensor). */
function numericGrads(f: () => number, ts: Tensor[], eps = 1e-2): Float64Array[] {
  return ts.map((tt) => {
    const g = new Float64Array(tt.size);
    for (let i = 0; i < tt.size; i++) {
      const o = tt.data[i];
      tt.data[i] = o + eps;
      const up = f();
      tt.data[i] = o - eps;
      const down = f();
      tt.data[i] = o;
      g[i] = (up - down) / (2 * eps);
    }
    return g;
  });
}

function assertGradsClose(an: Tensor[], num: Float64Array[], what: string): void {
  an.forEach((g, k) => {
    const scale = Math.max(...num[k].map(Math.abs));
    assert.ok(scale > 1e-3, `${what}: numeric gradient ${k} is ~0, the check would be vacuous`);
    g.data.forEach((v, i) => assert.ok(Math.abs(v - num[k][i]) <= 1e-2 * scale + 1e-3, `${what}, tensor ${k} element ${i}: analytic ${v}, numeric ${num[k][i]}`));
  });
}

test('double backward (WGAN-GP): ∂/∂(x, θ) of ‖∂s/∂x‖² through conv2d → tanh → conv_transpose2d', () => {
  const rng = new Rng(9);
  const x = Tensor.randn([1, 2, 5, 4], { rng, requiresGrad: true });
  const w1 = Tensor.randn([4, 1, 3, 2], { rng, std: 0.4, requiresGrad: true });
  const b1 = Tensor.randn([4], { rng, std: 0.3, requiresGrad: true });
  const w2 = Tensor.randn([4, 3, 2, 3], { rng, std: 0.4, requiresGrad: true });
  let u: Tensor | null = null;
  const penalty = () => {
    const h = F.tanh(F.conv2d(x, w1, b1, { padding: [1, 0], groups: 2, dilation: [1, 2] }));
    const y = F.conv_transpose2d(h, w2, null, { stride: [2, 3], padding: [1, 0], output_padding: [1, 2] });
    u ??= Tensor.randn(y.shape, { rng });
    const [gx] = grad(F.sum(F.mul(y, u!)), [x], { createGraph: true, retainGraph: true });
    return F.sum(F.mul(gx!, gx!));
  };
  const p = penalty();
  const params = [x, w1, b1, w2];
  const an = grad(p, params);
  assertGradsClose(an as Tensor[], numericGrads(() => penalty().item(), params), 'WGAN-GP penalty');
});

test('double backward through conv2d_weight: ∂/∂(x, w2) of ‖∂s/∂w1‖²', () => {
  const rng = new Rng(4);
  const x = Tensor.randn([2, 2, 5, 5], { rng, requiresGrad: true });
  const w1 = Tensor.randn([3, 2, 2, 2], { rng, std: 0.5, requiresGrad: true });
  const w2 = Tensor.randn([2, 3, 3, 3], { rng, std: 0.4, requiresGrad: true });
  let u: Tensor | null = null;
  const penalty = () => {
    const h = F.tanh(F.conv2d(x, w1, null, { stride: 2, padding: 1 }));
    const y = F.conv2d(h, w2, null, { padding: 0 });
    u ??= Tensor.randn(y.shape, { rng });
    const [g] = grad(F.sum(F.mul(y, u!)), [w1], { createGraph: true, retainGraph: true });
    return F.sum(F.mul(g!, g!));
  };
  const params = [x, w1, w2];
  const an = grad(penalty(), params);
  assertGradsClose(an as Tensor[], numericGrads(() => penalty().item(), params), '‖∂s/∂w1‖²');
});

test('conv_transpose2d backward refuses output_padding ≥ stride (needs a crop op) instead of a wrong shape', () => {
  const x = Tensor.randn([1, 1, 3, 3], { requiresGrad: true });
  const y = F.conv_transpose2d(x, Tensor.randn([1, 1, 2, 2]), null, { stride: 1, dilation: 2, output_padding: 1 });
  assert.deepEqual(y.shape, [1, 1, 6, 6]);
  assert.throws(() => y.backward(Tensor.ones(y.shape)), /output_padding .* not supported/);
});

// Op results are not zeroed (src/backend.ts resultArray): every conv entry must write its whole
// output — grouped and depthwise ones included, which the oracle suite does not cover — in plain
// arrays and in a result scope's blocks, on every backend and thread count.
test('grouped and depthwise convs write every output element (new results poisoned with NaN, plain and scoped)', () => {
  const rng = new Rng(8);
  const cases = [
    { x: [2, 8, 20, 20], w: [16, 1, 3, 3], a: { groups: 8, padding: 1, stride: 2 } },
    { x: [2, 8, 20, 20], w: [8, 1, 3, 3], a: { groups: 8, padding: 1, stride: 1 } },
    { x: [3, 6, 9, 9], w: [6, 3, 3, 3], a: { groups: 2, padding: 1, stride: 2 } },
  ];
  try {
    for (const [backend, threads] of [['ts', 1], ['wasm', 1], ['wasm', 2]] as const) {
      useBackend(backend);
      setNumThreads(threads);
      for (const c of cases) {
        const x = Tensor.randn(c.x, { rng }), w = Tensor.randn(c.w, { rng });
        const run = () => {
          const y = F.conv2d(x, w, null, c.a), r = Tensor.ones([...y.shape]);
          return [y, F.conv_transpose2d(r, w, null, c.a), F.conv2d_weight(x, r, { ...c.a, kernel_size: 3 })].map((t) => Array.from(t.data));
        };
        setResultPoison(false);
        const plain = run();
        setResultPoison(true);
        assert.deepEqual(run(), plain, `${backend}/${threads} ${JSON.stringify(c.a)}: poisoned`);
        assert.deepEqual(resultScope(run), plain, `${backend}/${threads} ${JSON.stringify(c.a)}: poisoned, in a result scope`);
      }
    }
  } finally {
    setResultPoison(false);
    setNumThreads(1);
    useBackend('ts');
  }
});
