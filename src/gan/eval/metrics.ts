// Sample quality as an independent MNIST classifier sees it, and training diagnostics:
//   coverage       = number of classes holding ≥ 2% of the samples (argmax class)
//   confident      = share of samples whose top class probability is > 0.9
//   meanConfidence = mean top class probability
//   fd             = Fréchet distance of the classifier's 128 features against real held-out digits
// diagnose(history) turns a series of such reports (plus D's outputs) into structured warnings.
import { Tensor } from '../../tensor.js';
import { fmt, ShapeError } from '../../shape.js';
import { CLASSES, FEATURES, type MnistClassifier } from './classifier.js';
import { featureStats, frechetDistance, type FeatureStats } from './frechet.js';

export interface SampleReport {
  count: number;
  /** Samples per argmax class, and the same as fractions of count. */
  perClass: { counts: number[]; fractions: number[] };
  coverage: number;
  confident: number;
  meanConfidence: number;
  /** Fréchet distance to the reference (null without a reference). */
  fd: number | null;
}

export interface EvaluateOptions {
  /** The value range of `images` (default [-1, 1]: a generator's tanh output); mapped to [0, 1] and clamped. */
  range?: [number, number];
  /** A class is covered when it holds at least this fraction of samples (default 0.02). */
  coverageThreshold?: number;
  /** A sample is confident when its top probability exceeds this (default 0.9). */
  confidenceThreshold?: number;
}

/** Class statistics from softmax outputs probs [count, classes]. */
export function summarizePredictions(probs: ArrayLike<number>, count: number, opts: EvaluateOptions = {}, classes = CLASSES): Omit<SampleReport, 'fd'> {
  if (count < 1 || probs.length !== count * classes) throw new RangeError(`summarizePredictions: ${probs.length} values is not ${count} × ${classes} probabilities`);
  const covT = opts.coverageThreshold ?? 0.02, confT = opts.confidenceThreshold ?? 0.9;
  const counts = new Array<number>(classes).fill(0);
  let confident = 0, conf = 0;
  for (let i = 0; i < count; i++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if (probs[i * classes + k] > probs[i * classes + best]) best = k;
    const p = probs[i * classes + best];
    counts[best]++;
    conf += p;
    if (p > confT) confident++;
  }
  const fractions = counts.map((c) => c / count);
  return {
    count,
    perClass: { counts, fractions },
    coverage: fractions.filter((f) => f >= covT).length,
    confident: confident / count,
    meanConfidence: conf / count,
  };
}

/** Flat [N, 784] values in [0, 1] from images [N, 1, 28, 28] or [N, 784] spanning `range`. */
function toUnit(images: Tensor, range: [number, number]): { data: Float32Array; count: number } {
  if (images.ndim < 2 || images.size !== images.shape[0] * 784) {
    throw new ShapeError(`evaluateSamples: expected images [N, 1, 28, 28] or [N, 784], got ${fmt(images.shape)}`);
  }
  const [lo, hi] = range;
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi > lo)) throw new RangeError(`evaluateSamples: bad range [${lo}, ${hi}]`);
  const data = new Float32Array(images.size);
  for (let i = 0; i < data.length; i++) data[i] = Math.min(1, Math.max(0, (images.data[i] - lo) / (hi - lo)));
  return { data, count: images.shape[0] };
}

/** The classifier's features [N, 128] of images spanning `range` (default [-1, 1]). */
export function classifierFeatures(classifier: MnistClassifier, images: Tensor, range: [number, number] = [-1, 1]): Float32Array {
  const { data, count } = toUnit(images, range);
  return classifier.predict(data, count).features;
}

/**
 * Rates generated digits: images [N, 1, 28, 28] in opts.range (default [-1, 1], the generator's
 * output); reference = feature stats of real digits (FD is null without it; needs N ≥ 2).
 */
export function evaluateSamples(classifier: MnistClassifier, images: Tensor, reference?: FeatureStats | null, opts: EvaluateOptions = {}): SampleReport {
  const { data, count } = toUnit(images, opts.range ?? [-1, 1]);
  const { features, probs } = classifier.predict(data, count);
  const summary = summarizePredictions(probs, count, opts);
  let fd: number | null = null;
  if (reference) {
    if (count < 2) throw new RangeError(`evaluateSamples: the Fréchet distance needs at least 2 samples, got ${count}`);
    fd = frechetDistance(featureStats(features, count, FEATURES), reference);
  }
  return { ...summary, fd };
}

