// gemm   (twin: src/kernels/gemm.ts; test: test/kernels/gemm.prop.test.ts; bench: bench/gemm.bench.ts)
// C[m×n] = (accumulate ? C : 0) + op(A)[m×k] · op(B)[k×n]; row-major; lda/ldb/ldc in elements.
// op(A) = A (A is m×k, A[i,p] at a[i·lda + p]) or Aᵀ (A is k×m, op(A)[i,p] at a[p·lda + i]); same for B.
// Here a, b, c are byte offsets into memory (any 4-byte alignment).
//
// Blocking (GotoBLAS/BLIS): per column block and KC-deep slice, op(B) is packed into NR = 8 wide
// panels (KC·NC·4 = 512 KB: stays in L2; blocks are NC = 512 columns wide, wider when k < KC so the
// slice keeps 512 KB: a first layer's ∂x, k = 64, runs 2048-column blocks, each row of B read in
// 8 KB runs instead of 2 KB — 3→64 at 256², alternating builds: 36.8 → 37.2, 35.6 → 36.5 GFLOP/s;
// 1024×784×64 TN 49.5 → 51.7); then for each MR = 4 rows, op(A) is packed
// into one panel (KC·64 B = 16 KB: stays in L1) and the 4×8 micro-kernel sweeps it across every
// B panel. (A-panel outer measured ≥ B-panel outer: the pre-splatted A panel is the larger read.)
// The SIMD build packs a whole 4-row panel inside its first tile's micro-kernel (`packing`: the splats
// it loads from op(A) are also stored to the panel: 4 more stores per k-step of a loop bound by its 16 FP ops)
// instead of in a pass of its own: alternating builds, 512³ NN 49.8 → 52.2–52.9, 1024³ NN 49.1 → 52.1,
// 64×784×1024 TN 47.8 → 50.2 GFLOP/s (a separate pass cost ≈ 0.46 ns per element, 2 % of 512³).
// Packing absorbs the transposes, so NN, NT, TN and TT all run the same micro-kernel. The conv loops
// call the driver (gemmBlocked) with op(A) packed once per conv and op(B) packed from the image.
//
// Packed op(B) slice (kc × nc), zero-padded past column n:
//
//            panel 0: columns jc+0 … jc+7                     panel 1: columns jc+8 … jc+15
//   bPack → ┌──────────────────────────────────────────┐  ┌─────────────────────────┐
//           │ B(pc,  jc+0) B(pc,  jc+1) … B(pc,  jc+7) │  │ B(pc,  jc+8) …          │ ← starts at
//           │ B(pc+1,jc+0) …              B(pc+1,jc+7) │  │ …                       │   bPack + kc·32
//           │ … kc rows of 32 bytes: vb0123 | vb4567   │  │                         │
//           └──────────────────────────────────────────┘  └─────────────────────────┘
//   bPack[(q·kc + p)·8 + jj] = op(B)[pc + p, jc + 8q + jj]
//
// Packed op(A) panel (4 × kc), zero-padded past row m. The SIMD build
// stores every element pre-splatted across 4 lanes, so the micro-kernel's A reads are plain
// v128.load with constant offsets (V8 folds those into the address; a load32_splat with an
// offset costs an extra lea per row — measured 42 → 50 GFLOP/s):
//
//            p = pc                                       p = pc + 1
//   aPack → │ A(ir,p) ×4 │ A(ir+1,p) ×4 │ A(ir+2,p) ×4 │ A(ir+3,p) ×4 │ A(ir,p+1) ×4 │ …   (64 bytes per p)
//             va0            va1            va2            va3
//   aPack[(p·4 + r)·4 + lane] = op(A)[ir + r, pc + p]      (scalar build: no lanes, aPack[p·4 + r],
//                                                           since its kernel reads one f32 per row)
//
// Edges: padding makes every tile a full 4×8 one; a partial tile is computed into a 4×8
// temporary and only its mr×nr corner is written to C — except 3 whole rows (m % 4 = 3: a first
// layer's ∂x, 27 rows), which the SIMD build runs through the micro-kernel's 3-row form straight into C (3→64 at 256²,
// ∂x on the raw export, alternating builds: 6.05 / 6.28 → 5.88 / 6.09 ms; the same sums). K has no edge (kc is the slice depth).
// NOTE: C receives one partial sum per K slice (the first slice stores unless accumulate), so the
// rounding differs from the reference's single running sum by O(√k·ε)·Σ|a·b|.
// NOTE: the micro-kernel loop is deliberately not unrolled in source: binaryen regroups an
// unrolled body per accumulator, which keeps 8 B vectors live and makes V8 spill (measured 33 vs
// 50 GFLOP/s). It is inlined into the drivers (gemmBlocked, gemm_shared): V8 then unrolls its loop 4×
// itself (its wasm unroller takes ≤ 50-node loops per nesting level, and the nest lifts the limit), dropping the
// per-step stack guard and address zero-extensions: 30 → ≈ 25 instructions per k-step, 34 of 41
// alternating rounds faster (+0.7 % on average) on a Zen 5 VM.
import { scratch_alloc, scratch_mark, scratch_release } from '../scratch';
import { muladd, transpose4x4 } from '../simd';
import { packBIm2col, packBIm2colT } from './im2col';

