// GanTrainer.trainStep runs inside backend.resultScope: its activations and gradients live in the
// pool's memory for the step only. With every freed block poisoned with NaN, training must equal, bit
// for bit, training on 'wasm-debug' (the same SIMD source with assertions: no pool, no scopes), for every
// model family and loss (batch norm's running statistics, spectral norm, EMA, dropout, WGAN-GP's
// second-order pass, conditional labels) — a result that escaped its step would read NaN. The gradients
// are cleared after each step on every backend, and the kernel memory stops growing after the first steps.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/rng.js';
import { kernelMemoryBytes, setNumThreads, setResultPoison, useBackend, type BackendName } from '../../src/backend.js';
import { registerNodeWasm } from '../../src/node/wasm.js';
import { GanTrainer, ganConfig, type GanConfig } from '../../src/gan/train.js';

registerNodeWasm();
after(() => {
  setResultPoison(false);
  setNumThreads(1);
  useBackend('ts');
});

const CASES: [string, Partial<GanConfig>][] = [
  ['MLP, default recipe (SN, EMA, TTUR) + dropout', { model: 'mlp', dropout: 0.3 }],
  ['conditional MLP, WGAN-GP, nCritic 2', { model: 'cgan-mlp', loss: 'wgan-gp', nCritic: 2, ema: 0.99 }],
  ['DCGAN-28 with batch norm', { model: 'dcgan', ngf: 8, ndf: 8 }],
  ['conditional DCGAN, WGAN-GP', { model: 'cgan-dcgan', loss: 'wgan-gp', ngf: 8, ndf: 8 }],
];

function data(): { images: Float32Array; count: number; shape: [number, number, number]; labels: Int32Array } {
  const rng = new Rng(9), count = 24;
  const images = new Float32Array(count * 784);
  for (let i = 0; i < images.length; i++) images[i] = rng.random();
  return { images, count, shape: [1, 28, 28], labels: Int32Array.from({ length: count }, (_, i) => i % 10) };
}

/** Trains `steps` steps under a backend; returns the stats and every parameter and buffer after them. */
function train(cfg: Partial<GanConfig>, backend: BackendName, threads: number, steps: number) {
  useBackend(backend);
  setNumThreads(threads);
  const t = new GanTrainer(ganConfig({ ...cfg, batchSize: 8, seed: 4 }), data());
  const stats = [];
  const memory: (number | null)[] = [];
  for (let i = 0; i < steps; i++) {
    stats.push(t.trainStep());
    memory.push(kernelMemoryBytes());
    assert.ok([...t.G.parameters(), ...t.D.parameters()].every((p) => p.grad === null), `${backend}: gradients cleared after the step`);
  }
  const models = [t.G, t.D, ...(t.Gema === null ? [] : [t.Gema])];
  const values = models.flatMap((m) => Object.values(m.stateDict()).map((x) => x.data.slice()));
  return { stats, values, memory };
}

for (const [name, cfg] of CASES) {
  test(`${name}: scoped steps (freed memory poisoned) = unscoped ones, bit for bit`, () => {
    setResultPoison(false);
    const plain = train(cfg, 'wasm-debug', 1, 4);
    setResultPoison(true);
    for (const threads of [1, 2]) {
      const scoped = train(cfg, 'wasm', threads, 4);
      assert.deepEqual(scoped.stats, plain.stats, `${threads} thread(s): step statistics`);
      assert.equal(scoped.values.length, plain.values.length);
      scoped.values.forEach((v, i) => assert.deepEqual(v, plain.values[i], `${threads} thread(s): state tensor ${i}`));
      assert.ok(scoped.values.every((v) => v.every(Number.isFinite)), 'no poison reached the weights');
      assert.equal(scoped.memory[3], scoped.memory[1], `${threads} thread(s): the kernel memory stopped growing (scoped blocks are reused)`);
    }
  });
}
