// Semantics of batch_norm and instance_norm against plain float64 references written from the
// formulas (FORMAT §3.3): forward, gradients (central differences of the float64 reference),
// in-place running statistics, eval mode, second-order gradients, and shape/attr errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../../src/tensor.js';
import { F } from '../../src/ops/index.js';
import { grad } from '../../src/autograd.js';
import { Rng } from '../../src/rng.js';

const rng = new Rng(11);
/** float32-representable N(shift, scale²) values (what the op sees is exactly what the reference sees). */
const randn = (n: number, scale = 1, shift = 0): number[] => Array.from({ length: n }, () => Math.fround(shift + scale * rng.normal(0, 1)));
const t = (v: number[], shape: number[], requiresGrad = false) => new Tensor(Float32Array.from(v), shape, requiresGrad);

/** err ≤ atol + rtol·max|ref| (the oracle's rule), atol relative to the reference's scale. */
function close(act: ArrayLike<number>, ref: ArrayLike<number>, what: string, rtol = 1e-4): void {
  assert.equal(act.length, ref.length, `${what}: length`);
  let err = 0, mx = 0, at = 0;
  for (let i = 0; i < ref.length; i++) {
    const e = Math.abs(act[i] - ref[i]);
    if (!(e <= err)) { err = e; at = i; }
    mx = Math.max(mx, Math.abs(ref[i]));
  }
  const bound = 1e-6 * mx + 1e-12 + rtol * mx;
  assert.ok(err <= bound, `${what}: max error ${err} at ${at} (got ${act[at]}, want ${ref[at]}) > bound ${bound}`);
}

/** Central differences of a float64 scalar function. */
function fd(f: (v: number[]) => number, x: number[], h: number): number[] {
  return x.map((_, i) => {
    const p = x.slice(), m = x.slice();
    p[i] += h;
    m[i] -= h;
    return (f(p) - f(m)) / (2 * h);
  });
}
const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i], 0);

/**
 * Float64 normalisation of x viewed as [N, C, S]. perInstance: statistics per (n, c) (instance_norm),
 * else per c over N·S (batch_norm training); stats: use given mean/var (batch_norm eval).
 */
function normRef(x: number[], [n, c, s]: number[], o: { w?: number[]; b?: number[]; eps: number; perInstance?: boolean; stats?: { mean: number[]; var: number[] } }): number[] {
  const out = new Array<number>(x.length);
  const groups = o.perInstance ? n * c : c;
  for (let g = 0; g < groups; g++) {
    const idx: number[] = [];
    const ch = o.perInstance ? g % c : g;
    for (let i = 0; i < n; i++) if (!o.perInstance || Math.floor(g / c) === i) for (let j = 0; j < s; j++) idx.push((i * c + ch) * s + j);
    let mu: number, v: number;
    if (o.stats) {
      mu = o.stats.mean[ch];
      v = o.stats.var[ch];
    } else {
      mu = idx.reduce((a, k) => a + x[k], 0) / idx.length;
      v = idx.reduce((a, k) => a + (x[k] - mu) ** 2, 0) / idx.length;
    }
    for (const k of idx) out[k] = ((x[k] - mu) / Math.sqrt(v + o.eps)) * (o.w?.[ch] ?? 1) + (o.b?.[ch] ?? 0);
  }
  return out;
}

// ---------------------------------------------------------------- batch_norm

test('batch_norm training [N,C,H,W]: forward and gradients match the float64 formula (variance ≈ 1e-4 channel)', () => {
  const shape = [3, 4, 2, 5], n = 3, c = 4, s = 10;
  const x = randn(120, 1.5, 0.3);
  for (let i = 0; i < n; i++) for (let j = 0; j < s; j++) x[(i * c + 2) * s + j] = Math.fround(5 + 0.01 * rng.normal(0, 1)); // var ≈ 1e-4, mean 5
  const w = randn(4), b = randn(4), up = randn(120);
  const xt = t(x, shape, true), wt = t(w, [4], true), bt = t(b, [4], true);
  const out = F.batch_norm.run({ x: xt, weight: wt, bias: bt }, { training: true, eps: 1e-5 });
  close(out.data, normRef(x, [n, c, s], { w, b, eps: 1e-5 }), 'out');
  out.backward(t(up, shape));
  const L = (xv: number[], wv: number[], bv: number[]) => dot(normRef(xv, [n, c, s], { w: wv, b: bv, eps: 1e-5 }), up);
  close(xt.grad!.data, fd((v) => L(v, w, b), x, 1e-7), 'grad x', 1e-3);
  close(wt.grad!.data, fd((v) => L(x, v, b), w, 1e-6), 'grad weight');
  close(bt.grad!.data, fd((v) => L(x, w, v), b, 1e-6), 'grad bias');
});

