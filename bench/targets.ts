// The performance targets of docs/performance.md, checked on `ganstyle bench --json --threads 2` rows.
// One run on a shared machine rarely meets all of them at once — a minute of contention lands on some
// row (docs/performance.md, "Numbers") — so medianChecks() takes each target's median over runs.
import { VGG_CONV_CASES } from './conv2d.bench.js';
import { convShape, gemmShape, type BenchRow } from './report.js';
import { VARIANTS } from './shapes.js';
import { ganCase } from './step.bench.js';

export interface TargetCheck {
  target: string;
  value: number;
  min: number;
}

const GANSTYLE = 'ganstyle-wasm-simd', RESIDENT = 'ganstyle-wasm-simd-resident', TFJS = 'tfjs-wasm';
// The rows' shape labels, made as the bench makes them
const SQUARE_GEMMS = [512, 1024].flatMap((s) => VARIANTS.map((v) => gemmShape({ m: s, n: s, k: s, transA: v[0] === 'T', transB: v[1] === 'T' })));
const VGG_CONVS = VGG_CONV_CASES.map(convShape);
const GAN_STEP = ganCase(false).shape;

/**
 * Every target on one run's rows (threads 1 and 2): GEMM 512³ / 1024³ in all variants ≥ 90 % of the
 * ceiling measured beside the row and ≥ 1.15× tfjs-wasm at 1 thread, ≥ 1.85× its own 1-thread speed at
 * 2 (timed in the same rounds when the row carries oneThreadMs); the VGG convs' forward and backward (∂x + ∂w, resident operands) ≥ 1.1× tfjs-wasm's forward at 1
 * and 2 threads; the MLP-GAN step ≥ 25 steps/s and ≥ 15× tfjs-wasm at 2 threads. A row the run lacks
 * throws (a run with --only or without peers cannot be checked).
 */
export function evaluateTargets(rows: readonly BenchRow[]): TargetCheck[] {
  const find = (name: string, shape: string, backend: string, threads: number): BenchRow => {
    const r = rows.find((x) => x.name === name && x.shape === shape && x.backend === backend && x.threads === threads);
    if (r === undefined) throw new Error(`bench targets: the run has no row ${name} ${shape} ${backend}/${threads}`);
    return r;
  };
  const ceiling = rows.find((r) => r.name === 'ceiling' && r.backend === 'wasm-simd')?.gflops;
  const checks: TargetCheck[] = [];
  const check = (target: string, value: number, min: number) => checks.push({ target, value, min });
  for (const shape of SQUARE_GEMMS) {
    const one = find('gemm', shape, GANSTYLE, 1), two = find('gemm', shape, GANSTYLE, 2);
    const ceil = one.ceiling ?? ceiling;
    if (ceil === undefined) throw new Error('bench targets: the run has no ceiling');
    check(`gemm ${shape}, 1 thread: fraction of the ceiling`, one.gflops / ceil, 0.9);
    check(`gemm ${shape}, 1 thread: ÷ tfjs-wasm`, one.gflops / find('gemm', shape, TFJS, 1).gflops, 1.15);
    // the 1-thread time from the same rounds as the 2-thread row when the run has it (BenchRow.oneThreadMs)
    check(`gemm ${shape}: 2 threads ÷ 1 thread`, two.oneThreadMs !== undefined ? two.oneThreadMs / two.ms : two.gflops / one.gflops, 1.85);
  }
  for (const shape of VGG_CONVS) {
    for (const threads of [1, 2]) {
      const peer = find('conv2d', shape, TFJS, threads).gflops;
      check(`conv2d ${shape}, ${threads} thread(s): forward ÷ tfjs-wasm's`, find('conv2d', shape, RESIDENT, threads).gflops / peer, 1.1);
      check(`conv2d ${shape}, ${threads} thread(s): backward ÷ tfjs-wasm's forward`, find('conv2d_bwd', shape, RESIDENT, threads).gflops / peer, 1.1);
    }
  }
  const step = find('gan_step', GAN_STEP, GANSTYLE, 2);
  check('gan_step, 2 threads: steps/s', 1000 / step.ms, 25);
  check('gan_step, 2 threads: ÷ tfjs-wasm', find('gan_step', GAN_STEP, TFJS, 2).ms / step.ms, 15);
  return checks;
}

export interface MedianCheck extends TargetCheck {
  /** The target's value in each run, in the order given. */
  runs: number[];
}

/** Each target's median over the runs (the mean of the middle two for an even count). */
export function medianChecks(runs: readonly (readonly BenchRow[])[]): MedianCheck[] {
  const per = runs.map(evaluateTargets);
  return per[0].map((c, i) => {
    const values = per.map((checks) => checks[i].value), sorted = [...values].sort((a, b) => a - b), mid = sorted.length >> 1;
    const value = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    return { target: c.target, min: c.min, value, runs: values };
  });
}
