// Layers: each forward checked against an independent naive computation (so hyper-parameters are
// passed to the ops correctly), train/eval behaviour, and errors that name the layer and shapes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../../src/tensor.js';
import { Rng, manualSeed } from '../../src/rng.js';
import { ShapeError } from '../../src/shape.js';
import {
  AvgPool2d, BatchNorm1d, BatchNorm2d, Conv2d, ConvTranspose2d, Dropout, Flatten, Identity, InstanceNorm2d, LeakyReLU, Linear,
  MaxPool2d, ReflectionPad2d, ReLU, Sequential, Sigmoid, Tanh, Upsample,
} from '../../src/nn/index.js';

const rnd = (shape: number[], seed: number) => Tensor.randn(shape, { rng: new Rng(seed) });
const dot = (a: Tensor, b: Tensor) => a.data.reduce((s, v, i) => s + v * b.data[i], 0);

function assertAllClose(actual: Tensor, expected: ArrayLike<number>, shape: readonly number[], tol = 1e-5, what = 'tensor'): void {
  assert.deepEqual(actual.shape, shape, `${what} shape`);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i], a = actual.data[i];
    assert.ok(Math.abs(a - e) <= tol * (1 + Math.abs(e)), `${what}[${i}]: ${a} vs ${e}`);
  }
}

/** Direct definition of torch's conv2d (cross-correlation, zero padding, dilation, groups). */
function naiveConv2d(x: Tensor, w: Tensor, b: Tensor | null, s: number[], p: number[], d: number[], g: number): { data: Float64Array; shape: number[] } {
  const [N, C, H, W] = x.shape, [O, Cg, KH, KW] = w.shape;
  const OH = Math.floor((H + 2 * p[0] - d[0] * (KH - 1) - 1) / s[0]) + 1, OW = Math.floor((W + 2 * p[1] - d[1] * (KW - 1) - 1) / s[1]) + 1;
  const out = new Float64Array(N * O * OH * OW);
  for (let n = 0; n < N; n++) for (let o = 0; o < O; o++) for (let i = 0; i < OH; i++) for (let j = 0; j < OW; j++) {
    const grp = Math.floor(o / (O / g));
    let acc = b ? b.data[o] : 0;
    for (let c = 0; c < Cg; c++) for (let u = 0; u < KH; u++) for (let v = 0; v < KW; v++) {
      const r = i * s[0] + u * d[0] - p[0], q = j * s[1] + v * d[1] - p[1];
      if (r < 0 || r >= H || q < 0 || q >= W) continue;
      acc += w.data[((o * Cg + c) * KH + u) * KW + v] * x.data[((n * C + grp * Cg + c) * H + r) * W + q];
    }
    out[((n * O + o) * OH + i) * OW + j] = acc;
  }
  void C;
  return { data: out, shape: [N, O, OH, OW] };
}

test('Linear: x·Wᵀ + b, [*, in] inputs, no bias', () => {
  const lin = new Linear(3, 2, { rng: new Rng(1) });
  const x = rnd([2, 4, 3], 2);
  const exp: number[] = [];
  for (let r = 0; r < 8; r++) for (let o = 0; o < 2; o++) {
    let acc = lin.bias!.data[o];
    for (let k = 0; k < 3; k++) acc += x.data[r * 3 + k] * lin.weight.data[o * 3 + k];
    exp.push(acc);
  }
  assertAllClose(lin.forward(x), exp, [2, 4, 2]);
  const nb = new Linear(3, 2, { bias: false });
  assert.equal(nb.bias, null);
  assert.deepEqual(nb.namedParameters().map(([n]) => n), ['weight']);
  assert.throws(() => lin.forward(rnd([2, 5], 3)), (e: unknown) => e instanceof ShapeError && e.message === 'Linear(in_features=3, out_features=2, bias=True): expected input [*, 3], got [2, 5]');
  assert.throws(() => new Linear(3, 2.5), /Linear: out_features must be an integer ≥ 0, got 2.5/);
  assert.throws(() => new Linear(3, 2, { bais: false } as object), /Linear: unknown option 'bais'/);
});

