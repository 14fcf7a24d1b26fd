// GAN models: state-dict keys and shapes exactly as the torch modules they mirror (the PyTorch DCGAN
// example for 64², the MLP GAN, the 28² DCGAN, conditional and spectral-norm variants), output
// shapes, conditioning, DCGAN init statistics, and the cat / narrow primitives' gradients.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../../src/tensor.js';
import { Rng } from '../../src/rng.js';
import { noGrad } from '../../src/autograd.js';
import { gradcheck } from '../../src/gradcheck.js';
import { DcganDiscriminator, DcganGenerator, MlpDiscriminator, MlpGenerator } from '../../src/gan/models.js';
import { buildDiscriminator, buildGenerator, ganConfig } from '../../src/gan/train.js';
import { catAll as cat, oneHot } from '../../src/gan/concat.js';
import { cat as cat2 } from '../../src/ops/cat.js';
import { narrow } from '../../src/ops/narrow.js';
import type { Module } from '../../src/nn/index.js';

const shapes = (m: Module) => Object.fromEntries(Object.entries(m.stateDict()).map(([k, t]) => [k, [...t.shape]]));
const bn = (i: number, c: number) => ({
  [`main.${i}.weight`]: [c], [`main.${i}.bias`]: [c], [`main.${i}.running_mean`]: [c], [`main.${i}.running_var`]: [c], [`main.${i}.num_batches_tracked`]: [],
});
const lin = (i: number, o: number, n: number) => ({ [`main.${i}.weight`]: [o, n], [`main.${i}.bias`]: [o] });
const snLin = (i: number, o: number, n: number) => ({ [`main.${i}.bias`]: [o], [`main.${i}.weight_orig`]: [o, n], [`main.${i}.weight_u`]: [o], [`main.${i}.weight_v`]: [n] });

test('MLP GAN: torch keys main.{0,2,4,6,8}; with dropout D indices step by 3; with spectral norm weight_orig/_u/_v', () => {
  const rng = new Rng(0);
  assert.deepEqual(shapes(new MlpGenerator({ rng })), { ...lin(0, 128, 100), ...lin(2, 256, 128), ...lin(4, 512, 256), ...lin(6, 1024, 512), ...lin(8, 784, 1024) });
  assert.deepEqual(shapes(new MlpDiscriminator({ rng })), { ...lin(0, 1024, 784), ...lin(2, 512, 1024), ...lin(4, 256, 512), ...lin(6, 128, 256), ...lin(8, 1, 128) });
  assert.deepEqual(Object.keys(new MlpDiscriminator({ dropout: 0.3, rng }).stateDict()).filter((k) => k.endsWith('.weight')), ['main.0.weight', 'main.3.weight', 'main.6.weight', 'main.9.weight', 'main.12.weight']);
  const sn = shapes(new MlpDiscriminator({ spectralNorm: true, rng }));
  assert.deepEqual(sn, { ...snLin(0, 1024, 784), ...snLin(2, 512, 1024), ...snLin(4, 256, 512), ...snLin(6, 128, 256), ...snLin(8, 1, 128) });
  assert.deepEqual(Object.keys(sn).slice(0, 4), ['main.0.bias', 'main.0.weight_orig', 'main.0.weight_u', 'main.0.weight_v'], 'torch order');
});

test('conditional MLP: one-hot widens the first layers to 110 and 794', () => {
  const g = new MlpGenerator({ numClasses: 10 }), d = new MlpDiscriminator({ numClasses: 10 });
  assert.deepEqual(g.stateDict()['main.0.weight'].shape, [128, 110]);
  assert.deepEqual(d.stateDict()['main.0.weight'].shape, [1024, 794]);
});

