// nn.init and the layers' default initialisation (torch 1.13): bounds and moments of the draws,
// fan computation per layer type, and seeded reproducibility.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../../src/tensor.js';
import { Rng, manualSeed } from '../../src/rng.js';
import { BatchNorm2d, Conv2d, ConvTranspose2d, Linear, init } from '../../src/nn/index.js';

function moments(t: Tensor): { min: number; max: number; mean: number; std: number } {
  let s = 0, ss = 0, min = Infinity, max = -Infinity;
  for (const v of t.data) { s += v; ss += v * v; min = Math.min(min, v); max = Math.max(max, v); }
  const mean = s / t.size;
  return { min, max, mean, std: Math.sqrt(ss / t.size - mean * mean) };
}

/** U(−b, b): every value inside, extremes near ±b, mean ≈ 0, std ≈ b/√3. */
function assertUniform(t: Tensor, bound: number, what: string): void {
  const m = moments(t);
  assert.ok(m.min >= -bound && m.max <= bound, `${what}: values within ±${bound} (got ${m.min}, ${m.max})`);
  assert.ok(m.max > 0.95 * bound && m.min < -0.95 * bound, `${what}: extremes reach the bound ${bound} (got ${m.min}, ${m.max})`);
  const se = bound / Math.sqrt(3 * t.size);
  assert.ok(Math.abs(m.mean) < 5 * se, `${what}: mean ${m.mean}`);
  assert.ok(Math.abs(m.std / (bound / Math.sqrt(3)) - 1) < 0.05, `${what}: std ${m.std} vs ${bound / Math.sqrt(3)}`);
}

test('Linear default init: weight and bias U(±1/√in_features)', () => {
  const lin = new Linear(200, 64, { rng: new Rng(1) });
  assertUniform(lin.weight, 1 / Math.sqrt(200), 'weight');
  const big = new Linear(50, 2000, { rng: new Rng(2) });
  assertUniform(big.bias!, 1 / Math.sqrt(50), 'bias');
});

test('Conv2d init: fan_in = Cin/groups·kh·kw', () => {
  const conv = new Conv2d(12, 66, [3, 2], { groups: 3, rng: new Rng(3) });
  assert.deepEqual(conv.weight.shape, [66, 4, 3, 2]);
  assertUniform(conv.weight, 1 / Math.sqrt(4 * 6), 'weight');
  assertUniform(new Conv2d(12, 3000, 3, { groups: 3, rng: new Rng(4) }).bias!, 1 / Math.sqrt(4 * 9), 'bias');
});

test('ConvTranspose2d init: fan_in from weight dim 1 (Cout/groups·kh·kw), as torch', () => {
  // weight [Cin=64, Cout/g=2, 3, 3]: fan_in = 18, not 64·9.
  const ct = new ConvTranspose2d(64, 4, 3, { groups: 2, rng: new Rng(5) });
  assert.deepEqual(ct.weight.shape, [64, 2, 3, 3]);
  assertUniform(ct.weight, 1 / Math.sqrt(18), 'weight');
  assertUniform(new ConvTranspose2d(64, 4000, 3, { groups: 2, rng: new Rng(6) }).bias!, 1 / Math.sqrt(2000 * 9), 'bias');
});

test('BatchNorm init: weight 1, bias 0, running_mean 0, running_var 1', () => {
  const bn = new BatchNorm2d(5);
  assert.deepEqual(Array.from(bn.weight!.data), [1, 1, 1, 1, 1]);
  assert.deepEqual(Array.from(bn.bias!.data), [0, 0, 0, 0, 0]);
  assert.deepEqual(Array.from(bn.running_mean!.data), [0, 0, 0, 0, 0]);
  assert.deepEqual(Array.from(bn.running_var!.data), [1, 1, 1, 1, 1]);
  assert.equal(bn.num_batches_tracked!.item(), 0);
});

test('seeded reproducibility: same seed → same weights, other seed → other weights; an explicit rng leaves the global one alone', () => {
  manualSeed(11);
  const a = new Conv2d(3, 8, 3);
  manualSeed(11);
  const b = new Conv2d(3, 8, 3);
  assert.deepEqual(Array.from(b.weight.data), Array.from(a.weight.data));
  assert.deepEqual(Array.from(b.bias!.data), Array.from(a.bias!.data));
  manualSeed(12);
  assert.notDeepEqual(Array.from(new Conv2d(3, 8, 3).weight.data), Array.from(a.weight.data));
  manualSeed(11);
  new Linear(4, 4, { rng: new Rng(99) }); // draws from its own generator
  assert.deepEqual(Array.from(new Conv2d(3, 8, 3).weight.data), Array.from(a.weight.data));
  assert.deepEqual(Array.from(new Linear(4, 4, { rng: new Rng(99) }).weight.data), Array.from(new Linear(4, 4, { rng: new Rng(99) }).weight.data));
});