const MR = 4;
const NR = 8;
const A_ELEM: i32 = ASC_FEATURE_SIMD ? 16 : 4; // bytes per packed op(A) element
const KC = 256;
const NC = 512;

export function gemm(
  m: i32, n: i32, k: i32,
  a: usize, lda: i32, transA: bool,
  b: usize, ldb: i32, transB: bool,
  c: usize, ldc: i32, accumulate: bool,
): void {
  assert(m >= 0 && n >= 0 && k >= 0, 'gemm: negative size');
  assert(ldc >= n && lda >= (transA ? m : k) && ldb >= (transB ? k : n), 'gemm: leading dimension too small');
  gemmBlocked(m, n, k, a, lda, transA, 0, b, ldb, transB ? B_COLS : B_ROWS, c, ldc, accumulate);
}

/**
 * gemm shared by every thread that calls it with the same arguments and schedule (the 'threads'
 * build: one job of the pool, src/wasm/parallel.ts): they take units of `unitPanels` 4-row panels of
 * C per packed op(B) slice as tickets until none is left, so a thread slowed by the machine takes
 * fewer, and one that joins late, or never, costs nothing but its share. `sched`
 * (gemm_schedule_bytes, zeroed but for its first i32 = unitPanels) holds the next ticket and each
 * unit's progress.
 */
export function gemm_shared(
  m: i32, n: i32, k: i32,
  a: usize, lda: i32, transA: bool,
  b: usize, ldb: i32, transB: bool,
  c: usize, ldc: i32, accumulate: bool, sched: usize,
): void {
  assert(m >= 0 && n >= 0 && k >= 0, 'gemm: negative size');
  assert(ldc >= n && lda >= (transA ? m : k) && ldb >= (transB ? k : n), 'gemm: leading dimension too small');
  assert(sched != 0 && load<i32>(sched) > 0, 'gemm_shared: no schedule');
  if (m == 0 || n == 0) return;
  if (k == 0) {
    if (fetchAdd(sched + 4, 1) == 0) gemmBlocked(m, n, 0, a, lda, transA, 0, b, ldb, B_ROWS, c, ldc, accumulate); // one thread clears C
    return;
  }
  // Row units handed out as tickets: ticket t is unit t % units of block t / units, blocks in
  // gemmBlocked's order (column block outer, K slice inner). Unit u of a block waits until the unit's
  // earlier blocks are done, so every C element still gets its K slices in order — the sums of the
  // one-thread call, bit for bit, whichever thread runs which unit. (A loop of its own, not an option of
  // gemmBlocked: the two loops in one function made the one-thread path 1–2 % slower, alternating raw
  // runs; the block loop around the units keeps the micro-kernel as deeply nested as gemmBlocked's.)
  const mark = scratch_mark();
  const KB = kBlock(k), NB = nBlock(n, k, KB), bKind = transB ? B_COLS : B_ROWS;
  const bPack = scratch_alloc(<usize>(min(k, KB) * min((n + NR - 1) & ~(NR - 1), NB)) << 2);
  const aPack = scratch_alloc(<usize>(min(k, KB) * MR * A_ELEM)), tile = scratch_alloc(MR * NR * 4);
  const unitRows = load<i32>(sched) * MR, units = (m + unitRows - 1) / unitRows;
  const kBlocks = (k + KB - 1) / KB, tickets = ((n + NB - 1) / NB) * kBlocks * units;
  for (let t = fetchAdd(sched + 4, 1); t < tickets;) {
    // a block: its op(B) slice packed once, then its units for as long as this thread's tickets stay in it
    const block = t / units;
    const jc = (block / kBlocks) * NB, pc = (block % kBlocks) * KB;
    const nc = min(NB, n - jc), kc = min(KB, k - pc);
    packB(bPack, b, ldb, bKind, jc, nc, pc, kc);
    do {
      const unit = t - block * units;
      const done = sched + 8 + (<usize>unit << 2); // blocks of this unit finished
      while (loadShared(done) < block) {} // its previous block: another thread's, `units` tickets back
      const ir = unit * unitRows;
      rowPanels(ir, min(m, ir + unitRows), m, jc, nc, pc, kc, a, lda, transA, 0, aPack, bPack, tile, c, ldc, accumulate || pc > 0);
      storeShared(done, block + 1);
      t = fetchAdd(sched + 4, 1);
    } while (t < tickets && t / units == block);
  }
  scratch_release(mark);
}

