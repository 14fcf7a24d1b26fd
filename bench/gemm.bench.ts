// gemm bench (twin: src/kernels/gemm.ts, assembly/kernels/gemm.ts): wasm-simd, wasm-scalar and the
// ts reference side by side on bench/shapes.ts in all four transpose variants: ms, GFLOP/s and % of
// the in-process SIMD ceiling (bench/ceiling.ts). Rows are bench/report.ts BenchRows (ms = median,
// name 'gemm', shape '512x512x512 NT', backend 'ganstyle-…') plus the best sample (a shared machine
// only ever adds time, and the ceiling is a best rate too) and, for wasm, the time of the raw export
// on operands already in WASM memory, so marshalling (copy in/out) shows separately.
// Run directly: npx tsx bench/gemm.bench.ts [--shapes square|mlp|all] [--backends wasm-simd,ts] [--quick] [--cpu]
import { pathToFileURL } from 'node:url';
import { Bench } from 'tinybench';
import { tsKernels, type Kernels } from '../src/kernels/index.js';
import { loadNodeWasm } from '../src/node/wasm.js';
import { bindWasmKernels } from '../src/wasm/bindings.js';
import type { WasmExports } from '../src/wasm/exports.js';
import type { WasmTarget } from '../src/wasm/loader.js';
import { marshal, operand } from '../src/wasm/scratch.js';
import { clockMs, measureCeiling, type Clock } from './ceiling.js';
import type { BenchRow, GemmCase, Runner } from './report.js';
import { GEMM_SHAPES, VARIANTS, gemmFlops, type GemmShape, type Variant } from './shapes.js';

export type GemmBenchBackend = 'wasm-simd' | 'wasm-scalar' | 'wasm-relaxed' | 'ts';

export interface GemmBenchOptions {
  shapes?: keyof typeof GEMM_SHAPES | readonly GemmShape[];
  variants?: readonly Variant[];
  backends?: readonly GemmBenchBackend[];
  /** Measuring time per task in ms (default 500). */
  time?: number;
  /** The ts reference is skipped above this many flops per call (default 2·512³; it runs ≈ 1 GFLOP/s). */
  tsMaxFlops?: number;
  /** 'wall' (default) or 'cpu': process CPU time, immune to other processes on a shared machine (1 thread only). */
  clock?: Clock;
  /** Progress/report lines (default console.log; pass () => {} for silence). */
  log?: (line: string) => void;
}

export interface GemmBenchRow extends BenchRow {
  layer: string; //        where the shape comes from (bench/shapes.ts)
  msBest: number; //       fastest sample
  gflopsBest: number;
  kernelMs?: number; //    wasm: fastest sample of the raw export on resident operands
  ceilingRatio: number; // gflopsBest / SIMD ceiling (both best rates)
  ceiling: number; //      that ceiling (GFLOP/s, one thread)
}

const BACKEND_LABEL: Record<GemmBenchBackend, string> = {
  'wasm-simd': 'ganstyle-wasm-simd', 'wasm-scalar': 'ganstyle-wasm-scalar', 'wasm-relaxed': 'ganstyle-wasm-relaxed', ts: 'ganstyle-ts',
};

const TARGET: Record<Exclude<GemmBenchBackend, 'ts'>, WasmTarget> = { 'wasm-simd': 'release', 'wasm-scalar': 'scalar', 'wasm-relaxed': 'relaxed' };

export const wasmOf = (b: GemmBenchBackend): WasmExports | undefined =>
  b === 'ts' ? undefined : loadNodeWasm(TARGET[b]);

function makeCase(s: GemmShape, v: Variant, allocate: (n: number) => Float32Array = (n) => new Float32Array(n)) {
  const transA = v[0] === 'T', transB = v[1] === 'T';
  let seed = 12345;
  const rnd = (n: number) => {
    const arr = allocate(n);
    for (let i = 0; i < n; i++) arr[i] = ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
    return arr;
  };
  return { transA, transB, lda: transA ? s.m : s.k, ldb: transB ? s.k : s.n, a: rnd(s.m * s.k), b: rnd(s.k * s.n), c: allocate(s.m * s.n) };
}
type Case = ReturnType<typeof makeCase>;

const call = (k: Kernels, s: GemmShape, g: Case) =>
  k.gemm(s.m, s.n, s.k, g.a, g.lda, g.transA, g.b, g.ldb, g.transB, g.c, s.n, false);

/** A Runner (bench/report.ts) of `kernels`' gemm on one case, its operands made by `allocate` (resident in a pool's memory, or plain arrays). */
export function gemmRunner(c: GemmCase, kernels: Kernels, allocate?: (n: number) => Float32Array): Runner {
  const s: GemmShape = { name: '', m: c.m, n: c.n, k: c.k };
  const g = makeCase(s, `${c.transA ? 'T' : 'N'}${c.transB ? 'T' : 'N'}` as Variant, allocate);
  return { run: () => call(kernels, s, g), dispose: () => {} };
}

