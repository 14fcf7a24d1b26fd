// Engine side of the thread pool (no platform imports: src/node/threads.ts makes the workers, a
// browser would make Web Workers). Every thread runs its own instance of the 'threads' build over ONE
// shared WebAssembly.Memory; the calling thread allocates every region (operands, results and one
// arena region per worker for gemm's packed panels) and posts a job in a control SharedArrayBuffer.
//
// A job is one kernel call cut into `chunks` disjoint pieces of its output: gemm by columns of C
// (units of the micro-tile's 8 columns) when C is short and wide, im2col/col2im and the depthwise kernels by
// image channel, a whole conv by the units of src/kernels/conv.ts (bands of the forward, input
// channels of the gradients: each thread runs the band loops on its share) or by the conv kernel's
// pool-only kinds (output channels of a forward with few bands or of a weight gradient, x rows of
// an input gradient, for convs whose own units are too few to share). Threads —
// the caller first, then every worker that wakes in time — take the next chunk with a
// compare-exchange until none is left, so a late or descheduled worker costs nothing but its share.
// A gemm split by rows is one chunk per thread of gemm_shared instead: inside the kernel the threads
// take units of rows per packed op(B) slice as tickets from a schedule in the shared memory (each
// packs all of op(B), as a one-chunk-per-thread row split does, but the rows follow the threads'
// speeds: a thread the machine slows takes fewer).
// A job of one chunk per thread on a pool of two is cut where the threads' measured speeds say
// (Parallel.workerSpeeds): equal halves while they are within 20 % of each other, else in their
// proportion, the caller's part first — a VM that takes much of one vCPU for minutes then costs the
// job that thread's lost share, not half the job waiting for it.
// Each C element is computed by exactly one thread with the same K order as the one-thread call
// (gemm's K blocking depends on k only), so results are bit-identical for every thread count.
//
// Control block (Int32Array over a SharedArrayBuffer):
//   [SEQ]  job sequence number (1, 2, …; 0 = none yet); workers wait on it (spin briefly, then Atomics.wait).
//          A notify without a new SEQ is an early wake-up (wake(): a job follows once the caller has
//          copied the operands in), and the woken worker spins for it instead of sleeping again.
//   [NEXT] (seq & SEQ_MASK) << 12 | next chunk: the tag lets a worker that read a finished job's words
//          fail its compare-exchange instead of running a stale chunk (the caller retags NEXT before
//          it rewrites the job words)
//   [DONE] chunks finished; the caller waits on it    [STOP] 1: workers return    [ERR] 1: a chunk threw
//   [HELPED] chunks run by workers so far, [READY] workers that have started (statistics)
//   [JOB …] op, chunks, unit, total, arena, arena bytes, split (0: equal chunks), kernel args
//   [IDLE_SPIN], [WAKE_SPIN] the workers' spin times in µs                         [MSG …] first error text
//   [SLEEPERS] workers inside Atomics.wait(SEQ)   [CALLER_WAITS] 1 while the caller is inside Atomics.wait(DONE)
//          Atomics.notify costs 30–40 µs even when it wakes nobody, so it is only called when someone
//          sleeps. No wake-up is lost: a sleeper announces itself before its wait re-checks the word,
//          the notifier changes the word before it reads the announcement (all seq-cst), so either the
//          notifier sees the sleeper or the sleeper's wait sees the new word and returns at once.
//   then Float64s: when the job was posted and when a worker first took a chunk of it (statistics), and
//          the caller's and the first worker's busy ms and elements run in this job (the split's estimate)
import { convDense, convImages, convRows, convUnits, type ConvGeom, type ConvLoopKind } from '../kernels/conv.js';
import type { WasmExports } from './exports.js';

const SEQ = 0, NEXT = 1, DONE = 2, STOP = 3, ERR = 4, ERR_LEN = 5, HELPED = 6, READY = 7;
const JOB = 8, J_OP = 0, J_CHUNKS = 1, J_UNIT = 2, J_TOTAL = 3, J_ARENA = 4, J_ARENA_BYTES = 5, J_SPLIT = 6, J_ARGS = 7;
const IDLE_SPIN = 41, WAKE_SPIN = 42; // the workers' spin times (µs), set by the caller
const MAX_ARGS = IDLE_SPIN - (JOB + J_ARGS); // 26 (conv takes 25)
const SLEEPERS = 43, CALLER_WAITS = 44;
/** Adam's 8 scalars (beta1 … wd) as float32 bits, after its 6 integer args (p, g, m, v, vmax, n). */
const ADAM_SCALARS = JOB + J_ARGS + 6;
const MSG = 48, MSG_CHARS = 256;
const TIMES = MSG * 4 + MSG_CHARS * 2, T_POST = 0, T_GRAB = 1; // Float64 times (ms since the epoch): statistics
const T_BUSY = 2, T_DONE = 3, T_WORDS = 6; // + 2·thread (caller 0, first worker 1): busy ms, elements run
/** Bytes of the control SharedArrayBuffer. */
export const CONTROL_BYTES = TIMES + T_WORDS * 8;
const clock = () => performance.timeOrigin + performance.now(); // comparable across threads