// ---- diagnostics ----

/** One point of a training run: a quality report and/or D's mean outputs (probabilities). */
export interface HistoryRecord {
  step: number;
  coverage?: number;
  /** Per-class fractions (SampleReport.perClass.fractions). */
  fractions?: number[];
  fd?: number | null;
  dReal?: number;
  dFake?: number;
}

export type WarningKind = 'mode-collapse' | 'discriminator-wins';

export interface GanWarning {
  kind: WarningKind;
  step: number;
  message: string;
  /** mode-collapse: the classes that vanished (present earlier, now below `vanishBelow`). */
  classes?: number[];
  /** mode-collapse: coverage now and the best earlier (step). */
  coverage?: { now: number; best: number; bestStep: number };
}

export interface DiagnoseOptions {
  /** Coverage falling by at least this many classes below its best is a collapse (default 2). */
  coverageDrop?: number;
  /** A class is present at ≥ this fraction (default 0.02) and vanished below `vanishBelow` (default 0.005). */
  presentAt?: number;
  vanishBelow?: number;
  /** D wins when D(x) ≥ dRealAbove and D(G(z)) ≤ dFakeBelow (defaults 0.95, 0.05) ... */
  dRealAbove?: number;
  dFakeBelow?: number;
  /** ... in each of the last `window` records that carry D's outputs (default 5). */
  window?: number;
}

const list = (ks: number[]): string => ks.join(', ');

/** Warnings about the latest state of a run (history in step order); [] when all is well. */
export function diagnose(history: readonly HistoryRecord[], opts: DiagnoseOptions = {}): GanWarning[] {
  const drop = opts.coverageDrop ?? 2, presentAt = opts.presentAt ?? 0.02, vanishBelow = opts.vanishBelow ?? 0.005;
  const dRealAbove = opts.dRealAbove ?? 0.95, dFakeBelow = opts.dFakeBelow ?? 0.05, window = opts.window ?? 5;
  const out: GanWarning[] = [];

  const rated = history.filter((h) => h.coverage !== undefined || h.fractions !== undefined);
  if (rated.length >= 2) {
    const last = rated[rated.length - 1], earlier = rated.slice(0, -1);
    const cov = (h: HistoryRecord): number => h.coverage ?? h.fractions!.filter((f) => f >= presentAt).length;
    let best = earlier[0];
    for (const h of earlier) if (cov(h) > cov(best)) best = h;
    const vanished: number[] = [];
    if (last.fractions) {
      last.fractions.forEach((f, k) => {
        if (f < vanishBelow && earlier.some((h) => (h.fractions?.[k] ?? 0) >= presentAt)) vanished.push(k);
      });
    }
    const now = cov(last);
    if (now <= cov(best) - drop || vanished.length > 0) {
      let message = `mode collapse at step ${last.step}: coverage ${now}/${last.fractions?.length ?? CLASSES} (best ${cov(best)} at step ${best.step})`;
      if (vanished.length > 0) message += `; class${vanished.length > 1 ? 'es' : ''} ${list(vanished)} vanished (< ${vanishBelow * 100}% of samples, ≥ ${presentAt * 100}% earlier)`;
      if (last.fractions) {
        const top = last.fractions.indexOf(Math.max(...last.fractions));
        if (last.fractions[top] >= 0.4) message += `; ${Math.round(last.fractions[top] * 100)}% of samples are ${top}s`;
      }
      out.push({ kind: 'mode-collapse', step: last.step, message, classes: vanished, coverage: { now, best: cov(best), bestStep: best.step } });
    }
  }

  const withD = history.filter((h) => h.dReal !== undefined && h.dFake !== undefined);
  if (withD.length >= window) {
    const recent = withD.slice(-window);
    if (recent.every((h) => h.dReal! >= dRealAbove && h.dFake! <= dFakeBelow)) {
      const last = recent[recent.length - 1];
      out.push({
        kind: 'discriminator-wins',
        step: last.step,
        message: `the discriminator wins outright since step ${recent[0].step}: D(x) ${last.dReal!.toFixed(3)}, D(G(z)) ${last.dFake!.toFixed(3)} — `
          + 'the generator gets almost no gradient (try label smoothing, dropout or spectral norm in D, or a lower D learning rate)',
      });
    }
  }
  return out;
}
