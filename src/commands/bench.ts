// `ganstyle bench`: GEMM, conv2d on VGG-19 layer shapes, one MLP-GAN training step and one VGG
// forward + backward — ganstyle next to the in-process WASM SIMD ceiling and to peer libraries run
// in this same process (TensorFlow.js WASM/XNNPACK, onnxruntime-web), at 1 and N threads.
//
// The peers are devDependencies, imported dynamically: without them the bench runs ganstyle alone
// and says why each peer was skipped. Order: every case at 1 thread, then at N; within a thread count,
// case by case, ganstyle's runners and every peer's timed in turn for `rounds` rounds (alternate()),
// each row its backend's fastest round — these VMs drift between speed phases over minutes, and rows
// timed far apart would carry the drift into their ratios (so at N threads each gemm case is timed on a
// one-thread pool too, in the same rounds: BenchRow.oneThreadMs). One tfjs backend exists at a time and ORT
// has one pool per module instance, so the peers are opened per thread count. Rows come out case by
// case (JSON lines, or the table at the end).
import * as backend from '../backend.js';
import { createNodeThreadPool } from '../node/threads.js';
import { enableRelaxedSimd, registerNodeWasm } from '../node/wasm.js';
import { relaxedSimdSupported, simdSupported } from '../wasm/loader.js';
import { measureCeiling } from '../../bench/ceiling.js';
import { gemmRunner, wasmOf } from '../../bench/gemm.bench.js';
import { bindWasmKernels } from '../wasm/bindings.js';
import { GEMM_SQUARE, GEMM_MLP_GAN, VARIANTS, type GemmShape, type Variant } from '../../bench/shapes.js';
import { backwardVsPeerForward, convBackwardCase, convCases, ganstyleConv2d, ganstyleConv2dBackward, ganstyleConv2dBackwardResident, ganstyleConvResident } from '../../bench/conv2d.bench.js';
import { ganCase, ganstyleGanStep, ganstyleVggTrain, vggCases, type VggTrainParams } from '../../bench/step.bench.js';
import { fastCases, ganstyleFast, msPerMegapixel, type FastCase } from '../../bench/fast.bench.js';
import { ganstyleStylize, stylizeCases } from '../../bench/stylize.bench.js';
import { formatTable, gemmFlops, gemmShape, jsonLine, measure, row, type BenchCase, type BenchRow, type ConvCase, type GemmCase, type Peer, type Runner } from '../../bench/report.js';