const SEQ_MASK = 0x7ffff, INDEX_BITS = 12, MAX_CHUNKS = (1 << INDEX_BITS) - 1;
const OP_GEMM_COLUMNS = 1, OP_IM2COL = 2, OP_COL2IM = 3, OP_DEPTHWISE = 4, OP_CONV = 5, OP_ADAM = 6, OP_GEMM_SHARED = 7;
/** conv's `kind` for dW by output channels [lo, hi) (the pool's split of a weight gradient, splitsWeightByOutput). */
export const CONV_WEIGHT_BY_OUTPUT = 3;
/** conv's `kind` for dx by x rows or images [lo, hi) (the pool's split of an input gradient, splitsInputByRows). */
export const CONV_INPUT_BY_ROWS = 4;
/** conv's `kind` for y by output channels [lo, hi) (the pool's split of a forward with few bands, splitsForwardByOutput). */
export const CONV_FORWARD_BY_OUTPUT = 5;
/** The `kind` argument of the conv and depthwise exports. */
export const CONV_KINDS: readonly ConvLoopKind[] = ['forward', 'input', 'weight'];
/**
 * Chunks per thread of a conv forward job: bands are independent, so finer chunks balance a busy
 * machine at no cost. A gradient's chunks are channel ranges, and each runs the whole band loop
 * with a narrower gemm (measured on 64→64 at 256²: 4 chunks +3 %, 8 chunks +10 % CPU), so they
 * take chunksPerThread (default 1) and need ≥ GRADIENT_MIN_UNITS channels per thread, else the
 * call runs on the caller alone (3→64: its 3 channels in 3 chunks cost 1.6–2× the CPU of one).
 */
const FORWARD_CHUNKS_PER_THREAD = 4, GRADIENT_MIN_UNITS = 4;
/**
 * The split of two-chunk jobs follows the threads' speeds (Parallel.workerSpeeds) once they differ by
 * more than this factor; below it the chunks stay equal. Estimates come from jobs in which each thread
 * ran ≥ SPEED_MIN_MS, blended into a running mean of log-ratios with weight SPEED_WEIGHT, one per kind
 * of job (op, and conv's kind): a thread's fixed cost per job (a column split packs all of op(A), a
 * weight gradient by output channels builds every column) differs by kind, and each kind's estimate
 * settles where its two parts take equal time.
 */
const SPLIT_MIN_RATIO = 1.2, SPEED_MIN_MS = 0.3, SPEED_WEIGHT = 0.25;
/**
 * Only kinds whose last measured job kept a thread busy this long are split: a part of a few ms runs
 * at full speed or waits out the other tenant's time slice, so a rate says little about it. (Worker
 * pinned to a vCPU shared with a busy loop: 64→64 at 128² ∂x + ∂w, ≈ 14 ms per thread and op,
 * 52.5–54.9 → 36.1–38.9 ms a call; a 64×784×1024 column gemm, 0.6 ms per thread, 1.16–1.36 →
 * 1.20–1.53 ms when split too.)
 */
const SPLIT_MIN_JOB_MS = 4;

/** Below this many flops (≈ 0.1–0.2 ms of work) a gemm runs on the calling thread alone. */
export const PARALLEL_MIN_FLOPS = 5e6;
/** Below this many floats written, im2col/col2im run on the calling thread alone (memory-bound: copies dominate). */
export const PARALLEL_MIN_FLOATS = 1 << 18;
/**
 * Arena region of each worker: gemm's temporaries (packed op(B) slice KC·NC floats = 512 KB, one
 * op(A) panel, one tile) with room for bigger blocking; a worker that needs more aborts with
 * "worker arena region too small" instead of touching another thread's bytes.
 */
export const WORKER_ARENA_BYTES = 4 << 20;
/**
 * What a conv share adds to its arena (assembly/kernels/conv.ts): the forward and the input gradient
 * pack their weight once per share, pre-splatted (16 bytes a float), when that takes at most 16 MB
 * (PREPACK_BYTES; bound: both operands' dims rounded up to gemm's 4-row panels); a forward with at
 * most 3 output channels per group splats its taps instead (48 bytes each; its padded rows, 2 MB,
 * fit the base arena gemm's panels would use); a weight gradient needs nothing beyond gemm's panels.
 */
export function convArenaExtraBytes(kind: ConvLoopKind, g: ConvGeom): number {
  const og = g.cout / g.groups, K = (g.cin / g.groups) * g.kh * g.kw, up4 = (v: number) => (v + 3) & ~3;
  if (kind === 'weight') return 0;
  return Math.max(Math.min(16 << 20, up4(og) * up4(K) * 16), kind === 'forward' && og <= 3 ? K * 48 + 64 : 0);
}

/** Units of conv kind CONV_INPUT_BY_ROWS: x rows of every image when a band holds one image, else images. */
function inputRowUnits(g: ConvGeom): number {
  return convImages(g) === 1 ? g.n * g.h : g.n;
}

