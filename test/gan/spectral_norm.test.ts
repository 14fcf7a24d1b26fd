// Spectral norm: σ from the module's power iteration vs an independent float64 power iteration run
// 200 times on the matrix view (built here by explicit permutation, so dim=1 of ConvTranspose2d is
// checked too); the normalised weight's largest singular value ≈ 1; gradients through σ; torch's
// state-dict names and order; train/eval behaviour; the layer really uses W/σ.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../../src/tensor.js';
import { Rng } from '../../src/rng.js';
import { F } from '../../src/ops/index.js';
import { enableGrad, grad, noGrad } from '../../src/autograd.js';
import { gradcheck } from '../../src/gradcheck.js';
import { Conv2d, ConvTranspose2d, Linear, Sequential, LeakyReLU } from '../../src/nn/index.js';
import { spectralNorm, spectralNormWeight } from '../../src/gan/spectral_norm.js';

/** The weight as rows × cols with `dim` moved to the front (torch's reshape_weight_to_matrix), in float64. */
function matrix(w: Tensor, dim: number): number[][] {
  const shape = w.shape, h = shape[dim];
  const rows: number[][] = Array.from({ length: h }, () => []);
  const idx = new Array(shape.length).fill(0);
  // Visit in the order of the permuted tensor: dim first, then the other axes in order.
  const order = [dim, ...shape.map((_, i) => i).filter((i) => i !== dim)];
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((p, d) => p * d, 1));
  const total = w.size;
  for (let n = 0; n < total; n++) {
    let rem = n;
    for (let j = order.length - 1; j >= 0; j--) {
      idx[order[j]] = rem % shape[order[j]];
      rem = Math.floor(rem / shape[order[j]]);
    }
    const off = idx.reduce((s, v, i) => s + v * strides[i], 0);
    rows[idx[dim]].push(w.data[off]);
  }
  return rows;
}

/** Largest singular value by float64 power iterations on AᵀA from a fixed start (2000: random matrices can have a small gap). */
function topSingular(a: number[][]): number {
  const w = a[0].length;
  let v = Array.from({ length: w }, (_, i) => 1 + Math.sin(i + 1));
  let sigma = 0;
  for (let it = 0; it < 2000; it++) {
    const u = a.map((row) => row.reduce((s, x, j) => s + x * v[j], 0));
    const nu = Math.hypot(...u);
    const next = new Array(w).fill(0);
    a.forEach((row, i) => row.forEach((x, j) => (next[j] += x * (u[i] / nu))));
    sigma = Math.hypot(...next);
    v = next.map((x) => x / sigma);
  }
  return sigma;
}

const cases = [
  { name: 'Linear(20, 30)', make: (rng: Rng) => new Linear(20, 30, { rng }), dim: 0, uv: [30, 20] },
  { name: 'Conv2d(3, 6, 3)', make: (rng: Rng) => new Conv2d(3, 6, 3, { rng }), dim: 0, uv: [6, 27] },
  { name: 'ConvTranspose2d(4, 5, 3)', make: (rng: Rng) => new ConvTranspose2d(4, 5, 3, { rng }), dim: 1, uv: [5, 36] },
];

for (const c of cases) {
  test(`${c.name}: σ after 200 training forwards = float64 σ_max; W/σ has σ_max ≈ 1`, () => {
    const rng = new Rng(11);
    const sn = spectralNorm(c.make(rng), { rng });
    assert.equal(sn.dim, c.dim);
    assert.deepEqual([sn.weight_u.shape[0], sn.weight_v.shape[0]], c.uv);
    const exact = topSingular(matrix(sn.weight_orig, c.dim));
    const x = c.name.startsWith('Linear') ? Tensor.randn([2, 20], { rng }) : Tensor.randn([1, c.name.startsWith('Conv2d') ? 3 : 4, 5, 5], { rng });
    const before = sn.sigma();
    for (let i = 0; i < 200; i++) noGrad(() => sn.forward(x)); // one power iteration per training forward
    assert.ok(Math.abs(sn.sigma() - exact) <= 1e-4 * exact, `σ ${sn.sigma()} vs exact ${exact} (started at ${before})`);
    assert.ok(Math.abs(before - exact) > 1e-3 * exact, 'the random start was already converged: the check proves nothing');
    const normalised = spectralNormWeight(sn);
    assert.ok(Math.abs(topSingular(matrix(normalised, c.dim)) - 1) < 1e-4, 'σ_max(W/σ) ≈ 1');
  });
}

test('state dict: torch names and order (bias, weight_orig, weight_u, weight_v); parameters bias then weight_orig', () => {
  const net = new Sequential(spectralNorm(new Linear(4, 3)), new LeakyReLU(0.2), spectralNorm(new Conv2d(1, 2, 3, { bias: false })));
  assert.deepEqual(Object.keys(net.stateDict()), ['0.bias', '0.weight_orig', '0.weight_u', '0.weight_v', '2.weight_orig', '2.weight_u', '2.weight_v']);
  assert.deepEqual(net.namedParameters().map(([n]) => n), ['0.bias', '0.weight_orig', '2.weight_orig']);
  assert.equal(net.at(0).toString(), 'Linear(in_features=4, out_features=3, bias=True)');
  const copy = new Sequential(spectralNorm(new Linear(4, 3)), new LeakyReLU(0.2), spectralNorm(new Conv2d(1, 2, 3, { bias: false })));
  copy.loadStateDict(net.stateDict());
  copy.eval();
  net.eval();
  const x = Tensor.randn([2, 4]);
  assert.deepEqual(Array.from(copy.at(0).forward(x).data), Array.from(net.at(0).forward(x).data), 'a loaded copy computes the same W/σ');
});

