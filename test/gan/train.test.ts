// GanTrainer: one step against the same step written by hand from the ops (bit-identical, so the
// documented random-number order is the real one), exact resume through a serialized checkpoint
// (MLP with spectral norm + EMA + dropout, DCGAN-28 with batch norm, conditional DCGAN with
// WGAN-GP), NaN detection naming the step, config defaults and errors. Runs on the wasm backend.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../../src/tensor.js';
import { Rng } from '../../src/rng.js';
import { F } from '../../src/ops/index.js';
import { noGrad } from '../../src/autograd.js';
import { Adam } from '../../src/optim/adam.js';
import { useBackend } from '../../src/backend.js';
import { registerNodeWasm } from '../../src/node/wasm.js';
import { DcganDiscriminator, DcganGenerator, MlpDiscriminator, MlpGenerator } from '../../src/gan/models.js';
import { gradientPenalty, interpolate } from '../../src/gan/losses.js';
import { catAll as cat } from '../../src/gan/concat.js';
import { narrow } from '../../src/ops/narrow.js';
import { GanTrainer, NonFiniteError, ganConfig, type GanConfig, type GanTrainerState, type ImageSet } from '../../src/gan/train.js';
import { parseGanState, serializeGanState } from '../../src/gan/checkpoint.js';
import type { Module } from '../../src/nn/index.js';

registerNodeWasm();
useBackend('wasm');

function dataset(count: number, shape: [number, number, number], seed: number, labelled = false): ImageSet {
  const rng = new Rng(seed);
  const images = new Float32Array(count * shape[0] * shape[1] * shape[2]);
  for (let i = 0; i < images.length; i++) images[i] = rng.random();
  return { images, count, shape, labels: labelled ? Int32Array.from({ length: count }, (_, i) => (i * 7) % 10) : undefined };
}

function batchOf(data: ImageSet, idx: ArrayLike<number>): { x: Tensor; y: Int32Array } {
  const px = data.images.length / data.count;
  const out = new Float32Array(idx.length * px);
  const y = new Int32Array(idx.length);
  for (let i = 0; i < idx.length; i++) {
    for (let j = 0; j < px; j++) out[i * px + j] = data.images[idx[i] * px + j] * 2 - 1;
    if (data.labels) y[i] = data.labels[idx[i]];
  }
  return { x: new Tensor(out, [idx.length, ...data.shape]), y };
}

function assertSameModule(a: Module, b: Module, what: string): void {
  const sa = a.stateDict(), sb = b.stateDict();
  assert.deepEqual(Object.keys(sa), Object.keys(sb), what);
  for (const k of Object.keys(sa)) assert.deepEqual(sa[k].data, sb[k].data, `${what}: ${k} differs`);
}

test('one MLP step (bce, label smoothing, TTUR) equals the step written by hand from the ops', () => {
  const data = dataset(12, [1, 28, 28], 1);
  const config: Partial<GanConfig> = { model: 'mlp', loss: 'bce', spectralNorm: false, ema: 0, realLabel: 0.9, lrG: 1e-4, lrD: 4e-4, batchSize: 4, seed: 3 };
  const trainer = new GanTrainer(config, data);
  const stats = trainer.trainStep();

  const rng = new Rng(3);
  const G = new MlpGenerator({ rng }), D = new MlpDiscriminator({ rng });
  const order = rng.permutation(12);
  const { x: real } = batchOf(data, order.subarray(0, 4));
  const z = Tensor.randn([4, 100], { rng });
  const fake = G.forward(z);
  const logits = D.forward(cat([real, fake.detach()], 0));
  const rl = narrow(logits, { dim: 0, start: 0, length: 4 }), fl = narrow(logits, { dim: 0, start: 4, length: 4 });
  const dLoss = F.add(F.binary_cross_entropy_with_logits(rl, Tensor.full([4], 0.9)), F.binary_cross_entropy_with_logits(fl, Tensor.zeros([4])));
  const optD = new Adam(D.parameters(), { lr: 4e-4, betas: [0.5, 0.999] }), optG = new Adam(G.parameters(), { lr: 1e-4, betas: [0.5, 0.999] });
  dLoss.backward();
  optD.step();
  D.requiresGrad_(false);
  const gLoss = F.binary_cross_entropy_with_logits(D.forward(fake), Tensor.ones([4]));
  gLoss.backward();
  optG.step();

  assert.equal(stats.dLoss, dLoss.item());
  assert.equal(stats.gLoss, gLoss.item());
  // the loss value itself, from the logits in float64: BCE(x, y) = softplus(x) − y·x
  const sp = (v: number) => Math.log1p(Math.exp(v));
  const expectD = [...rl.data].reduce((s, v) => s + sp(v) - 0.9 * v, 0) / 4 + [...fl.data].reduce((s, v) => s + sp(v), 0) / 4;
  assert.ok(Math.abs(stats.dLoss - expectD) < 1e-5);
  assertSameModule(trainer.G, G, 'G');
  assertSameModule(trainer.D, D, 'D');
  assert.deepEqual(trainer.rng.state(), rng.state(), 'the trainer drew exactly these random numbers');
});

