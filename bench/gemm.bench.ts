// gemm bench (twin: src/kernels/gemm.ts, assembly/kernels/gemm.ts): ts vs wasm-scalar vs wasm-simd
// side by side on bench/shapes.ts in all four transpose variants, in ms, GFLOP/s and % of the
// in-process SIMD ceiling (bench/ceiling.ts). ms is the best sample (as the ceiling is a best rate:
// on a shared machine other processes only ever add time); msMedian is reported alongside. For the wasm paths the kernel is also timed on data
// already in WASM memory, so marshalling (copy in/out through the scratch arena) shows separately.
// Run directly: npx tsx bench/gemm.bench.ts [--shapes square|mlp|all] [--backends ts,wasm-simd] [--quick]
import { pathToFileURL } from 'node:url';
import { Bench } from 'tinybench';
import { tsKernels, type Kernels } from '../src/kernels/index.js';
import { loadNodeWasm } from '../src/node/wasm.js';
import { bindWasmKernels } from '../src/wasm/bindings.js';
import type { WasmExports } from '../src/wasm/exports.js';
import { withScratch, copyIn } from '../src/wasm/scratch.js';
import { measureCeiling } from './ceiling.js';
import { GEMM_SHAPES, VARIANTS, gemmFlops, shapeLabel, type GemmShape, type Variant } from './shapes.js';

export type GemmBenchBackend = 'ts' | 'wasm-scalar' | 'wasm-simd';

export interface GemmBenchOptions {
  shapes?: keyof typeof GEMM_SHAPES | readonly GemmShape[];
  variants?: readonly Variant[];
  backends?: readonly GemmBenchBackend[];
  /** Measuring time per task in ms (default 400). */
  time?: number;
  /** The ts reference is skipped above this many flops per call (default 2·512³: it runs ≈ 1 GFLOP/s). */
  tsMaxFlops?: number;
  /** Worker threads (the kernels are single-threaded for now: always reported as 1). */
  threads?: number;
  /** Progress/report lines (default console.log; pass () => {} for silence). */
  log?: (line: string) => void;
}

export interface GemmBenchRow {
  name: string; //         'gemm NT'
  shape: string; //        '512×512×512' (m×n×k) plus the shape's origin in `layer`
  layer: string;
  backend: GemmBenchBackend;
  threads: number;
  ms: number; //           best time per call through the Kernels binding (includes marshalling)
  msMedian: number;
  gflops: number; //       2mnk / ms
  kernelMs?: number; //    wasm only: best time per call on data resident in WASM memory
  ceilingRatio: number; // gflops / SIMD ceiling
}

function kernelsFor(backend: GemmBenchBackend): Kernels {
  if (backend === 'ts') return tsKernels;
  return bindWasmKernels(loadNodeWasm(backend === 'wasm-simd' ? 'release' : 'scalar'));
}

function makeCase(s: GemmShape, v: Variant) {
  const transA = v[0] === 'T', transB = v[1] === 'T';
  let seed = 12345;
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  return {
    transA, transB,
    lda: transA ? s.m : s.k, ldb: transB ? s.k : s.n,
    a: Float32Array.from({ length: s.m * s.k }, rnd),
    b: Float32Array.from({ length: s.k * s.n }, rnd),
    c: new Float32Array(s.m * s.n),
  };
}

/** V8 runs WASM in its baseline tier first; run every variant until the optimizing tier has taken over. */
function warmUp(k: Kernels, ms: number): void {
  const s = { name: 'warm-up', m: 96, n: 96, k: 96 };
  const cases = VARIANTS.map((v) => makeCase(s, v));
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    for (const g of cases) k.gemm(s.m, s.n, s.k, g.a, g.lda, g.transA, g.b, g.ldb, g.transB, g.c, s.n, false);
  }
}

