// Semantics of softmax, log_softmax, the losses (binary_cross_entropy_with_logits, mse_loss,
// cross_entropy) and gram against float64 references written from the formulas (FORMAT §3.3):
// forward, gradients (central differences of the reference), saturated inputs, reductions, errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../../src/tensor.js';
import { F } from '../../src/ops/index.js';
import { grad } from '../../src/autograd.js';
import { Rng } from '../../src/rng.js';

const rng = new Rng(5);
const randn = (n: number, scale = 1, shift = 0): number[] => Array.from({ length: n }, () => Math.fround(shift + scale * rng.normal(0, 1)));
const t = (v: number[], shape: number[], requiresGrad = false) => new Tensor(Float32Array.from(v), shape, requiresGrad);

/** err ≤ atol + rtol·max|ref| (the oracle's rule), atol relative to the reference's scale; all finite. */
function close(act: ArrayLike<number>, ref: ArrayLike<number>, what: string, rtol = 1e-4, atol = 0): void {
  assert.equal(act.length, ref.length, `${what}: length`);
  let err = 0, mx = 0, at = 0;
  for (let i = 0; i < ref.length; i++) {
    const e = Math.abs(act[i] - ref[i]);
    if (!(e <= err)) { err = e; at = i; }
    mx = Math.max(mx, Math.abs(ref[i]));
  }
  const bound = atol + 1e-6 * mx + 1e-12 + rtol * mx;
  assert.ok(err <= bound, `${what}: max error ${err} at ${at} (got ${act[at]}, want ${ref[at]}) > bound ${bound}`);
}
function fd(f: (v: number[]) => number, x: number[], h = 1e-6): number[] {
  return x.map((_, i) => {
    const p = x.slice(), m = x.slice();
    p[i] += h;
    m[i] -= h;
    return (f(p) - f(m)) / (2 * h);
  });
}
const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i], 0);

/** Float64 (log-)softmax along `dim` of a row-major tensor, written with explicit index math. */
function softmaxRef(x: number[], shape: number[], dim: number, log: boolean): number[] {
  const d = dim < 0 ? dim + shape.length : dim;
  const inner = shape.slice(d + 1).reduce((a, b) => a * b, 1), len = shape[d];
  const out = new Array<number>(x.length);
  for (let i = 0; i < x.length; i++) {
    const start = i - (Math.floor(i / inner) % len) * inner;
    const row = Array.from({ length: len }, (_, k) => x[start + k * inner]);
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
    out[i] = log ? x[i] - lse : Math.exp(x[i] - lse);
  }
  return out;
}

// ---------------------------------------------------------------- softmax, log_softmax

for (const log of [false, true]) {
  const name = log ? 'log_softmax' : 'softmax';
  const op = log ? F.log_softmax : F.softmax;
  for (const dim of [0, 1, -1]) {
    test(`${name} over dim ${dim} of [3,4,5]: forward and gradient`, () => {
      const shape = [3, 4, 5], x = randn(60, 2), up = randn(60);
      const xt = t(x, shape, true);
      const out = op(xt, { dim });
      close(out.data, softmaxRef(x, shape, dim, log), 'out');
      out.backward(t(up, shape));
      close(xt.grad!.data, fd((v) => dot(softmaxRef(v, shape, dim, log), up), x), 'grad x');
    });
  }

  test(`${name}: inputs around 80 ± 90 do not overflow`, () => {
    const shape = [4, 6], x = randn(24, 90, 80), up = randn(24);
    const xt = t(x, shape, true);
    const out = op(xt, { dim: 1 });
    assert.ok(out.data.every(Number.isFinite), 'finite output');
    close(out.data, softmaxRef(x, shape, 1, log), 'out');
    out.backward(t(up, shape));
    assert.ok(xt.grad!.data.every(Number.isFinite), 'finite gradient');
    // Saturated rows: float32 s·(dy − Σ dy·s) cancels (torch's float32 too), so the absolute
    // error is bounded relative to the upstream's scale, not to the tiny gradient.
    close(xt.grad!.data, fd((v) => dot(softmaxRef(v, shape, 1, log), up), x, 1e-4), 'grad x', 1e-4, 1e-6 * Math.max(...up.map(Math.abs)));
  });

  test(`${name}: second-order gradient (createGraph)`, () => {
    const shape = [2, 5], x = randn(10), up = randn(10), v = randn(10);
    const xt = t(x, shape, true);
    const [g] = grad(op(xt, { dim: -1 }), [xt], { gradOutputs: [t(up, shape)], createGraph: true, retainGraph: true });
    const [gg] = grad(F.sum(F.mul(g!, t(v, shape))), [xt]);
    const firstOrder = (p: number[]) => fd((q) => dot(softmaxRef(q, shape, -1, log), up), p, 1e-5);
    close(gg!.data, fd((p) => dot(firstOrder(p), v), x, 1e-3), 'second order', 1e-3);
  });
}

