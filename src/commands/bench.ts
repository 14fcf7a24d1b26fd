// `ganstyle bench`: GEMM, conv2d on VGG-19 layer shapes, one MLP-GAN training step and one VGG
// forward + backward — ganstyle next to the in-process WASM SIMD ceiling and to peer libraries run
// in this same process (TensorFlow.js WASM/XNNPACK, onnxruntime-web), at 1 and N threads.
//
// The peers are devDependencies, imported dynamically: without them the bench runs ganstyle alone
// and says why each peer was skipped. Order: every case at 1 thread, then at N; within a thread count,
// each case's ganstyle rows and right after them every peer's (a GEMM set at a time), so a ratio
// compares runs seconds apart, not minutes (these VMs drift between speed phases). One tfjs backend
// exists at a time and ORT has one pool per module instance, so the peers are opened per thread count;
// pool threads that spin after their work get a pause to park. Rows stream out as they finish (JSON
// lines, or the table at the end).
import * as backend from '../backend.js';
import { enableRelaxedSimd, registerNodeWasm } from '../node/wasm.js';
import { relaxedSimdSupported, simdSupported } from '../wasm/loader.js';
import { measureCeiling } from '../../bench/ceiling.js';
import { runGemmBench, type GemmBenchBackend } from '../../bench/gemm.bench.js';
import { GEMM_SQUARE, GEMM_MLP_GAN, VARIANTS, type GemmShape, type Variant } from '../../bench/shapes.js';
import { backwardVsPeerForward, convBackwardCases, convCases, ganstyleConv2d, ganstyleConv2dBackward, ganstyleConv2dBackwardResident, ganstyleConvResident } from '../../bench/conv2d.bench.js';
import { ganCase, ganstyleGanStep, ganstyleVggTrain, vggCases } from '../../bench/step.bench.js';
import { fastCases, ganstyleFast, msPerMegapixel } from '../../bench/fast.bench.js';
import { ganstyleStylize, stylizeCases } from '../../bench/stylize.bench.js';
import { formatTable, gemmFlops, gemmShape, jsonLine, runCase, type BenchCase, type BenchRow, type GemmCase, type Peer, type Runner } from '../../bench/report.js';

export interface BenchOptions {
  json: boolean;
  /** The multi-thread count (rows at 1 thread and, when > 1, at this count). */
  threads: number;
  quick: boolean;
  /** false: ganstyle only. */
  peers: boolean;
  /** Only these benchmarks (BENCH_NAMES); default all. The ceiling is always measured. */
  only?: readonly string[];
}

/** The benchmark names `--only` selects from (each row's `name`; conv2d also selects its backward, conv2d_bwd). */
export const BENCH_NAMES = ['gemm', 'conv2d', 'gan_step', 'vgg_fwd_bwd', 'fast_style', 'stylize'] as const;

export interface BenchIo {
  /** A result line (stdout). */
  out: (line: string) => void;
  /** Notes and progress (stderr). */
  note: (line: string) => void;
}

interface Cases {
  conv: ReturnType<typeof convCases>;
  convBackward: ReturnType<typeof convBackwardCases>;
  gan: ReturnType<typeof ganCase>[];
  vgg: ReturnType<typeof vggCases>;
  fast: ReturnType<typeof fastCases>;
}

// Square GEMMs: 128 and 256 in NN, 512 and 1024 in all four variants (the targets' sizes); the MLP
// GAN's layer GEMMs in NN, NT and TN (forward, input grad, weight grad).
const MLP_VARIANTS: readonly Variant[] = ['NN', 'NT', 'TN'];
const QUICK_GEMMS: readonly GemmShape[] = [{ name: 'quick', m: 16, n: 24, k: 8 }];

function gemmSets(quick: boolean): [readonly GemmShape[], readonly Variant[]][] {
  if (quick) return [[QUICK_GEMMS, MLP_VARIANTS]];
  return [[GEMM_SQUARE.filter((s) => s.m < 512), ['NN']], [GEMM_SQUARE.filter((s) => s.m >= 512), VARIANTS], [GEMM_MLP_GAN, MLP_VARIANTS]];
}

