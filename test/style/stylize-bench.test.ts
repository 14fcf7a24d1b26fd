// The stylize rows of `ganstyle bench` (bench/stylize.bench.ts) on a tiny problem: the cases and
// their skip notes, L-BFGS iterations of the reduced Gatys problem, and the memory line (peak RSS
// sampled by a worker thread while the main thread computes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { registerNodeWasm } from '../../src/node/wasm.js';
import { useBackend } from '../../src/backend.js';
import { ganstyleStylize, RssSampler, stylizeCases } from '../../bench/stylize.bench.js';
import { sharedDir } from '../helpers/shared.js';

const weights = path.join(sharedDir, 'models', 'vgg19-features-conv1_1-conv3_4.safetensors');
const skip = existsSync(weights) ? false : `needs ${weights}`;

test('stylize bench cases: 256² and 512² (nominal conv FLOPs ∝ pixels); none with --quick', { skip }, () => {
  const { cases, skipped } = stylizeCases(false);
  assert.equal(skipped, undefined);
  assert.deepEqual(cases.map((c) => c.params.size), [256, 512]);
  assert.ok(cases.every((c) => c.name === 'stylize' && c.shape.startsWith(`gatys lbfgs ${c.params.size}x${c.params.size}`)));
  assert.ok(Math.abs(cases[1].flops / cases[0].flops - 4) < 1e-9);
  const quick = stylizeCases(true);
  assert.deepEqual(quick.cases, []);
  assert.match(quick.skipped!, /--quick/);
});

test('RssSampler: sees memory that the main thread holds only while it computes', async () => {
  const s = new RssSampler();
  await s.start();
  const before = process.memoryUsage.rss();
  const a = new Float32Array(64 << 20).fill(1); // 256 MB, written (resident)
  const t = Date.now();
  while (Date.now() - t < 60); // busy: the worker samples meanwhile
  const peak = s.stop();
  assert.ok(a[a.length - 1] === 1);
  assert.ok(peak >= before + 200e6, `peak ${peak} vs rss before ${before}`);
});

test('stylize bench runner: run() iterates L-BFGS on the shared images; dispose() reports the peak memory', { skip }, async () => {
  registerNodeWasm();
  useBackend('wasm');
  try {
    const notes: string[] = [];
    const runner = await ganstyleStylize({ size: 24, weights, images: path.join(sharedDir, 'images') }, (m) => notes.push(m));
    for (let i = 0; i < 3; i++) runner.run();
    runner.dispose();
    assert.equal(notes.length, 1);
    assert.match(notes[0], /^peak RSS \d+\.\d\d GB over 3 iterations \(targets included; a full history adds 0\.00 GB\), WASM memory \d+\.\d\d GB \(inside the RSS\)$/);
  } finally {
    useBackend('ts');
  }
});