test('softmax/log_softmax of logits ±1000 (exp overflows even in float64 without the max shift)', () => {
  const x = t([1000, 999, -1000, 0], [1, 4]);
  close(F.softmax(x, { dim: 1 }).data, [1 / (1 + Math.exp(-1)), Math.exp(-1) / (1 + Math.exp(-1)), 0, 0], 'softmax', 1e-6);
  close(F.log_softmax(x, { dim: 1 }).data, softmaxRef([1000, 999, -1000, 0], [1, 4], 1, true), 'log_softmax', 1e-6);
});

test('softmax rows sum to one; bad dim is rejected', () => {
  const out = F.softmax(Tensor.randn([3, 7], { rng }), { dim: 1 });
  for (let r = 0; r < 3; r++) close([out.data.slice(r * 7, r * 7 + 7).reduce((a, v) => a + v, 0)], [1], `row ${r}`, 1e-6);
  assert.throws(() => F.softmax(Tensor.zeros([2, 3]), { dim: 2 }), /softmax: dim 2 is out of range for a tensor of rank 2/);
  assert.throws(() => F.log_softmax(Tensor.zeros([2, 3]), { dim: -3 }), /log_softmax: dim -3 is out of range/);
});

// ---------------------------------------------------------------- binary_cross_entropy_with_logits

const bceRef = (x: number[], y: number[]) => x.map((v, i) => Math.max(v, 0) - v * y[i] + Math.log1p(Math.exp(-Math.abs(v))));
const reduce = (l: number[], r: string) => (r === 'none' ? l : r === 'sum' ? [l.reduce((a, v) => a + v, 0)] : [l.reduce((a, v) => a + v, 0) / l.length]);

for (const reduction of ['mean', 'sum', 'none'] as const) {
  test(`binary_cross_entropy_with_logits reduction ${reduction}: value and input gradient; target has none`, () => {
    const x = randn(12, 3), y = randn(12).map((v) => Math.fround(1 / (1 + Math.exp(-v)))); // soft targets
    const up = reduction === 'none' ? randn(12) : randn(1);
    const xt = t(x, [3, 4], true), yt = t(y, [3, 4], true);
    const out = F.binary_cross_entropy_with_logits(xt, yt, { reduction });
    assert.deepEqual(out.shape, reduction === 'none' ? [3, 4] : []);
    close(out.data, reduce(bceRef(x, y), reduction), 'out');
    out.backward(t(up, [...out.shape]));
    close(xt.grad!.data, fd((v) => dot(reduce(bceRef(v, y), reduction), up), x), 'grad input');
    assert.equal(yt.grad, null, 'target takes no gradient');
  });
}

test('binary_cross_entropy_with_logits: logits ±100 with the wrong label stay finite (loss ≈ |x|, grad ±1/N)', () => {
  const xt = t([100, -100, 30, -30], [4], true), y = t([0, 1, 0, 1], [4]);
  const out = F.binary_cross_entropy_with_logits(xt, y, { reduction: 'none' });
  close(out.data, [100, 100, 30, 30], 'loss', 1e-6);
  const m = F.binary_cross_entropy_with_logits(xt, y);
  close([m.item()], [65], 'mean', 1e-6);
  m.backward();
  close(xt.grad!.data, [0.25, -0.25, 0.25, -0.25], 'grad', 1e-6);
  const far = F.binary_cross_entropy_with_logits(t([1000, -1000], [2]), t([0, 1], [2]), { reduction: 'none' });
  close(far.data, [1000, 1000], 'logits ±1000', 1e-6);
  const at0 = t([0], [1], true);
  F.binary_cross_entropy_with_logits(at0, t([0.25], [1])).backward();
  close(at0.grad!.data, [0.25], 'grad at x = 0 is σ(0) − t');
});