/** A new, zeroed control block. */
export function createControl(): Int32Array {
  const ctl = new Int32Array(new SharedArrayBuffer(CONTROL_BYTES));
  ctl[IDLE_SPIN] = 20;
  ctl[WAKE_SPIN] = 1000;
  return ctl;
}

/** Chunk `i` of `chunks` over `total` elements in units of `unit`: [lo, hi), near-equal, unit-aligned. */
export function chunkRange(i: number, chunks: number, unit: number, total: number): [number, number] {
  const units = Math.ceil(total / unit);
  return [Math.min(total, Math.floor((units * i) / chunks) * unit), Math.min(total, Math.floor((units * (i + 1)) / chunks) * unit)];
}

/**
 * Piece `i` of the posted job: chunkRange's, or with a split of b units the caller's part [0, b·unit)
 * (i = 0) and the worker's [b·unit, total) (i = 1).
 */
function jobRange(ctl: Int32Array, i: number): [number, number] {
  const split = ctl[JOB + J_SPLIT], unit = ctl[JOB + J_UNIT], total = ctl[JOB + J_TOTAL];
  if (split === 0) return chunkRange(i, ctl[JOB + J_CHUNKS], unit, total);
  const mid = Math.min(total, split * unit);
  return i === 0 ? [0, mid] : [mid, total];
}

/** Runs piece `i` of the posted job on instance `ex` (thread `index`: 0 = the caller, whose arena stays put); returns its elements. */
function runChunk(ctl: Int32Array, ex: WasmExports, index: number, i: number): number {
  const [lo, hi] = jobRange(ctl, i);
  if (hi <= lo) return 0;
  if (index > 0 && ctl[JOB + J_ARENA] !== 0) {
    const bytes = ctl[JOB + J_ARENA_BYTES];
    ex.scratch_set_base((ctl[JOB + J_ARENA] >>> 0) + (index - 1) * bytes, bytes);
  }
  const g = (j: number) => ctl[JOB + J_ARGS + j];
  const p = (j: number) => ctl[JOB + J_ARGS + j] >>> 0; // a byte offset (memory may exceed 2 GiB)
  switch (ctl[JOB + J_OP]) {
    case OP_GEMM_COLUMNS: {
      // columns lo…hi of op(B) and C
      const [m, k, lda, tA, ldb, tB, ldc, acc] = [g(0), g(2), g(4), g(5), g(7), g(8), g(10), g(11)];
      ex.gemm(m, hi - lo, k, p(3), lda, tA, p(6) + (tB ? lo * ldb * 4 : lo * 4), ldb, tB, p(9) + lo * 4, ldc, acc);
      break;
    }
    case OP_GEMM_SHARED:
      // this thread's part of the row tickets; args: gemm's 12, then the schedule
      try {
        ex.gemm_shared(g(0), g(1), g(2), p(3), g(4), g(5), p(6), g(7), g(8), p(9), g(10), g(11), p(12));
      } catch (e) {
        // a trap left its unit unfinished: release the threads waiting on it and take the rest of the
        // tickets away, so the job ends (with this error) instead of spinning forever
        const unitPanels = Atomics.load(new Int32Array(ex.memory.buffer, p(12), 1), 0);
        const s = new Int32Array(ex.memory.buffer, p(12), ex.gemm_schedule_bytes(g(0), unitPanels) / 4);
        Atomics.store(s, 1, 1 << 30);
        for (let u = 2; u < s.length; u++) Atomics.store(s, u, 1 << 30);
        throw e;
      }
      break;
    case OP_IM2COL:
    case OP_COL2IM: {
      // channels lo…hi: image planes of h·w floats, column rows of kh·kw·ohCount·ow floats
      const [h, w, kh, kw] = [g(2), g(3), g(4), g(5)];
      const plane = h * w * 4, colBlock = kh * kw * g(13) * g(14) * 4;
      const im2col = ctl[JOB + J_OP] === OP_IM2COL;
      const src = p(0) + lo * (im2col ? plane : colBlock), dst = p(15) + lo * (im2col ? colBlock : plane);
      const fn = im2col ? ex.im2col : ex.col2im;
      fn(src, hi - lo, h, w, kh, kw, g(6), g(7), g(8), g(9), g(10), g(11), g(12), g(13), g(14), dst);
      break;
    }
    case OP_DEPTHWISE:
      // input channels lo…hi; args: kind, 3 arrays, then n, c, m, h, w, ho, wo, kh, kw, sh, sw, ph, pw, dh, dw
      ex.depthwise(g(0), p(1), p(2), p(3), g(4), g(5), g(6), g(7), g(8), g(9), g(10), g(11), g(12), g(13), g(14), g(15), g(16), g(17), g(18), lo, hi);
      break;
    case OP_ADAM: {
      // elements lo…hi; args: p, g, m, v, vmax (0: none), n, then the 8 scalars as float32 bits
      const f = new Float32Array(ctl.buffer, ADAM_SCALARS * 4, 8), off = lo * 4;
      const at = (j: number) => (p(j) === 0 ? 0 : p(j) + off);
      ex.adam(at(0), at(1), at(2), at(3), at(4), hi - lo, f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7]);
      break;
    }
    case OP_CONV: {
      // units lo…hi; args: kind, a, b, out, cols, column bytes per thread (the forward's: one buffer
      // each), bias (0: none), then n, cin, h, w, cout, ho, wo, groups, kh, kw, sh, sw, ph, pw, dh, dw, rows, imgs
      const cols = p(4) + (g(0) === 0 || g(0) >= CONV_WEIGHT_BY_OUTPUT ? index * p(5) : 0);
      ex.conv(g(0), p(1), p(2), p(3), cols, p(6), g(7), g(8), g(9), g(10), g(11), g(12), g(13), g(14), g(15), g(16), g(17), g(18), g(19), g(20), g(21), g(22), g(23), g(24), lo, hi);
      break;
    }
    default:
      throw new Error(`thread pool: unknown job op ${ctl[JOB + J_OP]}`);
  }
  return hi - lo;
}