test('training forwards update u and v; eval forwards leave them alone', () => {
  const sn = spectralNorm(new Linear(6, 4, { rng: new Rng(2) }), { rng: new Rng(3) });
  const x = Tensor.randn([3, 6]);
  const u0 = sn.weight_u.data.slice();
  sn.eval();
  sn.forward(x);
  assert.deepEqual(sn.weight_u.data, u0);
  sn.train();
  sn.forward(x);
  assert.notDeepEqual(sn.weight_u.data, u0);
  let norm = 0;
  for (const v of sn.weight_u.data) norm += v * v;
  assert.ok(Math.abs(norm - 1) < 1e-5, 'u stays a unit vector');
  // In training σ comes from the power iteration (‖W v‖); it must equal uᵀ W v with the new u, v.
  const w = noGrad(() => sn.normalizedWeight(true)), s = sn.sigma();
  w.data.forEach((v, i) => assert.ok(Math.abs(v * s - sn.weight_orig.data[i]) < 1e-5, `W/σ·σ = W at ${i}`));
});

test('the layer computes with W/σ: output = x·(W/σ)ᵀ + b', () => {
  const rng = new Rng(4);
  const lin = new Linear(5, 3, { rng });
  const sn = spectralNorm(lin, { rng });
  sn.eval();
  const x = Tensor.randn([2, 5], { rng });
  const sigma = sn.sigma();
  const expected = F.linear(x, F.div(lin.weight, sigma), lin.bias);
  const got = sn.forward(x);
  got.data.forEach((v, i) => assert.ok(Math.abs(v - expected.data[i]) < 1e-6, `y[${i}] ${v} vs ${expected.data[i]}`));
  assert.ok(Math.abs(sigma - 1) > 0.05, 'σ far from 1, so dividing matters');
});

test('∂(W/σ)/∂weight_orig includes the σ term (finite differences, u and v fixed as in torch)', () => {
  for (const c of cases) {
    const rng = new Rng(21);
    const sn = spectralNorm(c.make(rng), { rng });
    sn.powerIteration(5);
    sn.eval();
    const upstream = Tensor.randn(sn.weight_orig.shape, { rng });
    const r = gradcheck(() => sn.normalizedWeight(false), [sn.weight_orig], { upstream, eps: 1e-3, atol: 2e-3, rtol: 1e-2 });
    assert.ok(r.ok, `${c.name}: ${r.message}`);
    // Without the σ term the gradient would be upstream/σ; make sure it is not.
    const naive = upstream.data.map((g) => g / sn.sigma());
    const diff = sn.weight_orig.grad!.data.reduce((m, g, i) => Math.max(m, Math.abs(g - naive[i])), 0);
    assert.ok(diff > 1e-3, `${c.name}: gradient equals dy/σ, the σ term is missing`);
  }
});

test('forward: gradients w.r.t. x, weight_orig and bias match finite differences (every layer kind)', () => {
  for (const c of cases) {
    const rng = new Rng(31);
    const sn = spectralNorm(c.make(rng), { rng });
    sn.powerIteration(3);
    sn.eval(); // u, v fixed while differencing
    const x = (c.name.startsWith('Linear') ? Tensor.randn([3, 20], { rng }) : Tensor.randn([2, c.name.startsWith('Conv2d') ? 3 : 4, 4, 4], { rng })).requiresGrad_();
    const r = gradcheck((xx) => sn.forward(xx), [x, sn.weight_orig, sn.bias!], { rng, eps: 1e-3, atol: 2e-3, rtol: 1e-2 });
    assert.ok(r.ok, `${c.name}: ${r.message}`);
  }
});

test('second order (WGAN-GP with spectral norm): ∂‖∂D/∂x‖²/∂weight_orig matches finite differences', () => {
  for (const c of cases.slice(0, 2)) {
    const rng = new Rng(41);
    const sn = spectralNorm(c.make(rng), { rng });
    sn.powerIteration(3);
    sn.eval();
    const x = (c.name.startsWith('Linear') ? Tensor.randn([2, 20], { rng }) : Tensor.randn([1, 3, 4, 4], { rng })).requiresGrad_();
    const weights = Tensor.randn(noGrad(() => sn.forward(x)).shape, { rng });
    // ‖∂⟨D(x), c⟩/∂x‖² as a function of weight_orig; D = leaky_relu(sn(x)) so the input gradient depends on W nonlinearly
    // (enableGrad: gradcheck evaluates the function under noGrad for its finite differences)
    const penalty = () => enableGrad(() => {
      const [g] = grad(F.sum(F.mul(F.leaky_relu(sn.forward(x), { negative_slope: 0.2 }), weights)), [x], { createGraph: true });
      return F.sum(F.mul(g!, g!));
    });
    const r = gradcheck(penalty, [sn.weight_orig], { rng, eps: 1e-3, atol: 5e-3, rtol: 2e-2 });
    assert.ok(r.ok, `${c.name}: ${r.message}`);
  }
});

test('errors: wrong layer type, double wrapping, bad options', () => {
  assert.throws(() => spectralNorm(new LeakyReLU() as never), /expected a Linear, Conv2d or ConvTranspose2d/);
  const lin = new Linear(2, 2);
  spectralNorm(lin);
  assert.throws(() => spectralNorm(lin), /already has a weight parametrization/);
  assert.throws(() => spectralNorm(new Linear(2, 2), { n_power_iterations: -1 }), /n_power_iterations/);
  assert.throws(() => spectralNorm(new Linear(2, 2), { dim: 2 }), /dim 2 is out of range/);
});