/** Where gemmBlocked's op(B) comes from: B, Bᵀ, or an image read as its im2col columns or their
 *  transpose (im2col.ts's packBIm2col, packBIm2colT). */
export const B_ROWS = 0, B_COLS = 1, B_IM2COL = 2, B_IM2COL_T = 3;

/**
 * gemm's blocked product with two options for the conv loops: `aPacked` ≠ 0 is op(A) already packed
 * whole by packAPanels (a conv packs its weight once, not once per band of columns; a and lda are
 * then unused), and `bKind` B_IM2COL / B_IM2COL_T packs op(B) straight from the image set by
 * setIm2colSource (b and ldb unused; no column buffer is written and read back). Same values, same sums: the
 * results are those of gemm on the unpacked operands, bit for bit.
 */
export function gemmBlocked(
  m: i32, n: i32, k: i32,
  a: usize, lda: i32, transA: bool, aPacked: usize,
  b: usize, ldb: i32, bKind: i32,
  c: usize, ldc: i32, accumulate: bool,
): void {
  if (m == 0 || n == 0) return;
  if (k == 0) {
    if (!accumulate) for (let i = 0; i < m; i++) memory.fill(c + (<usize>(i * ldc) << 2), 0, <usize>n << 2);
    return;
  }
  const mark = scratch_mark();
  const KB = kBlock(k), NB = nBlock(n, k, KB);
  const bPack = scratch_alloc(<usize>(min(k, KB) * min((n + NR - 1) & ~(NR - 1), NB)) << 2);
  const aPack: usize = aPacked != 0 ? 0 : scratch_alloc(<usize>(min(k, KB) * MR * A_ELEM)); // one panel, repacked per ir
  const tile = scratch_alloc(MR * NR * 4);
  for (let jc = 0; jc < n; jc += NB) {
    const nc = min(NB, n - jc);
    for (let pc = 0; pc < k; pc += KB) {
      const kc = min(KB, k - pc);
      packB(bPack, b, ldb, bKind, jc, nc, pc, kc);
      rowPanels(0, m, m, jc, nc, pc, kc, a, lda, transA, aPacked, aPack, bPack, tile, c, ldc, accumulate || pc > 0);
    }
  }
  scratch_release(mark);
}

// Equal blocks (784 = 4 × 196, not 3 × 256 + 16), rounded to the tile so only the last is ragged.
// @ts-ignore: decorator
@inline function kBlock(k: i32): i32 {
  return blockStep(k, KC, 4);
}

/** Column blocks of a packed slice of KC·NC floats: NC columns, more when the slice is shallower. */
// @ts-ignore: decorator
@inline function nBlock(n: i32, k: i32, KB: i32): i32 {
  return blockStep(n, max(NC, (KC * NC / min(k, KB)) & ~(NR - 1)), NR);
}

/** Bytes of gemm_shared's schedule for m rows in units of `unitPanels` 4-row panels: 2 words and one per unit. */
export function gemm_schedule_bytes(m: i32, unitPanels: i32): usize {
  return <usize>(2 + (m + unitPanels * MR - 1) / (unitPanels * MR)) << 2;
}

// gemm_shared's schedule words: atomics in the shared-memory builds; plain loads and stores in the
// others (one thread: nothing to synchronise, and their memory has no atomics without 'threads').
// @ts-ignore: decorator
@inline function fetchAdd(ptr: usize, v: i32): i32 {
  if (ASC_FEATURE_THREADS) return atomic.add<i32>(ptr, v);
  const old = load<i32>(ptr);
  store<i32>(ptr, old + v);
  return old;
}

// @ts-ignore: decorator
@inline function loadShared(ptr: usize): i32 {
  if (ASC_FEATURE_THREADS) return atomic.load<i32>(ptr);
  return load<i32>(ptr);
}

// @ts-ignore: decorator
@inline function storeShared(ptr: usize, v: i32): void {
  if (ASC_FEATURE_THREADS) atomic.store<i32>(ptr, v);
  else store<i32>(ptr, v);
}

/** Packs the kc × nc slice of op(B) at (pc, jc) into bPack. */
// @ts-ignore: decorator
@inline function packB(bPack: usize, b: usize, ldb: i32, bKind: i32, jc: i32, nc: i32, pc: i32, kc: i32): void {
  if (bKind == B_IM2COL) packBIm2col(bPack, pc, kc, jc, nc);
  else if (bKind == B_IM2COL_T) packBIm2colT(bPack, pc, kc, jc, nc);
  else if (bKind == B_COLS) packBCols(bPack, b + (<usize>(jc * ldb + pc) << 2), ldb, kc, nc);
  else packBRows(bPack, b + (<usize>(pc * ldb + jc) << 2), ldb, kc, nc);
}