function recordError(ctl: Int32Array, e: unknown): void {
  if (Atomics.compareExchange(ctl, ERR, 0, 1) !== 0) return;
  const text = String((e as Error)?.message ?? e).slice(0, MSG_CHARS);
  const chars = new Uint16Array(ctl.buffer, MSG * 4, MSG_CHARS);
  for (let i = 0; i < text.length; i++) chars[i] = text.charCodeAt(i);
  Atomics.store(ctl, ERR_LEN, text.length);
}

/**
 * Takes and runs chunks of job `seq` until none is left (or the job is no longer `seq`). In a split job
 * (two parts, a pool of two) whoever takes first runs its own part — the caller part 0, a worker part 1 —
 * and the second taking runs the other one, so a thread that grabs the job early cannot swap the parts.
 */
function work(ctl: Int32Array, ex: WasmExports, index: number, seq: number): void {
  const tag = (seq & SEQ_MASK) << INDEX_BITS;
  const own = index === 0 ? 0 : 1;
  let tookFirst = false;
  const stats = new Float64Array(ctl.buffer, TIMES, T_WORDS);
  for (;;) {
    const cur = Atomics.load(ctl, NEXT);
    if ((cur & ~MAX_CHUNKS) !== tag) return;
    const chunks = ctl[JOB + J_CHUNKS];
    const i = cur & MAX_CHUNKS;
    if (i >= chunks) return;
    if (Atomics.compareExchange(ctl, NEXT, cur, cur + 1) !== cur) continue;
    if (index > 0 && stats[T_GRAB] === 0) stats[T_GRAB] = clock();
    const split = ctl[JOB + J_SPLIT] !== 0, part = !split ? i : i === 0 ? own : tookFirst ? 1 - own : own;
    if (i === 0) tookFirst = true;
    const t0 = performance.now();
    try {
      const elements = runChunk(ctl, ex, index, part);
      if (index <= 1) {
        stats[T_BUSY + 2 * index] += performance.now() - t0;
        stats[T_DONE + 2 * index] += elements;
      }
    } catch (e) {
      recordError(ctl, e);
    }
    if (index > 0) Atomics.add(ctl, HELPED, 1);
    if (Atomics.add(ctl, DONE, 1) + 1 === chunks && Atomics.load(ctl, CALLER_WAITS) !== 0) Atomics.notify(ctl, DONE);
  }
}

/** Loads ctl[i] until it differs from `v` or `us` microseconds have passed; returns the last value. */
function spinWhile(ctl: Int32Array, i: number, v: number, us: number): number {
  let x = Atomics.load(ctl, i);
  if (x !== v) return x;
  const end = performance.now() + us / 1000;
  for (let n = 1; ; n++) {
    x = Atomics.load(ctl, i);
    if (x !== v || ((n & 255) === 0 && performance.now() > end)) return x;
  }
}

/** A worker thread's whole life after instantiating `ex` on the shared memory: wait for jobs, help, repeat. */
export function workerLoop(ctl: Int32Array, ex: WasmExports, index: number): void {
  let seen = 0;
  Atomics.add(ctl, READY, 1);
  for (;;) {
    let s = spinWhile(ctl, SEQ, seen, Atomics.load(ctl, IDLE_SPIN));
    while (s === seen) {
      Atomics.add(ctl, SLEEPERS, 1);
      Atomics.wait(ctl, SEQ, seen);
      Atomics.sub(ctl, SLEEPERS, 1);
      s = spinWhile(ctl, SEQ, seen, Atomics.load(ctl, WAKE_SPIN)); // no new job yet: an early wake-up
    }
    seen = s;
    if (Atomics.load(ctl, STOP) !== 0) return;
    work(ctl, ex, index, s);
  }
}

/** Asks every worker to return from workerLoop. */
export function stopWorkers(ctl: Int32Array): void {
  Atomics.store(ctl, STOP, 1);
  Atomics.store(ctl, SEQ, (Atomics.load(ctl, SEQ) + 1) & SEQ_MASK || 1);
  Atomics.notify(ctl, SEQ);
}

