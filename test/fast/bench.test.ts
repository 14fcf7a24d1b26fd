// The fast-style bench compares like with like: TensorFlow.js (WASM backend, the graph ml5 runs)
// and ganstyle compute the same image from the same Engstrom variables. Skips without the tfjs
// devDependencies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Tensor } from '../../src/tensor.js';
import { Rng } from '../../src/rng.js';
import { noGrad } from '../../src/autograd.js';
import { EngstromNet } from '../../src/fast/engstrom.js';
import { engstromStateDict } from '../../src/fast/load.js';
import { engstromFlops, engstromRandomVariables, fastCases, mobileFlops, msPerMegapixel } from '../../bench/fast.bench.js';
import { MobileStyleNet } from '../../src/fast/mobile_net.js';
import { Conv2d } from '../../src/nn/conv.js';
import { withBackend } from '../helpers/backends.js';
import { projectRoot } from '../helpers/shared.js';
import { maxAbsDiff } from './helpers.js';

const tfjs = existsSync(path.join(projectRoot, 'node_modules/@tensorflow/tfjs-backend-wasm/package.json')) ? false : 'skipped: @tensorflow/tfjs-backend-wasm is not installed';

test('engstromFlops counts every conv: 252 GFLOP per megapixel', () => {
  // conv1 2·32·3·81, conv2 2·64·32·9/4, conv3 and 10 residual convs at 1/16, two deconvs, conv_out: per pixel.
  const perPixel = 2 * 32 * 3 * 81 + (2 * 64 * 32 * 9) / 4 + (2 * 128 * 64 * 9) / 16 + (10 * 2 * 128 * 128 * 9) / 16 + (2 * 128 * 64 * 9) / 16 + (2 * 64 * 32 * 9) / 4 + 2 * 3 * 32 * 81;
  assert.equal(engstromFlops(256), perPixel * 256 * 256);
  assert.ok(Math.abs(perPixel / 1e3 - 252.5) < 1, `${perPixel}`);
  const [c] = fastCases(true);
  assert.equal(c.name, 'fast_style');
  assert.equal(c.params.arch, 'engstrom');
  assert.deepEqual(msPerMegapixel([{ name: 'fast_style', shape: c.shape, backend: 'x', threads: 1, ms: 1.024, gflops: 1 }]), ['engstrom 32x32 x/1: 1000 ms per megapixel']);
});

test('mobileFlops counts every conv of MobileStyleNet (checked by recording each Conv2d call)', () => {
  const net = new MobileStyleNet({ rng: new Rng(1) });
  let counted = 0, convs = 0;
  for (const m of net.modules()) {
    if (!(m instanceof Conv2d)) continue;
    const forward = m.forward.bind(m);
    m.forward = (x: Tensor) => {
      const y = forward(x);
      counted += 2 * y.size * (m.in_channels / m.groups) * m.kernel_size[0] * m.kernel_size[1];
      convs++;
      return y;
    };
  }
  noGrad(() => net.forward(Tensor.rand([1, 3, 32, 32], { rng: new Rng(2) })));
  assert.equal(convs, 1 + 2 + 2 + 3 * 5 + 2 + 2 + 2); // conv1, down1–2, res1–5, up1–2, out
  assert.equal(mobileFlops(32), counted);
  const cases = fastCases(true);
  assert.deepEqual(cases.map((c) => c.shape), ['engstrom 32x32', 'mobile 32x32']);
});

test('tfjs-wasm runs the same Engstrom network as ganstyle (same output)', { skip: tfjs }, async () => {
  const { openTfjs, tfjsFastStyle } = await import('../../bench/peers/tfjs.js');
  const variables = engstromRandomVariables(3);
  const x = Tensor.rand([1, 3, 28, 36], { rng: new Rng(4), high: 255 });
  const net = new EngstromNet();
  net.loadStateDict(engstromStateDict(variables, 'bench'));
  const ours = withBackend('wasm', () => noGrad(() => net.forward(x)));
  const peer = await openTfjs(1);
  try {
    const r = tfjsFastStyle({ arch: 'engstrom', size: 0, variables }, x)!;
    const theirs = new Tensor(r.run() as Float32Array, [1, 3, 28, 36]);
    r.dispose();
    const d = maxAbsDiff(ours, theirs);
    assert.ok(d < 0.05, `max difference ${d} on the 0–255 scale`);
    assert.ok(maxAbsDiff(ours, Tensor.zeros(ours.shape)) > 50, 'a non-trivial image');
  } finally {
    await peer.close();
  }
});
