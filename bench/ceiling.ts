// The in-process WASM SIMD ceiling: GFLOP/s of independent f32x4 mul+add chains that never touch
// memory (assembly/bench/ceiling.ts). It is the yardstick for gemm (bench/gemm.bench.ts reports
// "% of ceiling"): the micro-kernel issues the same mul/add mix, so no kernel can beat it.
// Run directly: npx tsx bench/ceiling.ts [--cpu]
import { pathToFileURL } from 'node:url';
import { loadNodeWasm } from '../src/node/wasm.js';
import type { WasmTarget } from '../src/wasm/loader.js';

export interface CeilingResult {
  /** Best GFLOP/s over all chain counts and repetitions. */
  gflops: number;
  /** Chain count that reached it. */
  chains: number;
  /** Best GFLOP/s per chain count (too few chains is latency-bound, too many spills registers). */
  byChains: Record<number, number>;
}

const CHAINS = [8, 10, 12];

export type Clock = 'wall' | 'cpu';

/**
 * Milliseconds on a clock: 'wall' (performance.now) or 'cpu' (this process's user + system CPU
 * time, which excludes the time other processes hold the core: a stable single-thread measure on
 * a shared machine; it would sum threads, so use 'wall' for threaded runs).
 */
export function clockMs(clock: Clock): () => number {
  if (clock === 'wall') return () => performance.now();
  return () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
}

/**
 * Measures the ceiling for `timeMs` in total (after a `warmUpMs` warm-up, default 200, that lets V8
 * tier the kernel up; the first repetition always runs).
 * target 'scalar' runs the scalar build's 8 f32 chains instead (latency-bound: a curiosity only).
 */
export function measureCeiling(opts: { timeMs?: number; target?: WasmTarget; clock?: Clock; warmUpMs?: number } = {}): CeilingResult {
  const ex = loadNodeWasm(opts.target ?? 'release');
  const lanes = (opts.target ?? 'release') === 'scalar' ? 1 : 4;
  const iters = 2_000_000, now = clockMs(opts.clock ?? 'wall');
  const t0 = performance.now();
  while (performance.now() - t0 < (opts.warmUpMs ?? 200)) for (const c of CHAINS) ex.ceiling(iters / 10, c);
  const byChains: Record<number, number> = {};
  const deadline = performance.now() + (opts.timeMs ?? 1500);
  do {
    for (const chains of lanes === 1 ? [8] : CHAINS) { // the scalar build always runs 8 chains
      const start = now();
      ex.ceiling(iters, chains);
      const s = (now() - start) / 1e3;
      byChains[chains] = Math.max(byChains[chains] ?? 0, (2 * lanes * chains * iters) / s / 1e9);
    }
  } while (performance.now() < deadline);
  const [chains, gflops] = Object.entries(byChains).map(([c, g]) => [Number(c), g]).reduce((a, b) => (b[1] > a[1] ? b : a));
  return { gflops, chains, byChains };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const clock: Clock = process.argv.includes('--cpu') ? 'cpu' : 'wall';
  const r = measureCeiling({ clock });
  const detail = Object.entries(r.byChains).map(([c, g]) => `${c} chains ${g.toFixed(1)}`).join(', ');
  console.log(`f32x4 mul+add ceiling (1 thread, ${clock} clock): ${r.gflops.toFixed(1)} GFLOP/s (${detail})`);
}