/** C[ir0…ir1, jc…jc+nc) (+)= op(A)[ir0…ir1, pc…pc+kc) · the packed slice: each 4-row panel swept across every B panel. */
// @ts-ignore: decorator
@inline function rowPanels(
  ir0: i32, ir1: i32, m: i32, jc: i32, nc: i32, pc: i32, kc: i32,
  a: usize, lda: i32, transA: bool, aPacked: usize, aPack: usize, bPack: usize, tile: usize, c: usize, ldc: i32, add: bool,
): void {
  // packAPanels' slice pc: its panels one after another, kc deep, after pc·panels·MR elements
  const panels = (m + MR - 1) / MR;
  let ap = aPacked + <usize>(pc * panels * MR + ir0 * kc) * A_ELEM;
  for (let ir = ir0; ir < ir1; ir += MR) {
    const mr = min(MR, m - ir);
    // op(A)[ir + r, pc + p] sits at aSrc + p·sp + r·sr (bytes); a whole 4-row panel is packed by
    // the SIMD micro-kernel of its first tile as it reads it (packing: below), else here
    const aSrc = transA ? a + (<usize>(pc * lda + ir) << 2) : a + (<usize>(ir * lda + pc) << 2);
    const sr: usize = transA ? 4 : <usize>lda << 2, sp: usize = transA ? <usize>lda << 2 : 4;
    const packing = ASC_FEATURE_SIMD && aPacked == 0 && mr == MR && nc >= NR;
    if (aPacked == 0) {
      ap = aPack;
      if (!packing) packA(aPack, aSrc, sr, sp, kc, mr);
    }
    for (let jr = 0; jr < nc; jr += NR) {
      const nr = min(NR, nc - jr);
      const bp = bPack + (<usize>(jr * kc) << 2);
      const cp = c + (<usize>(ir * ldc + jc + jr) << 2);
      if (ASC_FEATURE_SIMD && packing && jr == 0) {
        gemm_rx8_simd(MR, kc, ap, bp, cp, ldc, add, true, aSrc, sr, sp);
      } else if (mr == MR && nr == NR) {
        microKernel(kc, ap, bp, cp, ldc, add);
      } else if (ASC_FEATURE_SIMD && mr == 3 && nr == NR) {
        gemm_rx8_simd(3, kc, ap, bp, cp, ldc, add, false, 0, 0, 0);
      } else {
        microKernel(kc, ap, bp, tile, NR, false);
        storeEdge(mr, nr, tile, cp, ldc, add);
      }
    }
    if (aPacked != 0) ap += <usize>(kc * MR) * A_ELEM;
  }
}

/** Bytes of op(A) [m×k] packed whole (packAPanels). */
export function packedABytes(m: i32, k: i32): usize {
  return <usize>(((m + MR - 1) & ~(MR - 1)) * k) * A_ELEM;
}

/** op(A) [m×k] packed whole for gemmBlocked: per KC slice, every MR-row panel in gemm's layout. */
export function packAPanels(dst: usize, m: i32, k: i32, a: usize, lda: i32, transA: bool): void {
  const KB = kBlock(k), rows = (m + MR - 1) & ~(MR - 1);
  for (let pc = 0; pc < k; pc += KB) {
    const kc = min(KB, k - pc);
    if (transA) packA(dst, a + (<usize>(pc * lda) << 2), 4, <usize>lda << 2, kc, m);
    else packA(dst, a + (<usize>pc << 2), <usize>lda << 2, 4, kc, m);
    dst += <usize>(kc * rows) * A_ELEM;
  }
}

/** Step that splits `total` into ⌈total / max⌉ near-equal blocks, rounded up to a multiple of `unit`. */
function blockStep(total: i32, max: i32, unit: i32): i32 {
  const blocks = (total + max - 1) / max;
  const step = (total + blocks - 1) / blocks;
  return (step + unit - 1) / unit * unit;
}

// @ts-ignore: decorator
@inline function microKernel(kc: i32, a: usize, b: usize, c: usize, ldc: i32, add: bool): void {
  if (ASC_FEATURE_SIMD) gemm_rx8_simd(MR, kc, a, b, c, ldc, add, false, 0, 0, 0);
  else gemm_4x8_scalar(kc, a, b, c, ldc, add);
}

