// Johnson's TransformerNet: state dict exactly as pytorch/examples' fast_neural_style writes it (the
// shared .pth fixture loads key for key, values intact), output geometry, and gradients for training.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Tensor } from '../../src/tensor.js';
import { Rng } from '../../src/rng.js';
import { noGrad } from '../../src/autograd.js';
import { TransformerNet } from '../../src/fast/transformer_net.js';
import { fastNetFromWeights } from '../../src/fast/load.js';
import { readWeights } from '../../src/node/weights.js';
import { withBackend } from '../helpers/backends.js';
import { sharedDir } from '../helpers/shared.js';

const fixture = path.join(sharedDir, 'fixtures/transformer-net-random.pth');
const needsFixture = existsSync(fixture) ? false : `skipped: needs ${fixture} (../shared)`;

test('TransformerNet: the fixture .pth loads key for key with its recorded shapes, sums and first values', { skip: needsFixture }, async () => {
  const expect = JSON.parse(readFileSync(fixture.replace(/\.pth$/, '.expect.json'), 'utf8')) as Record<string, { shape: number[]; sum: number; first: number[] }>;
  assert.deepEqual(Object.keys(new TransformerNet().stateDict()), Object.keys(expect), 'state-dict names and order');
  const { arch, net } = fastNetFromWeights(await readWeights(fixture));
  assert.equal(arch, 'johnson');
  const sd = net.stateDict();
  for (const [k, e] of Object.entries(expect)) {
    assert.deepEqual(sd[k].shape, e.shape, k);
    const sum = sd[k].data.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - e.sum) <= 1e-5 * Math.max(1, Math.abs(e.sum)), `${k}: sum ${sum} vs ${e.sum}`);
    assert.deepEqual([...sd[k].data.subarray(0, e.first.length)], e.first.map(Math.fround), k);
  }
});

test('TransformerNet: output 4·ceil(H/4) × 4·ceil(W/4), RGB; rejects other inputs with the shapes', () => {
  const net = new TransformerNet({ rng: new Rng(1) });
  const y = withBackend('wasm', () => noGrad(() => net.forward(Tensor.rand([2, 3, 13, 10], { rng: new Rng(2), high: 255 }))));
  assert.deepEqual(y.shape, [2, 3, 16, 12]);
  assert.throws(() => net.forward(Tensor.zeros([1, 4, 16, 16])), /TransformerNet: expected input \[N, 3, H, W\].*\[1, 4, 16, 16\]/);
});

test('TransformerNet: every parameter gets a gradient (it trains), and the seed fixes the init', () => {
  const a = new TransformerNet({ rng: new Rng(3) }), b = new TransformerNet({ rng: new Rng(3) });
  assert.deepEqual([...a.conv1.conv2d.weight.data.subarray(0, 8)], [...b.conv1.conv2d.weight.data.subarray(0, 8)]);
  withBackend('wasm', () => {
    const y = a.forward(Tensor.rand([1, 3, 8, 8], { rng: new Rng(4), high: 255 }));
    y.mul(y).mean().backward();
  });
  for (const [name, p] of a.namedParameters()) {
    assert.ok(p.grad !== null && p.grad.data.some((v) => v !== 0), `${name} has a non-zero gradient`);
  }
});
