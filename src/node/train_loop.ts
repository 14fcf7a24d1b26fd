// The Node side of a training run shared by `fast train` and `fast adain-train`: a progress bar,
// a JSON-lines log (OUT/log.jsonl, one line per logEvery steps with the mean of each stat over
// them), a sample image (OUT/samples/step-NNNNNN.png) and an atomic checkpoint every sampleEvery
// steps and at the end, OUT/samples.png (the last samples). A resumed run first drops the log
// lines after its checkpoint's step (it does those steps again).
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import cliProgress from 'cli-progress';
import type { BackendName } from '../backend.js';
import type { TrainerState } from '../fast/train.js';
import { parseFastState, serializeFastState } from '../fast/checkpoint.js';
import { readFileBytes, writeFileAtomic } from './files.js';

export const CHECKPOINT = 'checkpoint.safetensors';

/** The command-line options every training command shares. */
export interface RunOptions {
  out: string;
  /** Stop at this step in total, or after this many minutes (the first reached). */
  steps?: number;
  minutes?: number;
  /** Continue the run in OUT/checkpoint.safetensors. */
  resume?: boolean;
  /** Steps between sample images and checkpoints (default 50). */
  sampleEvery?: number;
  /** Steps per log line (default 1). */
  logEvery?: number;
  backend?: BackendName;
  threads?: number;
  quiet?: boolean;
}

export interface LoopTrainer<S> {
  step: number;
  trainStep(): S;
  state(): TrainerState<unknown>;
}

export interface LoopOptions {
  out: string;
  /** Stop at this step, or after this many minutes (the first reached; at least one is needed). */
  steps?: number;
  minutes?: number;
  resumed: boolean;
  sampleEvery: number;
  logEvery: number;
  quiet?: boolean;
  /** Extra checkpoint metadata (e.g. the run settings). */
  meta: Record<string, string>;
  /** The stats logged (averaged over the log window); the first is shown as "loss" on the bar. */
  fields: readonly string[];
  writeSample(file: string): Promise<void>;
}

export type LogLine = { step: number; seconds: number } & Record<string, number>;

export function readLog(out: string): LogLine[] {
  const file = path.join(out, 'log.jsonl');
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as LogLine) : [];
}

/** Trains until the step or time limit; returns the seconds spent and the last log line. */
export async function runTrainingLoop<S extends { step: number }>(trainer: LoopTrainer<S>, o: LoopOptions): Promise<{ seconds: number; steps: number; last: LogLine | null }> {
  const maxSteps = o.steps ?? Infinity;
  if (!Number.isFinite(maxSteps) && o.minutes === undefined) throw new Error('give --steps or --minutes');
  mkdirSync(path.join(o.out, 'samples'), { recursive: true });
  const logFile = path.join(o.out, 'log.jsonl');
  writeFileSync(logFile, o.resumed ? readLog(o.out).filter((l) => l.step <= trainer.step).map((l) => JSON.stringify(l) + '\n').join('') : '');
  const snapshot = async (): Promise<void> => {
    await o.writeSample(path.join(o.out, 'samples', `step-${String(trainer.step).padStart(6, '0')}.png`));
    writeFileAtomic(path.join(o.out, CHECKPOINT), serializeFastState(trainer.state(), o.meta));
  };
  const deadline = o.minutes === undefined ? Infinity : performance.now() + o.minutes * 60_000;
  const byTime = !Number.isFinite(maxSteps);
  const total = byTime ? Math.round((o.minutes ?? 0) * 60) : Math.max(0, maxSteps - trainer.step);
  // payload keys get a prefix: cli-progress owns {total}, {value}, …
  const shown = o.fields.map((f, i) => `${i === 0 ? 'loss' : f} {f_${f}}`).join(' | ');
  const bar = new cliProgress.SingleBar({
    format: `{bar} {percentage}% | step {step} | {rate} s/step | ETA {eta_formatted} | ${shown}`,
    hideCursor: true, noTTYOutput: true, notTTYSchedule: 10_000, etaBuffer: 20,
  }, cliProgress.Presets.shades_classic);
  const startStep = trainer.step;
  if (!o.quiet) bar.start(total, 0, { step: trainer.step, rate: '-', ...Object.fromEntries(o.fields.map((f) => [`f_${f}`, '-'])) });
  if (!o.resumed) await snapshot();
  const t0 = performance.now();
  let window: S[] = [];
  let last: LogLine | null = null;
  try {
    while (trainer.step < maxSteps && performance.now() < deadline) {
      window.push(trainer.trainStep());
      const step = trainer.step, seconds = (performance.now() - t0) / 1000;
      if (step % o.logEvery === 0 || step >= maxSteps) {
        const avg = (k: string) => window.reduce((a, w) => a + (w as unknown as Record<string, number>)[k], 0) / window.length;
        last = { step, seconds, ...Object.fromEntries(o.fields.map((f) => [f, avg(f)])) } as LogLine;
        appendFileSync(logFile, JSON.stringify(last) + '\n');
        window = [];
        if (!o.quiet) {
          bar.update(byTime ? Math.min(total, Math.round(seconds)) : step - startStep, {
            step, rate: (seconds / (step - startStep)).toFixed(2), ...Object.fromEntries(o.fields.map((f) => [`f_${f}`, last![f].toExponential(3)])),
          });
        }
      }
      if (step % o.sampleEvery === 0) await snapshot();
    }
  } finally {
    if (!o.quiet) bar.stop();
  }
  const seconds = (performance.now() - t0) / 1000;
  if (trainer.step % o.sampleEvery !== 0) await snapshot();
  await o.writeSample(path.join(o.out, 'samples.png'));
  return { seconds, steps: trainer.step - startStep, last };
}

/** OUT's checkpoint when resuming: the trainer state and the run settings stored with it (metadata 'run'); null otherwise. */
export function resumeRun<C, R>(out: string, resume: boolean | undefined): { state: TrainerState<C>; run: R } | null {
  if (!resume) return null;
  const file = path.join(out, CHECKPOINT);
  if (!existsSync(file)) throw new Error(`--resume: ${file} does not exist (start a run without --resume first)`);
  const { state, metadata } = parseFastState<C>(readFileBytes(file), file);
  try {
    return { state, run: JSON.parse(metadata.run) as R };
  } catch {
    throw new Error(`${file}: the checkpoint lacks its run settings (metadata 'run')`);
  }
}

/** A resumed run keeps its settings: an option given again must have the stored value. */
export function checkSameSettings(given: object, stored: object, keys: readonly string[]): void {
  const g = given as Record<string, unknown>, s = stored as Record<string, unknown>;
  const differ = keys.filter((k) => g[k] !== undefined && String(g[k]) !== String(s[k]));
  if (differ.length > 0) throw new Error(`--resume: ${differ.map((k) => `${k} ${JSON.stringify(g[k])} differs from the run's ${JSON.stringify(s[k])}`).join('; ')} (a resumed run keeps its settings)`);
}