/**
 * The calling thread's side: cuts kernel calls on operands already in shared memory into chunks and
 * runs them with the workers. `threads` counts the caller; `failure()` reports a dead worker.
 */
export class Parallel {
  /** Chunks per thread of a job (more: better balance on a busy machine; fewer: less repacking). */
  chunksPerThread = 1;
  /** false: the caller only waits, the workers compute every chunk (tests). */
  callerWorks = true;
  /** Jobs posted to the workers so far (calls below the thresholds run on the caller and post none). */
  jobs = 0;
  /** Spin (µs) of the caller waiting for the last chunks before it sleeps in Atomics.wait. */
  doneSpinUs = 100;
  /** Milliseconds the caller spent waiting for workers to finish chunks, summed over jobs (statistics). */
  waitMs = 0;
  /** Milliseconds from posting a job to a worker's first chunk, summed over the jobs a worker helped with (statistics). */
  startLagMs = 0;
  /** Jobs a worker helped with. */
  helpedJobs = 0;
  /**
   * The worker's speed ÷ the caller's (a pool of two) per kind of job, running estimates from the jobs
   * both ran a part of (elements per busy ms; see workerSpeeds()). A VM can take much of one vCPU away for minutes (measured: one thread
   * alone at full speed while two made 1.2–1.7× one), and a job cut into one equal chunk per thread then
   * waits for the slower half; when the speeds differ by more than SPLIT_MIN_RATIO, two-chunk jobs are
   * split in their proportion instead. Each element is computed the same way whichever part holds it, so
   * results stay bit-identical.
   */
  private readonly speeds = new Map<number, { ratio: number; busyMs: number }>();
  /** false: two-chunk jobs keep equal halves whatever workerSpeeds say (the estimates still run). */
  adaptiveSplit = true;
  private readonly times: Float64Array;

  constructor(
    readonly ex: WasmExports,
    readonly ctl: Int32Array,
    readonly threads: number,
    private readonly failure: () => Error | undefined = () => undefined,
  ) {
    this.times = new Float64Array(ctl.buffer, TIMES, T_WORDS);
  }

  /** Workers that have started serving jobs. */
  get workersReady(): number {
    return Atomics.load(this.ctl, READY);
  }

  /** Chunks the workers (not the caller) have run so far. */
  get workerChunks(): number {
    return Atomics.load(this.ctl, HELPED);
  }

  /** Elements of its output the caller and the first worker computed in the last job (statistics). */
  lastShares(): [number, number] {
    return [this.times[T_DONE], this.times[T_DONE + 2]];
  }

  /** Bytes the caller reserves (after its operands) for the workers' arenas: pass the offset to
   *  conv() (with its convArenaExtraBytes) or depthwise(); gemm() takes gemmArenaBytes(m, n). */
  arenaBytes(extraPerWorker = 0): number {
    return (this.threads - 1) * (WORKER_ARENA_BYTES + extraPerWorker);
  }

  /** Bytes the caller reserves for a split gemm (after its operands): the workers' arenas, then gemm_shared's schedule. */
  gemmArenaBytes(m: number, n: number): number {
    return this.arenaBytes() + (this.gemmByRows(m, n) ? this.ex.gemm_schedule_bytes(m, this.gemmUnitPanels(m)) : 0);
  }

  /**
   * Split the larger side: a column split makes every thread pack all of op(A) (4 lanes per
   * element), a row split all of op(B) (plain copy), so rows win unless C is short and wide. (Column
   * tickets were tried: 64-column units with op(A) packed once per thread cost 15 % on the MLP shapes
   * in quiet minutes — an op(A) panel then serves 8 tiles instead of n/16.)
   */
  private gemmByRows(m: number, n: number): boolean {
    return 4 * m >= n;
  }

  /**
   * Rows per ticket of gemm_shared, in 4-row panels: ≥ 8 tickets per thread and packed op(B) slice
   * where m allows, at most 32 rows (512³: 16 tickets of 32 rows × 512 × 256, ≈ 0.16 ms each).
   */
  private gemmUnitPanels(m: number): number {
    return Math.max(1, Math.min(8, Math.floor(Math.ceil(m / 4) / (8 * this.threads))));
  }

  /**
   * The workers' spins (µs) before they sleep in Atomics.wait: `idle` after a job (a job posted
   * meanwhile starts in ≈ 1 µs instead of a wake-up's 60–150), `wake` after wake() (the caller is
   * copying the operands in). Defaults 20 and 1000.
   */
  setWorkerSpin(idle: number, wake: number): void {
    Atomics.store(this.ctl, IDLE_SPIN, idle);
    Atomics.store(this.ctl, WAKE_SPIN, wake);
  }

  /** Wakes sleeping workers ahead of a job (call before copying its operands in: wake-up overlaps the copy). */
  wake(): void {
    if (this.threads > 1 && Atomics.load(this.ctl, SLEEPERS) > 0) Atomics.notify(this.ctl, SEQ);
  }

