// The thread pool (src/node/threads.ts, src/wasm/parallel.ts): 2 threads give bit-identical results to
// 1 thread — gemm in every variant on random shapes (also with the workers computing every chunk),
// im2col/col2im, the conv-level and depthwise entries, conv2d forward + backward and a whole GAN
// training step — small calls stay on the caller, worker faults surface as errors, and a process
// using a pool exits promptly.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Rng } from '../../src/rng.js';
import { Tensor } from '../../src/tensor.js';
import { F } from '../../src/ops/index.js';
import { getNumThreads, setNumThreads, useBackend, kernels } from '../../src/backend.js';
import { loadNodeWasm, registerNodeWasm } from '../../src/node/wasm.js';
import { createNodeThreadPool, type NodeThreadPool } from '../../src/node/threads.js';
import { bindWasmKernels } from '../../src/wasm/bindings.js';
import { chunkRange, PARALLEL_MIN_FLOPS } from '../../src/wasm/parallel.js';
import { convSizes, type ConvGeom } from '../../src/kernels/conv.js';
import { GanTrainer, ganConfig } from '../../src/gan/train.js';

registerNodeWasm();
const one = bindWasmKernels(loadNodeWasm('release'));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits (event loop free) until every worker of the pool has started. */
async function ready(pool: NodeThreadPool): Promise<void> {
  const t0 = Date.now();
  while (pool.parallel.workersReady < pool.threads - 1) {
    if (Date.now() - t0 > 60_000) throw new Error('thread pool workers did not start within 60 s');
    await sleep(20);
  }
}

function randArray(n: number, rng: Rng): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.random() * 2 - 1;
  return a;
}

function firstDifference(x: Float32Array, y: Float32Array): number {
  assert.equal(x.length, y.length);
  for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return i;
  return -1;
}

interface GemmCase { m: number; n: number; k: number; transA: boolean; transB: boolean; accumulate: boolean; pad: number }

/** One gemm case on both kernel sets; C starts from the same random values (accumulate, row gaps). */
function compareGemm(pooled: ReturnType<typeof bindWasmKernels>, g: GemmCase, rng: Rng): void {
  const { m, n, k, transA, transB, accumulate, pad } = g;
  const lda = (transA ? m : k) + pad, ldb = (transB ? k : n) + pad, ldc = n + pad;
  const a = randArray((transA ? k : m) * lda, rng), b = randArray((transB ? n : k) * ldb, rng);
  const c0 = randArray(m * ldc, rng);
  const c1 = c0.slice(), c2 = c0.slice();
  one.gemm(m, n, k, a, lda, transA, b, ldb, transB, c1, ldc, accumulate);
  pooled.gemm(m, n, k, a, lda, transA, b, ldb, transB, c2, ldc, accumulate);
  const i = firstDifference(c1, c2);
  assert.equal(i, -1, `gemm ${JSON.stringify(g)}: element ${i} differs: ${c1[i]} (1 thread) vs ${c2[i]} (2 threads)`);
}

