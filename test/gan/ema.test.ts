// EMA of weights: after t updates the average is Σ_k β^(t−k)·θ_k / Σ_k β^(t−k) (bias-corrected, so
// the starting copy never lingers), buffers are copied, the average model takes no gradients.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/rng.js';
import { BatchNorm1d, Linear, Sequential } from '../../src/nn/index.js';
import { Ema } from '../../src/gan/ema.js';

test('EMA after t updates is the β-weighted average of θ_1 … θ_t; buffers are copied', () => {
  const make = (seed: number) => new Sequential(new Linear(3, 2, { rng: new Rng(seed) }), new BatchNorm1d(2));
  const src = make(1), avg = make(2);
  const beta = 0.9;
  const ema = new Ema(src, avg, beta);
  assert.deepEqual(avg.stateDict()['0.weight'].data, src.stateDict()['0.weight'].data, 'starts as a copy');
  assert.ok(avg.parameters().every((p) => !p.requiresGrad));
  const w = src.stateDict()['0.weight'];
  const history: Float64Array[] = [];
  const rng = new Rng(3);
  for (let t = 1; t <= 5; t++) {
    for (let i = 0; i < w.size; i++) w.data[i] = rng.normal();
    src.stateDict()['1.running_mean'].data.fill(t);
    history.push(Float64Array.from(w.data));
    ema.update();
    let norm = 0;
    const expected = new Float64Array(w.size);
    history.forEach((theta, k) => {
      const c = beta ** (t - 1 - k);
      norm += c;
      theta.forEach((v, i) => (expected[i] += c * v));
    });
    const got = avg.stateDict()['0.weight'].data;
    expected.forEach((e, i) => assert.ok(Math.abs(got[i] - e / norm) < 1e-5, `t=${t} [${i}]: ${got[i]} vs ${e / norm}`));
    assert.ok(avg.stateDict()['1.running_mean'].data.every((v) => v === t), 'buffers are copied');
  }
  assert.equal(ema.updates, 5);
  assert.equal(ema.decayAt(1), 0);
  assert.ok(Math.abs(ema.decayAt(10_000) - beta) < 1e-12);
});

test('EMA rejects a bad decay or a model of another shape', () => {
  const a = new Linear(2, 2), b = new Linear(2, 3);
  assert.throws(() => new Ema(a, new Linear(2, 2), 1), /decay must be in \[0, 1\)/);
  assert.throws(() => new Ema(a, b, 0.9));
});