test('calculateGain and fans', () => {
  assert.equal(init.calculateGain('linear'), 1);
  assert.equal(init.calculateGain('conv_transpose2d'), 1);
  assert.equal(init.calculateGain('sigmoid'), 1);
  assert.equal(init.calculateGain('tanh'), 5 / 3);
  assert.equal(init.calculateGain('relu'), Math.SQRT2);
  assert.equal(init.calculateGain('leaky_relu'), Math.sqrt(2 / (1 + 0.01 ** 2)));
  assert.equal(init.calculateGain('leaky_relu', 0.2), Math.sqrt(2 / 1.04));
  assert.equal(init.calculateGain('selu'), 0.75);
  assert.throws(() => init.calculateGain('gelu' as 'relu'), /unsupported nonlinearity "gelu"/);
  assert.deepEqual(init.calculateFanInAndFanOut(Tensor.zeros([6, 4, 3, 2])), { fanIn: 24, fanOut: 36 });
  assert.deepEqual(init.calculateFanInAndFanOut(Tensor.zeros([5, 7])), { fanIn: 7, fanOut: 5 });
  assert.throws(() => init.calculateFanInAndFanOut(Tensor.zeros([5])), /fewer than 2 dimensions/);
});

test('kaiming, xavier, uniform, normal, constant', () => {
  const w = Tensor.zeros([256, 128, 3, 3]);
  const fanIn = 128 * 9, fanOut = 256 * 9;
  init.kaiming_uniform_(w, { rng: new Rng(1) }); // a = 0, leaky_relu → gain √2
  assertUniform(w, Math.sqrt(2) * Math.sqrt(3 / fanIn), 'kaiming_uniform_');
  init.kaiming_uniform_(w, { a: 0.2, mode: 'fan_out', rng: new Rng(1) });
  assertUniform(w, init.calculateGain('leaky_relu', 0.2) * Math.sqrt(3 / fanOut), 'kaiming_uniform_ fan_out');
  init.kaiming_normal_(w, { mode: 'fan_out', nonlinearity: 'relu', rng: new Rng(2) });
  let m = moments(w);
  assert.ok(Math.abs(m.std / Math.sqrt(2 / fanOut) - 1) < 0.01 && Math.abs(m.mean) < 1e-3, `kaiming_normal_ std ${m.std}`);
  init.xavier_uniform_(w, { gain: 2, rng: new Rng(3) });
  assertUniform(w, 2 * Math.sqrt(6 / (fanIn + fanOut)), 'xavier_uniform_');
  init.xavier_normal_(w, { rng: new Rng(4) });
  m = moments(w);
  assert.ok(Math.abs(m.std / Math.sqrt(2 / (fanIn + fanOut)) - 1) < 0.01, `xavier_normal_ std ${m.std}`);
  init.normal_(w, { mean: 1, std: 0.02, rng: new Rng(5) }); // DCGAN's BatchNorm weight init
  m = moments(w);
  assert.ok(Math.abs(m.mean - 1) < 1e-3 && Math.abs(m.std / 0.02 - 1) < 0.01, `normal_ ${m.mean} ${m.std}`);
  const u = init.uniform_(Tensor.zeros([10000]), { a: 2, b: 3, rng: new Rng(6) });
  assert.ok(u.data.every((v) => v >= 2 && v <= 3));
  assert.equal(init.constant_(Tensor.zeros([3]), 0.5).data[2], 0.5);
  assert.deepEqual(Array.from(init.ones_(Tensor.zeros([2])).data), [1, 1]);
  assert.deepEqual(Array.from(init.zeros_(Tensor.ones([2])).data), [0, 0]);
  // Same rng seed → same draws.
  assert.deepEqual(Array.from(init.normal_(Tensor.zeros([8]), { rng: new Rng(7) }).data), Array.from(init.normal_(Tensor.zeros([8]), { rng: new Rng(7) }).data));
  assert.throws(() => init.uniform_(Tensor.zeros([2]), { a: 1, b: 0 }), /from=1 > to=0/);
  assert.throws(() => init.normal_(Tensor.zeros([2]), { std: -1 }), /std >= 0.0/);
  assert.throws(() => init.normal_(Tensor.zeros([2]), { mean: NaN }), /normal_: mean must be a finite number/);
  assert.throws(() => init.kaiming_uniform_(w, { mode: 'fan_avg' as 'fan_in' }), /mode "fan_avg" not supported/);
  assert.throws(() => init.xavier_uniform_(Tensor.zeros([3])), /fewer than 2 dimensions/);
  assert.equal(init.kaiming_uniform_(Tensor.zeros([0, 3])).size, 0);
});
