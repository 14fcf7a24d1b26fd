// The shipped MNIST classifier (assets/mnist-classifier.safetensors): it loads from the package
// root, classifies the held-out digits as the script reported, and its metrics separate real
// digits from noise and from a one-class collapse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Tensor } from '../../src/tensor.js';
import { Rng } from '../../src/rng.js';
import { ShapeError } from '../../src/shape.js';
import { useBackend } from '../../src/backend.js';
import { registerNodeWasm } from '../../src/node/wasm.js';
import { classifierPath, loadClassifier, loadMnistSplit, saveClassifier } from '../../src/node/classifier.js';
import { MnistClassifier, splitPerClass } from '../../src/gan/eval/classifier.js';
import { evaluateSamples, classifierFeatures } from '../../src/gan/eval/metrics.js';
import { featureStats } from '../../src/gan/eval/frechet.js';
import { saveStateDict } from '../../src/node/files.js';

registerNodeWasm();
useBackend('wasm');
const { model, reference, metadata } = loadClassifier();
const { train, test: heldOut } = loadMnistSplit();

function pick(src: { images: Float32Array; labels: Uint8Array; count: number }, keep: (label: number, i: number) => boolean, max: number): Tensor {
  const idx: number[] = [];
  for (let i = 0; i < src.count && idx.length < max; i++) if (keep(src.labels[i], i)) idx.push(i);
  const out = new Float32Array(idx.length * 784);
  idx.forEach((j, i) => out.set(src.images.subarray(j * 784, (j + 1) * 784), i * 784));
  return new Tensor(out, [idx.length, 1, 28, 28]);
}

test('splitPerClass: last 15% of each class (rounded up) held out, nothing lost or shared', () => {
  const labels = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2];
  const { train: tr, test: te } = splitPerClass(labels);
  assert.deepEqual([...te], [8, 9, 12, 18, 19]); // ⌈1.5⌉ = 2, ⌈0.45⌉ = 1, ⌈1.05⌉ = 2
  assert.equal(tr.length + te.length, labels.length);
  assert.ok([...tr].every((i) => !te.includes(i)));
  assert.throws(() => splitPerClass(labels, 1), RangeError);
  assert.equal(train.count + heldOut.count, 10000);
  assert.equal(heldOut.count, 1505);
});

test('loadClassifier: the shipped file loads from the package root with its metadata and reference stats', () => {
  assert.match(classifierPath(), /assets[/\\]mnist-classifier\.safetensors$/);
  assert.equal(model.training, false);
  assert.equal(metadata.split, 'per class, last 15% held out');
  assert.ok(Number(metadata.test_accuracy) >= 0.97, `test accuracy ${metadata.test_accuracy}`);
  assert.equal(reference.count, 1505);
  assert.equal(reference.mean.length, 128);
  // the stored reference is the feature statistics of the held-out digits
  const again = featureStats(classifierFeatures(model, new Tensor(heldOut.images, [heldOut.count, 784]), [0, 1]), heldOut.count, 128);
  for (let i = 0; i < 128; i++) assert.ok(Math.abs(again.mean[i] - reference.mean[i]) < 1e-3 * (1 + Math.abs(reference.mean[i])), `mean[${i}]`);
});

test('classifier: held-out accuracy as recorded (≥ 97%)', () => {
  const { probs } = model.predict(heldOut.images, heldOut.count);
  let ok = 0;
  for (let i = 0; i < heldOut.count; i++) {
    let best = 0;
    for (let k = 1; k < 10; k++) if (probs[i * 10 + k] > probs[i * 10 + best]) best = k;
    if (best === heldOut.labels[i]) ok++;
  }
  const acc = ok / heldOut.count;
  assert.ok(acc >= 0.97, `accuracy ${acc}`);
  assert.ok(Math.abs(acc - Number(metadata.test_accuracy)) < 0.002, `accuracy ${acc} vs recorded ${metadata.test_accuracy}`);
});

test('evaluateSamples: real digits vs uniform noise vs a one-class collapse', () => {
  const real = pick(train, (_, i) => i % 8 === 0, Infinity); // 1062 digits of every class
  const r = evaluateSamples(model, real, reference, { range: [0, 1] });
  assert.equal(r.count, real.shape[0]);
  assert.equal(r.coverage, 10);
  assert.ok(r.confident > 0.9 && r.meanConfidence > 0.9, JSON.stringify(r));
  assert.ok(r.fd! < 30, `real FD ${r.fd}`);
  for (const f of r.perClass.fractions) assert.ok(f > 0.07 && f < 0.13, `${r.perClass.fractions}`);

  // the same digits in [-1, 1] (the generator's range, the default) give the same report
  const r2 = evaluateSamples(model, new Tensor(real.data.map((v) => v * 2 - 1), real.shape), reference);
  assert.deepEqual(r2.perClass.counts, r.perClass.counts);
  assert.ok(Math.abs(r2.fd! - r.fd!) < 1e-3 * r.fd!, `${r2.fd} vs ${r.fd}`);

  const noise = Tensor.rand([1000, 1, 28, 28], { rng: new Rng(1), low: -1, high: 1 });
  const n = evaluateSamples(model, noise, reference);
  assert.ok(n.fd! > 20 * r.fd!, `noise FD ${n.fd} vs real ${r.fd}`);

  const ones = pick(train, (l) => l === 1, 1000);
  const o = evaluateSamples(model, ones, reference, { range: [0, 1] });
  assert.equal(o.coverage, 1);
  assert.ok(o.perClass.fractions[1] > 0.97, `${o.perClass.fractions}`);
  assert.ok(o.fd! > 20 * r.fd!, `one-class FD ${o.fd} vs real ${r.fd}`);

  assert.equal(evaluateSamples(model, real).fd, null); // no reference, no FD
  assert.throws(() => evaluateSamples(model, Tensor.zeros([4, 1, 14, 14]), reference), ShapeError);
  assert.throws(() => evaluateSamples(model, Tensor.zeros([1, 1, 28, 28]), reference), /at least 2 samples/);
});

test('saveClassifier/loadClassifier round trip; errors name the file', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ganstyle-clf-'));
  try {
    const fresh = new MnistClassifier({ rng: new Rng(2) });
    const file = path.join(dir, 'c.safetensors');
    saveClassifier(file, fresh, reference, { seed: '2' });
    const back = loadClassifier(file);
    assert.deepEqual([...back.model.head.weight.data], [...fresh.head.weight.data]);
    assert.deepEqual([...back.reference.cov], [...reference.cov]); // float64 kept exactly
    assert.equal(back.metadata.seed, '2');
    const plain = path.join(dir, 'plain.safetensors');
    saveStateDict(plain, fresh);
    assert.throws(() => loadClassifier(plain), /plain\.safetensors: not a ganstyle MNIST classifier/);
    assert.throws(() => loadClassifier(path.join(dir, 'missing.safetensors')), /missing\.safetensors: cannot read/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