function gemmCases(sets: [readonly GemmShape[], readonly Variant[]][]): BenchCase<GemmCase>[] {
  return sets.flatMap(([shapes, variants]) =>
    shapes.flatMap((s) =>
      variants.map((v) => {
        const c: GemmCase = { m: s.m, n: s.n, k: s.k, transA: v[0] === 'T', transB: v[1] === 'T' };
        return { name: 'gemm', shape: gemmShape(c), flops: gemmFlops(c), params: c };
      }),
    ),
  );
}

type PeerKind = 'tfjs' | 'ort';

async function openPeer(kind: PeerKind, threads: number): Promise<Peer> {
  if (kind === 'tfjs') return (await import('../../bench/peers/tfjs.js')).openTfjs(threads);
  return (await import('../../bench/peers/ort.js')).openOrt(threads);
}

/**
 * Opens every peer not yet skipped at `threads`: a missing package skips it for good (the peers are
 * devDependencies), any other failure at this thread count only.
 */
async function openPeers(threads: number, skipped: Set<PeerKind>, json: boolean, io: BenchIo, note: (line: string) => void): Promise<Peer[]> {
  const peers: Peer[] = [];
  for (const kind of ['tfjs', 'ort'] as PeerKind[]) {
    if (skipped.has(kind)) continue;
    try {
      const peer = await quietStdout(json, () => openPeer(kind, threads));
      if (peer.threads !== threads) note(`${peer.backend} reports ${peer.threads} thread(s) when asked for ${threads}; its rows say ${peer.threads}`);
      peers.push(peer);
    } catch (e) {
      const msg = (e as Error).message.split('\n')[0];
      const absent = /Cannot find (module|package) '([^']+)'/.exec(msg);
      if (absent !== null) {
        skipped.add(kind);
        note(`skipped ${PEER_LABEL[kind]}: ${absent[2]} is not installed (the peers are devDependencies: npm install -D ${PEER_PACKAGES})`);
      } else {
        note(`skipped ${PEER_LABEL[kind]} at ${threads} thread(s): ${msg}`);
      }
    }
  }
  if (peers.length > 0) io.note(`  peers: ${peers.map((p) => `${p.backend}/${p.threads}`).join(', ')}`);
  return peers;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const PEER_PACKAGES = '@tensorflow/tfjs @tensorflow/tfjs-core @tensorflow/tfjs-backend-wasm onnxruntime-web';
const PEER_LABEL: Record<PeerKind, string> = { tfjs: 'tfjs-wasm (@tensorflow/tfjs-backend-wasm)', ort: 'ort-wasm (onnxruntime-web)' };