test('batch_norm training [N,C] without weight/bias, eps 1e-3; positional order (x, running_mean, running_var, weight, bias)', () => {
  const x = randn(18, 0.05), up = randn(18);
  const xt = t(x, [6, 3], true);
  const out = F.batch_norm(xt, null, null, null, null, { training: true, eps: 1e-3 });
  close(out.data, normRef(x, [6, 3, 1], { eps: 1e-3 }), 'out');
  out.backward(t(up, [6, 3]));
  close(xt.grad!.data, fd((v) => dot(normRef(v, [6, 3, 1], { eps: 1e-3 }), up), x, 1e-6), 'grad x', 1e-3);
  // Positional weight/bias land in the 4th/5th slots.
  const w = randn(3), b = randn(3);
  close(F.batch_norm(t(x, [6, 3]), null, null, t(w, [3]), t(b, [3]), { training: true, eps: 1e-3 }).data, normRef(x, [6, 3, 1], { w, b, eps: 1e-3 }), 'positional affine');
});

test('batch_norm training updates running stats in place with the unbiased variance; no gradient for them', () => {
  const shape = [2, 3, 2, 2], m = 8;
  const x = randn(24, 2, 1), rm0 = randn(3), rv0 = randn(3).map((v) => Math.fround(1 + Math.abs(v)));
  const rm = t(rm0, [3]), rv = t(rv0, [3]), xt = t(x, shape, true);
  const out = F.batch_norm(xt, rm, rv, null, null, { training: true, momentum: 0.3 });
  close(out.data, normRef(x, [2, 3, 4], { eps: 1e-5 }), 'out (batch statistics, not running ones)');
  for (let ch = 0; ch < 3; ch++) {
    const vals = [0, 1].flatMap((i) => [0, 1, 2, 3].map((j) => x[(i * 3 + ch) * 4 + j]));
    const mu = vals.reduce((a, v) => a + v, 0) / m;
    const unbiased = vals.reduce((a, v) => a + (v - mu) ** 2, 0) / (m - 1);
    close([rm.data[ch]], [0.7 * rm0[ch] + 0.3 * mu], `running_mean[${ch}]`, 1e-6);
    close([rv.data[ch]], [0.7 * rv0[ch] + 0.3 * unbiased], `running_var[${ch}]`, 1e-6);
  }
  out.backward(Tensor.ones(shape));
  assert.equal(rm.grad, null);
  assert.equal(rv.grad, null);
});

test('batch_norm eval uses the running stats (unchanged) and differentiates x, weight, bias', () => {
  const shape = [2, 3, 3], x = randn(18), w = randn(3), b = randn(3), up = randn(18);
  const mean = randn(3), vr = [1e-4, 0.5, 2].map(Math.fround);
  const rm = t(mean, [3]), rv = t(vr, [3]);
  const xt = t(x, shape, true), wt = t(w, [3], true), bt = t(b, [3], true);
  const out = F.batch_norm(xt, rm, rv, wt, bt); // torch default: training false
  const ref = (xv: number[], wv: number[], bv: number[]) => normRef(xv, [2, 3, 3], { w: wv, b: bv, eps: 1e-5, stats: { mean, var: vr } });
  close(out.data, ref(x, w, b), 'out');
  assert.deepEqual([...rm.data], mean);
  assert.deepEqual([...rv.data], vr);
  out.backward(t(up, shape));
  close(xt.grad!.data, fd((v) => dot(ref(v, w, b), up), x, 1e-6), 'grad x');
  close(wt.grad!.data, fd((v) => dot(ref(x, v, b), up), w, 1e-6), 'grad weight');
  close(bt.grad!.data, fd((v) => dot(ref(x, w, v), up), b, 1e-6), 'grad bias');
});

test('batch_norm training: second-order gradients (createGraph) match differences of the closed-form gradient', () => {
  const shape = [3, 2, 2], [n, c, s] = [3, 2, 2], eps = 1e-5;
  const x = randn(12), w = randn(2), up = randn(12), v = randn(12);
  // Closed-form ∂(Σ out⊙up)/∂x in float64, the first-order rule checked above against differences.
  const gradX = (xv: number[], wv: number[]): number[] => {
    const g = new Array<number>(12);
    for (let ch = 0; ch < c; ch++) {
      const idx = [...Array(n).keys()].flatMap((i) => [...Array(s).keys()].map((j) => (i * c + ch) * s + j));
      const mu = idx.reduce((a, k) => a + xv[k], 0) / idx.length;
      const sd = Math.sqrt(idx.reduce((a, k) => a + (xv[k] - mu) ** 2, 0) / idx.length + eps);
      const mdy = idx.reduce((a, k) => a + up[k], 0) / idx.length;
      const mdyx = idx.reduce((a, k) => a + (up[k] * (xv[k] - mu)) / sd, 0) / idx.length;
      for (const k of idx) g[k] = (wv[ch] / sd) * (up[k] - mdy - ((xv[k] - mu) / sd) * mdyx);
    }
    return g;
  };
  const xt = t(x, shape, true), wt = t(w, [2], true);
  const out = F.batch_norm(xt, null, null, wt, null, { training: true });
  const [gx] = grad(out, [xt], { gradOutputs: [t(up, shape)], createGraph: true });
  close(gx!.data, gradX(x, w), 'first order');
  const [gxx, gxw] = grad(F.sum(F.mul(gx!, t(v, shape))), [xt, wt]);
  close(gxx!.data, fd((p) => dot(gradX(p, w), v), x, 1e-6), 'second order x', 1e-3);
  close(gxw!.data, fd((p) => dot(gradX(x, p), v), w, 1e-6), 'second order weight', 1e-3);
});