test('Conv2d: matches the direct definition with stride, padding, dilation and groups', () => {
  const cases = [
    { cin: 3, cout: 4, k: 3, o: {} },
    { cin: 4, cout: 6, k: [3, 2] as [number, number], o: { stride: [2, 1] as [number, number], padding: [1, 2] as [number, number], dilation: [1, 2] as [number, number], groups: 2 } },
    { cin: 2, cout: 2, k: 3, o: { padding: 'same' as const, dilation: 2, bias: false } },
  ];
  for (const [i, c] of cases.entries()) {
    const conv = new Conv2d(c.cin, c.cout, c.k, { ...c.o, rng: new Rng(i) });
    const x = rnd([2, c.cin, 7, 6], 10 + i);
    const ref = naiveConv2d(x, conv.weight, conv.bias, conv.stride, conv.padding, conv.dilation, conv.groups);
    assertAllClose(conv.forward(x), ref.data, ref.shape, 1e-5, `case ${i}`);
    // Unbatched [C, H, W] input, as torch.
    const one = conv.forward(x.reshape(2, c.cin * 7 * 6).reshape(2, c.cin, 7, 6));
    const first = conv.forward(new Tensor(x.data.slice(0, c.cin * 42), [c.cin, 7, 6]));
    assert.deepEqual(first.shape, one.shape.slice(1));
    assert.deepEqual(Array.from(first.data), Array.from(one.data.slice(0, first.size)));
  }
  const same = new Conv2d(2, 2, 3, { padding: 'same', dilation: 2 });
  assert.deepEqual(same.padding, [2, 2]);
  assert.throws(() => new Conv2d(2, 2, 2, { padding: 'same' }), /asymmetric padding/);
  assert.throws(() => new Conv2d(3, 4, 3, { groups: 2 }), /Conv2d: in_channels \(3\) must be divisible by groups \(2\)/);
  const conv = new Conv2d(3, 8, 3, { stride: 2 });
  assert.throws(() => conv.forward(rnd([1, 4, 8, 8], 1)), (e: unknown) =>
    e instanceof ShapeError && e.message === 'Conv2d(3, 8, kernel_size=(3, 3), stride=(2, 2)): expected input [N, 3, H, W] or [3, H, W], got [1, 4, 8, 8]');
  assert.throws(() => conv.forward(rnd([1, 3, 2, 2], 1)), /conv2d.*\[1, 3, 2, 2\]/s); // too small: the op names itself and the shapes
});

test('ConvTranspose2d: weight [Cin, Cout/g, kh, kw]; the adjoint of Conv2d with the same weight, plus bias', () => {
  const ct = new ConvTranspose2d(4, 6, [3, 2], { stride: [2, 1], padding: [1, 0], output_padding: [1, 0], dilation: [1, 2], groups: 2, rng: new Rng(4) });
  assert.deepEqual(ct.weight.shape, [4, 3, 3, 2]);
  const x = rnd([2, 4, 5, 4], 5);
  const y = ct.forward(x);
  // Ho = (H − 1)·s − 2p + d(k − 1) + op + 1
  assert.deepEqual(y.shape, [2, 6, (5 - 1) * 2 - 2 + 1 * 2 + 1 + 1, (4 - 1) * 1 - 0 + 2 * 1 + 0 + 1]);
  // ⟨convT(x) − bias, z⟩ = ⟨x, conv2d(z)⟩: conv2d's weight [Cout, Cin/g, kh, kw] is the same tensor read as [4, 3, 3, 2].
  const z = rnd(y.shape as number[], 6);
  const conv = naiveConv2d(z, ct.weight, null, ct.stride, ct.padding, ct.dilation, ct.groups);
  assert.deepEqual(conv.shape, x.shape);
  let biasTerm = 0;
  const hw = y.shape[2] * y.shape[3];
  for (let i = 0; i < z.size; i++) biasTerm += z.data[i] * ct.bias!.data[Math.floor(i / hw) % 6];
  const lhs = dot(y, z) - biasTerm, rhs = x.data.reduce((s, v, i) => s + v * conv.data[i], 0);
  assert.ok(Math.abs(lhs - rhs) < 1e-3 * (1 + Math.abs(rhs)), `${lhs} vs ${rhs}`);
  assert.throws(() => new ConvTranspose2d(2, 2, 3, { stride: 2, output_padding: 2 }), /output_padding \(2, 2\) must be smaller than either stride \(2, 2\) or dilation \(1, 1\)/);
  assert.throws(() => ct.forward(rnd([2, 3, 5, 4], 1)), /ConvTranspose2d\(4, 6, .*groups=2\): expected input \[N, 4, H, W\] or \[4, H, W\], got \[2, 3, 5, 4\]/);
});