describe('thread pool', () => {
  let pool: NodeThreadPool;
  before(async () => {
    pool = createNodeThreadPool(2);
    await ready(pool);
  });
  after(() => pool.close());

  it('chunkRange covers [0, total) with unit-aligned, disjoint pieces', () => {
    for (const [total, unit, chunks] of [[100, 8, 4], [7, 8, 2], [1024, 4, 4], [13, 1, 5], [40, 8, 8]]) {
      let prev = 0;
      for (let i = 0; i < chunks; i++) {
        const [lo, hi] = chunkRange(i, chunks, unit, total);
        assert.equal(lo, prev, `chunk ${i} of ${total}/${unit}/${chunks}`);
        assert.ok(hi >= lo && (lo % unit === 0 || lo === total));
        prev = hi;
      }
      assert.equal(prev, total);
    }
  });

  it('gemm: every variant, random shapes, accumulate and row gaps: bit-identical to 1 thread', () => {
    const rng = new Rng(7);
    const jobs0 = pool.parallel.jobs;
    const cases: GemmCase[] = [];
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        for (let r = 0; r < 4; r++) {
          // big enough to split; m or n ragged against the 4×8 tile; short-wide (column split) and tall (row split)
          const wide = r % 2 === 0;
          const m = wide ? 5 + Math.floor(rng.random() * 60) : 60 + Math.floor(rng.random() * 200);
          const n = wide ? 150 + Math.floor(rng.random() * 300) : 17 + Math.floor(rng.random() * 100);
          const k = Math.ceil(PARALLEL_MIN_FLOPS / (2 * m * n)) + Math.floor(rng.random() * 300);
          cases.push({ m, n, k, transA, transB, accumulate: r >= 2, pad: r === 3 ? 3 : 0 });
        }
      }
    }
    cases.push({ m: 300, n: 300, k: 600, transA: false, transB: false, accumulate: false, pad: 0 }); // 2 K slices of gemm
    for (const g of cases) compareGemm(pool.kernels, g, rng);
    assert.equal(pool.parallel.jobs - jobs0, cases.length, 'every case went through the pool');
  });

  it('gemm: the workers alone compute every chunk, still bit-identical (separate arenas)', () => {
    const rng = new Rng(8);
    const helped0 = pool.parallel.workerChunks;
    const cpt = pool.parallel.chunksPerThread;
    pool.parallel.callerWorks = false;
    pool.parallel.chunksPerThread = 3; // 6 chunks per column split; a row split is one gemm_shared per thread
    try {
      for (const [m, n, k, tA, tB] of [[64, 784, 1024, false, true], [1024, 300, 64, true, false], [200, 200, 200, true, true], [37, 515, 260, false, false]] as const) {
        compareGemm(pool.kernels, { m, n, k, transA: tA, transB: tB, accumulate: false, pad: 0 }, rng);
      }
    } finally {
      pool.parallel.callerWorks = true;
      pool.parallel.chunksPerThread = cpt;
    }
    // 64×784 and 37×515 are short and wide (6 column chunks), the other two split by rows (2 gemm_shared:
    // the worker's first takes every ticket, its second finds none left)
    assert.equal(pool.parallel.workerChunks - helped0, 2 * 6 + 2 * 2, 'the worker ran every chunk');
  });

  it('small calls run on the caller alone (no job posted) and agree too', () => {
    const rng = new Rng(9);
    const jobs0 = pool.parallel.jobs;
    compareGemm(pool.kernels, { m: 20, n: 30, k: 40, transA: false, transB: true, accumulate: false, pad: 0 }, rng);
    compareGemm(pool.kernels, { m: 1000, n: 3, k: 3, transA: false, transB: false, accumulate: true, pad: 1 }, rng);
    assert.equal(pool.parallel.jobs, jobs0);
  });

  it('im2col / col2im split by channel: bit-identical', () => {
    const rng = new Rng(10);
    const [c, h, w, kh, kw, s, p, d] = [24, 40, 36, 3, 3, 1, 1, 1];
    const ho = h, wo = w;
    const x = randArray(c * h * w, rng);
    const cols1 = new Float32Array(c * kh * kw * ho * wo), cols2 = cols1.slice();
    const jobs0 = pool.parallel.jobs;
    one.im2col(x, c, h, w, kh, kw, s, s, p, p, d, d, 0, ho, wo, cols1);
    pool.kernels.im2col(x, c, h, w, kh, kw, s, s, p, p, d, d, 0, ho, wo, cols2);
    assert.equal(firstDifference(cols1, cols2), -1, 'im2col');
    const y = randArray(cols1.length, rng), x0 = randArray(x.length, rng);
    const x1 = x0.slice(), x2 = x0.slice();
    one.col2im(y, c, h, w, kh, kw, s, s, p, p, d, d, 0, ho, wo, x1);
    pool.kernels.col2im(y, c, h, w, kh, kw, s, s, p, p, d, d, 0, ho, wo, x2);
    assert.equal(firstDifference(x1, x2), -1, 'col2im');
    assert.equal(pool.parallel.jobs - jobs0, 2);
  });

  it('conv and depthwise entries (operands copied in once, bands / channel ranges split): bit-identical, also with the workers alone', () => {
    const rng = new Rng(12);
    // each geometry with the entries that must go through the pool (the others run on the caller alone)
    const ALL = ['forward', 'input', 'weight'] as const;
    const geoms: [ConvGeom, readonly string[]][] = [
      // 2 images, 2 groups, several gemm/im2col splits per band
      [{ n: 2, cin: 64, h: 60, w: 56, cout: 64, ho: 30, wo: 28, groups: 2, kh: 3, kw: 3, sh: 2, sw: 2, ph: 1, pw: 1, dh: 1, dw: 1 }, ALL],
      // small outputs: bands of 11 images (DCGAN 14→7), the last one partial
      [{ n: 19, cin: 32, h: 14, w: 14, cout: 64, ho: 7, wo: 7, groups: 1, kh: 4, kw: 4, sh: 2, sw: 2, ph: 1, pw: 1, dh: 1, dw: 1 }, ALL],
      // dense (kernel = the image, 1×1 output; DCGAN's first G layer as a conv): gradients split by channel
      [{ n: 32, cin: 64, h: 7, w: 7, cout: 48, ho: 1, wo: 1, groups: 1, kh: 7, kw: 7, sh: 1, sw: 1, ph: 0, pw: 0, dh: 1, dw: 1 }, ALL],
      // pointwise 1×1: forward shared by image, the gradients' gemm split inside
      [{ n: 2, cin: 64, h: 32, w: 40, cout: 96, ho: 32, wo: 40, groups: 1, kh: 1, kw: 1, sh: 1, sw: 1, ph: 0, pw: 0, dh: 1, dw: 1 }, ALL],
      // stride 1, Wo % 8 = 0, K ≥ 64: the forward packs its columns straight from x and its weight once
      // per share (repacked when the group changes); the input gradient packs Wᵀ once per share
      [{ n: 1, cin: 16, h: 70, w: 48, cout: 24, ho: 70, wo: 48, groups: 2, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1 }, ALL],
      // a weight packed once that outgrows the workers' base arena (232 × 1152 pre-splatted: 4.3 MB);
      // 10 bands in 8 chunks, so some share has two
      [{ n: 1, cin: 128, h: 120, w: 40, cout: 232, ho: 120, wo: 40, groups: 1, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1 }, ALL],
      // 3 output channels, 9×9 (a style network's last layer): the forward's taps straight from padded rows
      [{ n: 1, cin: 32, h: 64, w: 60, cout: 3, ho: 64, wo: 60, groups: 1, kh: 9, kw: 9, sh: 1, sw: 1, ph: 4, pw: 4, dh: 1, dw: 1 }, ALL],
      // gradients with too few input channels to share: dW split by output channels, dx by x rows (a
      // band's output rows recomputed at each share's edges). The first-layer dWᵀ path (3→64 3×3, one
      // band), the direct transposed packing (3→32 9×9, 5 bands), the plain product (2→32 4×4 s2)
      [{ n: 1, cin: 3, h: 64, w: 64, cout: 64, ho: 64, wo: 64, groups: 1, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1 }, ['input', 'weight']],
      [{ n: 1, cin: 3, h: 48, w: 48, cout: 32, ho: 48, wo: 48, groups: 1, kh: 9, kw: 9, sh: 1, sw: 1, ph: 4, pw: 4, dh: 1, dw: 1 }, ['input', 'weight']],
      [{ n: 1, cin: 2, h: 128, w: 128, cout: 32, ho: 64, wo: 64, groups: 1, kh: 4, kw: 4, sh: 2, sw: 2, ph: 1, pw: 1, dh: 1, dw: 1 }, ['input', 'weight']],
      // dx by rows across 2 images of 4 bands each, stride 2 and dilation 2 in y (a share's rows start
      // mid-band and mid-image); padding past the kernel's reach (output rows that reach no x row);
      // 2 groups of 3 channels (dW then runs on the caller alone)
      [{ n: 2, cin: 3, h: 150, w: 140, cout: 16, ho: 74, wo: 70, groups: 1, kh: 5, kw: 5, sh: 2, sw: 2, ph: 3, pw: 2, dh: 2, dw: 1 }, ALL],
      [{ n: 1, cin: 3, h: 90, w: 64, cout: 32, ho: 94, wo: 64, groups: 1, kh: 3, kw: 3, sh: 1, sw: 1, ph: 3, pw: 1, dh: 1, dw: 1 }, ALL],
      [{ n: 1, cin: 6, h: 96, w: 96, cout: 32, ho: 96, wo: 96, groups: 2, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1 }, ['forward', 'input']],
      // a weight gradient split by input channels whose share has fewer taps (4·4) than output channels
      // (24) while the whole group has more (8·4): gemmDots' choice must not follow the share
      [{ n: 1, cin: 8, h: 160, w: 160, cout: 24, ho: 80, wo: 80, groups: 1, kh: 2, kw: 2, sh: 2, sw: 2, ph: 0, pw: 0, dh: 1, dw: 1 }, ALL],
      // a pointwise conv from 3 channels: dx by rows straight from gemm (no col2im)
      [{ n: 1, cin: 3, h: 128, w: 120, cout: 64, ho: 128, wo: 120, groups: 1, kh: 1, kw: 1, sh: 1, sw: 1, ph: 0, pw: 0, dh: 1, dw: 1 }, ['input']],
      // dx by images (bands of 20 images: DCGAN's first D layer on MNIST, its ∂x being G's gradient)
      [{ n: 45, cin: 1, h: 28, w: 28, cout: 64, ho: 14, wo: 14, groups: 1, kh: 4, kw: 4, sh: 2, sw: 2, ph: 1, pw: 1, dh: 1, dw: 1 }, ['forward', 'input']],
      // a 1×1 stride-2 weight gradient with fewer taps per thread (512) than output channels (2048)
      // over a short band (16 columns: gemm, not gemmDots); one band of output rows: the gradients only
      [{ n: 1, cin: 1024, h: 8, w: 8, cout: 2048, ho: 4, wo: 4, groups: 1, kh: 1, kw: 1, sh: 2, sw: 2, ph: 0, pw: 0, dh: 1, dw: 1 }, ['input', 'weight']],
      // forwards with fewer bands than two per thread, split by output channels (44 and 36: a last
      // share of 4 channels; 2 bands, direct columns; 1 band, stride 2 through im2col; pointwise)
      [{ n: 1, cin: 64, h: 24, w: 24, cout: 44, ho: 24, wo: 24, groups: 1, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1 }, ALL],
      [{ n: 1, cin: 128, h: 32, w: 30, cout: 36, ho: 16, wo: 15, groups: 1, kh: 3, kw: 3, sh: 2, sw: 2, ph: 1, pw: 1, dh: 1, dw: 1 }, ALL],
      [{ n: 1, cin: 256, h: 24, w: 24, cout: 48, ho: 24, wo: 24, groups: 1, kh: 1, kw: 1, sh: 1, sw: 1, ph: 0, pw: 0, dh: 1, dw: 1 }, ['forward']],
      // depthwise, multiplier 2, stride 1 (gather adjoint) and stride 2 (scatter adjoint)
      [{ n: 2, cin: 24, h: 64, w: 66, cout: 48, ho: 64, wo: 66, groups: 24, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1 }, ALL],
      [{ n: 1, cin: 64, h: 160, w: 121, cout: 64, ho: 80, wo: 61, groups: 64, kh: 3, kw: 3, sh: 2, sw: 2, ph: 1, pw: 1, dh: 1, dw: 1 }, ALL],
    ];
    const skipped: string[] = [];
    for (const callerWorks of [true, false]) {
      pool.parallel.callerWorks = callerWorks;
      try {
        for (const [g, pooledEntries] of geoms) {
          const kind = g.groups > 1 && g.groups === g.cin ? 'depthwise' : 'conv';
          const s = convSizes(g);
          const x = randArray(s.x, rng), w = randArray(s.w, rng), y = randArray(s.y, rng);
          // conv's forward with its bias (added per band inside the units), depthwise's without
          const bias = kind === 'conv' ? randArray(g.cout, rng) : null;
          for (const [entry, a, b, len] of [['forward', x, w, s.y], ['input', y, w, s.x], ['weight', x, y, s.w]] as const) {
            const o1 = new Float32Array(len), o2 = new Float32Array(len), bs = entry === 'forward' ? bias : null;
            one[kind](entry, a, b, g, o1, bs);
            const jobs0 = pool.parallel.jobs;
            pool.kernels[kind](entry, a, b, g, o2, bs);
            if (pooledEntries.includes(entry) && pool.parallel.jobs === jobs0) skipped.push(`${kind} ${entry} ${JSON.stringify(g)}`);
            const i = firstDifference(o1, o2);
            assert.equal(i, -1, `${kind} ${entry} ${JSON.stringify(g)} (caller works: ${callerWorks}): element ${i}: ${o1[i]} vs ${o2[i]}`);
          }
        }
      } finally {
        pool.parallel.callerWorks = true;
      }
    }
    assert.deepEqual(skipped, [], 'every entry went through the pool');
  });

  it('adam split by element ranges (odd length, amsgrad, weight decay): bit-identical, also with the workers alone', () => {
    const rng = new Rng(9), n = 300_001; // above the split threshold, not a multiple of 4
    const p = randArray(n, rng), g = randArray(n, rng), m = randArray(n, rng);
    const v = randArray(n, rng).map(Math.abs), vmax = randArray(n, rng).map(Math.abs);
    const args = [0.9, 0.1, 0.999, 0.001, -1e-3, 0.03, 1e-8, 0.01] as const;
    const ref = [p, m, v, vmax].map((a) => a.slice());
    one.adam(ref[0], g, ref[1], ref[2], ref[3], n, ...args);
    for (const callerWorks of [true, false]) {
      pool.parallel.callerWorks = callerWorks;
      try {
        const jobs0 = pool.parallel.jobs;
        const got = [p, m, v, vmax].map((a) => a.slice());
        pool.kernels.adam(got[0], g, got[1], got[2], got[3], n, ...args);
        assert.equal(pool.parallel.jobs, jobs0 + 1, 'the update went through the pool');
        got.forEach((a, i) => assert.equal(firstDifference(a, ref[i]), -1, `adam array ${i} (caller works: ${callerWorks})`));
      } finally {
        pool.parallel.callerWorks = true;
      }
    }
  });

  it('two-chunk jobs split by the threads\' speeds: each thread its own part, results bit-identical', () => {
    const rng = new Rng(13);
    const geom: ConvGeom = { n: 1, cin: 64, h: 40, w: 40, cout: 64, ho: 40, wo: 40, groups: 1, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1 };
    const s = convSizes(geom);
    const x = randArray(s.x, rng), dy = randArray(s.y, rng), wt = randArray(s.w, rng);
    const a = randArray(64 * 1024, rng), b = randArray(784 * 1024, rng);
    // a column-split gemm (784 columns in units of 8), weight and input gradients split by input channel (64 units of 1)
    const calls: [string, number, number, (k: ReturnType<typeof bindWasmKernels>) => Float32Array][] = [
      ['gemm 64×784×1024 NT', 8, 784, (k) => {
        const c = new Float32Array(64 * 784);
        k.gemm(64, 784, 1024, a, 1024, false, b, 1024, true, c, 784, false);
        return c;
      }],
      ['conv weight gradient', 1, 64, (k) => {
        const dw = new Float32Array(s.w);
        k.conv('weight', x, dy, geom, dw, null);
        return dw;
      }],
      ['conv input gradient', 1, 64, (k) => {
        const dx = new Float32Array(s.x);
        k.conv('input', dy, wt, geom, dx, null);
        return dx;
      }],
    ];
    const par = pool.parallel;
    let ownParts = 0; // split jobs in which caller and worker each ran their own part
    try {
      for (const [name, unit, total, call] of calls) {
        const ref = call(one), units = Math.ceil(total / unit);
        // worker 3× slower, 3× faster, and 1.1× (under the threshold: equal halves)
        for (const [speed, callerUnits] of [[1 / 3, Math.round(units / (1 + 1 / 3))], [3, Math.round(units / 4)], [1.1, 0]] as const) {
          for (const callerWorks of [true, false]) {
            par.callerWorks = callerWorks;
            par.setWorkerSpeed(speed);
            const jobs0 = par.jobs;
            const got = call(pool.kernels);
            assert.equal(par.jobs, jobs0 + 1, `${name}: one job`);
            const i = firstDifference(ref, got);
            assert.equal(i, -1, `${name}, worker speed ${speed} (caller works: ${callerWorks}): element ${i}: ${ref[i]} vs ${got[i]}`);
            const [mine, theirs] = par.lastShares();
            assert.equal(mine + theirs, total, `${name}: every element once`);
            const workerPart = callerUnits === 0 ? total - chunkRange(1, 2, unit, total)[0] : total - callerUnits * unit;
            // the worker runs its own part, or both when it takes the first before the caller does
            // (or works alone), or none when it wakes too late
            if (callerWorks) assert.ok([0, workerPart, total].includes(theirs), `${name}, worker speed ${speed}: the worker ran ${theirs} of ${total}`);
            else assert.equal(theirs, total);
            if (callerWorks && callerUnits > 0 && theirs === workerPart) ownParts++;
          }
        }
      }
    } finally {
      par.callerWorks = true;
      par.setWorkerSpeed(1);
    }
    assert.ok(ownParts > 0, 'no split job had the two parts run by the two threads');
  });

  it('a trap in a worker surfaces as an error on the caller, and the pool keeps working', () => {
    pool.parallel.callerWorks = false;
    try {
      // op(A) at an offset beyond the memory: the worker's instance traps while packing it
      assert.throws(() => pool.parallel.gemm(300, 300, 300, 0x7ffffff0, 300, 0, 0, 300, 0, 0, 300, 0, 1 << 20), /out of bounds/);
    } finally {
      pool.parallel.callerWorks = true;
    }
    const ones = new Float32Array(300 * 300).fill(1), c = new Float32Array(300 * 300);
    pool.kernels.gemm(300, 300, 300, ones, 300, false, ones, 300, false, c, 300, false);
    assert.equal(c[12345], 300);
  });
});

