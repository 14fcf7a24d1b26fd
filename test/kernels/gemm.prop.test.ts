// gemm: TS reference vs WASM SIMD / scalar / debug on tile-edge shapes (assembly/kernels/gemm.ts:
// MR×NR = 4×8 micro-tile, balanced KC = 256 K slices, column blocks of 512 KB packed slices), all transpose
// flags, accumulate on/off, loose leading dimensions; plus exact identities.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { f32Array, gemmCase, gemmK, gemmM, gemmN, type GemmCase } from '../helpers/arb.js';
import type { Kernels } from '../../src/kernels/index.js';
import { expectClose, fcParams, reference, wasmPaths } from './paths.js';
import { loadNodeWasm } from '../../src/node/wasm.js';

function run(kernels: Kernels, g: GemmCase): Float32Array {
  const c = g.c.slice();
  kernels.gemm(g.m, g.n, g.k, g.a, g.lda, g.transA, g.b, g.ldb, g.transB, c, g.ldc, g.accumulate);
  return c;
}

/** XNNPACK's tolerance max(1e-5, |ref|·1e-6), widened by √k for long dot products (values in [-1, 1]). */
const gemmTol = (k: number) => (ref: number) => Math.max(1e-5, Math.abs(ref) * 1e-6) * Math.sqrt(Math.max(k, 1));

function label(g: GemmCase): string {
  return `m=${g.m} n=${g.n} k=${g.k} ${g.transA ? 'T' : 'N'}${g.transB ? 'T' : 'N'} lda=${g.lda} ldb=${g.ldb} ldc=${g.ldc} acc=${g.accumulate}`;
}

function checkAllPaths(g: GemmCase): void {
  const ref = run(reference, g);
  for (const [name, k] of wasmPaths) expectClose(run(k, g), ref, gemmTol(g.k), `${name} ${label(g)}`);
}