  /**
   * Whether a weight gradient is split by output channels instead of input channels: too few input
   * channels to share (a first layer's 3), one group, one image per band, enough output channels,
   * not a 1×1 or 1×1-output conv. The conv twin then takes kind CONV_WEIGHT_BY_OUTPUT, and each thread
   * needs its own column buffer (every thread builds every input channel's columns).
   */
  splitsWeightByOutput(g: ConvGeom, flops: number): boolean {
    return this.threads > 1 && flops >= PARALLEL_MIN_FLOPS && g.groups === 1 && g.cin < GRADIENT_MIN_UNITS * this.threads &&
      g.cout >= 8 * this.threads && g.kh * g.kw > 1 && g.ho * g.wo > 1 && convImages(g) === 1;
  }

  /**
   * Whether an input gradient is split by x rows (a band holds one image: units i·h + iy) or images
   * (bands of several) instead of input channels: too few channels per group to share (a first
   * layer's 3, a generator's RGB output run as conv_transpose2d), not a dense conv. The conv twin then
   * takes kind CONV_INPUT_BY_ROWS; each thread needs its own column buffer.
   */
  splitsInputByRows(g: ConvGeom, flops: number): boolean {
    return this.threads > 1 && flops >= PARALLEL_MIN_FLOPS && g.cin / g.groups < GRADIENT_MIN_UNITS * this.threads &&
      g.ho * g.wo > 1 && inputRowUnits(g) >= 2 * this.threads;
  }

  /**
   * Whether a forward is split by output channels instead of bands: fewer bands than two per thread
   * (512→512 at 32²: two 16-row bands, one per thread, that no speed estimate can cut; one band: the
   * caller alone), one group, one image per band, enough output channels, not convFewOut's ≤ 3, not
   * dense. Each thread then packs every band's columns and its own rows of the weight (as much packing
   * as a band each with the whole weight), and its units are 8 channels, which a speed estimate can
   * cut. The conv twin takes kind CONV_FORWARD_BY_OUTPUT; each thread needs its own column buffer.
   */
  splitsForwardByOutput(g: ConvGeom, flops: number): boolean {
    return this.threads > 1 && flops >= PARALLEL_MIN_FLOPS && g.groups === 1 && convImages(g) === 1 && !convDense(g) &&
      g.cout >= 8 * this.threads && convUnits('forward', g) < 2 * this.threads;
  }

  /** Whether a conv entry gives each thread its own column buffer (the forward and the two splits above). */
  colsPerThread(kind: ConvLoopKind, g: ConvGeom, flops: number): boolean {
    return kind === 'forward' || (kind === 'weight' ? this.splitsWeightByOutput(g, flops) : this.splitsInputByRows(g, flops));
  }

  /** Whether gemm(m, n, k) is worth splitting. */
  splitsGemm(m: number, n: number, k: number): boolean {
    return this.threads > 1 && 2 * m * n * k >= PARALLEL_MIN_FLOPS && Math.max(m, n) >= 16;
  }

  splitsIm2col(c: number, floats: number): boolean {
    return this.threads > 1 && c >= 2 && floats >= PARALLEL_MIN_FLOATS;
  }

  /**
   * Whether an Adam update of n parameters is worth splitting. Memory-bound: 1 M parameters in cache
   * went 0.85 → 0.53 ms on two threads; a GAN step's 3 M, streamed from memory, gained nothing.
   */
  splitsAdam(n: number): boolean {
    return this.threads > 1 && n >= PARALLEL_MIN_FLOATS;
  }

  /**
   * ex.adam split by element ranges (multiples of 4: each chunk's vectors stay 16-byte aligned).
   * `ptrs` = p, g, m, v, vmax (0: none); `scalars` = beta1 … wd, passed as float32 like the export.
   */
  adam(ptrs: readonly number[], n: number, scalars: readonly number[]): void {
    if (!this.splitsAdam(n)) {
      this.ex.adam(ptrs[0], ptrs[1], ptrs[2], ptrs[3], ptrs[4], n, ...(scalars as [number, number, number, number, number, number, number, number]));
      return;
    }
    new Float32Array(this.ctl.buffer, ADAM_SCALARS * 4, 8).set(scalars);
    this.run(OP_ADAM, 4, n, 0, [...ptrs, n]);
  }

  /** Whether a depthwise call over `c` channels of `flops` multiply-adds ×2 is worth splitting. */
  splitsDepthwise(c: number, flops: number): boolean {
    return this.threads > 1 && c >= 2 && flops >= PARALLEL_MIN_FLOPS;
  }

  /**
   * ex.depthwise over every input channel, split by channel when worth it. `args` = kind, the three
   * arrays, then n, c, m, h, w, ho, wo, kh, kw, sh, sw, ph, pw, dh, dw; `arena` as for gemm (the
   * kernel's temporaries: splatted taps, per-tap sums).
   */
  depthwise(args: readonly number[], flops: number, arena: number): void {
    const c = args[5];
    if (!this.splitsDepthwise(c, flops)) {
      this.ex.depthwise.apply(null, [...args, 0, c] as Parameters<WasmExports['depthwise']>);
      return;
    }
    this.run(OP_DEPTHWISE, 1, c, arena, args);
  }