describe('thread pool of 3', () => {
  it('two workers computing at once keep to their own arenas: bit-identical', async () => {
    const pool = createNodeThreadPool(3);
    try {
      await ready(pool);
      const rng = new Rng(11);
      pool.parallel.callerWorks = false;
      pool.parallel.chunksPerThread = 8; // 24 chunks per column split; by rows, the two workers share gemm_shared's tickets
      const helped0 = pool.parallel.workerChunks;
      const shapes = [[300, 280, 200, false, false], [48, 900, 300, true, true], [500, 64, 128, false, true], [400, 400, 300, true, false]] as const;
      for (let r = 0; r < 3; r++) {
        for (const [m, n, k, tA, tB] of shapes) compareGemm(pool.kernels, { m, n, k, transA: tA, transB: tB, accumulate: true, pad: 1 }, rng);
      }
      assert.equal(pool.parallel.workerChunks - helped0, 3 * (24 + 3 * 3)); // 48×900 by columns, the rest by rows (3 gemm_shared each)
    } finally {
      pool.close();
    }
  });
});

describe('setNumThreads', () => {
  after(() => {
    setNumThreads(1);
    useBackend('ts');
  });

  it('rejects bad counts, reports the setting, and 0 means the core count', () => {
    assert.throws(() => setNumThreads(-1), /setNumThreads: expected an integer/);
    assert.throws(() => setNumThreads(1.5), /setNumThreads: expected an integer/);
    setNumThreads(1);
    assert.equal(getNumThreads(), 1);
    useBackend('ts');
    setNumThreads(0); // 'ts' makes no pool
    assert.ok(getNumThreads() >= 1);
    setNumThreads(1);
  });

  it('conv2d forward + backward and a GAN training step: 2 threads = 1 thread, bit for bit', async () => {
    useBackend('wasm');
    const convRun = () => {
      const rng = new Rng(3);
      const x = Tensor.randn([2, 24, 30, 34], { rng, requiresGrad: true });
      const w = Tensor.randn([32, 24, 3, 3], { rng, requiresGrad: true });
      const b = Tensor.randn([32], { rng, requiresGrad: true });
      const y = F.conv2d(x, w, b, { padding: 1, stride: 1 });
      F.mul(y, y).sum().backward();
      return [y.data, x.grad!.data, w.grad!.data, b.grad!.data];
    };
    const ganRun = () => {
      const rng = new Rng(4), count = 128;
      const images = new Float32Array(count * 784);
      for (let i = 0; i < images.length; i++) images[i] = rng.random();
      const t = new GanTrainer(ganConfig({ model: 'mlp', batchSize: 64, seed: 5 }), { images, count, shape: [1, 28, 28] });
      t.trainStep();
      t.trainStep();
      return [...t.G.parameters(), ...t.D.parameters()].map((p) => p.data);
    };
    setNumThreads(1);
    const plain = kernels();
    const conv1 = convRun(), gan1 = ganRun();
    setNumThreads(2);
    assert.equal(getNumThreads(), 2);
    assert.notEqual(kernels(), plain, 'the 2-thread pool computes');
    const conv2 = convRun(), gan2 = ganRun();
    conv1.forEach((a, i) => assert.equal(firstDifference(a, conv2[i]), -1, `conv2d output/grad ${i}`));
    assert.equal(gan1.length, gan2.length);
    gan1.forEach((a, i) => assert.equal(firstDifference(a, gan2[i]), -1, `GAN parameter ${i} after 2 steps`));
    setNumThreads(1);
    assert.notEqual(kernels(), plain, 'a new 1-thread pool (no workers) over the same memory');
    const conv3 = convRun();
    conv1.forEach((a, i) => assert.equal(firstDifference(a, conv3[i]), -1, `conv2d output/grad ${i}, back at 1 thread`));
  });
});

describe('pool shutdown', () => {
  it('a process that ran a 2-thread gemm exits promptly on its own', () => {
    const here = fileURLToPath(import.meta.url);
    const fromSource = here.endsWith('.ts');
    const mod = (p: string) => new URL(`../../src/${p}${fromSource ? '.ts' : '.js'}`, import.meta.url).href;
    const script = `
      import { registerNodeWasm } from ${JSON.stringify(mod('node/wasm'))};
      import { setNumThreads, useBackend, kernels } from ${JSON.stringify(mod('backend'))};
      registerNodeWasm(); useBackend('wasm'); setNumThreads(2);
      const a = new Float32Array(256 * 256).fill(1), c = new Float32Array(256 * 256);
      kernels().gemm(256, 256, 256, a, 256, false, a, 256, false, c, 256, false);
      console.log('done', c[0]);`;
    const t0 = Date.now();
    const r = spawnSync(process.execPath, [...(fromSource ? ['--import', 'tsx'] : []), '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    const seconds = (Date.now() - t0) / 1000;
    assert.equal(r.status, 0, `exit ${r.status} signal ${r.signal}: ${r.stderr}`);
    assert.match(r.stdout, /done 256/);
    assert.ok(seconds < 30, `took ${seconds} s`);
  });
});