describe('gemm property: TS reference vs WASM', () => {
  it('tile-edge shapes, all flags (C outside the m×n window and spare tail untouched)', () => {
    fc.assert(fc.property(gemmCase(), checkAllPaths), fcParams(300));
  });

  it('block boundaries: m past several panels, n around the column block (512 columns at k ≥ KC, 2¹⁷ / k below), k around 2·KC', () => {
    const tallM = fc.tuple(fc.constantFrom(127, 128, 129, 133), fc.constantFrom(1, 8, 9), fc.constantFrom(3, 9));
    // column blocks hold a 512 KB packed slice: 512 columns 256 deep, 2048 at k = 64, 16384 at k = 8
    const wideN = fc.tuple(fc.constantFrom(1, 5), fc.constantFrom([256, 512], [300, 856], [64, 2048], [8, 16384]), fc.constantFrom(-1, 0, 1, 7))
      .map(([m, [k, block], dn]): [number, number, number] => [m, block + dn, k]);
    const deepK = fc.tuple(fc.constantFrom(4, 6), fc.constantFrom(9, 16), fc.constantFrom(511, 512, 513, 769));
    fc.assert(fc.property(gemmCase(fc.oneof(tallM, wideN, deepK)), checkAllPaths), fcParams(40));
  });

  it('A = I returns op(B) exactly, B = I returns op(A) exactly', () => {
    const arb = fc.record({ dims: fc.tuple(gemmM, gemmN, gemmK.filter((k) => k > 0)), tA: fc.boolean(), tB: fc.boolean(), gap: fc.constantFrom(0, 3) })
      .chain(({ dims: [m, n, k], tA, tB, gap }) => fc.record({
        m: fc.constant(m), n: fc.constant(n), k: fc.constant(k), tA: fc.constant(tA), tB: fc.constant(tB), gap: fc.constant(gap),
        x: f32Array(Math.max((tB ? n : m) * ((tB ? m : n) + gap), (tA ? k : m) * ((tA ? m : k) + gap))),
      }));
    fc.assert(fc.property(arb, ({ m, n, k, tA, tB, gap, x }) => {
      for (const [name, kernels] of [['ts', reference] as const, ...wasmPaths]) {
        // I[m×m] · op(B)[m×n] with B = x: op(B)[p, j] = x[p·ld + j] (N) or x[j·ld + p] (T)
        const ldI = m + gap, eye = new Float32Array(m * ldI);
        for (let i = 0; i < m; i++) eye[i * ldI + i] = 1;
        const ldb = (tB ? m : n) + gap, c1 = new Float32Array(m * n).fill(NaN);
        kernels.gemm(m, n, m, eye, ldI, tA, x, ldb, tB, c1, n, false);
        for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
          const want = x[tB ? j * ldb + i : i * ldb + j]; // === so that −0 (1·−0 + 0) equals +0
          assert.ok(c1[i * n + j] === want, `${name}: I·op(B) [${i},${j}] m=${m} n=${n}: ${c1[i * n + j]} ≠ ${want}`);
        }
        // op(A)[m×k] · I[k×k]
        const ldJ = k + gap, eyeK = new Float32Array(k * ldJ);
        for (let p = 0; p < k; p++) eyeK[p * ldJ + p] = 1;
        const lda = (tA ? m : k) + gap, c2 = new Float32Array(m * k).fill(NaN);
        kernels.gemm(m, k, k, x, lda, tA, eyeK, ldJ, tB, c2, k, false);
        for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) {
          const want = x[tA ? p * lda + i : i * lda + p];
          assert.ok(c2[i * k + p] === want, `${name}: op(A)·I [${i},${p}] m=${m} k=${k}: ${c2[i * k + p]} ≠ ${want}`);
        }
      }
    }), fcParams(60));
  });

  it('known product: [[1,2],[3,4]]·[[5,6],[7,8]] in all four layouts, plus accumulate', () => {
    const A = [1, 2, 3, 4], At = [1, 3, 2, 4], B = [5, 6, 7, 8], Bt = [5, 7, 6, 8];
    for (const [name, k] of [['ts', reference] as const, ...wasmPaths]) {
      for (const [tA, tB] of [[false, false], [false, true], [true, false], [true, true]]) {
        const c = new Float32Array([100, 100, 100, 100]);
        k.gemm(2, 2, 2, new Float32Array(tA ? At : A), 2, tA, new Float32Array(tB ? Bt : B), 2, tB, c, 2, false);
        assert.deepEqual([...c], [19, 22, 43, 50], `${name} ${tA}/${tB}`);
        k.gemm(2, 2, 2, new Float32Array(tA ? At : A), 2, tA, new Float32Array(tB ? Bt : B), 2, tB, c, 2, true);
        assert.deepEqual([...c], [38, 44, 86, 100], `${name} ${tA}/${tB} accumulate`);
      }
    }
  });

  it('in WASM memory nothing past C is written (the conv loops pass buffers in place): edge tiles of 1–3 rows, ragged columns', () => {
    // The raw export on operands in its own memory, C followed by a NaN guard of 4 rows (bindings copy
    // out only C's extent, so a stray store into the rows after C shows only here)
    const exports = (['release', 'scalar', 'relaxed', 'debug'] as const).map((t) => [t, loadNodeWasm(t)] as const);
    const dims = fc.tuple(fc.constantFrom(1, 2, 3, 5, 6, 7, 27), fc.constantFrom(7, 8, 16, 17), fc.constantFrom(1, 5, 64, 300));
    fc.assert(fc.property(gemmCase(dims), (g) => {
      const want = run(reference, g), cLen = (g.m - 1) * g.ldc + g.n, guard = 4 * g.ldc + 8;
      for (const [target, ex] of exports) {
        const floats = g.a.length + g.b.length + cLen + guard, base = ex.scratch_alloc(floats * 4);
        try {
          const mem = new Float32Array(ex.memory.buffer, base, floats);
          const pa = base, pb = pa + g.a.length * 4, pc = pb + g.b.length * 4;
          mem.set(g.a, 0);
          mem.set(g.b, g.a.length);
          mem.set(g.c.subarray(0, cLen), g.a.length + g.b.length);
          mem.fill(NaN, floats - guard);
          ex.gemm(g.m, g.n, g.k, pa, g.lda, +g.transA, pb, g.ldb, +g.transB, pc, g.ldc, +g.accumulate);
          const after = new Float32Array(ex.memory.buffer, base, floats); // the call may have grown memory
          assert.ok(after.subarray(floats - guard).every(Number.isNaN), `${target} wrote past C: ${label(g)}`);
          expectClose(after.subarray(g.a.length + g.b.length, g.a.length + g.b.length + cLen), want.subarray(0, cLen), gemmTol(g.k), `${target} ${label(g)}`);
        } finally {
          ex.scratch_reset();
        }
      }
    }), fcParams(60));
  });

  it('gemm_shared on one thread (every ticket in turn) = gemm bit for bit, whatever the rows per ticket', () => {
    // The pool's row split (test/wasm/threads.test.ts runs it on 2 and 3 threads); here the tickets'
    // bookkeeping alone: units of 1–9 panels over ragged m, several K slices and column blocks, k = 0.
    const exports = (['release', 'scalar', 'relaxed', 'debug'] as const).map((t) => [t, loadNodeWasm(t)] as const);
    const dims = fc.tuple(fc.integer({ min: 1, max: 70 }), fc.constantFrom(1, 8, 13, 600), fc.constantFrom(0, 1, 7, 300, 530));
    fc.assert(fc.property(gemmCase(dims), fc.integer({ min: 1, max: 9 }), (g, unitPanels) => {
      for (const [target, ex] of exports) {
        const cLen = (g.m - 1) * g.ldc + g.n, schedBytes = ex.gemm_schedule_bytes(g.m, unitPanels);
        const floats = g.a.length + g.b.length + 2 * cLen, base = ex.scratch_alloc(floats * 4 + schedBytes);
        try {
          const pa = base, pb = pa + g.a.length * 4, pc1 = pb + g.b.length * 4, pc2 = pc1 + cLen * 4, sched = pc2 + cLen * 4;
          const mem = new Float32Array(ex.memory.buffer, base, floats);
          mem.set(g.a, 0);
          mem.set(g.b, g.a.length);
          mem.set(g.c.subarray(0, cLen), g.a.length + g.b.length);
          mem.set(g.c.subarray(0, cLen), g.a.length + g.b.length + cLen);
          const s = new Int32Array(ex.memory.buffer, sched, schedBytes / 4);
          s.fill(0);
          s[0] = unitPanels;
          ex.gemm(g.m, g.n, g.k, pa, g.lda, +g.transA, pb, g.ldb, +g.transB, pc1, g.ldc, +g.accumulate);
          ex.gemm_shared(g.m, g.n, g.k, pa, g.lda, +g.transA, pb, g.ldb, +g.transB, pc2, g.ldc, +g.accumulate, sched);
          const after = new Float32Array(ex.memory.buffer, base, floats);
          const c1 = after.subarray(g.a.length + g.b.length, g.a.length + g.b.length + cLen), c2 = after.subarray(g.a.length + g.b.length + cLen);
          const i = c1.findIndex((v, j) => !Object.is(v, c2[j]));
          assert.equal(i, -1, `${target} units of ${unitPanels} panels, ${label(g)}: element ${i} ${c1[i]} vs ${c2[i]}`);
          const units = Math.ceil(g.m / (4 * unitPanels));
          assert.equal(schedBytes, 4 * (2 + units), `${target}: schedule bytes`);
        } finally {
          ex.scratch_reset();
        }
      }
    }), fcParams(60));
  });

  it('the WASM binding rejects arrays shorter than the extent it reads', () => {
    for (const [name, k] of wasmPaths) {
      const big = new Float32Array(64);
      assert.throws(() => k.gemm(4, 4, 4, new Float32Array(15), 4, false, big, 4, false, big.slice(), 4, false), /gemm: a has 15 elements, the call reads 16/, name);
      assert.throws(() => k.gemm(4, 4, 4, big, 4, false, new Float32Array(12), 4, true, big.slice(), 4, false), /gemm: b has 12/, name);
      assert.throws(() => k.gemm(4, 4, 4, big, 4, false, big, 4, false, new Float32Array(20), 6, false), /gemm: c has 20 elements, the call reads 22/, name);
    }
  });
});
