// GAN losses on known logits (float64 references from the formulas), and the WGAN-GP gradient
// penalty: its value for a linear critic (∇x D = w exactly) and its parameter gradient (a double
// backward) against central finite differences for MLP, conv and conditional (cat) critics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../../src/tensor.js';
import { Rng } from '../../src/rng.js';
import { F } from '../../src/ops/index.js';
import { Conv2d, LeakyReLU, Linear, Sequential, Tanh } from '../../src/nn/index.js';
import type { Module } from '../../src/nn/index.js';
import { discriminatorLoss, generatorLoss, gradientPenalty, interpolate, GAN_LOSSES } from '../../src/gan/losses.js';
import { catAll as cat, oneHot } from '../../src/gan/concat.js';

const real = [2, -1, 0.5, 0];
const fake = [-3, 1, 0, 0.25];
const t = (v: number[]) => Tensor.from(v);
const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
const softplus = (x: number) => Math.log1p(Math.exp(x));
const close = (a: number, b: number, what: string, tol = 1e-6) => assert.ok(Math.abs(a - b) <= tol * (1 + Math.abs(b)), `${what}: ${a} vs ${b}`);

test('every loss on known logits matches its formula (D with and without label smoothing, G)', () => {
  for (const label of [1, 0.9]) {
    // BCE(x, y) = softplus(x) − y·x
    const bceD = mean(real.map((x) => softplus(x) - label * x)) + mean(fake.map((x) => softplus(x)));
    const lsD = 0.5 * (mean(real.map((x) => (x - label) ** 2)) + mean(fake.map((x) => x * x)));
    const hingeD = mean(real.map((x) => Math.max(0, label - x))) + mean(fake.map((x) => Math.max(0, 1 + x)));
    close(discriminatorLoss('bce', t(real), t(fake), label).item(), bceD, `bce D (label ${label})`);
    close(discriminatorLoss('lsgan', t(real), t(fake), label).item(), lsD, `lsgan D (label ${label})`);
    close(discriminatorLoss('hinge', t(real), t(fake), label).item(), hingeD, `hinge D (label ${label})`);
  }
  close(discriminatorLoss('wgan-gp', t(real), t(fake)).item(), mean(fake) - mean(real), 'wgan-gp critic');
  close(generatorLoss('bce', t(fake)).item(), mean(fake.map((x) => softplus(-x))), 'bce G (non-saturating)');
  close(generatorLoss('lsgan', t(fake)).item(), 0.5 * mean(fake.map((x) => (x - 1) ** 2)), 'lsgan G');
  close(generatorLoss('hinge', t(fake)).item(), -mean(fake), 'hinge G');
  close(generatorLoss('wgan-gp', t(fake)).item(), -mean(fake), 'wgan-gp G');
  assert.deepEqual(GAN_LOSSES, ['bce', 'lsgan', 'hinge', 'wgan-gp']);
});

test('loss gradients point the right way: D pushes real up and fake down, G pushes fake up', () => {
  for (const kind of GAN_LOSSES) {
    const r = Tensor.from([0.3, -0.2], undefined, { requiresGrad: true });
    const f = Tensor.from([0.1, 0.4], undefined, { requiresGrad: true });
    discriminatorLoss(kind, r, f).backward();
    assert.ok(r.grad!.data.every((g) => g < 0) && f.grad!.data.every((g) => g > 0), `${kind} D gradients`);
    const f2 = Tensor.from([0.1, 0.4], undefined, { requiresGrad: true });
    generatorLoss(kind, f2).backward();
    assert.ok(f2.grad!.data.every((g) => g < 0), `${kind} G gradient`);
  }
});

test('wgan-gp rejects label smoothing, unknown losses are named', () => {
  assert.throws(() => discriminatorLoss('wgan-gp', t(real), t(fake), 0.9), /label smoothing.*wgan-gp/);
  assert.throws(() => discriminatorLoss('nope' as never, t(real), t(fake)), /unknown loss 'nope'/);
  assert.throws(() => generatorLoss('nope' as never, t(fake)), /unknown loss 'nope'/);
});