/** Runs the whole bench; returns every row (also printed through io as they come). */
export async function runBench(opts: BenchOptions, io: BenchIo): Promise<BenchRow[]> {
  if (!Number.isInteger(opts.threads) || opts.threads < 1) throw new RangeError(`bench: --threads must be an integer ≥ 1, got ${opts.threads}`);
  const rows: BenchRow[] = [];
  const notes: string[] = [];
  const note = (line: string) => {
    if (!notes.includes(line)) notes.push(line);
  };
  // Cases a peer cannot run, by backend and reason (printed once at the end).
  const missing = new Map<string, Set<string>>();
  const lacks = (backend: string, what: string, reason: string | undefined) => {
    const key = `${backend}: ${reason ?? 'not supported'}`;
    missing.set(key, (missing.get(key) ?? new Set()).add(what));
  };
  const emit = (r: BenchRow | null | 'failed') => {
    if (r === null || r === 'failed') return;
    rows.push(r);
    if (opts.json) io.out(jsonLine(r));
    else io.note(`  ${r.name} ${r.shape} ${r.backend}/${r.threads}: ${r.ms.toFixed(2)} ms, ${r.gflops.toFixed(2)} GFLOP/s`);
  };
  const threadCounts = opts.threads > 1 ? [1, opts.threads] : [1];
  for (const name of opts.only ?? []) {
    if (!(BENCH_NAMES as readonly string[]).includes(name)) throw new RangeError(`bench: unknown benchmark '${name}' (choose from ${BENCH_NAMES.join(', ')})`);
  }
  const want = (name: (typeof BENCH_NAMES)[number]) => opts.only === undefined || opts.only.includes(name);
  const pick = <T>(name: (typeof BENCH_NAMES)[number], make: () => T[]): T[] => (want(name) ? make() : []);
  const cases: Cases = {
    conv: pick('conv2d', () => convCases(opts.quick)),
    convBackward: pick('conv2d', () => convBackwardCases(opts.quick)), gan: pick('gan_step', () => [ganCase(opts.quick)]),
    vgg: pick('vgg_fwd_bwd', () => vggCases(opts.quick)), fast: pick('fast_style', () => fastCases(opts.quick)),
  };
  const stylize = want('stylize') ? stylizeCases(opts.quick) : { cases: [] }; // Gatys L-BFGS iterations (s/it and peak memory; needs ../shared)
  if (stylize.skipped !== undefined) note(stylize.skipped);

  // The ceiling, measured here, in this process.
  registerNodeWasm();
  const simd = simdSupported();
  const ceiling = measureCeiling({ timeMs: opts.quick ? 100 : 1500, target: simd ? 'release' : 'scalar' });
  const perCall = (simd ? 8 : 2) * ceiling.chains * 1e6;
  emit({ name: 'ceiling', shape: `${simd ? 'f32x4' : 'f32'} mul+add, ${ceiling.chains} chains x 1e6`, backend: `wasm-${simd ? 'simd' : 'scalar'}`, threads: 1, ms: perCall / ceiling.gflops / 1e6, gflops: ceiling.gflops });
  // The relaxed-SIMD build (opt-in backend 'wasm-relaxed'): its fused multiply-add ceiling and gemm rows at 1 thread.
  const relaxed = simd && relaxedAvailable();
  if (relaxed) {
    const fma = measureCeiling({ timeMs: opts.quick ? 100 : 1500, target: 'relaxed' });
    emit({ name: 'ceiling', shape: `f32x4 relaxed_madd, ${fma.chains} chains x 1e6`, backend: 'wasm-relaxed', threads: 1, ms: (8 * fma.chains * 1e6) / fma.gflops / 1e6, gflops: fma.gflops });
  }

  // Case by case (a GEMM set at a time): ganstyle's rows, then every peer's at the same thread count —
  // a VM's speed drifts over minutes, and ratios of rows measured far apart would carry the drift.
  const label = `ganstyle-wasm-${simd ? 'simd' : 'scalar'}`;
  backend.useBackend('wasm');
  const skipped = new Set<PeerKind>();
  for (const threads of threadCounts) {
    backend.setNumThreads(threads);
    io.note(`${threads} thread${threads > 1 ? 's' : ''}: ganstyle${opts.peers ? ', then each peer, case by case' : ''}…`);
    const peers = opts.peers ? await openPeers(threads, skipped, opts.json, io, note) : [];
    // A peer failing one case is noted; the bench goes on. Pool threads that spin after their work
    // (ORT's: ≈ 20 ms) are given 100 ms to park before the next measurement.
    const attempt = async <P>(peer: Peer, c: BenchCase<P>, make: (p: P) => Promise<Runner | null>): Promise<BenchRow | null | 'failed'> => {
      try {
        return await quietStdout(opts.json, () => runCase(c, peer.backend, peer.threads, opts.quick, make));
      } catch (e) {
        note(`${peer.backend}/${peer.threads}: ${c.name} ${c.shape} failed: ${(e as Error).message.split('\n')[0]}`);
        return 'failed';
      } finally {
        if (threads > 1) await sleep(100);
      }
    };
    try {
      for (const [shapes, variants] of want('gemm') ? gemmSets(opts.quick) : []) {
        const gemmBackend: GemmBenchBackend = simd ? 'wasm-simd' : 'wasm-scalar';
        // The active backend's kernels (the pool's, which setNumThreads made) on operands in its memory, as
        // the peers' tensors live in their WASM heaps; the relaxed row (its own build) copies them.
        const gemmBackends: GemmBenchBackend[] = threads === 1 && relaxed ? [gemmBackend, 'wasm-relaxed'] : [gemmBackend];
        const gemmRows = await runGemmBench({
          shapes, variants, backends: gemmBackends, time: opts.quick ? 0 : 500, log: () => {}, kernels: { [gemmBackend]: backend.kernels() }, allocate: backend.allocate,
          adjacentCeilingMs: opts.quick ? 0 : 300,
        });
        for (const r of gemmRows) emit({ name: r.name, shape: r.shape, backend: r.backend, threads, ms: r.ms, gflops: r.gflops, ceiling: r.ceiling });
        for (const peer of peers) for (const c of gemmCases([[shapes, variants]])) emit(await attempt(peer, c, (p) => peer.gemm(p)));
      }
      for (const c of cases.conv) {
        emit(await runCase(c, label, threads, opts.quick, ganstyleConv2d));
        emit(await runCase(c, `${label}-resident`, threads, opts.quick, ganstyleConvResident));
        for (const peer of peers) emit(await attempt(peer, c, (p) => peer.conv2d(p)));
      }
      // the backward (∂x + ∂w; no peer has one here: backwardVsPeerForward sets it beside their forward)
      for (const c of cases.convBackward) {
        emit(await runCase(c, label, threads, opts.quick, ganstyleConv2dBackward));
        emit(await runCase(c, `${label}-resident`, threads, opts.quick, ganstyleConv2dBackwardResident));
      }
      for (const c of cases.gan) {
        emit(await runCase(c, label, threads, opts.quick, ganstyleGanStep));
        for (const peer of peers) {
          const gan = await attempt(peer, c, (b) => peer.ganStep(b));
          if (gan === null) lacks(peer.backend, c.name, peer.missing('training'));
          emit(gan);
        }
      }
      for (const c of cases.vgg) {
        emit(await runCase(c, label, threads, opts.quick, ganstyleVggTrain));
        for (const peer of peers) {
          const r = await attempt(peer, c, (p) => peer.vggTrain(p.vgg, p.weightGrads));
          if (r === null) lacks(peer.backend, `${c.name} (${c.shape.split(' ').at(-1)})`, peer.missing(c.params.weightGrads ? 'vgg-weight-grads' : 'training'));
          emit(r);
        }
      }
      for (const c of cases.fast) {
        emit(await runCase(c, label, threads, opts.quick, ganstyleFast));
        // Engstrom's fast-style network the way ml5 runs it (tfjs only: ORT has no such graph here).
        for (const peer of peers.filter((x) => x.backend.startsWith('tfjs'))) {
          const { tfjsFastStyle } = await import('../../bench/peers/tfjs.js');
          emit(await attempt(peer, c, (p) => Promise.resolve(tfjsFastStyle(p))));
        }
      }
      for (const c of stylize.cases) emit(await runCase(c, label, threads, opts.quick, (p) => ganstyleStylize(p, (m) => note(`stylize ${p.size}x${p.size} ${label}/${threads}: ${m}`))));
    } finally {
      for (const peer of peers) await peer.close();
    }
  }
  backend.setNumThreads(1);

  for (const [key, what] of missing) {
    const [backendName, reason] = [key.slice(0, key.indexOf(': ')), key.slice(key.indexOf(': ') + 2)];
    note(`${backendName} has no ${[...what].join(', ')}: ${reason}`);
  }
  for (const l of msPerMegapixel(rows)) note(`fast_style ${l}`);
  for (const l of backwardVsPeerForward(rows)) note(`conv2d_bwd GFLOP/s vs a peer's conv2d forward: ${l}`);
  if (opts.json) {
    for (const n of notes) io.note(`note: ${n}`);
  } else {
    io.out(formatTable(rows, ceiling.gflops));
    io.out('');
    io.out(`ceil = GFLOP/s / (${ceiling.gflops.toFixed(1)} GFLOP/s single-thread SIMD ceiling x threads); ganstyle/this = ganstyle's GFLOP/s on the same case and thread count (its first row) / the row's (> 1: ganstyle is faster)`);
    for (const n of notes) io.out(`note: ${n}`);
  }
  return rows;
}

function relaxedAvailable(): boolean {
  enableRelaxedSimd();
  return relaxedSimdSupported();
}

/** Keeps stdout pure JSON lines: whatever a peer library console.logs goes to stderr meanwhile. */
async function quietStdout<T>(json: boolean, fn: () => Promise<T>): Promise<T> {
  if (!json) return fn();
  const log = console.log, info = console.info;
  console.log = console.info = (...args: unknown[]) => console.error(...args);
  try {
    return await fn();
  } finally {
    console.log = log;
    console.info = info;
  }
}