/**
 * C[rows×8] (+)= Apanel[rows×kc] · Bpanel[kc×8], rows = 4 (8 f32x4 accumulators, vacc<row>x<columns>)
 * or 3 (the first three: m % 4 = 3, a first layer's ∂x has 27 rows; straight into C instead of through
 * a 4×8 temporary, the same sums). `packing` (rows = 4): the A panel is read from op(A) instead —
 * element (p, r) at src + p·sp + r·sr — and written to `a` as packA would, for the panel's later tiles.
 * `rows` and `packing` are constants at each call site, so the build keeps no test of them (the plain
 * 4-row code is the same as without the parameters).
 */
// @ts-ignore: decorator
@inline function gemm_rx8_simd(
  rows: i32, kc: i32, a: usize, b: usize, c: usize, ldc: i32, add: bool, packing: bool, src: usize, sr: usize, sp: usize,
): void {
  let vacc0x0123 = f32x4.splat(0), vacc0x4567 = vacc0x0123, vacc1x0123 = vacc0x0123, vacc1x4567 = vacc0x0123;
  let vacc2x0123 = vacc0x0123, vacc2x4567 = vacc0x0123, vacc3x0123 = vacc0x0123, vacc3x4567 = vacc0x0123;
  const bEnd = b + (<usize>kc << 5);
  let src1 = src + sr, src2 = src1 + sr, src3 = src2 + sr;
  while (b < bEnd) {
    const vb0123 = v128.load(b), vb4567 = v128.load(b, 16);
    let va0: v128, va1: v128, va2: v128, va3: v128;
    if (packing) {
      va0 = v128.load32_splat(src); va1 = v128.load32_splat(src1); va2 = v128.load32_splat(src2); va3 = v128.load32_splat(src3);
      v128.store(a, va0); v128.store(a, va1, 16); v128.store(a, va2, 32); v128.store(a, va3, 48);
      src += sp; src1 += sp; src2 += sp; src3 += sp;
    } else {
      va0 = v128.load(a); va1 = v128.load(a, 16); va2 = v128.load(a, 32); va3 = rows == 4 ? v128.load(a, 48) : va2;
    }
    vacc0x0123 = muladd(vacc0x0123, va0, vb0123); vacc0x4567 = muladd(vacc0x4567, va0, vb4567);
    vacc1x0123 = muladd(vacc1x0123, va1, vb0123); vacc1x4567 = muladd(vacc1x4567, va1, vb4567);
    vacc2x0123 = muladd(vacc2x0123, va2, vb0123); vacc2x4567 = muladd(vacc2x4567, va2, vb4567);
    if (rows == 4) { vacc3x0123 = muladd(vacc3x0123, va3, vb0123); vacc3x4567 = muladd(vacc3x4567, va3, vb4567); }
    a += 64;
    b += 32;
  }
  // NOTE: starting the accumulators from C (to overlap its loads with the loop) measured 15% slower:
  // V8 then keeps the zero/C phis in a worse register assignment.
  const ldcBytes = <usize>ldc << 2;
  const c1 = c + ldcBytes, c2 = c1 + ldcBytes, c3 = c2 + ldcBytes;
  if (add) {
    vacc0x0123 = f32x4.add(vacc0x0123, v128.load(c)); vacc0x4567 = f32x4.add(vacc0x4567, v128.load(c, 16));
    vacc1x0123 = f32x4.add(vacc1x0123, v128.load(c1)); vacc1x4567 = f32x4.add(vacc1x4567, v128.load(c1, 16));
    vacc2x0123 = f32x4.add(vacc2x0123, v128.load(c2)); vacc2x4567 = f32x4.add(vacc2x4567, v128.load(c2, 16));
    if (rows == 4) { vacc3x0123 = f32x4.add(vacc3x0123, v128.load(c3)); vacc3x4567 = f32x4.add(vacc3x4567, v128.load(c3, 16)); }
  }
  v128.store(c, vacc0x0123); v128.store(c, vacc0x4567, 16);
  v128.store(c1, vacc1x0123); v128.store(c1, vacc1x4567, 16);
  v128.store(c2, vacc2x0123); v128.store(c2, vacc2x4567, 16);
  if (rows == 4) { v128.store(c3, vacc3x0123); v128.store(c3, vacc3x4567, 16); }
}

