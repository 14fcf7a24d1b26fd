// `ganstyle gan train|sample|eval` and `ganstyle demo`: the Node side of GAN training — data,
// progress bar, sample grids from fixed noise, quality metrics from the shipped MNIST classifier,
// curves, a JSON-lines log, and atomic checkpoints that `--resume` continues exactly.
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import cliProgress from 'cli-progress';
import { setNumThreads, useBackend, type BackendName } from '../backend.js';
import { Rng } from '../rng.js';
import { Tensor } from '../tensor.js';
import { encodeImage, makeGrid } from '../io/image.js';
import { plotLines } from '../io/plot.js';
import { buildGenerator, GanTrainer, modelImageShape, type GanConfig, type ImageSet, type StepStats } from '../gan/train.js';
import { parseGanState, serializeGanState } from '../gan/checkpoint.js';
import { diagnose, evaluateSamples, type HistoryRecord, type SampleReport } from '../gan/eval/metrics.js';
import type { GanGenerator } from '../gan/models.js';
import { loadClassifier, type LoadedClassifier } from '../node/classifier.js';
import { loadImageFolder } from '../node/image_folder.js';
import { loadMnist } from '../node/mnist.js';
import { registerNodeWasm } from '../node/wasm.js';
import { readFileBytes, saveStateDict, writeFileAtomic, writeNpyFile } from '../node/files.js';

export interface GanTrainOptions {
  out: string;
  backend: BackendName;
  /** Model/loss/remedy settings (ganConfig fills in the rest). */
  config: Partial<GanConfig>;
  /** Stop after this many steps, or epochs, or minutes (the first one reached). */
  steps?: number;
  epochs?: number;
  minutes?: number;
  /** A folder of images instead of the embedded MNIST digits. */
  data?: string;
  channels?: 1 | 3;
  /** Continue the run saved in OUT/checkpoint.safetensors. */
  resume?: boolean;
  logEvery: number;
  /** Steps between quality evaluations (default: once per epoch; MNIST-shaped data only). */
  evalEvery?: number;
  evalCount: number;
  quiet?: boolean;
  /** Compute threads (default 1; 0 = every core). */
  threads?: number;
}

const CHECKPOINT = 'checkpoint.safetensors';

async function loadData(opts: GanTrainOptions, model: GanConfig['model']): Promise<{ data: ImageSet; mnist: boolean }> {
  if (opts.data === undefined) {
    const m = loadMnist();
    return { data: { images: m.images, count: m.count, shape: [1, 28, 28], labels: m.labels }, mnist: true };
  }
  const size = model === 'dcgan64' ? 64 : 28;
  return { data: await loadImageFolder(opts.data, { size, channels: opts.channels ?? 1 }), mnist: false };
}

async function writeGrid(file: string, images: Tensor): Promise<void> {
  const grid = makeGrid(images, { nrow: 8, padding: 2, pad: -1 });
  writeFileAtomic(file, await encodeImage(grid, { range: [-1, 1] }));
}

/** Samples `count` images from g with noise from `rng` (and labels i mod K for conditional models). */
function sampleFrom(g: GanGenerator, config: GanConfig, count: number, rng: Rng, fixedClass?: number): { images: Tensor; labels?: Int32Array } {
  const z = Tensor.randn([count, config.latent], { rng });
  const labels = config.numClasses > 0 ? Int32Array.from({ length: count }, (_, i) => fixedClass ?? i % config.numClasses) : undefined;
  g.eval();
  try {
    return { images: g.forward(z, labels), labels };
  } finally {
    g.train();
  }
}

/** Classifier report on `count` samples (chunks of 250); conditional models also get label accuracy. */
function evaluate(clf: LoadedClassifier, g: GanGenerator, config: GanConfig, count: number, seed: number): SampleReport & { labelAccuracy?: number } {
  const rng = new Rng(seed);
  const parts: Tensor[] = [];
  const labels: number[] = [];
  for (let done = 0; done < count; done += 250) {
    const s = sampleFrom(g, config, Math.min(250, count - done), rng);
    parts.push(s.images);
    if (s.labels) labels.push(...Array.from(s.labels, (_, i) => (done + i) % config.numClasses));
  }
  const all = new Float32Array(parts.reduce((n, p) => n + p.size, 0));
  let off = 0;
  for (const p of parts) {
    all.set(p.data, off);
    off += p.size;
  }
  const images = new Tensor(all, [count, ...parts[0].shape.slice(1)]);
  const report = evaluateSamples(clf.model, images, clf.reference);
  if (labels.length === 0) return report;
  const { probs } = clf.model.predict(images.data.map((v) => Math.min(1, Math.max(0, (v + 1) / 2))), count);
  const argmax = (i: number) => {
    let best = 0;
    for (let k = 1; k < 10; k++) if (probs[i * 10 + k] > probs[i * 10 + best]) best = k;
    return best;
  };
  return { ...report, labelAccuracy: labels.filter((y, i) => argmax(i) === y).length / labels.length };
}