test('one conditional WGAN-GP step (nCritic 2, fresh noise for G, EMA) equals the step by hand', () => {
  const data = dataset(6, [1, 28, 28], 2, true);
  const config: Partial<GanConfig> = { model: 'cgan-mlp', loss: 'wgan-gp', nCritic: 2, ema: 0.9, batchSize: 2, seed: 4 };
  const trainer = new GanTrainer(config, data);
  assert.equal(trainer.config.spectralNorm, false);
  const stats = trainer.trainStep();

  const rng = new Rng(4);
  const G = new MlpGenerator({ numClasses: 10, rng }), D = new MlpDiscriminator({ numClasses: 10, rng });
  const order = rng.permutation(6);
  const opts = { lr: 1e-4, betas: [0, 0.9] as const };
  const optD = new Adam(D.parameters(), opts), optG = new Adam(G.parameters(), opts);
  const ints = (n: number) => Int32Array.from({ length: n }, () => rng.int(10));
  let last = { d: 0, gp: 0 };
  for (let i = 0; i < 2; i++) {
    const { x: real, y } = batchOf(data, order.subarray(2 * i, 2 * i + 2));
    const z = Tensor.randn([2, 100], { rng });
    const yf = ints(2);
    const fake = noGrad(() => G.forward(z, yf));
    const logits = D.forward(cat([real, fake], 0), [...y, ...yf]);
    const crit = F.sub(F.mean(narrow(logits, { dim: 0, start: 2, length: 2 })), F.mean(narrow(logits, { dim: 0, start: 0, length: 2 })));
    const alpha = Float32Array.from({ length: 2 }, () => rng.random());
    const gp = gradientPenalty((x) => D.forward(x, y), interpolate(real, fake, alpha));
    const loss = F.add(crit, F.mul(gp, 10));
    optD.zeroGrad();
    loss.backward();
    optD.step();
    last = { d: loss.item(), gp: gp.item() };
  }
  const z = Tensor.randn([2, 100], { rng });
  const yg = ints(2);
  D.requiresGrad_(false);
  const gLoss = F.mul(F.mean(D.forward(G.forward(z, yg), yg)), -1);
  gLoss.backward();
  optG.step();

  assert.equal(stats.dLoss, last.d);
  assert.equal(stats.gp, last.gp);
  assert.equal(stats.gLoss, gLoss.item());
  assertSameModule(trainer.G, G, 'G');
  assertSameModule(trainer.D, D, 'D');
  assertSameModule(trainer.Gema!, G, 'EMA after one update = G (bias-corrected β_1 = 0)');
  assert.deepEqual(trainer.rng.state(), rng.state());
});

