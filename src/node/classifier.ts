// Node adapter for the shipped MNIST classifier (assets/mnist-classifier.safetensors, written by
// scripts/train-classifier.ts): the weights plus the feature statistics of the held-out real digits
// (reference.mean [128], reference.cov [128, 128], float64) that the Fréchet distance compares to.
import { join } from 'node:path';
import { parseSafetensorsRaw, toFloat32, toFloat64 } from '../io/safetensors.js';
import { Tensor } from '../tensor.js';
import { FEATURES, MnistClassifier, splitPerClass } from '../gan/eval/classifier.js';
import type { FeatureStats } from '../gan/eval/frechet.js';
import { readFileBytes, writeSafetensorsFile } from './files.js';
import { loadMnist, type Digits } from './mnist.js';
import { packageRoot } from './wasm.js';

export const CLASSIFIER_FORMAT = 'ganstyle-mnist-classifier/1';

/** assets/mnist-classifier.safetensors under the package root (from src/ via tsx and from dist/src/). */
export function classifierPath(): string {
  return join(packageRoot(), 'assets', 'mnist-classifier.safetensors');
}

export interface LoadedClassifier {
  model: MnistClassifier;
  /** Feature stats of the held-out real digits. */
  reference: FeatureStats;
  /** accuracy, split, seed, … as written by the training script. */
  metadata: Record<string, string>;
}

/** Loads the classifier (in eval mode) and its reference statistics. */
export function loadClassifier(file = classifierPath()): LoadedClassifier {
  const { entries, metadata } = parseSafetensorsRaw(readFileBytes(file), file);
  if (metadata.format !== CLASSIFIER_FORMAT) throw new Error(`${file}: not a ganstyle MNIST classifier (format '${metadata.format ?? '(none)'}', expected '${CLASSIFIER_FORMAT}')`);
  const sd: Record<string, Tensor> = {};
  let mean: Float64Array | undefined, cov: Float64Array | undefined;
  for (const [name, raw] of entries) {
    if (name === 'reference.mean') mean = toFloat64(raw);
    else if (name === 'reference.cov') cov = toFloat64(raw);
    else sd[name] = new Tensor(toFloat32(raw), raw.shape);
  }
  if (mean?.length !== FEATURES || cov?.length !== FEATURES * FEATURES) throw new Error(`${file}: reference.mean [${FEATURES}] and reference.cov [${FEATURES}, ${FEATURES}] are missing or malformed`);
  const model = new MnistClassifier();
  try {
    model.loadStateDict(sd);
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`, { cause: e });
  }
  model.eval();
  return { model, reference: { dim: FEATURES, count: Number(metadata.reference_count ?? 0), mean, cov }, metadata };
}

/** Writes a classifier file that loadClassifier reads. */
export function saveClassifier(file: string, model: MnistClassifier, reference: FeatureStats, metadata: Record<string, string>): void {
  writeSafetensorsFile(file, {
    ...model.stateDict(),
    'reference.mean': { shape: [reference.dim], data: reference.mean },
    'reference.cov': { shape: [reference.dim, reference.dim], data: reference.cov },
  }, { ...metadata, format: CLASSIFIER_FORMAT, reference_count: String(reference.count) });
}

/** The `mnist` package digits split as the classifier was trained: per class, last 15% held out. */
export function loadMnistSplit(heldOut = 0.15): { train: Digits; test: Digits } {
  const all = loadMnist();
  const { train, test } = splitPerClass(all.labels, heldOut);
  const pick = (idx: Int32Array): Digits => {
    const images = new Float32Array(idx.length * 784), labels = new Uint8Array(idx.length);
    idx.forEach((j, i) => {
      images.set(all.images.subarray(j * 784, (j + 1) * 784), i * 784);
      labels[i] = all.labels[j];
    });
    return { images, labels, count: idx.length };
  };
  return { train: pick(train), test: pick(test) };
}