/** Per-channel (axis 1) mean and biased/unbiased variance in float64. */
function channelStats(x: Tensor): { mean: number[]; varB: number[]; varU: number[] } {
  const [N, C] = x.shape, S = x.size / (N * C);
  const mean: number[] = [], varB: number[] = [], varU: number[] = [];
  for (let c = 0; c < C; c++) {
    const vals: number[] = [];
    for (let n = 0; n < N; n++) for (let s = 0; s < S; s++) vals.push(x.data[(n * C + c) * S + s]);
    const m = vals.reduce((a, b) => a + b, 0) / vals.length;
    const ss = vals.reduce((a, b) => a + (b - m) ** 2, 0);
    mean.push(m); varB.push(ss / vals.length); varU.push(ss / (vals.length - 1));
  }
  return { mean, varB, varU };
}

test('BatchNorm2d: batch statistics and running-stat updates in training, running stats in eval', () => {
  const bn = new BatchNorm2d(3, { momentum: 0.2 });
  bn.weight!.data.set([1, 2, 0.5]);
  bn.bias!.data.set([0, 1, -1]);
  const x = rnd([4, 3, 3, 2], 1).mul(3).add(1);
  const st = channelStats(x);
  const y = bn.forward(x);
  const ys = channelStats(y);
  for (let c = 0; c < 3; c++) {
    assert.ok(Math.abs(ys.mean[c] - bn.bias!.data[c]) < 1e-5, 'normalised mean = bias');
    const g = bn.weight!.data[c];
    assert.ok(Math.abs(ys.varB[c] - (g * g * st.varB[c]) / (st.varB[c] + 1e-5)) < 1e-4, 'normalised variance = γ²·σ²/(σ²+eps)');
  }
  assertAllClose(bn.running_mean!, st.mean.map((m) => 0.2 * m), [3]);
  assertAllClose(bn.running_var!, st.varU.map((v) => 0.8 + 0.2 * v), [3], 1e-5, 'running_var uses the unbiased variance');
  assert.equal(bn.num_batches_tracked!.item(), 1);
  // eval: (x − running_mean)/√(running_var + eps)·γ + β, stats untouched.
  bn.eval();
  const rm = Array.from(bn.running_mean!.data), rv = Array.from(bn.running_var!.data);
  const x2 = rnd([2, 3, 2, 2], 2);
  const exp = Array.from(x2.data, (v, i) => {
    const c = Math.floor(i / 4) % 3;
    return ((v - rm[c]) / Math.sqrt(rv[c] + 1e-5)) * bn.weight!.data[c] + bn.bias!.data[c];
  });
  assertAllClose(bn.forward(x2), exp, [2, 3, 2, 2]);
  assert.deepEqual(Array.from(bn.running_mean!.data), rm);
  assert.equal(bn.num_batches_tracked!.item(), 1);
  assert.throws(() => bn.forward(rnd([2, 4, 2, 2], 1)), (e: unknown) =>
    e instanceof ShapeError && e.message === 'BatchNorm2d(3, eps=1e-05, momentum=0.2, affine=True, track_running_stats=True): expected input [N, 3, H, W], got [2, 4, 2, 2]');
  bn.train();
  assert.throws(() => bn.forward(rnd([1, 3, 1, 1], 1)), /expected more than 1 value per channel when training, got input \[1, 3, 1, 1\]/);
  assert.equal(bn.num_batches_tracked!.item(), 1, 'a rejected batch is not counted');
});

test('BatchNorm: momentum null is a cumulative average; no running stats → batch stats in eval; affine false', () => {
  const bn = new BatchNorm1d(2, { momentum: null });
  const a = rnd([5, 2], 1), b = rnd([5, 2], 2).add(3);
  bn.forward(a); bn.forward(b);
  const sa = channelStats(a), sb = channelStats(b);
  assertAllClose(bn.running_mean!, [0, 1].map((c) => (sa.mean[c] + sb.mean[c]) / 2), [2]);
  assertAllClose(bn.running_var!, [0, 1].map((c) => (sa.varU[c] + sb.varU[c]) / 2), [2]);
  assert.equal(bn.num_batches_tracked!.item(), 2);

  const free = new BatchNorm1d(2, { track_running_stats: false, affine: false });
  assert.deepEqual(free.namedParameters(), []);
  assert.deepEqual(Object.keys(free.stateDict()), []);
  free.eval();
  const y = free.forward(a);
  const ys = channelStats(y);
  for (let c = 0; c < 2; c++) assert.ok(Math.abs(ys.mean[c]) < 1e-5 && Math.abs(ys.varB[c] - sa.varB[c] / (sa.varB[c] + 1e-5)) < 1e-4);

  // [N, C, L] input: statistics over N and L.
  const bn3 = new BatchNorm1d(2);
  const x3 = rnd([3, 2, 4], 3);
  bn3.forward(x3);
  assertAllClose(bn3.running_mean!, channelStats(x3).mean.map((m) => 0.1 * m), [2]);
  assert.throws(() => bn3.forward(rnd([3, 2, 4, 1], 1)), /BatchNorm1d\(2, .*\): expected input \[N, 2\] or \[N, 2, L\], got \[3, 2, 4, 1\]/);
});