test('one DCGAN-28 step (batch norm: real and fake through D separately) equals the step by hand', () => {
  const data = dataset(8, [1, 28, 28], 9);
  const trainer = new GanTrainer({ model: 'dcgan', ngf: 4, ndf: 4, batchSize: 2, seed: 8 }, data);
  assert.equal(trainer.D.hasBatchNorm, true);
  const stats = trainer.trainStep();

  const rng = new Rng(8);
  const G = new DcganGenerator({ size: 28, ngf: 4, rng }), D = new DcganDiscriminator({ size: 28, ndf: 4, rng });
  const order = rng.permutation(8);
  const { x: real } = batchOf(data, order.subarray(0, 2));
  const fake = G.forward(Tensor.randn([2, 100], { rng }));
  const rl = D.forward(real), fl = D.forward(fake.detach());
  const dLoss = F.add(F.binary_cross_entropy_with_logits(rl, Tensor.ones([2])), F.binary_cross_entropy_with_logits(fl, Tensor.zeros([2])));
  const opts = { lr: 2e-4, betas: [0.5, 0.999] as const };
  const optD = new Adam(D.parameters(), opts), optG = new Adam(G.parameters(), opts);
  dLoss.backward();
  optD.step();
  D.requiresGrad_(false);
  const gLoss = F.binary_cross_entropy_with_logits(D.forward(fake), Tensor.ones([2]));
  gLoss.backward();
  optG.step();

  assert.deepEqual([stats.dLoss, stats.gLoss], [dLoss.item(), gLoss.item()]);
  assertSameModule(trainer.G, G, 'G');
  assertSameModule(trainer.D, D, 'D (weights and running statistics)');
  assert.equal(trainer.D.stateDict()['main.3.num_batches_tracked'].item(), 3, 'D saw real, fake, then fake again');
});

/** 6 steps straight vs 3 steps, a checkpoint through bytes, a new trainer, 3 steps: bit-identical. */
function checkResume(name: string, config: Partial<GanConfig>, data: ImageSet): void {
  const straight = new GanTrainer(config, data);
  for (let i = 0; i < 6; i++) straight.trainStep();

  const first = new GanTrainer(config, data);
  for (let i = 0; i < 3; i++) first.trainStep();
  const bytes = serializeGanState(first.state());
  for (let i = 0; i < 2; i++) first.trainStep(); // training on after the snapshot must not alter it
  const resumed = GanTrainer.fromState(parseGanState(bytes, 'ckpt'), data);
  assert.equal(resumed.step, 3);
  for (let i = 0; i < 3; i++) resumed.trainStep();

  const a: GanTrainerState = straight.state(), b: GanTrainerState = resumed.state();
  assert.equal(b.step, 6);
  for (const key of ['G', 'D', 'Gema'] as const) {
    if (a[key] === null) {
      assert.equal(b[key], null);
      continue;
    }
    for (const [k, t] of Object.entries(a[key]!)) assert.deepEqual(b[key]![k].data, t.data, `${name}: ${key} ${k} differs after resume`);
  }
  assert.deepEqual(b.optG, a.optG, `${name}: optG`);
  assert.deepEqual(b.optD, a.optD, `${name}: optD`);
  assert.deepEqual([b.rng, b.order, b.cursor, b.emaUpdates], [a.rng, a.order, a.cursor, a.emaUpdates], `${name}: rng / data order`);
  assert.notDeepEqual(a.G['main.0.weight'].data, new GanTrainer(config, data).state().G['main.0.weight'].data, 'training moved the weights');
}

test('resume is exact: MLP with spectral norm + EMA + TTUR + dropout, across an epoch boundary', () => {
  const config: Partial<GanConfig> = { model: 'mlp', dropout: 0.3, batchSize: 4, seed: 5 };
  assert.equal(ganConfig(config).spectralNorm, true);
  checkResume('mlp', config, dataset(20, [1, 28, 28], 3)); // 5 batches per epoch: step 6 reshuffles
});

test('resume is exact: DCGAN-28 with batch norm (running statistics in the checkpoint)', () => {
  checkResume('dcgan', { model: 'dcgan', ngf: 8, ndf: 8, batchSize: 4, seed: 6 }, dataset(20, [1, 28, 28], 4));
});

test('resume is exact: conditional DCGAN with WGAN-GP (nCritic 5, spectral norm, EMA)', () => {
  checkResume('cgan-dcgan', { model: 'cgan-dcgan', loss: 'wgan-gp', spectralNorm: true, ema: 0.99, ngf: 4, ndf: 4, batchSize: 2, seed: 7 }, dataset(14, [1, 28, 28], 5, true));
});