  /** ex.gemm's arguments (byte offsets into the shared memory) plus a region of gemmArenaBytes(m, n) bytes: the workers' arenas, gemm_shared's schedule. */
  gemm(m: number, n: number, k: number, a: number, lda: number, transA: number, b: number, ldb: number, transB: number,
    c: number, ldc: number, accumulate: number, arena: number): void {
    if (!this.splitsGemm(m, n, k)) {
      this.ex.gemm(m, n, k, a, lda, transA, b, ldb, transB, c, ldc, accumulate);
      return;
    }
    const args = [m, n, k, a, lda, transA, b, ldb, transB, c, ldc, accumulate];
    if (!this.gemmByRows(m, n)) {
      this.run(OP_GEMM_COLUMNS, 8, n, arena, args);
      return;
    }
    // gemm_shared's schedule after the workers' arenas: rows per ticket, the next ticket, each unit's progress
    const unitPanels = this.gemmUnitPanels(m), sched = arena + this.arenaBytes();
    const s = new Int32Array(this.ex.memory.buffer, sched, this.ex.gemm_schedule_bytes(m, unitPanels) / 4);
    s.fill(0);
    s[0] = unitPanels;
    this.run(OP_GEMM_SHARED, 1, this.threads, arena, [...args, sched], 1);
  }

  /** ex.im2col / ex.col2im (`col2im` true) split by channel. */
  im2col(col2im: boolean, args: readonly number[]): void {
    const c = args[1], floats = c * args[4] * args[5] * args[13] * args[14];
    if (!this.splitsIm2col(c, floats)) {
      const fn = col2im ? this.ex.col2im : this.ex.im2col;
      fn.apply(null, args as Parameters<typeof fn>);
      return;
    }
    this.run(col2im ? OP_COL2IM : OP_IM2COL, 1, c, 0, args);
  }

  /**
   * ex.conv (the band loops of a whole conv, assembly/kernels/conv.ts) on operands in shared memory:
   * `ptrs` = a, b, out, the column buffers (one per thread for the forward and a weight gradient split
   * by output channels, `colsFloats` each; else one shared by the gradients) and the forward's bias (0: none). Big enough and in enough units, the threads share its units; else
   * it runs on the caller alone.
   */
  conv(kind: ConvLoopKind, ptrs: readonly [number, number, number, number, number], colsFloats: number, g: ConvGeom, flops: number, arena: number): void {
    const units = convUnits(kind, g), k = CONV_KINDS.indexOf(kind);
    const [a, b, out, cols, bias] = ptrs;
    const geom = [g.n, g.cin, g.h, g.w, g.cout, g.ho, g.wo, g.groups, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, convRows(g), convImages(g)] as const;
    if (kind === 'weight' && this.splitsWeightByOutput(g, flops)) {
      // output channels in multiples of 8 (gemm's panel width), one chunk per thread, a column buffer each
      this.run(OP_CONV, 8, g.cout, arena, [CONV_WEIGHT_BY_OUTPUT, a, b, out, cols, colsFloats * 4, bias, ...geom], 1,
        WORKER_ARENA_BYTES + convArenaExtraBytes(kind, g));
      return;
    }
    if (kind === 'forward' && this.splitsForwardByOutput(g, flops)) {
      // output channels in multiples of 8, one chunk per thread (cut by the threads' speeds), a column buffer each
      this.run(OP_CONV, 8, g.cout, arena, [CONV_FORWARD_BY_OUTPUT, a, b, out, cols, colsFloats * 4, bias, ...geom], 1,
        WORKER_ARENA_BYTES + convArenaExtraBytes(kind, g));
      return;
    }
    if (kind === 'input' && this.splitsInputByRows(g, flops)) {
      // x rows or images, one chunk per thread (each chunk recomputes the output rows at its edges), a column buffer each
      this.run(OP_CONV, 1, inputRowUnits(g), arena, [CONV_INPUT_BY_ROWS, a, b, out, cols, colsFloats * 4, bias, ...geom], 1,
        WORKER_ARENA_BYTES + convArenaExtraBytes(kind, g));
      return;
    }
    const minUnits = kind === 'forward' ? 2 : GRADIENT_MIN_UNITS * this.threads;
    if (this.threads < 2 || units < minUnits || flops < PARALLEL_MIN_FLOPS) {
      this.ex.conv(k, a, b, out, cols, bias, ...geom, 0, units);
      return;
    }
    this.run(OP_CONV, 1, units, arena, [k, a, b, out, cols, colsFloats * 4, bias, ...geom], kind === 'forward' ? FORWARD_CHUNKS_PER_THREAD : 1,
      WORKER_ARENA_BYTES + convArenaExtraBytes(kind, g));
  }

  /** The estimates of the worker's speed ÷ the caller's, by kind of job (op · 8 + conv's kind). */
  workerSpeeds(): Map<number, number> {
    return new Map([...this.speeds].map(([key, v]) => [key, v.ratio]));
  }

