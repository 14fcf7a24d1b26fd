// The in-process WASM SIMD ceiling: GFLOP/s of independent f32x4 mul+add chains that never touch
// memory (assembly/bench/ceiling.ts). It is the yardstick for gemm (bench/gemm.bench.ts reports
// "% of ceiling"): the micro-kernel issues the same mul/add mix, so no kernel can beat it.
// Run directly: npx tsx bench/ceiling.ts
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

/** Measures the ceiling for `timeMs` in total (after a warm-up that lets V8 tier the kernel up). */
export function measureCeiling(opts: { timeMs?: number; target?: WasmTarget } = {}): CeilingResult {
  const ex = loadNodeWasm(opts.target ?? 'release');
  const lanes = (opts.target ?? 'release') === 'scalar' ? 1 : 4;
  const iters = 1_000_000;
  const t0 = performance.now();
  while (performance.now() - t0 < 200) for (const c of CHAINS) ex.ceiling(iters / 10, c);
  const byChains: Record<number, number> = {};
  const deadline = performance.now() + (opts.timeMs ?? 1500);
  do {
    for (const chains of CHAINS) {
      const start = performance.now();
      ex.ceiling(iters, chains);
      const s = (performance.now() - start) / 1e3;
      const used = lanes === 1 ? 8 : chains; // the scalar build always runs 8 chains
      byChains[chains] = Math.max(byChains[chains] ?? 0, (2 * lanes * used * iters) / s / 1e9);
    }
  } while (performance.now() < deadline);
  const [chains, gflops] = Object.entries(byChains).map(([c, g]) => [Number(c), g]).reduce((a, b) => (b[1] > a[1] ? b : a));
  return { gflops, chains, byChains };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const target of ['release', 'scalar'] as const) {
    const r = measureCeiling({ target });
    const detail = Object.entries(r.byChains).map(([c, g]) => `${c} chains ${g.toFixed(1)}`).join(', ');
    console.log(`${target === 'release' ? 'f32x4' : 'f32  '} mul+add ceiling: ${r.gflops.toFixed(1)} GFLOP/s (${detail})`);
  }
}