test('interpolate: x̂ = α·real + (1 − α)·fake per sample, a leaf that requires grad', () => {
  const r = Tensor.from([1, 2, 3, 4], [2, 2]), f = Tensor.from([5, 6, 7, 8], [2, 2]);
  const x = interpolate(r, f, Float32Array.of(0.25, 1));
  assert.deepEqual(Array.from(x.data), [0.25 * 1 + 0.75 * 5, 0.25 * 2 + 0.75 * 6, 3, 4]);
  assert.ok(x.requiresGrad && x.isLeaf);
});

test('gradient penalty of a linear critic is (‖w‖ − 1)² exactly', () => {
  const w = Tensor.from([0.6, -1.2, 0.3, 2], [1, 4]);
  const critic = (x: Tensor) => F.linear(x, w, Tensor.from([0.7])).reshape(x.shape[0]);
  const xHat = new Tensor(Tensor.randn([5, 4], { rng: new Rng(1) }).data, [5, 4], true);
  const norm = Math.hypot(0.6, -1.2, 0.3, 2);
  close(gradientPenalty(critic, xHat).item(), (norm - 1) ** 2, 'GP');
  assert.throws(() => gradientPenalty(critic, Tensor.zeros([2, 4])), /must require grad/);
});

/** Central differences of GP(θ) for a few elements of each parameter vs autograd's ∂GP/∂θ. */
function checkPenaltyGradient(name: string, critic: Module, forward: (x: Tensor) => Tensor, xShape: number[], seed: number): void {
  const rng = new Rng(seed);
  const data = Tensor.randn(xShape, { rng }).data;
  const gp = () => gradientPenalty(forward, new Tensor(data.slice(), xShape, true));
  const params = critic.parameters();
  for (const p of params) p.grad = null;
  gp().backward();
  const eps = 1e-2;
  // Biases may get no gradient (∇x D does not depend on them with piecewise-linear activations):
  // they are checked as 0 against the finite differences below; every weight must get one.
  assert.ok(params.every((p) => p.ndim < 2 || p.grad !== null), `${name}: a weight got no gradient from the penalty`);
  for (const p of params) {
    const picks = [0, Math.floor(p.size / 2), p.size - 1];
    for (const i of picks) {
      const orig = p.data[i];
      p.data[i] = orig + eps;
      const up = gp().item();
      p.data[i] = orig - eps;
      const down = gp().item();
      p.data[i] = orig;
      const numeric = (up - down) / (2 * eps), analytic = p.grad === null ? 0 : p.grad.data[i];
      assert.ok(Math.abs(numeric - analytic) <= 2e-3 + 3e-2 * Math.abs(numeric), `${name}: ∂GP/∂θ[${i}] analytic ${analytic} vs numeric ${numeric}`);
    }
  }
}

test('∂GP/∂θ (double backward) matches finite differences: MLP critic with tanh', () => {
  const rng = new Rng(5);
  const net = new Sequential(new Linear(6, 5, { rng }), new Tanh(), new Linear(5, 1, { rng }));
  checkPenaltyGradient('mlp', net, (x) => net.forward(x).reshape(x.shape[0]), [3, 6], 6);
});

test('∂GP/∂θ matches finite differences: conv critic with leaky ReLU', () => {
  const rng = new Rng(7);
  const conv = new Conv2d(1, 3, 3, { stride: 2, padding: 1, rng });
  const head = new Linear(3 * 3 * 3, 1, { rng });
  const net = new Sequential(conv, new LeakyReLU(0.2), head);
  const forward = (x: Tensor) => head.forward(F.leaky_relu(conv.forward(x), { negative_slope: 0.2 }).reshape(x.shape[0], 27)).reshape(x.shape[0]);
  checkPenaltyGradient('conv', net, forward, [2, 1, 5, 5], 8);
});

test('∂GP/∂θ matches finite differences: conditional critic (one-hot concatenated)', () => {
  const rng = new Rng(9);
  const net = new Sequential(new Linear(4 + 3, 6, { rng }), new Tanh(), new Linear(6, 1, { rng }));
  const labels = [2, 0, 1];
  checkPenaltyGradient('conditional', net, (x) => net.forward(cat([x, oneHot(labels, 3)], 1)).reshape(x.shape[0]), [3, 4], 10);
});