/** Loss curves over metric curves, one image. */
async function writeCurves(file: string, log: { step: number; d_loss: number; g_loss: number }[], evals: HistoryRecord[]): Promise<void> {
  const x = log.map((l) => l.step);
  const losses = plotLines({
    title: 'losses', xLabel: 'step', width: 800, height: 300,
    series: [{ name: 'D loss', x, y: log.map((l) => l.d_loss) }, { name: 'G loss', x, y: log.map((l) => l.g_loss) }],
  });
  if (evals.length === 0) return writeFileAtomic(file, await encodeImage(losses));
  const ex = evals.map((e) => e.step);
  const fd = plotLines({ title: 'Frechet distance (classifier features)', xLabel: 'step', width: 800, height: 300, logY: true, series: [{ name: 'FD', x: ex, y: evals.map((e) => e.fd ?? NaN) }] });
  const cov = plotLines({ title: 'classes covered (of 10)', xLabel: 'step', width: 800, height: 200, yRange: [0, 10], series: [{ name: 'coverage', x: ex, y: evals.map((e) => e.coverage ?? NaN) }] });
  const stacked = new Float32Array(losses.size + fd.size + cov.size);
  // [3, H, W] images of equal width stack per channel.
  const parts = [losses, fd, cov], h = parts.map((p) => p.shape[1]), w = 800, H = h.reduce((a, b) => a + b, 0);
  for (let c = 0; c < 3; c++) {
    let row = 0;
    parts.forEach((p, i) => {
      stacked.set(p.data.subarray(c * h[i] * w, (c + 1) * h[i] * w), (c * H + row) * w);
      row += h[i];
    });
  }
  writeFileAtomic(file, await encodeImage(new Tensor(stacked, [3, H, w])));
}