test('loadState refuses another config; sample() comes from the EMA unless average: false', () => {
  const data = dataset(16, [1, 28, 28], 6);
  const t = new GanTrainer({ batchSize: 4, seed: 1 }, data);
  t.trainStep();
  t.trainStep();
  assert.throws(() => new GanTrainer({ batchSize: 4, seed: 2 }, data).loadState(t.state()), /config differs in seed/);
  const z = Tensor.randn([3, 100]);
  const avg = t.sample(z), raw = t.sample(z, undefined, { average: false });
  assert.deepEqual(avg.data, noGrad(() => t.Gema!.forward(z)).data);
  assert.deepEqual(raw.data, noGrad(() => t.G.forward(z)).data);
  assert.notDeepEqual(avg.data, raw.data);
});

test('NaN/Inf: a poisoned weight and a huge learning rate stop training with the step named', () => {
  const data = dataset(16, [1, 28, 28], 7);
  const t = new GanTrainer({ batchSize: 4, spectralNorm: false, ema: 0, seed: 1 }, data);
  t.trainStep();
  (t.D.stateDict()['main.4.weight']).data[3] = NaN;
  assert.throws(() => t.trainStep(), (e: unknown) => e instanceof NonFiniteError && /^step 2: discriminator loss is NaN/.test(e.message));

  const h = new GanTrainer({ batchSize: 4, spectralNorm: false, ema: 0, lrD: 1e30, lrG: 1e30, seed: 1 }, data);
  let err: unknown;
  try {
    for (let i = 0; i < 10; i++) h.trainStep();
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof NonFiniteError, `expected a NonFiniteError, got ${err}`);
  assert.match((err as Error).message, new RegExp(`^step ${h.step + 1}: (discriminator|generator) loss is (NaN|Infinity|-Infinity) — training diverged`));
});

test('config: model/loss defaults (the research recipe for the MLP) and clear errors', () => {
  const mlp = ganConfig();
  assert.deepEqual([mlp.spectralNorm, mlp.ema, mlp.lrD, mlp.lrG, mlp.loss, mlp.betas], [true, 0.999, 4e-4, 1e-4, 'bce', [0.5, 0.999]]);
  const dc = ganConfig({ model: 'dcgan' });
  assert.deepEqual([dc.spectralNorm, dc.ema, dc.lrD, dc.lrG, dc.dNorm], [false, 0, 2e-4, 2e-4, 'batch']);
  const w = ganConfig({ model: 'dcgan', loss: 'wgan-gp' });
  assert.deepEqual([w.betas, w.lrD, w.lrG, w.nCritic, w.gpWeight, w.dNorm], [[0, 0.9], 1e-4, 1e-4, 5, 10, 'none']);
  assert.equal(ganConfig({ model: 'dcgan', spectralNorm: true }).dNorm, 'none');
  assert.equal(ganConfig({ model: 'cgan-dcgan' }).numClasses, 10);
  assert.throws(() => ganConfig({ model: 'vae' as never }), /unknown model 'vae'/);
  assert.throws(() => ganConfig({ lr: 1 } as never), /unknown option 'lr'/);
  assert.throws(() => ganConfig({ loss: 'wgan-gp', realLabel: 0.9 }), /label smoothing/);
  assert.throws(() => ganConfig({ model: 'dcgan', loss: 'wgan-gp', dNorm: 'batch' }), /must not use batch norm/);
  assert.throws(() => ganConfig({ numClasses: 10 }), /numClasses is only for conditional models/);
  assert.throws(() => ganConfig({ batchSize: 0 }), /batchSize must be a positive integer/);
  assert.throws(() => ganConfig({ ema: 1 }), /ema must be a decay in \[0, 1\)/);
  assert.throws(() => new GanTrainer({ model: 'cgan-mlp' }, dataset(64, [1, 28, 28], 8)), /conditional and needs one label per image/);
  assert.throws(() => new GanTrainer({ model: 'dcgan64' }, dataset(64, [1, 28, 28], 8)), /trains on images \[C, 64, 64\], got data of shape \[1, 28, 28\]/);
  assert.throws(() => new GanTrainer({ batchSize: 64 }, dataset(10, [1, 28, 28], 8)), /10 images are fewer than one batch of 64/);
});