  /** Sets every kind's estimate to `ratio`, as if from long jobs (tests; the next job of a kind moves it again). */
  setWorkerSpeed(ratio: number): void {
    for (let op = OP_GEMM_COLUMNS; op < OP_GEMM_SHARED; op++) { // gemm_shared's tickets need no cut
      for (let kind = 0; kind <= (op === OP_CONV ? CONV_FORWARD_BY_OUTPUT : 0); kind++) this.speeds.set(op * 8 + kind, { ratio, busyMs: Infinity });
    }
  }

  /** The caller's part of a two-chunk job of `units` units and kind `key`: 0 (equal chunks) unless its estimate says otherwise. */
  private callerUnits(key: number, units: number): number {
    const est = this.speeds.get(key);
    if (est === undefined || est.busyMs < SPLIT_MIN_JOB_MS) return 0;
    const f = est.ratio;
    if (!this.adaptiveSplit || units < 2 || (f < SPLIT_MIN_RATIO && f > 1 / SPLIT_MIN_RATIO)) return 0;
    return Math.min(units - 1, Math.max(1, Math.round(units / (1 + f))));
  }

  /** Folds the finished job's rates (elements per busy ms of the caller and the first worker) into kind `key`'s estimate. */
  private updateSpeed(key: number): void {
    const t = this.times, callerMs = t[T_BUSY], workerMs = t[T_BUSY + 2];
    if (this.threads !== 2 || callerMs < SPEED_MIN_MS || workerMs < SPEED_MIN_MS || t[T_DONE] === 0 || t[T_DONE + 2] === 0) return;
    const ratio = Math.min(8, Math.max(1 / 8, (t[T_DONE + 2] / workerMs) / (t[T_DONE] / callerMs)));
    const prior = this.speeds.get(key)?.ratio ?? 1;
    this.speeds.set(key, { ratio: Math.exp((1 - SPEED_WEIGHT) * Math.log(prior) + SPEED_WEIGHT * Math.log(ratio)), busyMs: Math.max(callerMs, workerMs) });
  }

  private run(op: number, unit: number, total: number, arena: number, args: readonly number[], perThread = this.chunksPerThread,
    arenaBytes = WORKER_ARENA_BYTES): void {
    const dead = this.failure();
    if (dead !== undefined) throw dead;
    const ctl = this.ctl;
    const chunks = Math.min(MAX_CHUNKS, Math.ceil(total / unit), this.threads * Math.max(perThread, this.chunksPerThread));
    const key = op * 8 + (op === OP_CONV ? args[0] : 0);
    const split = chunks === 2 && this.threads === 2 ? this.callerUnits(key, Math.ceil(total / unit)) : 0;
    const seq = (Atomics.load(ctl, SEQ) + 1) & SEQ_MASK || 1;
    Atomics.store(ctl, NEXT, seq << INDEX_BITS); // retag first: a stale worker's compare-exchange now fails
    ctl[JOB + J_OP] = op;
    ctl[JOB + J_CHUNKS] = chunks;
    ctl[JOB + J_UNIT] = unit;
    ctl[JOB + J_TOTAL] = total;
    ctl[JOB + J_ARENA] = arena;
    ctl[JOB + J_ARENA_BYTES] = arenaBytes;
    ctl[JOB + J_SPLIT] = split;
    if (args.length > MAX_ARGS) throw new Error(`thread pool: ${args.length} job arguments, the control block holds ${MAX_ARGS}`);
    for (let j = 0; j < args.length; j++) ctl[JOB + J_ARGS + j] = args[j];
    Atomics.store(ctl, DONE, 0);
    this.times.fill(0);
    this.times[T_POST] = clock();
    Atomics.store(ctl, SEQ, seq);
    if (Atomics.load(ctl, SLEEPERS) > 0) Atomics.notify(ctl, SEQ);
    this.jobs++;
    if (this.callerWorks) work(ctl, this.ex, 0, seq);
    // Every chunk was taken; wait for the ones still running elsewhere.
    if (Atomics.load(ctl, DONE) < chunks) {
      const t0 = performance.now();
      for (let d = Atomics.load(ctl, DONE); d < chunks; d = Atomics.load(ctl, DONE)) {
        if (spinWhile(ctl, DONE, d, this.doneSpinUs) !== d) continue;
        Atomics.store(ctl, CALLER_WAITS, 1);
        Atomics.wait(ctl, DONE, d);
        Atomics.store(ctl, CALLER_WAITS, 0);
      }
      this.waitMs += performance.now() - t0;
    }
    if (this.times[T_GRAB] !== 0) {
      this.startLagMs += this.times[T_GRAB] - this.times[T_POST];
      this.helpedJobs++;
    }
    if (op !== OP_GEMM_SHARED) this.updateSpeed(key);
    if (Atomics.load(ctl, ERR) !== 0) {
      const len = Atomics.load(ctl, ERR_LEN);
      const msg = String.fromCharCode(...new Uint16Array(ctl.buffer, MSG * 4, len));
      Atomics.store(ctl, ERR, 0);
      throw new Error(msg);
    }
  }
}