/** Scalar build: the same 4×8 tile as four 2×4 passes (8 accumulators fit V8's registers). */
function gemm_4x8_scalar(kc: i32, a: usize, b: usize, c: usize, ldc: i32, add: bool): void {
  for (let r = 0; r < MR; r += 2) {
    for (let h = 0; h < NR; h += 4) {
      let c00: f32 = 0, c01: f32 = 0, c02: f32 = 0, c03: f32 = 0;
      let c10: f32 = 0, c11: f32 = 0, c12: f32 = 0, c13: f32 = 0;
      let ap = a + (<usize>r << 2), bp = b + (<usize>h << 2);
      for (let p = kc; p > 0; p--) {
        const a0 = load<f32>(ap), a1 = load<f32>(ap, 4);
        const b0 = load<f32>(bp), b1 = load<f32>(bp, 4), b2 = load<f32>(bp, 8), b3 = load<f32>(bp, 12);
        c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
        c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
        ap += MR * 4;
        bp += NR * 4;
      }
      const d0 = c + (<usize>(r * ldc + h) << 2), d1 = d0 + (<usize>ldc << 2);
      if (add) {
        c00 += load<f32>(d0); c01 += load<f32>(d0, 4); c02 += load<f32>(d0, 8); c03 += load<f32>(d0, 12);
        c10 += load<f32>(d1); c11 += load<f32>(d1, 4); c12 += load<f32>(d1, 8); c13 += load<f32>(d1, 12);
      }
      store<f32>(d0, c00); store<f32>(d0, c01, 4); store<f32>(d0, c02, 8); store<f32>(d0, c03, 12);
      store<f32>(d1, c10); store<f32>(d1, c11, 4); store<f32>(d1, c12, 8); store<f32>(d1, c13, 12);
    }
  }
}

// storeEdge, packBRows and packBCols are @inline: with two drivers calling them binaryen stopped
// inlining them (it inlines any function called once), and gemmBlocked's code then differed.
/** Writes the valid mr×nr corner of a 4×8 tile (row stride NR) into C. */
// @ts-ignore: decorator
@inline function storeEdge(mr: i32, nr: i32, tile: usize, c: usize, ldc: i32, add: bool): void {
  if (ASC_FEATURE_SIMD && nr == NR) {
    // whole rows (m % 4 = 1 or 2; 3 rows take gemm_rx8_simd): two f32x4 per row, the same adds
    for (let i = 0; i < mr; i++) {
      const src = tile + (<usize>(i * NR) << 2), dst = c + (<usize>(i * ldc) << 2);
      let v0 = v128.load(src), v1 = v128.load(src, 16);
      if (add) {
        v0 = f32x4.add(v128.load(dst), v0);
        v1 = f32x4.add(v128.load(dst, 16), v1);
      }
      v128.store(dst, v0);
      v128.store(dst, v1, 16);
    }
    return;
  }
  for (let i = 0; i < mr; i++) {
    const src = tile + (<usize>(i * NR) << 2), dst = c + (<usize>(i * ldc) << 2);
    for (let j = 0; j < nr; j++) {
      const v = load<f32>(src + (<usize>j << 2));
      const d = dst + (<usize>j << 2);
      store<f32>(d, add ? load<f32>(d) + v : v);
    }
  }
}

/** op(A) rows → MR-row panels (layout above); element (p, r) at src + p·sp + r·sr. */
function packA(dst: usize, src: usize, sr: usize, sp: usize, kc: i32, len: i32): void {
  for (let i0 = 0; i0 < len; i0 += MR) {
    const rows = min(MR, len - i0);
    const s0 = src + <usize>i0 * sr;
    for (let p = 0; p < kc; p++) {
      const s = s0 + <usize>p * sp;
      if (ASC_FEATURE_SIMD) {
        if (rows == MR) {
          v128.store(dst, v128.load32_splat(s));
          v128.store(dst, v128.load32_splat(s + sr), 16);
          v128.store(dst, v128.load32_splat(s + 2 * sr), 32);
          v128.store(dst, v128.load32_splat(s + 3 * sr), 48);
        } else {
          for (let r = 0; r < MR; r++) {
            v128.store(dst + (<usize>r << 4), r < rows ? v128.load32_splat(s + <usize>r * sr) : f32x4.splat(0));
          }
        }
      } else {
        for (let r = 0; r < MR; r++) store<f32>(dst + (<usize>r << 2), r < rows ? load<f32>(s + <usize>r * sr) : 0);
      }
      dst += MR * A_ELEM;
    }
  }
}

/**
 * op(B) slice → NR-column panels when B is not transposed: element (p, j) at src + (p·ld + j)·4.
 * Runs over chunks of 8 rows, panel by panel inside a chunk: every source line and every packed
 * line is finished while it is in L1. (Panel-outer reads, or row-by-row scattered writes, alias
 * in L1 when ld·4 or kc·32 is a multiple of 4 KB: measured 35 vs 49 GFLOP/s for n = 784.)
 */