test('binary_cross_entropy_with_logits rejects mismatched shapes and unknown reductions', () => {
  assert.throws(() => F.binary_cross_entropy_with_logits(Tensor.zeros([2, 3]), Tensor.zeros([3, 2])), /binary_cross_entropy_with_logits: input \[2, 3\] and target \[3, 2\] must have the same shape/);
  assert.throws(() => F.binary_cross_entropy_with_logits(Tensor.zeros([2]), Tensor.zeros([2]), { reduction: 'avg' as never }), /unknown reduction "avg"/);
});

// ---------------------------------------------------------------- mse_loss

for (const reduction of ['mean', 'sum', 'none'] as const) {
  test(`mse_loss reduction ${reduction}: value and gradients for input and target`, () => {
    const a = randn(10), b = randn(10), up = reduction === 'none' ? randn(10) : randn(1);
    const at = t(a, [2, 5], true), bt = t(b, [2, 5], true);
    const out = F.mse_loss(at, bt, { reduction });
    const ref = (p: number[], q: number[]) => reduce(p.map((v, i) => (v - q[i]) ** 2), reduction);
    assert.deepEqual(out.shape, reduction === 'none' ? [2, 5] : []);
    close(out.data, ref(a, b), 'out');
    out.backward(t(up, [...out.shape]));
    close(at.grad!.data, fd((v) => dot(ref(v, b), up), a), 'grad input');
    close(bt.grad!.data, fd((v) => dot(ref(a, v), up), b), 'grad target');
  });
}

test('mse_loss rejects mismatched shapes and unknown reductions', () => {
  assert.throws(() => F.mse_loss(Tensor.zeros([2, 3]), Tensor.zeros([3, 2])), /mse_loss: input \[2, 3\] and target \[3, 2\] must have the same shape/);
  assert.throws(() => F.mse_loss(Tensor.zeros([2]), Tensor.zeros([2]), { reduction: 'elementwise_mean' as never }), /mse_loss: unknown reduction/);
});

// ---------------------------------------------------------------- cross_entropy

/** l_n = logsumexp(x[n]) − Σ_c w[n,c]·x[n,c] with w one-hot or probabilities, x [N, C]. */
function ceRef(x: number[], n: number, c: number, w: number[], reduction: string): number[] {
  const lp = softmaxRef(x, [n, c], 1, true);
  const l = Array.from({ length: n }, (_, r) => -Array.from({ length: c }, (_, k) => w[r * c + k] * lp[r * c + k]).reduce((a, v) => a + v, 0));
  return reduce(l, reduction);
}
const oneHot = (idx: number[], c: number) => idx.flatMap((k) => Array.from({ length: c }, (_, j) => (j === k ? 1 : 0)));

for (const reduction of ['mean', 'sum', 'none'] as const) {
  test(`cross_entropy class indices, reduction ${reduction}: value and gradient; target has none`, () => {
    const x = randn(20, 2), idx = [3, 0, 4, 4], up = reduction === 'none' ? randn(4) : randn(1);
    const xt = t(x, [4, 5], true), yt = t(idx, [4], true);
    const out = F.cross_entropy(xt, yt, { reduction });
    assert.deepEqual(out.shape, reduction === 'none' ? [4] : []);
    close(out.data, ceRef(x, 4, 5, oneHot(idx, 5), reduction), 'out');
    out.backward(t(up, [...out.shape]));
    close(xt.grad!.data, fd((v) => dot(ceRef(v, 4, 5, oneHot(idx, 5), reduction), up), x), 'grad input');
    assert.equal(yt.grad, null);
  });
}

test('cross_entropy: logits around 80 ± 90 stay finite and exact', () => {
  const x = randn(15, 90, 80), idx = [1, 2, 0];
  const xt = t(x, [3, 5], true);
  const out = F.cross_entropy(xt, t(idx, [3]));
  close(out.data, ceRef(x, 3, 5, oneHot(idx, 5), 'mean'), 'out');
  out.backward();
  assert.ok(xt.grad!.data.every(Number.isFinite));
  close(xt.grad!.data, fd((v) => ceRef(v, 3, 5, oneHot(idx, 5), 'mean')[0], x, 1e-4), 'grad input');
});