test('InstanceNorm2d: per-sample per-channel statistics; affine false by default', () => {
  const inorm = new InstanceNorm2d(2);
  assert.deepEqual(inorm.parameters(), []);
  const x = rnd([2, 2, 3, 3], 4).mul(2).add(5);
  const y = inorm.forward(x);
  for (let s = 0; s < 4; s++) {
    const sl = Array.from(y.data.slice(s * 9, s * 9 + 9));
    const m = sl.reduce((a, b) => a + b, 0) / 9;
    const v = sl.reduce((a, b) => a + (b - m) ** 2, 0) / 9;
    assert.ok(Math.abs(m) < 1e-5 && Math.abs(v - 1) < 1e-3, `slice ${s}: mean ${m}, var ${v}`);
  }
  const aff = new InstanceNorm2d(2, { affine: true });
  aff.weight!.data.set([2, 3]);
  aff.bias!.data.set([1, -1]);
  const ya = aff.forward(x);
  assertAllClose(ya, Array.from(y.data, (v, i) => v * [2, 3][Math.floor(i / 9) % 2] + [1, -1][Math.floor(i / 9) % 2]), [2, 2, 3, 3], 1e-5);
  assertAllClose(aff.forward(new Tensor(x.data.slice(0, 18), [2, 3, 3])), ya.data.slice(0, 18), [2, 3, 3]);
  assert.throws(() => aff.forward(rnd([1, 3, 3, 3], 1)), /InstanceNorm2d\(2, eps=1e-05, affine=True\): expected input \[N, 2, H, W\] or \[2, H, W\], got \[1, 3, 3, 3\]/);
});

test('Dropout: inverted dropout in training, identity in eval, seeded, gradient through the mask', () => {
  const p = 0.3;
  const d = new Dropout(p, { rng: new Rng(7) });
  const x = Tensor.ones([200, 50], { requiresGrad: true });
  const y = d.forward(x);
  const zeros = y.data.filter((v) => v === 0).length / y.size;
  assert.ok(Math.abs(zeros - p) < 0.02, `dropped fraction ${zeros}`);
  assert.ok(y.data.every((v) => v === 0 || Math.abs(v - 1 / (1 - p)) < 1e-6), 'survivors scaled by 1/(1 − p)');
  y.sum().backward();
  assert.deepEqual(Array.from(x.grad!.data), Array.from(y.data), 'd(sum)/dx is the mask');
  // Same seed → same mask; the global generator is used when no rng is given.
  assert.deepEqual(Array.from(new Dropout(p, { rng: new Rng(7) }).forward(Tensor.ones([200, 50])).data), Array.from(y.data));
  manualSeed(3); const g1 = new Dropout().forward(Tensor.ones([64]));
  manualSeed(3); const g2 = new Dropout().forward(Tensor.ones([64]));
  assert.deepEqual(Array.from(g1.data), Array.from(g2.data));
  d.eval();
  assert.equal(d.forward(x), x);
  d.train();
  assert.ok(new Dropout(1).forward(Tensor.ones([10])).data.every((v) => v === 0));
  assert.deepEqual(Array.from(new Dropout(0).forward(Tensor.ones([3])).data), [1, 1, 1]);
  for (const bad of [-0.1, 1.5, NaN]) assert.throws(() => new Dropout(bad), /Dropout: dropout probability has to be between 0 and 1/);
});