test('DCGAN 28²: G 7×7×128 → 14×14×64 → 28×28×C, D mirrored, bias-free convs as the PyTorch example', () => {
  const g = new DcganGenerator({ size: 28, rng: new Rng(1) }), d = new DcganDiscriminator({ size: 28, rng: new Rng(2) });
  assert.deepEqual(shapes(g), {
    'main.0.weight': [100, 128, 7, 7], ...bn(1, 128), 'main.3.weight': [128, 64, 4, 4], ...bn(4, 64), 'main.6.weight': [64, 1, 4, 4],
  });
  assert.deepEqual(shapes(d), { 'main.0.weight': [64, 1, 4, 4], 'main.2.weight': [128, 64, 4, 4], ...bn(3, 128), 'main.5.weight': [1, 128, 7, 7] });
  // norm 'none' keeps the indices (Identity in the BN slot) and gives convs a bias; spectral norm renames.
  assert.deepEqual(shapes(new DcganDiscriminator({ size: 28, norm: 'none' })), {
    'main.0.weight': [64, 1, 4, 4], 'main.0.bias': [64], 'main.2.weight': [128, 64, 4, 4], 'main.2.bias': [128], 'main.5.weight': [1, 128, 7, 7], 'main.5.bias': [1],
  });
  assert.deepEqual(Object.keys(new DcganDiscriminator({ size: 28, norm: 'none', spectralNorm: true }).stateDict()).filter((k) => k.startsWith('main.2.')),
    ['main.2.bias', 'main.2.weight_orig', 'main.2.weight_u', 'main.2.weight_v']);
  assert.deepEqual(new DcganDiscriminator({ size: 28, norm: 'none', spectralNorm: true }).stateDict()['main.2.weight_v'].shape, [64 * 16]);
  // conditional: z ⊕ 10 one-hot into the first ConvT, 1 + 10 label planes into the first conv.
  assert.deepEqual(new DcganGenerator({ numClasses: 10 }).stateDict()['main.0.weight'].shape, [110, 128, 7, 7]);
  assert.deepEqual(new DcganDiscriminator({ numClasses: 10 }).stateDict()['main.0.weight'].shape, [64, 11, 4, 4]);
});

test('DCGAN 64²: exactly the PyTorch example\'s keys and shapes (nz 100, ngf = ndf = 64, nc 3)', () => {
  const g = new DcganGenerator({ size: 64, channels: 3 }), d = new DcganDiscriminator({ size: 64, channels: 3 });
  assert.deepEqual(shapes(g), {
    'main.0.weight': [100, 512, 4, 4], ...bn(1, 512), 'main.3.weight': [512, 256, 4, 4], ...bn(4, 256), 'main.6.weight': [256, 128, 4, 4], ...bn(7, 128),
    'main.9.weight': [128, 64, 4, 4], ...bn(10, 64), 'main.12.weight': [64, 3, 4, 4],
  });
  assert.deepEqual(shapes(d), {
    'main.0.weight': [64, 3, 4, 4], 'main.2.weight': [128, 64, 4, 4], ...bn(3, 128), 'main.5.weight': [256, 128, 4, 4], ...bn(6, 256),
    'main.8.weight': [512, 256, 4, 4], ...bn(9, 512), 'main.11.weight': [1, 512, 4, 4],
  });
});

test('forward shapes: G → [N, C, H, W] in [-1, 1], D → [N] logits, for every trainer model', () => {
  for (const model of ['mlp', 'dcgan', 'cgan-mlp', 'cgan-dcgan', 'dcgan64'] as const) {
    const c = ganConfig({ model, ngf: model === 'dcgan64' ? 8 : 64, ndf: model === 'dcgan64' ? 8 : 64 });
    const channels = model === 'dcgan64' ? 3 : 1;
    const g = buildGenerator(c, { channels, rng: new Rng(3) }), d = buildDiscriminator(c, { channels, rng: new Rng(4) });
    const labels = c.numClasses > 0 ? [3, 7] : undefined;
    const x = noGrad(() => g.forward(Tensor.randn([2, 100]), labels));
    const size = model === 'dcgan64' ? 64 : 28;
    assert.deepEqual(x.shape, [2, channels, size, size], model);
    assert.ok(x.data.every((v) => v >= -1 && v <= 1), `${model}: tanh range`);
    assert.deepEqual(noGrad(() => d.forward(x, labels)).shape, [2], model);
  }
});