export async function ganTrain(opts: GanTrainOptions): Promise<{ trainer: GanTrainer; stepsPerSecond: number; last: (SampleReport & { step: number }) | null }> {
  registerNodeWasm();
  useBackend(opts.backend);
  setNumThreads(opts.threads ?? 1);
  const ckptFile = path.join(opts.out, CHECKPOINT);
  const resumed = opts.resume ? parseGanState(readFileBytes(ckptFile), ckptFile) : null;
  const model = resumed?.config.model ?? opts.config.model ?? 'mlp';
  const { data, mnist } = await loadData(opts, model);
  const trainer = resumed ? GanTrainer.fromState(resumed, data) : new GanTrainer(opts.config, data);
  const config = trainer.config;
  const clf = mnist && data.shape[1] === 28 ? loadClassifier() : null;
  const fixedNoise = Tensor.randn([64, config.latent], { rng: new Rng(config.seed + 1) });
  const fixedLabels = config.numClasses > 0 ? Int32Array.from({ length: 64 }, (_, i) => i % config.numClasses) : undefined;
  mkdirSync(path.join(opts.out, 'samples'), { recursive: true });
  const logFile = path.join(opts.out, 'log.jsonl');
  if (!resumed) writeFileSync(logFile, '');

  const perEpoch = trainer.stepsPerEpoch;
  const evalEvery = opts.evalEvery ?? perEpoch;
  const maxSteps = Math.min(opts.steps ?? Infinity, (opts.epochs ?? Infinity) * perEpoch);
  const deadline = opts.minutes === undefined ? Infinity : performance.now() + opts.minutes * 60_000;
  const byTime = !Number.isFinite(maxSteps);
  const bar = new cliProgress.SingleBar({
    format: `{bar} {percentage}% | step {step} | {rate} steps/s | ETA {eta_formatted} | D {d} G {g} | D(x) {dx} D(G(z)) {dgz} | {quality}`,
    hideCursor: true, noTTYOutput: true, notTTYSchedule: 10_000, etaBuffer: 200,
  }, cliProgress.Presets.shades_classic);
  const total = byTime ? Math.round((opts.minutes ?? 0) * 60) : maxSteps - trainer.step;
  const startStep = trainer.step;
  if (!opts.quiet) bar.start(total, 0, { step: trainer.step, rate: '-', d: '-', g: '-', dx: '-', dgz: '-', quality: '' });

  const evals: HistoryRecord[] = [];
  let last: (SampleReport & { step: number }) | null = null;
  let bestFd = Infinity;
  const t0 = performance.now();
  let window: StepStats[] = [];
  const epochOf = (step: number) => String(Math.floor(step / perEpoch)).padStart(3, '0');
  const snapshot = async (): Promise<void> => {
    await writeGrid(path.join(opts.out, 'samples', `epoch-${epochOf(trainer.step)}.png`), trainer.sample(fixedNoise, fixedLabels));
    writeFileAtomic(ckptFile, serializeGanState(trainer.state(), { channels: String(data.shape[0]) }));
  };
  if (!resumed) await snapshot();
  while (trainer.step < maxSteps && performance.now() < deadline) {
    const s = trainer.trainStep();
    window.push(s);
    const elapsed = (performance.now() - t0) / 1000;
    if (s.step % opts.logEvery === 0 || s.step >= maxSteps) {
      const avg = (k: keyof StepStats) => window.reduce((a, w) => a + w[k], 0) / window.length;
      const line = { step: s.step, epoch: s.step / perEpoch, seconds: elapsed, d_loss: avg('dLoss'), g_loss: avg('gLoss'), d_real: avg('dReal'), d_fake: avg('dFake') };
      appendFileSync(logFile, JSON.stringify(line) + '\n');
      evals.push({ step: s.step, dReal: line.d_real, dFake: line.d_fake });
      window = [];
      if (!opts.quiet) {
        bar.update(byTime ? Math.min(total, Math.round(elapsed)) : s.step - startStep, {
          step: s.step, rate: ((s.step - startStep) / elapsed).toFixed(1), d: line.d_loss.toFixed(3), g: line.g_loss.toFixed(3), dx: line.d_real.toFixed(2), dgz: line.d_fake.toFixed(2),
        });
      }
    }
    if (clf !== null && s.step % evalEvery === 0) {
      const r = evaluate(clf, trainer.sampler, config, opts.evalCount, config.seed + 2);
      last = { ...r, step: s.step };
      const rec: HistoryRecord = { step: s.step, coverage: r.coverage, fractions: r.perClass.fractions, fd: r.fd ?? undefined };
      evals.push(rec);
      appendFileSync(logFile, JSON.stringify({ step: s.step, eval: { coverage: r.coverage, confident: r.confident, mean_confidence: r.meanConfidence, fd: r.fd, per_class: r.perClass.fractions, label_accuracy: r.labelAccuracy } }) + '\n');
      if (!opts.quiet) bar.update({ quality: `FD ${r.fd?.toFixed(0)} cover ${r.coverage}/10` });
      if (r.fd !== null && r.fd < bestFd) {
        bestFd = r.fd;
        saveStateDict(path.join(opts.out, 'best-generator.safetensors'), trainer.sampler.stateDict(), { format: 'ganstyle-gan/1', model: config.model, step: String(s.step), fd: String(r.fd) });
      }
      for (const w of diagnose(evals.filter((e) => e.step > s.step - 20 * evalEvery))) {
        if (w.step === s.step) console.warn(`\nwarning (step ${w.step}): ${w.message}`);
      }
    }
    if (s.step % perEpoch === 0) await snapshot();
  }
  if (!opts.quiet) {
    bar.update(byTime ? total : trainer.step - startStep);
    bar.stop();
  }
  const seconds = (performance.now() - t0) / 1000;
  await snapshot();
  await writeGrid(path.join(opts.out, 'samples.png'), trainer.sample(fixedNoise, fixedLabels));
  // Curves from the whole log, so a resumed run plots its full history.
  const history = readFileSync(logFile, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
  await writeCurves(
    path.join(opts.out, 'curves.png'),
    history.filter((l) => l.d_loss !== undefined),
    history.filter((l) => l.eval !== undefined).map((l) => ({ step: l.step, fd: l.eval.fd ?? undefined, coverage: l.eval.coverage })),
  );
  const meta = { format: 'ganstyle-gan/1', model: config.model, step: String(trainer.step) };
  saveStateDict(path.join(opts.out, 'generator.safetensors'), trainer.sampler.stateDict(), meta);
  saveStateDict(path.join(opts.out, 'discriminator.safetensors'), trainer.D.stateDict(), meta);
  if (last !== null) writeFileSync(path.join(opts.out, 'metrics.json'), JSON.stringify(last, null, 1) + '\n');
  return { trainer, stepsPerSecond: (trainer.step - startStep) / seconds, last };
}

/** The generator of a checkpoint (the EMA average unless `raw`), ready to sample. */
function loadGenerator(file: string, raw: boolean): { g: GanGenerator; config: GanConfig } {
  const state = parseGanState(readFileBytes(file), file);
  const config = state.config;
  const g = buildGenerator(config, { channels: channelsOf(state.G, config) });
  g.loadStateDict(raw || state.Gema === null ? state.G : state.Gema);
  return { g, config };
}

function channelsOf(sd: Record<string, Tensor>, config: GanConfig): number {
  for (const c of [1, 3]) {
    const g = buildGenerator(config, { channels: c, rng: new Rng(0) });
    const own = g.stateDict();
    if (Object.keys(own).every((k) => sd[k] !== undefined && sd[k].shape.join() === own[k].shape.join())) return c;
  }
  throw new Error(`checkpoint: the generator's weights fit neither 1 nor 3 image channels of model '${config.model}'`);
}

export async function ganSample(opts: { checkpoint: string; count: number; out: string; class?: number; seed: number; raw: boolean; backend: BackendName }): Promise<string> {
  registerNodeWasm();
  useBackend(opts.backend);
  const { g, config } = loadGenerator(opts.checkpoint, opts.raw);
  if (opts.class !== undefined && config.numClasses === 0) throw new Error(`--class needs a conditional model (cgan-mlp, cgan-dcgan); this checkpoint holds '${config.model}'`);
  if (opts.class !== undefined && !(opts.class >= 0 && opts.class < config.numClasses)) throw new Error(`--class must be in [0, ${config.numClasses})`);
  const { images } = sampleFrom(g, config, opts.count, new Rng(opts.seed), opts.class);
  const ext = path.extname(opts.out).toLowerCase();
  if (ext === '.npy') {
    // float32 [N, C, H, W] in [0, 1]
    writeNpyFile(opts.out, new Tensor(images.data.map((v) => Math.min(1, Math.max(0, (v + 1) / 2))), images.shape));
  } else if (ext === '.png' || ext === '.jpg' || ext === '.jpeg') {
    const grid = makeGrid(images, { nrow: Math.ceil(Math.sqrt(opts.count)), padding: 2, pad: -1 });
    writeFileAtomic(opts.out, await encodeImage(grid, { range: [-1, 1], mime: ext === '.png' ? 'image/png' : 'image/jpeg' }));
  } else {
    throw new Error(`--out must end in .png, .jpg or .npy, got '${opts.out}'`);
  }
  return `${opts.count} samples of ${config.model} (${modelImageShape(config, images.shape[1]).join('×')}) written to ${opts.out}`;
}

export function ganEval(opts: { checkpoint: string; count: number; seed: number; raw: boolean; backend: BackendName; json: boolean }): string {
  registerNodeWasm();
  useBackend(opts.backend);
  const { g, config } = loadGenerator(opts.checkpoint, opts.raw);
  if (g.imageShape.join() !== '1,28,28') throw new Error(`gan eval measures MNIST-shaped generators [1, 28, 28]; this one makes [${g.imageShape.join(', ')}]`);
  const r = evaluate(loadClassifier(), g, config, opts.count, opts.seed);
  if (opts.json) return JSON.stringify(r);
  const rows = r.perClass.fractions.map((f, k) => `  ${k}: ${(100 * f).toFixed(1).padStart(5)}% ${'█'.repeat(Math.round(f * 50))}`);
  return [
    `${opts.count} samples of ${config.model} from ${opts.checkpoint}`,
    'class share:', ...rows,
    `coverage ${r.coverage}/10 (classes with ≥ 2% of samples)`,
    `confident ${(100 * r.confident).toFixed(1)}% (top probability > 0.9), mean confidence ${r.meanConfidence.toFixed(3)}`,
    `Fréchet distance ${r.fd?.toFixed(1)} (classifier features vs held-out real digits; real digits score ≈ 9)`,
    ...(r.labelAccuracy !== undefined ? [`requested class generated ${(100 * r.labelAccuracy).toFixed(1)}% of the time`] : []),
  ].join('\n');
}