test('batch_norm rejects bad shapes and attributes with clear errors', () => {
  const x = Tensor.zeros([2, 4, 5, 5]);
  assert.throws(() => F.batch_norm(x, null, null, Tensor.ones([3]), null, { training: true }), /batch_norm: weight \[3\] does not match 4 channels of input \[2, 4, 5, 5\]/);
  assert.throws(() => F.batch_norm(x, Tensor.zeros([4, 1]), Tensor.ones([4])), /batch_norm: running_mean \[4, 1\] does not match 4 channels/);
  assert.throws(() => F.batch_norm(Tensor.zeros([4]), null, null, null, null, { training: true }), /batch_norm: input \[4\] needs rank ≥ 2/);
  assert.throws(() => F.batch_norm(x), /batch_norm: eval mode .* needs running_mean and running_var/);
  assert.throws(() => F.batch_norm(x, Tensor.zeros([4]), null, null, null, { training: true }), /both running_mean and running_var/);
  assert.throws(() => F.batch_norm(Tensor.zeros([1, 3]), null, null, null, null, { training: true }), /more than 1 value per channel/);
  assert.throws(() => F.batch_norm(x, null, null, null, null, { training: true, eps: NaN }), RangeError);
  assert.throws(() => F.batch_norm(x, null, null, null, null, { training: true, eps: -1 }), /eps must be ≥ 0/);
  assert.throws(() => F.batch_norm.run({ x }, { training: true, affine: true } as never), /unknown attribute 'affine'/);
});

// ---------------------------------------------------------------- instance_norm

test('instance_norm [N,C,H,W] with weight/bias: per-(n,c) statistics, gradients (variance ≈ 1e-4 slice)', () => {
  const shape = [2, 3, 3, 4], [n, c, s] = [2, 3, 12];
  const x = randn(72, 2, -1);
  for (let j = 0; j < s; j++) x[(1 * c + 1) * s + j] = Math.fround(-3 + 0.01 * rng.normal(0, 1));
  const w = randn(3), b = randn(3), up = randn(72);
  const xt = t(x, shape, true), wt = t(w, [3], true), bt = t(b, [3], true);
  const out = F.instance_norm(xt, wt, bt);
  const ref = (xv: number[], wv: number[], bv: number[]) => normRef(xv, [n, c, s], { w: wv, b: bv, eps: 1e-5, perInstance: true });
  close(out.data, ref(x, w, b), 'out');
  assert.deepEqual(out.shape, shape);
  out.backward(t(up, shape));
  close(xt.grad!.data, fd((v) => dot(ref(v, w, b), up), x, 1e-7), 'grad x', 1e-3);
  close(wt.grad!.data, fd((v) => dot(ref(x, v, b), up), w, 1e-6), 'grad weight (summed over N)');
  close(bt.grad!.data, fd((v) => dot(ref(x, w, v), up), b, 1e-6), 'grad bias (summed over N)');
});

test('instance_norm without affine, eps 1e-3, batch of one', () => {
  const shape = [1, 2, 3, 5], x = randn(30, 0.03, 2), up = randn(30);
  const xt = t(x, shape, true);
  const out = F.instance_norm(xt, null, null, { eps: 1e-3 });
  const ref = (v: number[]) => normRef(v, [1, 2, 15], { eps: 1e-3, perInstance: true });
  close(out.data, ref(x), 'out');
  out.backward(t(up, shape));
  close(xt.grad!.data, fd((v) => dot(ref(v), up), x, 1e-6), 'grad x', 1e-3);
});

test('instance_norm rejects bad shapes with clear errors', () => {
  const x = Tensor.zeros([2, 3, 4, 4]);
  assert.throws(() => F.instance_norm(x, Tensor.ones([4])), /instance_norm: weight \[4\] does not match 3 channels of input \[2, 3, 4, 4\]/);
  assert.throws(() => F.instance_norm(x, null, Tensor.ones([3, 1])), /instance_norm: bias \[3, 1\] does not match 3 channels/);
  assert.throws(() => F.instance_norm(Tensor.zeros([2, 3])), /instance_norm: input \[2, 3\] needs rank ≥ 3/);
  assert.throws(() => F.instance_norm(Tensor.zeros([2, 3, 1, 1])), /more than 1 spatial element/);
  assert.throws(() => F.instance_norm(x, null, null, { eps: Infinity }), RangeError);
});