export interface BenchOptions {
  json: boolean;
  /** The multi-thread count (rows at 1 thread and, when > 1, at this count). */
  threads: number;
  quick: boolean;
  /** false: ganstyle only. */
  peers: boolean;
  /** Only these benchmarks (BENCH_NAMES); default all. The ceiling is always measured. */
  only?: readonly string[];
  /** Rounds each case's backends are timed in turn (default 2; --quick: 1); a row is its backend's fastest round. */
  rounds?: number;
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
async function openPeers(threads: number, skipped: Set<PeerKind>, json: boolean, io: BenchIo, note: (line: string) => void): Promise<{ kind: PeerKind; peer: Peer }[]> {
  const peers: { kind: PeerKind; peer: Peer }[] = [];
  for (const kind of ['tfjs', 'ort'] as PeerKind[]) {
    if (skipped.has(kind)) continue;
    try {
      const peer = await quietStdout(json, () => openPeer(kind, threads));
      if (peer.threads !== threads) note(`${peer.backend} reports ${peer.threads} thread(s) when asked for ${threads}; its rows say ${peer.threads}`);
      peers.push({ kind, peer });
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
  if (peers.length > 0) io.note(`  peers: ${peers.map(({ peer }) => `${peer.backend}/${peer.threads}`).join(', ')}`);
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
  const emit = (r: BenchRow | null) => {
    if (r === null) return;
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
    gan: pick('gan_step', () => [ganCase(opts.quick)]),
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

  // Case by case: ganstyle's rows and every peer's, timed in turn for `rounds` rounds (A B C A B C …),
  // each row its backend's fastest round — a VM's speed drifts over minutes, and rows timed far apart
  // would carry the drift into their ratios.
  const label = `ganstyle-wasm-${simd ? 'simd' : 'scalar'}`;
  const rounds = opts.quick ? 1 : opts.rounds ?? 2;
  backend.useBackend('wasm');
  const skipped = new Set<PeerKind>();
  for (const threads of threadCounts) {
    backend.setNumThreads(threads);
    io.note(`${threads} thread${threads > 1 ? 's' : ''}: ganstyle${opts.peers ? ' and each peer, case by case' : ''}, ${rounds} round${rounds > 1 ? 's' : ''}…`);
    const peers = opts.peers ? await openPeers(threads, skipped, opts.json, io, note) : [];
    const timeCase = async <P>(c: BenchCase<P>, entries: Entry<P>[]) => {
      for (const r of await quietStdout(opts.json, () => alternate(c, entries, threads, rounds, opts.quick, note))) emit(r);
    };
    const peerEntries = <P>(make: (peer: Peer, kind: PeerKind) => ((p: P) => Promise<Runner | null>) | undefined, what?: (c: BenchCase<P>, peer: Peer) => void): Entry<P>[] =>
      peers.flatMap(({ peer, kind }) => {
        const m = make(peer, kind);
        return m === undefined ? [] : [{ backend: peer.backend, peer, make: m, onNull: what === undefined ? undefined : (c: BenchCase<P>) => what(c, peer) }];
      });
    try {
      // At N > 1 threads, a pool of one thread of its own times each gemm case in the same rounds as the
      // N-thread row (its oneThreadMs): the scaling target then compares timings seconds apart.
      const single = threads > 1 && want('gemm') ? createNodeThreadPool(1) : undefined;
      try {
        for (const c of want('gemm') ? gemmCases(gemmSets(opts.quick)) : []) {
          // The pool's kernels on operands in its memory (as the peers' tensors live in their WASM heaps),
          // each row's ceiling re-measured right before it; the relaxed build (its own memory) copies them.
          const ceilingMs = opts.quick || !simd ? 0 : 300;
          const entries: Entry<GemmCase>[] = [{ backend: label, make: (p) => gemmRunner(p, backend.kernels(), backend.allocate), ceilingMs }];
          if (single !== undefined) entries.push({ backend: label, threads: 1, make: (p) => gemmRunner(p, single.kernels, single.allocate) });
          if (threads === 1 && relaxed) entries.push({ backend: 'ganstyle-wasm-relaxed', make: (p) => gemmRunner(p, bindWasmKernels(wasmOf('wasm-relaxed')!)), ceilingMs });
          const timed = await quietStdout(opts.json, () => alternate(c, [...entries, ...peerEntries<GemmCase>((peer) => (p) => peer.gemm(p))], threads, rounds, opts.quick, note));
          const [main, one] = timed.splice(0, single === undefined ? 1 : 2);
          emit(main !== null && one != null ? { ...main, oneThreadMs: one.ms } : main);
          for (const r of timed) emit(r);
        }
      } finally {
        single?.close();
      }
      // Each shape's forward rows and, in the same rounds, ganstyle's backward (∂x + ∂w; no peer has
      // one here: backwardVsPeerForward sets it beside their forward, so the two are timed seconds apart).
      for (const c of cases.conv) {
        const bwd = convBackwardCase(c);
        await timeCase(c, [{ backend: label, make: ganstyleConv2d }, { backend: `${label}-resident`, make: ganstyleConvResident }, ...peerEntries<ConvCase>((peer) => (p) => peer.conv2d(p)),
          { backend: label, make: ganstyleConv2dBackward, as: bwd }, { backend: `${label}-resident`, make: ganstyleConv2dBackwardResident, as: bwd }]);
      }
      for (const c of cases.gan) {
        await timeCase(c, [{ backend: label, make: ganstyleGanStep }, ...peerEntries<number>((peer) => (b) => peer.ganStep(b), (k, peer) => lacks(peer.backend, k.name, peer.missing('training')))]);
      }
      for (const c of cases.vgg) {
        await timeCase(c, [{ backend: label, make: ganstyleVggTrain }, ...peerEntries<VggTrainParams>((peer) => (p) => peer.vggTrain(p.vgg, p.weightGrads),
          (k, peer) => lacks(peer.backend, `${k.name} (${k.shape.split(' ').at(-1)})`, peer.missing(k.params.weightGrads ? 'vgg-weight-grads' : 'training')))]);
      }
      // Engstrom's fast-style network the way ml5 runs it (tfjs only: ORT has no such graph here).
      const { tfjsFastStyle } = cases.fast.length > 0 && peers.some((x) => x.kind === 'tfjs') ? await import('../../bench/peers/tfjs.js') : { tfjsFastStyle: undefined };
      for (const c of cases.fast) {
        await timeCase(c, [{ backend: label, make: ganstyleFast }, ...peerEntries<FastCase>((_, kind) => (kind === 'tfjs' && tfjsFastStyle ? (p) => Promise.resolve(tfjsFastStyle(p)) : undefined))]);
      }
      for (const c of stylize.cases) {
        await timeCase(c, [{ backend: label, make: (p) => ganstyleStylize(p, (m) => note(`stylize ${p.size}x${p.size} ${label}/${threads}: ${m}`)), rounds: 1 }]);
      }
    } finally {
      for (const { peer } of peers) await peer.close();
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

/** One backend's runner of a case for alternate(): ganstyle's (errors propagate) or a peer's (failures are noted, the bench goes on). */
export interface Entry<P> {
  backend: string;
  make: (p: P) => Runner | null | Promise<Runner | null>;
  /** A peer: its reported thread count labels the row. */
  peer?: Peer;
  /** The row's thread count when not the section's (a runner on a pool of its own). */
  threads?: number;
  /** Re-measure the SIMD ceiling for this many ms right before each timing (the row keeps its fastest round's). */
  ceilingMs?: number;
  /** make gave null: the backend cannot run this case. */
  onNull?: (c: BenchCase<P>) => void;
  /** At most this many rounds (one for the long stylize rows). */
  rounds?: number;
  /** The row is of this case (its name, shape and FLOPs; the same params): a backward timed in turn with the forwards it is set beside. */
  as?: BenchCase<P>;
}

/**
 * Makes every entry's runner, then times them in turn `rounds` times (A B C A B C …); each entry's row
 * is its fastest round's median, so every backend gets its best phase of the machine, not whichever
 * it happened to run in. Peer timings at > 1 thread are followed by 100 ms for their spinning pool
 * threads to park (ORT's spin ≈ 20 ms after a run). null rows: the backend cannot run the case or failed.
 */
export async function alternate<P>(c: BenchCase<P>, entries: Entry<P>[], threads: number, rounds: number, quick: boolean, note: (line: string) => void): Promise<(BenchRow | null)[]> {
  const failed = (e: Entry<P>, err: unknown): null => {
    if (e.peer === undefined) throw err;
    note(`${e.backend}/${e.peer.threads}: ${c.name} ${c.shape} failed: ${(err as Error).message.split('\n')[0]}`);
    return null;
  };
  const runners: (Runner | null)[] = [];
  const best: ({ ms: number; ceiling?: number } | null)[] = entries.map(() => null);
  try {
    for (const e of entries) {
      let r: Runner | null = null;
      try {
        r = await e.make(c.params);
        if (r === null) e.onNull?.(c);
      } catch (err) {
        failed(e, err);
      }
      runners.push(r);
    }
    for (let round = 0; round < rounds; round++) {
      for (const [i, e] of entries.entries()) {
        const r = runners[i];
        if (r === null || round >= (e.rounds ?? rounds)) continue;
        try {
          const ceiling = e.ceilingMs ? measureCeiling({ timeMs: e.ceilingMs, warmUpMs: 0 }).gflops : undefined;
          const of = e.as ?? c, ms = await measure(`${of.name} ${of.shape} ${e.backend}/${e.peer?.threads ?? e.threads ?? threads}`, () => r.run(), quick);
          if (best[i] === null || ms < best[i]!.ms) best[i] = { ms, ceiling };
        } catch (err) {
          best[i] = failed(e, err);
          r.dispose();
          runners[i] = null;
        } finally {
          if (e.peer !== undefined && threads > 1) await sleep(100);
        }
      }
    }
  } finally {
    for (const r of runners) r?.dispose();
  }
  return entries.map((e, i) => {
    const b = best[i];
    if (b === null) return null;
    const of = e.as ?? c, r = row(of.name, of.shape, e.backend, e.peer?.threads ?? e.threads ?? threads, b.ms, of.flops);
    return b.ceiling === undefined ? r : { ...r, ceiling: b.ceiling };
  });
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