// @ts-ignore: decorator
@inline function packBRows(dst: usize, src: usize, ld: i32, kc: i32, len: i32): void {
  const ldBytes = <usize>ld << 2, panelBytes = <usize>kc << 5;
  const full = len & ~(NR - 1);
  for (let p0 = 0; p0 < kc; p0 += 8) {
    const rows = min(8, kc - p0);
    const s0 = src + <usize>p0 * ldBytes;
    let d0 = dst + (<usize>p0 << 5);
    for (let j0 = 0; j0 < len; j0 += NR) {
      let s = s0 + (<usize>j0 << 2), d = d0;
      for (let p = 0; p < rows; p++) {
        if (ASC_FEATURE_SIMD && j0 < full) {
          v128.store(d, v128.load(s));
          v128.store(d, v128.load(s, 16), 16);
        } else {
          for (let j = 0; j < NR; j++) store<f32>(d + (<usize>j << 2), j0 + j < len ? load<f32>(s + (<usize>j << 2)) : 0);
        }
        s += ldBytes;
        d += NR * 4;
      }
      d0 += panelBytes;
    }
  }
}

/**
 * op(B) slice → NR-column panels when B is transposed: element (p, j) at src + (j·ld + p)·4, so
 * each column's depth run is contiguous. Full groups of 4 columns go through 4×4 transposes;
 * ragged columns and the kc % 4 tail are scalar.
 */
// @ts-ignore: decorator
@inline function packBCols(dst: usize, src: usize, ld: i32, kc: i32, len: i32): void {
  const ldBytes = <usize>ld << 2;
  for (let j0 = 0; j0 < len; j0 += NR) {
    const cols = min(NR, len - j0);
    for (let g = 0; g < NR; g += 4) {
      const r0 = src + <usize>(j0 + g) * ldBytes;
      const d = dst + (<usize>g << 2);
      let p = 0;
      if (ASC_FEATURE_SIMD && g + 4 <= cols) {
        for (; p + 4 <= kc; p += 4) {
          const s = r0 + (<usize>p << 2);
          transpose4x4(s, s + ldBytes, s + 2 * ldBytes, s + 3 * ldBytes, d + (<usize>p << 5), NR * 4);
        }
      }
      for (; p < kc; p++) {
        const s = r0 + (<usize>p << 2), dp = d + (<usize>p << 5);
        for (let t = 0; t < 4; t++) store<f32>(dp + (<usize>t << 2), g + t < cols ? load<f32>(s + <usize>t * ldBytes) : 0);
      }
    }
    dst += <usize>kc << 5;
  }
}

/**
 * C[m×n] += A[m×k] · B[n×k]ᵀ with k contiguous in both operands (lda, ldb in elements), unpacked: for
 * few outputs over a long k (a first layer's weight gradient: 64 × 27 outputs summed over a band's
 * pixels), where gemm would pack one operand pre-splatted — 16 bytes written per float read once.
 * Per element: lane sums l0…l3 of a[p]·b[p] over p ≡ 0…3 (mod 4) of the whole vectors, (l0 + l1) +
 * (l2 + l3), then the k % 4 tail in order, then added to C — the same sum whichever tile computes
 * the element (4×2 tiles: 8 accumulators, 6 loads per 8 products; 4×1 for a last odd column; 1×1 past
 * the last 4 rows and in the scalar build). Not sliced along k: slices of 256 / 1024 / 4096 (their
 * rows in L1 or L2) measured 31.5 / 32.8 / 35.6 GFLOP/s against 36.0 unsliced (3→64 at 256²: k = 4608).
 */
export function gemmDots(m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32): void {
  const ldaBytes = <usize>lda << 2, ldbBytes = <usize>ldb << 2, ldcBytes = <usize>ldc << 2;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= m; i += 4) {
      const ai = a + <usize>i * ldaBytes, ci = c + <usize>i * ldcBytes;
      let j = 0;
      for (; j + 2 <= n; j += 2) dots4xN(2, k, ai, ldaBytes, b + <usize>j * ldbBytes, ldbBytes, ci + (<usize>j << 2), ldcBytes);
      if (j < n) dots4xN(1, k, ai, ldaBytes, b + <usize>j * ldbBytes, ldbBytes, ci + (<usize>j << 2), ldcBytes);
    }
  }
  for (; i < m; i++) {
    for (let j = 0; j < n; j++) dot1x1(k, a + <usize>i * ldaBytes, b + <usize>j * ldbBytes, c + <usize>i * ldcBytes + (<usize>j << 2));
  }
}

/** (l0 + l1) + (l2 + l3) of the lane sums, plus the k % 4 tail of a·b after the whole vectors. */
// @ts-ignore: decorator
@inline function dotFinish(l0: f32, l1: f32, l2: f32, l3: f32, kc: i32, a: usize, b: usize): f32 {
  let s = (l0 + l1) + (l2 + l3);
  for (let p = kc & ~3; p < kc; p++) s += load<f32>(a + (<usize>p << 2)) * load<f32>(b + (<usize>p << 2));
  return s;
}

