// `ganstyle gan train` and `ganstyle demo`: the Node side of GAN training — data, progress bar,
// sample grids from fixed noise, a JSON-lines log and atomic checkpoints in an output folder.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import cliProgress from 'cli-progress';
import { useBackend, type BackendName } from '../backend.js';
import { Rng } from '../rng.js';
import { Tensor } from '../tensor.js';
import { encodeImage, makeGrid } from '../io/image.js';
import { DEFAULT_GAN_CONFIG, GanTrainer, type GanConfig, type StepStats } from '../gan/train.js';
import type { GanLoss } from '../gan/losses.js';
import { loadMnist } from '../node/mnist.js';
import { registerNodeWasm } from '../node/wasm.js';
import { saveStateDict, writeFileAtomic } from '../node/files.js';

export interface GanTrainOptions {
  out: string;
  backend: BackendName;
  seed: number;
  batch: number;
  loss: GanLoss;
  /** Stop after this many steps, or epochs, or minutes (the first one reached). */
  steps?: number;
  epochs?: number;
  minutes?: number;
  logEvery: number;
  quiet?: boolean;
}

async function writeGrid(file: string, images: Tensor): Promise<void> {
  const grid = makeGrid(images, { nrow: 8, padding: 2, pad: -1 });
  writeFileAtomic(file, await encodeImage(grid, { range: [-1, 1] }));
}

export async function ganTrain(opts: GanTrainOptions): Promise<{ trainer: GanTrainer; stepsPerSecond: number }> {
  registerNodeWasm();
  useBackend(opts.backend);
  const mnist = loadMnist();
  const config: GanConfig = { ...DEFAULT_GAN_CONFIG, seed: opts.seed, batchSize: opts.batch, loss: opts.loss };
  const trainer = new GanTrainer(config, { images: mnist.images, count: mnist.count, shape: [1, 28, 28] });
  const fixedNoise = Tensor.randn([64, trainer.G.latent], { rng: new Rng(opts.seed + 1) });
  mkdirSync(path.join(opts.out, 'samples'), { recursive: true });
  const logFile = path.join(opts.out, 'log.jsonl');
  writeFileSync(logFile, '');

  const perEpoch = trainer.stepsPerEpoch;
  const maxSteps = Math.min(opts.steps ?? Infinity, (opts.epochs ?? Infinity) * perEpoch);
  const deadline = opts.minutes === undefined ? Infinity : performance.now() + opts.minutes * 60_000;
  const byTime = !Number.isFinite(maxSteps);
  const bar = new cliProgress.SingleBar({
    format: `{bar} {percentage}% | step {step} | {rate} steps/s | ETA {eta_formatted} | D {d} G {g} | D(x) {dx} D(G(z)) {dgz}`,
    hideCursor: true,
    noTTYOutput: true,
    notTTYSchedule: 10_000,
    etaBuffer: 200,
  }, cliProgress.Presets.shades_classic);
  const total = byTime ? Math.round((opts.minutes ?? 0) * 60) : maxSteps;
  if (!opts.quiet) bar.start(total, 0, { step: 0, rate: '-', d: '-', g: '-', dx: '-', dgz: '-' });

  const t0 = performance.now();
  let window: StepStats[] = [];
  await writeGrid(path.join(opts.out, 'samples', 'epoch-000.png'), trainer.sample(fixedNoise));
  while (trainer.step < maxSteps && performance.now() < deadline) {
    const s = trainer.trainStep();
    window.push(s);
    const elapsed = (performance.now() - t0) / 1000;
    if (s.step % opts.logEvery === 0 || trainer.step >= maxSteps) {
      const avg = (k: keyof StepStats) => window.reduce((a, w) => a + w[k], 0) / window.length;
      const line = { step: s.step, epoch: s.step / perEpoch, seconds: elapsed, d_loss: avg('dLoss'), g_loss: avg('gLoss'), d_real: avg('dReal'), d_fake: avg('dFake') };
      appendFileSync(logFile, JSON.stringify(line) + '\n');
      window = [];
      if (!opts.quiet) {
        bar.update(byTime ? Math.min(total, Math.round(elapsed)) : s.step, {
          step: s.step, rate: (s.step / elapsed).toFixed(1), d: line.d_loss.toFixed(3), g: line.g_loss.toFixed(3), dx: line.d_real.toFixed(2), dgz: line.d_fake.toFixed(2),
        });
      }
    }
    if (s.step % perEpoch === 0) {
      await writeGrid(path.join(opts.out, 'samples', `epoch-${String(s.step / perEpoch).padStart(3, '0')}.png`), trainer.sample(fixedNoise));
    }
  }
  if (!opts.quiet) {
    bar.update(byTime ? total : trainer.step);
    bar.stop();
  }
  const seconds = (performance.now() - t0) / 1000;
  await writeGrid(path.join(opts.out, 'samples.png'), trainer.sample(fixedNoise));
  saveStateDict(path.join(opts.out, 'generator.safetensors'), trainer.G.stateDict(), { format: 'ganstyle-gan/1', model: 'mlp', step: String(trainer.step) });
  saveStateDict(path.join(opts.out, 'discriminator.safetensors'), trainer.D.stateDict(), { format: 'ganstyle-gan/1', model: 'mlp', step: String(trainer.step) });
  return { trainer, stepsPerSecond: trainer.step / seconds };
}