async function timeIt(fn: () => void, time: number, slow: boolean): Promise<{ min: number; p50: number }> {
  const bench = new Bench({
    time, iterations: slow ? 2 : 10, warmupTime: slow ? 0 : 100, warmupIterations: slow ? 1 : 5, throws: true,
  });
  bench.add('x', fn);
  await bench.run();
  const lat = bench.tasks[0].result?.latency;
  if (lat?.p50 === undefined) throw new Error('gemm bench: no samples');
  return { min: lat.min, p50: lat.p50 };
}

/** Times the raw export on operands already copied into WASM memory (no marshalling). */
async function residentMs(ex: WasmExports, s: GemmShape, g: ReturnType<typeof makeCase>, time: number): Promise<number> {
  return withScratch(ex, [s.m * s.k, s.k * s.n, s.m * s.n], async ([pa, pb, pc]) => {
    copyIn(ex, pa, g.a, s.m * s.k);
    copyIn(ex, pb, g.b, s.k * s.n);
    return (await timeIt(() => ex.gemm(s.m, s.n, s.k, pa, g.lda, +g.transA, pb, g.ldb, +g.transB, pc, s.n, 0), time, false)).min;
  });
}

/** Runs the gemm bench and returns one row per (shape, variant, backend). */
export async function runGemmBench(opts: GemmBenchOptions = {}): Promise<GemmBenchRow[]> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const shapes = typeof opts.shapes === 'string' || opts.shapes === undefined ? GEMM_SHAPES[opts.shapes ?? 'all'] : opts.shapes;
  const variants = opts.variants ?? VARIANTS;
  const backends = opts.backends ?? ['ts', 'wasm-scalar', 'wasm-simd'];
  const time = opts.time ?? 400, tsMaxFlops = opts.tsMaxFlops ?? 2 * 512 ** 3;
  const ceiling = measureCeiling({ timeMs: 1000 }).gflops;
  log(`SIMD ceiling (f32x4 mul+add chains): ${ceiling.toFixed(1)} GFLOP/s`);
  log(`${'gemm'.padEnd(8)} ${'m×n×k'.padEnd(15)} ${'backend'.padEnd(12)} ${'ms'.padStart(9)} ${'GFLOP/s'.padStart(8)} ${'%ceil'.padStart(6)} ${'marshal ms'.padStart(10)}  layer`);
  const rows: GemmBenchRow[] = [];
  for (const backend of backends) {
    const k = kernelsFor(backend);
    warmUp(k, backend === 'ts' ? 300 : 1500);
    const ex = backend === 'ts' ? undefined : loadNodeWasm(backend === 'wasm-simd' ? 'release' : 'scalar');
    for (const s of shapes) {
      const flops = gemmFlops(s);
      if (backend === 'ts' && flops > tsMaxFlops) continue;
      for (const v of variants) {
        const g = makeCase(s, v);
        const slow = flops / (backend === 'ts' ? 1e9 : backend === 'wasm-scalar' ? 5e9 : 3e10) > 0.05;
        const t = await timeIt(() => k.gemm(s.m, s.n, s.k, g.a, g.lda, g.transA, g.b, g.ldb, g.transB, g.c, s.n, false), time, slow);
        const ms = t.min;
        const kernelMs = ex ? await residentMs(ex, s, g, time) : undefined;
        const gflops = flops / ms / 1e6;
        const row: GemmBenchRow = {
          name: `gemm ${v}`, shape: shapeLabel(s), layer: s.name, backend, threads: 1, ms, msMedian: t.p50, gflops, kernelMs, ceilingRatio: gflops / ceiling,
        };
        rows.push(row);
        log(`${row.name.padEnd(8)} ${row.shape.padEnd(15)} ${backend.padEnd(12)} ${ms.toFixed(3).padStart(9)} ${gflops.toFixed(1).padStart(8)} ${(row.ceilingRatio * 100).toFixed(0).padStart(5)}% ${(kernelMs === undefined ? '' : (ms - kernelMs).toFixed(3)).padStart(10)}  ${s.name}`);
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
  });
}