// @ts-ignore: decorator
@inline function laneFinish(v: v128, kc: i32, a: usize, b: usize): f32 {
  return dotFinish(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1), f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3), kc, a, b);
}

/**
 * C[4×cols] += four rows of A (ldaBytes apart) · `cols` rows of B (ldbBytes apart), kc deep: cols = 2
 * (8 accumulators) or 1 (a last odd column: 4 independent chains; a first layer's 27 taps leave one,
 * and its 64 dots one chain each were latency-bound). `cols` is a constant at each call site. Inlined
 * into gemmDots' loop nest, as gemm's micro-kernel into its driver (V8 then unrolls the k loop and
 * drops its per-step stack check): 3→64 at 256², the weight gradient on the raw export, alternating
 * builds, 24.9 / 24.0 / 35.1 → 27.2 / 26.2 / 38.9 GFLOP/s in three runs — the same sums, bit-identical.
 */
// @ts-ignore: decorator
@inline function dots4xN(cols: i32, kc: i32, a: usize, ldaBytes: usize, b: usize, ldbBytes: usize, c: usize, ldcBytes: usize): void {
  let vacc0x0 = f32x4.splat(0), vacc0x1 = vacc0x0, vacc1x0 = vacc0x0, vacc1x1 = vacc0x0;
  let vacc2x0 = vacc0x0, vacc2x1 = vacc0x0, vacc3x0 = vacc0x0, vacc3x1 = vacc0x0;
  const a1 = a + ldaBytes, a2 = a1 + ldaBytes, a3 = a2 + ldaBytes, b1 = b + ldbBytes;
  const end = <usize>(kc & ~3) << 2;
  for (let q: usize = 0; q < end; q += 16) {
    const vb0 = v128.load(b + q), vb1 = cols == 2 ? v128.load(b1 + q) : vb0;
    const va0 = v128.load(a + q), va1 = v128.load(a1 + q), va2 = v128.load(a2 + q), va3 = v128.load(a3 + q);
    vacc0x0 = muladd(vacc0x0, va0, vb0); vacc1x0 = muladd(vacc1x0, va1, vb0);
    vacc2x0 = muladd(vacc2x0, va2, vb0); vacc3x0 = muladd(vacc3x0, va3, vb0);
    if (cols == 2) {
      vacc0x1 = muladd(vacc0x1, va0, vb1); vacc1x1 = muladd(vacc1x1, va1, vb1);
      vacc2x1 = muladd(vacc2x1, va2, vb1); vacc3x1 = muladd(vacc3x1, va3, vb1);
    }
  }
  const c1 = c + ldcBytes, c2 = c1 + ldcBytes, c3 = c2 + ldcBytes;
  store<f32>(c, load<f32>(c) + laneFinish(vacc0x0, kc, a, b)); store<f32>(c1, load<f32>(c1) + laneFinish(vacc1x0, kc, a1, b));
  store<f32>(c2, load<f32>(c2) + laneFinish(vacc2x0, kc, a2, b)); store<f32>(c3, load<f32>(c3) + laneFinish(vacc3x0, kc, a3, b));
  if (cols == 2) {
    store<f32>(c, load<f32>(c, 4) + laneFinish(vacc0x1, kc, a, b1), 4); store<f32>(c1, load<f32>(c1, 4) + laneFinish(vacc1x1, kc, a1, b1), 4);
    store<f32>(c2, load<f32>(c2, 4) + laneFinish(vacc2x1, kc, a2, b1), 4); store<f32>(c3, load<f32>(c3, 4) + laneFinish(vacc3x1, kc, a3, b1), 4);
  }
}

/** C[1×1] += a · b, kc deep, with dots4x2's per-element sum (scalar build: the lanes as four floats). */
function dot1x1(kc: i32, a: usize, b: usize, c: usize): void {
  const end = <usize>(kc & ~3) << 2;
  let s: f32;
  if (ASC_FEATURE_SIMD) {
    let v = f32x4.splat(0);
    for (let q: usize = 0; q < end; q += 16) v = muladd(v, v128.load(a + q), v128.load(b + q));
    s = laneFinish(v, kc, a, b);
  } else {
    let l0: f32 = 0, l1: f32 = 0, l2: f32 = 0, l3: f32 = 0;
    for (let q: usize = 0; q < end; q += 16) {
      l0 += load<f32>(a + q) * load<f32>(b + q); l1 += load<f32>(a + q, 4) * load<f32>(b + q, 4);
      l2 += load<f32>(a + q, 8) * load<f32>(b + q, 8); l3 += load<f32>(a + q, 12) * load<f32>(b + q, 12);
    }
    s = dotFinish(l0, l1, l2, l3, kc, a, b);
  }
  store<f32>(c, load<f32>(c) + s);
}