test('conditioning: labels change the output; missing, extra or out-of-range labels are clear errors', () => {
  const g = new MlpGenerator({ numClasses: 10, rng: new Rng(5) });
  const z = Tensor.randn([2, 100], { rng: new Rng(6) });
  const a = noGrad(() => g.forward(z, [1, 1])), b = noGrad(() => g.forward(z, [1, 2]));
  assert.deepEqual(a.data.subarray(0, 784), b.data.subarray(0, 784), 'same z and label → same image');
  assert.notDeepEqual(a.data.subarray(784), b.data.subarray(784), 'another label → another image');
  assert.throws(() => g.forward(z), /conditional model needs labels/);
  assert.throws(() => g.forward(z, [1]), /1 labels for a batch of 2/);
  assert.throws(() => g.forward(z, [1, 10]), /label 10 at index 1 is not an integer in \[0, 10\)/);
  assert.throws(() => new MlpGenerator().forward(z, [1, 2]), /not conditional/);
  const d = new DcganDiscriminator({ numClasses: 10, rng: new Rng(7) }).eval(); // eval: batch norm would couple the samples
  const x = Tensor.randn([2, 1, 28, 28]);
  const da = noGrad(() => d.forward(x, [0, 0])), db = noGrad(() => d.forward(x, [0, 9]));
  assert.equal(da.data[0], db.data[0]);
  assert.notEqual(da.data[1], db.data[1]);
  assert.throws(() => d.forward(Tensor.randn([2, 1, 27, 28]), [0, 0]), /expected images \[N, 1, 28, 28\], got \[2, 1, 27, 28\]/);
});

test('DCGAN init: conv weights N(0, 0.02), BN weight N(1, 0.02), BN bias 0; deterministic per rng', () => {
  const g = new DcganGenerator({ size: 28, rng: new Rng(8) });
  const stats = (t: Tensor) => {
    const m = t.data.reduce((s, v) => s + v, 0) / t.size;
    return { m, sd: Math.sqrt(t.data.reduce((s, v) => s + (v - m) ** 2, 0) / t.size) };
  };
  const w = stats(g.stateDict()['main.3.weight']);
  assert.ok(Math.abs(w.m) < 0.001 && Math.abs(w.sd - 0.02) < 0.001, `conv weight ${JSON.stringify(w)}`);
  const bw = stats(g.stateDict()['main.4.weight']);
  assert.ok(Math.abs(bw.m - 1) < 0.01 && Math.abs(bw.sd - 0.02) < 0.01, `bn weight ${JSON.stringify(bw)}`);
  assert.ok(g.stateDict()['main.4.bias'].data.every((v) => v === 0));
  assert.deepEqual(new DcganGenerator({ size: 28, rng: new Rng(8) }).stateDict()['main.0.weight'].data, g.stateDict()['main.0.weight'].data);
});

test('cat / narrow: values, gradients (finite differences) and shape errors', () => {
  const a = Tensor.from([[1, 2], [3, 4]]), b = Tensor.from([[5], [6]]);
  assert.deepEqual(cat([a, b], 1).toArray(), [[1, 2, 5], [3, 4, 6]]);
  assert.deepEqual(cat([a, Tensor.from([[7, 8]])], 0).toArray(), [[1, 2], [3, 4], [7, 8]]);
  assert.deepEqual(narrow(Tensor.from([[1, 2, 3], [4, 5, 6]]), { dim: 1, start: 1, length: 2 }).toArray(), [[2, 3], [5, 6]]);
  const rng = new Rng(9);
  const x = Tensor.randn([2, 3, 2], { rng, requiresGrad: true }), y = Tensor.randn([2, 2, 2], { rng, requiresGrad: true });
  for (const dim of [1, -2]) assert.ok(gradcheck((p, q) => cat2(p, q, { dim }), [x, y], { rng }).ok, `cat dim ${dim}`);
  const r = gradcheck((p) => narrow(p, { dim: 1, start: 1, length: 1 }), [x], { rng });
  assert.ok(r.ok, r.message);
  // second order: ∂/∂x of ‖∂(Σ w ⊙ cat(x², y))/∂x‖² goes back through narrow → cat.
  assert.ok(gradcheck((p) => narrow(cat2(p.mul(p), y, { dim: 1 }), { dim: 1, start: 0, length: 3 }).mul(narrow(cat2(p, y, { dim: 1 }), { dim: 1, start: 1, length: 3 })), [x], { rng }).ok);
  assert.throws(() => cat([a, Tensor.zeros([3, 1])], 1), /cat: tensors \[2, 2\] and \[3, 1\] must match except along dim 1/);
  assert.throws(() => narrow(a, { dim: 0, start: 1, length: 2 }), /narrow: start 1 \+ length 2 exceeds dimension 0 of \[2, 2\]/);
  assert.deepEqual(oneHot([2, 0], 3).toArray(), [[0, 0, 1], [1, 0, 0]]);
});