test('cross_entropy probability targets (target_is_class_index false): value and gradients for both', () => {
  const x = randn(12), p = softmaxRef(randn(12), [3, 4], 1, false).map(Math.fround), up = randn(1);
  const xt = t(x, [3, 4], true), pt = t(p, [3, 4], true);
  const out = F.cross_entropy(xt, pt, { target_is_class_index: false });
  close(out.data, ceRef(x, 3, 4, p, 'mean'), 'out');
  out.backward(t(up, []));
  close(xt.grad!.data, fd((v) => dot(ceRef(v, 3, 4, p, 'mean'), up), x), 'grad input');
  close(pt.grad!.data, fd((v) => dot(ceRef(x, 3, 4, v, 'mean'), up), p), 'grad target');
  // One-hot probabilities give the class-index loss.
  close(F.cross_entropy(t(x, [3, 4]), t(oneHot([2, 0, 3], 4), [3, 4]), { target_is_class_index: false }).data, F.cross_entropy(t(x, [3, 4]), t([2, 0, 3], [3])).data, 'one-hot ≡ index');
});

test('cross_entropy [N, C, L] input with [N, L] class indices (class axis 1)', () => {
  const x = randn(2 * 3 * 4), idx = [0, 2, 1, 1, 2, 0, 0, 1];
  // Reference: move the class axis last → [N·L, C].
  const rows = [0, 1].flatMap((nn) => [0, 1, 2, 3].map((l) => [0, 1, 2].map((c) => x[(nn * 3 + c) * 4 + l])));
  const out = F.cross_entropy(t(x, [2, 3, 4]), t(idx, [2, 4]), { reduction: 'none' });
  assert.deepEqual(out.shape, [2, 4]);
  close(out.data, ceRef(rows.flat(), 8, 3, oneHot(idx, 3), 'none'), 'out');
});

test('cross_entropy validates class indices and shapes', () => {
  const x = Tensor.zeros([2, 3]);
  assert.throws(() => F.cross_entropy(x, t([0, 3], [2])), /cross_entropy: target\[1\] = 3 is not a class index in \[0, 3\)/);
  assert.throws(() => F.cross_entropy(x, t([-1, 0], [2])), /target\[0\] = -1 is not a class index/);
  assert.throws(() => F.cross_entropy(x, t([0.5, 1], [2])), /target\[0\] = 0.5 is not a class index/);
  assert.throws(() => F.cross_entropy(x, t([0, 1, 2], [3])), /class-index target \[3\] does not match input \[2, 3\] \(expected \[2\]\)/);
  assert.throws(() => F.cross_entropy(x, Tensor.zeros([2]), { target_is_class_index: false }), /probability target \[2\] must have the shape of input \[2, 3\]/);
  assert.throws(() => F.cross_entropy(x, t([0, 1], [2]), { reduction: 'batchmean' as never }), /cross_entropy: unknown reduction/);
});

// ---------------------------------------------------------------- gram

function gramRef(x: number[], [n, c, h, w]: number[], norm: boolean): number[] {
  const s = h * w, out: number[] = [];
  for (let b = 0; b < n; b++) for (let i = 0; i < c; i++) for (let j = 0; j < c; j++) {
    let acc = 0;
    for (let k = 0; k < s; k++) acc += x[(b * c + i) * s + k] * x[(b * c + j) * s + k];
    out.push(norm ? acc / (c * s) : acc);
  }
  return out;
}

for (const normalize of ['chw', 'none'] as const) {
  test(`gram normalize ${normalize}: [N,C,H,W] → [N,C,C], value and gradient`, () => {
    const shape = [2, 3, 4, 5], x = randn(120), up = randn(18);
    const xt = t(x, shape, true);
    const out = F.gram(xt, { normalize });
    assert.deepEqual(out.shape, [2, 3, 3]);
    close(out.data, gramRef(x, shape, normalize === 'chw'), 'out');
    out.backward(t(up, [2, 3, 3]));
    close(xt.grad!.data, fd((v) => dot(gramRef(v, shape, normalize === 'chw'), up), x), 'grad x');
  });
}

test('gram rejects other ranks and normalisations', () => {
  assert.throws(() => F.gram(Tensor.zeros([3, 4, 5])), /gram: input \[3, 4, 5\] must be \[N, C, H, W\]/);
  assert.throws(() => F.gram(Tensor.zeros([1, 3, 4, 5]), { normalize: 'hw' as never }), /gram: unknown normalize "hw"/);
});
