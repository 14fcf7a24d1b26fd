// Benchmark results: the row every bench produces, timing with tinybench (warm-up, then the median
// of the samples), the peer interface, and the printing (an aligned table with ratios, or JSON lines).
//
// Ratios in the table: `ceil` = GFLOP/s ÷ (the in-process WASM SIMD ceiling × threads), i.e. the
// fraction of the f32x4 mul+add peak the threads could reach; on a peer's row `ganstyle/this` =
// ganstyle's GFLOP/s on the same name and shape ÷ the row's (> 1: ganstyle is faster than that peer).
import { Bench } from 'tinybench';

/** One measured result (also the JSON-lines record, with exactly these keys). */
export interface BenchRow {
  /** What was run: 'gemm', 'conv2d', 'gan_step', 'vgg_fwd_bwd', 'ceiling', … */
  name: string;
  /** The problem size in a human-readable form, e.g. '64x1024x784 NT' or '64->64 256x256'. */
  shape: string;
  /** 'ganstyle-wasm-simd', 'tfjs-wasm', 'ort-wasm', 'wasm-simd' (the ceiling), … */
  backend: string;
  threads: number;
  /** Median milliseconds per call. */
  ms: number;
  /** Nominal flops ÷ median time. */
  gflops: number;
  /** The single-thread SIMD ceiling (GFLOP/s) measured right before this row (gemm), for its `ceil`
   *  ratio: the machine's speed drifts within minutes. Not part of the JSON record. */
  ceiling?: number;
  /** ganstyle's gemm rows at N > 1 threads: the same case on a pool of one thread, timed in the same
   *  rounds (its fastest round's median), for the N-thread ÷ 1-thread scaling — the 1-thread section's
   *  row was timed minutes earlier, in whatever phase the machine was then. */
  oneThreadMs?: number;
}

/**
 * Median ms of `fn`: one first call (compiles, lets V8 tier the WASM up, sizes the budget), then
 * tinybench with its own warm-up (≥ 500 ms and 5 calls: while V8 optimises a JS-heavy case such as
 * the GAN step, its calls 2–3 take 2× and calls 4–13 10–15 % longer than later ones, measured). A call over 1 s gets as many samples
 * as fit in ~8 s (at least one, at most five) and no further warm-up; `quick` times a single call
 * after the first.
 */
export async function measure(name: string, fn: () => unknown, quick: boolean): Promise<number> {
  const t0 = performance.now();
  await fn();
  const first = performance.now() - t0;
  const slow = first > 1000;
  const bench = new Bench({
    time: quick || slow ? 0 : 600,
    iterations: quick ? 1 : slow ? Math.max(1, Math.min(5, Math.floor(8000 / first))) : 5,
    warmup: !quick && !slow,
    warmupTime: 500,
    warmupIterations: 5,
    throws: true,
  });
  // An async function: tinybench then does not call fn once more just to find out whether it is async.
  bench.add(name, async () => {
    await fn();
  });
  await bench.run();
  const median = bench.tasks[0].result?.latency.p50;
  if (median === undefined) throw new Error(`bench: ${name} produced no samples`);
  return median;
}

export function row(name: string, shape: string, backend: string, threads: number, ms: number, flops: number): BenchRow {
  return { name, shape, backend, threads, ms, gflops: flops / ms / 1e6 };
}

/** One benchmark case: what the rows are named, its nominal FLOPs, and the parameters a runner needs. */
export interface BenchCase<P> {
  name: string;
  shape: string;
  flops: number;
  params: P;
}

/** A prepared benchmark case: run() is timed, dispose() frees what the preparation allocated. */
export interface Runner {
  run(): unknown;
  dispose(): void;
}

/** op(A)·op(B) with A [M, K] (or [K, M] when transA) and B [K, N] (or [N, K] when transB). */
export interface GemmCase {
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
}

/** A 'same' 3×3 stride-1 convolution on one image: x [1, cin, size, size] → [1, cout, size, size]. */
export interface ConvCase {
  cin: number;
  cout: number;
  size: number;
}

/** The VGG-19 convolutions conv1_1 … conv3_4 at an input of size² (pools after conv1_2, conv2_2, conv3_4). */
export interface VggCase {
  size: number;
  /** [cin, cout] per conv, in order. */
  convs: [number, number][];
  /** Indices of the convs after which a 2×2 max pool follows. */
  poolAfter: number[];
}