test('MaxPool2d / AvgPool2d: stride defaults to kernel_size; padding, ceil_mode, count_include_pad passed through', () => {
  const x = Tensor.from(Array.from({ length: 16 }, (_, i) => (i * 7) % 16), [1, 1, 4, 4]);
  // x rows: [0 7 14 5] [12 3 10 1] [8 15 6 13] [4 11 2 9]
  assert.deepEqual(Array.from(new MaxPool2d(2).forward(x).data), [12, 14, 15, 13]);
  assert.deepEqual(Array.from(new AvgPool2d(2).forward(x).data), [22 / 4, 30 / 4, 38 / 4, 30 / 4]);
  const mp = new MaxPool2d(3, { stride: 2, padding: 1, ceil_mode: true });
  assert.deepEqual(mp.forward(x).shape, [1, 1, 3, 3]);
  assert.deepEqual(Array.from(mp.forward(x).data), [12, 14, 5, 15, 15, 13, 11, 11, 9]);
  // padding 1, 3×3 windows at the corner: count_include_pad divides by 9, else by 4.
  const inc = new AvgPool2d(3, { stride: 3, padding: 1 }).forward(x).data[0];
  const exc = new AvgPool2d(3, { stride: 3, padding: 1, count_include_pad: false }).forward(x).data[0];
  assert.ok(Math.abs(inc - 22 / 9) < 1e-6 && Math.abs(exc - 22 / 4) < 1e-6, `${inc} ${exc}`);
  assert.deepEqual(new MaxPool2d(2).forward(new Tensor(x.data, [1, 4, 4])).shape, [1, 2, 2]);
  assert.throws(() => new MaxPool2d(2).forward(Tensor.zeros([4, 4])), /MaxPool2d\(kernel_size=\(2, 2\), stride=\(2, 2\), padding=\(0, 0\), dilation=\(1, 1\), ceil_mode=False\): expected input \[N, C, H, W\] or \[C, H, W\], got \[4, 4\]/);
});

test('Upsample, ReflectionPad2d, Flatten, Identity, activations', () => {
  const x = Tensor.from([[[[1, 2], [3, 4]]]]);
  assert.deepEqual(new Upsample({ scale_factor: [2, 1] }).forward(x).toArray(), [[[[1, 2], [1, 2], [3, 4], [3, 4]]]]);
  assert.throws(() => new Upsample({ scale_factor: 2, mode: 'bilinear' as 'nearest' }), /Upsample: mode "bilinear" is not supported/);
  assert.throws(() => new Upsample({ scale_factor: 1.5 }), /Upsample: scale_factor must be an integer/);
  const row = Tensor.from([[[[1, 2, 3]]]]);
  assert.deepEqual(new ReflectionPad2d([2, 1, 0, 0]).forward(row).toArray(), [[[[3, 2, 1, 2, 3, 2]]]]);
  assert.deepEqual(new ReflectionPad2d(1).forward(x).shape, [1, 1, 4, 4]);
  assert.throws(() => new ReflectionPad2d([1, 1, 1] as unknown as number), /ReflectionPad2d: padding must be/);
  const t = rnd([2, 3, 4, 5], 1);
  assert.deepEqual(new Flatten().forward(t).shape, [2, 60]);
  assert.deepEqual(new Flatten(0, 1).forward(t).shape, [6, 4, 5]);
  assert.deepEqual(new Flatten(2).forward(t).shape, [2, 3, 20]);
  assert.throws(() => new Flatten(3, 1).forward(t), /Flatten\(start_dim=3, end_dim=1\): start_dim comes after end_dim for input \[2, 3, 4, 5\]/);
  assert.equal(new Identity().forward(t), t);
  const v = Tensor.from([-2, 0, 3]);
  assert.deepEqual(Array.from(new ReLU().forward(v).data), [0, 0, 3]);
  assert.deepEqual(Array.from(new LeakyReLU().forward(v).data), [Math.fround(-0.02), 0, 3]);
  assert.deepEqual(Array.from(new LeakyReLU(0.2).forward(v).data), [Math.fround(-0.4), 0, 3]);
  assertAllClose(new Tanh().forward(v), [Math.tanh(-2), 0, Math.tanh(3)], [3]);
  assertAllClose(new Sigmoid().forward(v), [1 / (1 + Math.exp(2)), 0.5, 1 / (1 + Math.exp(-3))], [3]);
});

test('a DCGAN-style generator and discriminator run end to end with the expected shapes', () => {
  const G = new Sequential(
    new ConvTranspose2d(8, 16, 4, { stride: 1, padding: 0, bias: false }), new BatchNorm2d(16), new ReLU(),
    new ConvTranspose2d(16, 3, 4, { stride: 2, padding: 1, bias: false }), new Tanh(),
  );
  const D = new Sequential(
    new Conv2d(3, 8, 4, { stride: 2, padding: 1, bias: false }), new LeakyReLU(0.2),
    new Conv2d(8, 1, 4, { stride: 1, padding: 0, bias: false }), new Flatten(), new Sigmoid(),
  );
  const img = G.forward(rnd([2, 8, 1, 1], 1));
  assert.deepEqual(img.shape, [2, 3, 8, 8]);
  const out = D.forward(img);
  assert.deepEqual(out.shape, [2, 1]);
  out.sum().backward();
  assert.ok([...G.parameters(), ...D.parameters()].every((p) => p.grad !== null && p.grad.data.some((v) => v !== 0)));
});