/** V8 runs WASM in its baseline tier first: run every variant until the optimizing tier takes over. */
function warmUp(k: Kernels, ms: number): void {
  const s = { name: 'warm-up', m: 96, n: 96, k: 96 };
  const cases = VARIANTS.map((v) => makeCase(s, v));
  const t0 = performance.now();
  while (performance.now() - t0 < ms) for (const g of cases) call(k, s, g);
}

let now = clockMs('wall');

async function timeIt(fn: () => void, time: number, heavy: boolean): Promise<{ best: number; median: number }> {
  const bench = new Bench({ now, time, iterations: heavy ? 3 : 10, warmupTime: heavy ? 0 : 100, warmupIterations: heavy ? 1 : 5, throws: true });
  bench.add('gemm', fn);
  await bench.run();
  const lat = bench.tasks[0].result?.latency;
  if (lat?.p50 === undefined) throw new Error('gemm bench: no samples');
  return { best: lat.min, median: lat.p50 };
}

/** The raw export on operands already copied into WASM memory (no marshalling). */
function residentMs(ex: WasmExports, s: GemmShape, g: Case, time: number): Promise<number> {
  const ops = [operand(g.a, s.m * s.k, 'in'), operand(g.b, s.k * s.n, 'in'), operand(null, s.m * s.n, 'tmp')];
  return marshal(ex, undefined, ops, async ([pa, pb, pc]) => {
    const t = await timeIt(() => ex.gemm(s.m, s.n, s.k, pa, g.lda, +g.transA, pb, g.ldb, +g.transB, pc, s.n, 0), time, false);
    return t.best;
  });
}

/** Runs the gemm bench: one row per (shape, variant, backend), single-threaded. */
export async function runGemmBench(opts: GemmBenchOptions = {}): Promise<GemmBenchRow[]> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const shapes = typeof opts.shapes === 'string' || opts.shapes === undefined ? GEMM_SHAPES[opts.shapes ?? 'all'] : opts.shapes;
  const variants = opts.variants ?? VARIANTS;
  const backends = opts.backends ?? ['wasm-simd', 'wasm-scalar', 'ts'];
  const time = opts.time ?? 500, tsMaxFlops = opts.tsMaxFlops ?? 2 * 512 ** 3, clock = opts.clock ?? 'wall';
  now = clockMs(clock);
  const kernels = new Map(backends.map((b) => [b, b === 'ts' ? tsKernels : bindWasmKernels(wasmOf(b)!)] as const));
  for (const [b, k] of kernels) warmUp(k, b === 'ts' ? 200 : 1500);
  const ceiling = measureCeiling({ timeMs: 1000, clock }).gflops;
  log(`SIMD ceiling (f32x4 mul+add chains, 1 thread, ${clock} clock): ${ceiling.toFixed(1)} GFLOP/s`);
  log('shape            backend               ms (median / best)   GFLOP/s (median / best)  %ceil  marshal ms  layer');
  const rows: GemmBenchRow[] = [];
  for (const s of shapes) {
    const flops = gemmFlops(s);
    for (const v of variants) {
      const g = makeCase(s, v);
      for (const [backend, k] of kernels) {
        if (backend === 'ts' && flops > tsMaxFlops) continue;
        const heavy = flops / (backend === 'ts' ? 1e9 : backend === 'wasm-scalar' ? 5e9 : 4e10) > 0.05;
        const t = await timeIt(() => call(k, s, g), time, heavy);
        const ex = wasmOf(backend);
        const kernelMs = ex === undefined ? undefined : await residentMs(ex, s, g, time);
        const gflopsBest = flops / t.best / 1e6;
        const row: GemmBenchRow = {
          name: 'gemm', shape: `${s.m}x${s.n}x${s.k} ${v}`, backend: BACKEND_LABEL[backend], threads: 1,
          ms: t.median, gflops: flops / t.median / 1e6, layer: s.name, msBest: t.best, gflopsBest, kernelMs,
          ceilingRatio: gflopsBest / ceiling, ceiling,
        };
        rows.push(row);
        log(`${row.shape.padEnd(16)} ${row.backend.padEnd(21)} ${t.median.toFixed(3).padStart(9)} / ${t.best.toFixed(3).padStart(8)}` +
          `   ${row.gflops.toFixed(1).padStart(10)} / ${gflopsBest.toFixed(1).padStart(5)}     ${(row.ceilingRatio * 100).toFixed(0).padStart(3)}%` +
          `  ${(kernelMs === undefined ? '' : Math.max(0, t.best - kernelMs).toFixed(3)).padStart(10)}  ${s.name}`);
      }
    }
  }
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i < 0 ? undefined : process.argv[i + 1];
  };
  const quick = process.argv.includes('--quick');
  await runGemmBench({
    shapes: (arg('shapes') as keyof typeof GEMM_SHAPES | undefined) ?? (quick ? 'mlp' : 'all'),
    backends: arg('backends')?.split(',') as GemmBenchBackend[] | undefined,
    time: quick ? 150 : undefined,
    clock: process.argv.includes('--cpu') ? 'cpu' : 'wall',
  });
}
