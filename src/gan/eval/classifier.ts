// The MNIST classifier that rates generated digits (engine code: the shipped weights are read by
// src/node/classifier.ts). LeNet-shaped, valid convolutions so the weights stay small (~80k floats):
//   x [N, 1, 28, 28] in [0, 1] → conv 5×5 16 → ReLU → max-pool 2 → [N, 16, 12, 12]
//   → conv 5×5 32 → ReLU → max-pool 2 → [N, 32, 4, 4] → flatten 512
//   → fc 128 → ReLU (the feature layer for the Fréchet distance) → fc 10 (logits)
// State dict keys follow torch: features.0.weight, features.3.weight, fc.weight, head.weight.
import { Tensor } from '../../tensor.js';
import { F } from '../../ops/index.js';
import { noGrad } from '../../autograd.js';
import { fmt, ShapeError } from '../../shape.js';
import { Module } from '../../nn/module.js';
import { Sequential } from '../../nn/container.js';
import { Conv2d } from '../../nn/conv.js';
import { Linear } from '../../nn/linear.js';
import { ReLU } from '../../nn/activation.js';
import { MaxPool2d } from '../../nn/pooling.js';
import { Flatten } from '../../nn/flatten.js';
import type { Rng } from '../../rng.js';

export const CLASSES = 10;
export const FEATURES = 128;

export class MnistClassifier extends Module {
  readonly features: Sequential;
  readonly fc: Linear;
  readonly head: Linear;

  constructor(opts: { rng?: Rng } = {}) {
    super();
    const rng = opts.rng;
    this.features = this.registerModule('features', new Sequential(
      new Conv2d(1, 16, 5, { rng }), new ReLU(), new MaxPool2d(2),
      new Conv2d(16, 32, 5, { rng }), new ReLU(), new MaxPool2d(2),
      new Flatten(),
    ));
    this.fc = this.registerModule('fc', new Linear(512, FEATURES, { rng }));
    this.head = this.registerModule('head', new Linear(FEATURES, CLASSES, { rng }));
  }

  /** images [N, 1, 28, 28] (or [N, 784]) in [0, 1] → the feature layer [N, 128] (after ReLU). */
  embed(x: Tensor): Tensor {
    if (x.ndim < 2 || x.size !== x.shape[0] * 784) throw new ShapeError(`MnistClassifier: expected images [N, 1, 28, 28] or [N, 784], got ${fmt(x.shape)}`);
    return F.relu(this.fc.forward(this.features.forward(x.reshape(x.shape[0], 1, 28, 28))));
  }

  /** images [N, 1, 28, 28] in [0, 1] → logits [N, 10]. */
  forward(x: Tensor): Tensor {
    return this.head.forward(this.embed(x));
  }

  /**
   * Features and class probabilities of many images without recording, in batches.
   * images: [N, 784] values (flat), already in [0, 1].
   */
  predict(images: Float32Array, count: number, batch = 250): { features: Float32Array; probs: Float32Array } {
    if (images.length !== count * 784) throw new ShapeError(`MnistClassifier.predict: ${images.length} values is not ${count} images of 28×28`);
    const features = new Float32Array(count * FEATURES), probs = new Float32Array(count * CLASSES);
    const wasTraining = this.training;
    this.eval();
    try {
      noGrad(() => {
        for (let i = 0; i < count; i += batch) {
          const n = Math.min(batch, count - i);
          const x = new Tensor(images.slice(i * 784, (i + n) * 784), [n, 1, 28, 28]);
          const f = this.embed(x);
          features.set(f.data, i * FEATURES);
          probs.set(F.softmax(this.head.forward(f), { dim: 1 }).data, i * CLASSES);
        }
      });
    } finally {
      this.train(wasTraining);
    }
    return { features, probs };
  }
}

/**
 * The classifier's data split of a class-ordered dataset: per class, the last `heldOut` fraction
 * (rounded up) is held out for testing and as the real reference of the Fréchet distance.
 */
export function splitPerClass(labels: ArrayLike<number>, heldOut = 0.15): { train: Int32Array; test: Int32Array } {
  if (!(heldOut > 0 && heldOut < 1)) throw new RangeError(`splitPerClass: heldOut must be in (0, 1), got ${heldOut}`);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const list = byClass.get(labels[i]) ?? [];
    list.push(i);
    byClass.set(labels[i], list);
  }
  const train: number[] = [], test: number[] = [];
  for (const k of [...byClass.keys()].sort((a, b) => a - b)) {
    const idx = byClass.get(k)!;
    const cut = idx.length - Math.ceil(idx.length * heldOut);
    train.push(...idx.slice(0, cut));
    test.push(...idx.slice(cut));
  }
  return { train: Int32Array.from(train), test: Int32Array.from(test) };
}