/** An in-process peer library (TensorFlow.js WASM, onnxruntime-web) at a fixed thread count. */
export interface Peer {
  readonly backend: string;
  /** The thread count the library reports it actually uses. */
  readonly threads: number;
  /** null: the peer cannot run this case (the caller notes it). */
  gemm(c: GemmCase): Promise<Runner | null>;
  conv2d(c: ConvCase): Promise<Runner | null>;
  /** One MLP-GAN training step (batch `batch`, Adam) as ganstyle's GanTrainer does it. */
  ganStep(batch: number): Promise<Runner | null>;
  /** VGG forward, then the gradient of Σ output w.r.t. the input (and every weight when weightGrads). */
  vggTrain(c: VggCase, weightGrads: boolean): Promise<Runner | null>;
  /** Why a case returns null, for the note (undefined: it runs). */
  missing(what: 'training' | 'vgg-weight-grads'): string | undefined;
  close(): Promise<void>;
}

/** 2·M·N·K. */
export const gemmFlops = (c: GemmCase): number => 2 * c.m * c.n * c.k;
/** 2·N·Cout·Ho·Wo·Cin·kh·kw for a 3×3 'same' conv on one image. */
export const convFlops = (c: ConvCase): number => 2 * c.cout * c.size * c.size * c.cin * 9;

export function gemmShape(c: GemmCase): string {
  return `${c.m}x${c.n}x${c.k} ${c.transA ? 'T' : 'N'}${c.transB ? 'T' : 'N'}`;
}
export function convShape(c: ConvCase): string {
  return `${c.cin}->${c.cout} ${c.size}x${c.size}`;
}

export const jsonLine = (r: BenchRow): string =>
  JSON.stringify({
    name: r.name, shape: r.shape, backend: r.backend, threads: r.threads, ms: Number(r.ms.toPrecision(5)), gflops: Number(r.gflops.toPrecision(4)),
    ...(r.ceiling === undefined ? {} : { ceiling: Number(r.ceiling.toPrecision(4)) }),
    ...(r.oneThreadMs === undefined ? {} : { oneThreadMs: Number(r.oneThreadMs.toPrecision(5)) }),
  });

const isGanstyle = (r: BenchRow): boolean => r.backend.startsWith('ganstyle');

/**
 * The rows as an aligned table: name, shape, backend, threads, ms, GFLOP/s, ceil (fraction of the
 * ceiling × threads), ganstyle/this (on peers' rows: ganstyle's first row of the case at the same
 * thread count — the plain SIMD op, copies included — else its 1-thread one).
 * `ceiling` is the single-thread ceiling in GFLOP/s (undefined: an empty column); a row's own
 * `ceiling` (measured beside it) takes its place.
 */
export function formatTable(rows: readonly BenchRow[], ceiling?: number): string {
  const ref = new Map<string, BenchRow>();
  for (const r of rows) {
    const key = `${r.name}|${r.shape}|${r.threads}`;
    if (isGanstyle(r) && !ref.has(key)) ref.set(key, r);
  }
  const refFor = (r: BenchRow) => ref.get(`${r.name}|${r.shape}|${r.threads}`) ?? ref.get(`${r.name}|${r.shape}|1`);
  const head = ['name', 'shape', 'backend', 'thr', 'ms', 'GFLOP/s', 'ceil', 'ganstyle/this'];
  const body = rows.map((r) => {
    const g = refFor(r);
    const vs = g === undefined || isGanstyle(r) || r.name === 'ceiling' ? '' : (g.gflops / r.gflops).toFixed(2);
    const c = r.ceiling ?? ceiling;
    const ceil = c === undefined || r.name === 'ceiling' ? '' : `${((100 * r.gflops) / (c * r.threads)).toFixed(0)}%`;
    return [r.name, r.shape, r.backend, String(r.threads), fmtMs(r.ms), r.gflops.toFixed(2), ceil, vs];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const right = new Set([3, 4, 5, 6, 7]);
  const line = (cells: string[]) => cells.map((c, i) => (right.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

function fmtMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms >= 1 ? ms.toFixed(2) : ms.toFixed(4);
}
