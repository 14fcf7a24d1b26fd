// Resident storage (src/wasm/resident.ts, src/backend.ts allocate): arrays inside the shared kernel
// memory that the bindings pass in place. The heap hands out zeroed, aligned, disjoint blocks below
// the scratch arena, survives memory growth, gives blocks back when the GC collects their arrays and
// refuses a non-shared memory; kernels give bit-identical results whether their operands are resident
// or copied; parameters and Adam's state become resident under the pooled backends (not under 'ts'),
// stay resident when the thread count changes, and training is unchanged by it.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Rng } from '../../src/rng.js';
import { Tensor } from '../../src/tensor.js';
import { allocate, isResident, setNumThreads, useBackend } from '../../src/backend.js';
import { loadNodeWasm, packageRoot, registerNodeWasm } from '../../src/node/wasm.js';
import { INITIAL_PAGES, MAXIMUM_PAGES } from '../../src/node/threads.js';
import { bindWasmKernels } from '../../src/wasm/bindings.js';
import { instantiateKernels } from '../../src/wasm/loader.js';
import { ResidentHeap } from '../../src/wasm/resident.js';
import { convSizes, type ConvGeom } from '../../src/kernels/conv.js';
import { Linear } from '../../src/nn/linear.js';
import { Sequential } from '../../src/nn/container.js';
import { LeakyReLU } from '../../src/nn/activation.js';
import { Adam } from '../../src/optim/adam.js';
import { F } from '../../src/ops/index.js';

registerNodeWasm();
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A fresh instance of the threads build on its own shared memory, with its heap. */
function freshHeap(scopedLimit?: number): { heap: ResidentHeap; ex: ReturnType<typeof instantiateKernels> } {
  const memory = new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAXIMUM_PAGES, shared: true });
  const ex = instantiateKernels(readFileSync(join(packageRoot(), 'build', 'kernels.threads.wasm')), memory);
  return { heap: new ResidentHeap(ex, scopedLimit), ex };
}

function randArray(n: number, rng: Rng, into?: Float32Array): Float32Array {
  const a = into ?? new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.random() * 2 - 1;
  return a;
}

/** A resident copy of `src` in `heap`. */
function inHeap(heap: ResidentHeap, src: Float32Array): Float32Array {
  const r = heap.array(src.length);
  r.set(src);
  return r;
}

describe('ResidentHeap', () => {
  it('gives zeroed, 16-byte aligned, disjoint blocks below the scratch arena', () => {
    const { heap, ex } = freshHeap();
    const arrays = [5, 1, 0, 1000, 4].map((n) => heap.array(n));
    const spans = arrays.map((a) => [heap.offsetOf(a), heap.offsetOf(a) + Math.max(16, a.byteLength)] as const);
    for (const [i, a] of arrays.entries()) {
      assert.ok(a.every((v) => v === 0));
      assert.equal(spans[i][0] % 16, 0);
      assert.equal(heap.offsetOf(a), a.byteOffset);
      for (let j = 0; j < i; j++) assert.ok(spans[i][0] >= spans[j][1] || spans[j][0] >= spans[i][1], `blocks ${i} and ${j} overlap`);
    }
    ex.scratch_reset();
    const arena = ex.scratch_alloc(64) >>> 0;
    assert.ok(spans.every(([, end]) => arena >= end), 'the arena starts above every block');
    assert.equal(heap.offsetOf(new Float32Array(8)), -1, 'a plain array is not resident');
    assert.equal(heap.offsetOf(arrays[3].subarray(10)), arrays[3].byteOffset + 40, 'a subarray is resident at its offset');
  });

  it('keeps earlier arrays valid and resident when memory grows', () => {
    const { heap, ex } = freshHeap();
    const small = heap.array(100).fill(3);
    const before = ex.memory.buffer.byteLength;
    const big = heap.array(before / 4); // more than the whole memory had
    assert.ok(ex.memory.buffer.byteLength > before);
    assert.equal(small.length, 100);
    assert.ok(small.every((v) => v === 3));
    assert.ok(heap.offsetOf(small) >= 0 && heap.offsetOf(big) >= 0);
    big[big.length - 1] = 1;
    ex.scratch_reset();
    assert.ok(ex.scratch_alloc(16) >>> 0 >= big.byteOffset + big.byteLength, 'the arena moved above the new block');
  });

  it('gives a block back when the GC collects its array, and reuses it zeroed', async () => {
    const { heap } = freshHeap();
    const keep = heap.array(16);
    const span0 = heap.spanBytes;
    (() => heap.array(1 << 16).fill(7))(); // dropped at once
    assert.equal(heap.liveBytes, 64 + (1 << 18));
    for (let i = 0; i < 50 && heap.liveBytes > 64; i++) {
      gc();
      await sleep(10);
    }
    assert.equal(heap.liveBytes, 64, 'the dropped block was released');
    assert.equal(heap.spanBytes, span0, 'the top block went back to the arena');
    const again = heap.array(1 << 16);
    assert.ok(again.every((v) => v === 0), 'a reused block is zeroed');
    assert.equal(keep.length, 16);
  });

  it('scoped blocks: not zeroed, all freed at the scope end (nested scopes too), and refused past the scoped limit', () => {
    const probe = freshHeap().heap, start = probe.spanBytes + probe.offsetOf(probe.array(0)); // the heap's first byte
    const { heap } = freshHeap(start + 4096);
    const kept = heap.array(4);
    assert.throws(() => heap.scopedArray(4), /no open scope/);
    heap.beginScope();
    const a = heap.scopedArray(256)!;
    assert.ok(heap.offsetOf(a) >= 0);
    a.fill(5);
    heap.beginScope();
    const b = heap.scopedArray(256)!;
    assert.equal(heap.scopedArray(1024), null, 'past the limit: the caller makes a plain array');
    heap.endScope(true);
    assert.ok(b.every(Number.isNaN), 'poisoned on release');
    assert.ok(a.every((v) => v === 5), 'the outer scope is untouched');
    const again = heap.scopedArray(256)!;
    assert.equal(again.byteOffset, b.byteOffset, "the inner scope's block is reused");
    assert.ok(again.every(Number.isNaN), 'as it was left: an op writes its whole result');
    heap.endScope();
    assert.equal(heap.liveBytes, 16, 'only the unscoped block is live');
    assert.equal(kept.length, 4);
    assert.ok(!heap.inScope);
  });

  it('releaseScopedArray frees a whole block of the innermost scope early (poisoned, reused); anything else is refused', () => {
    const { heap } = freshHeap();
    const kept = heap.array(64);
    heap.beginScope();
    const outer = heap.scopedArray(64)!;
    heap.beginScope();
    const a = heap.scopedArray(100)!, b = heap.scopedArray(64)!.fill(2);
    for (const [arr, what] of [[kept, 'a GC-managed block'], [new Float32Array(100), 'a plain array'], [a.subarray(4), 'a subarray'],
      [a.subarray(0, 50), 'a prefix'], [a.subarray(0, 99), 'a prefix in the same 16-byte block'], [outer, "an outer scope's block"]] as const) assert.equal(heap.releaseScopedArray(arr), false, what);
    const live = heap.liveBytes;
    assert.equal(heap.releaseScopedArray(a, true), true);
    assert.ok(a.every(Number.isNaN), 'poisoned on release');
    assert.equal(heap.liveBytes, live - 400);
    assert.equal(heap.releaseScopedArray(a), false, 'not twice');
    assert.equal(heap.scopedArray(80)!.byteOffset, a.byteOffset, 'its block is reused');
    heap.endScope();
    assert.ok(b.length === 64 && heap.liveBytes === 256 + 256, 'the scope end frees the rest once (the early block is not freed again)');
    heap.endScope();
    assert.equal(heap.liveBytes, 256);
  });

  it('refuses a non-shared memory (growth would detach its arrays)', () => {
    assert.throws(() => new ResidentHeap(loadNodeWasm('release')), /needs a shared WebAssembly.Memory/);
  });
});

describe('kernels on resident operands', () => {
  const { heap, ex } = freshHeap();
  const heapKernels = bindWasmKernels(ex, undefined, heap);
  const copied = bindWasmKernels(loadNodeWasm('release'));

  it('gemm: resident A, B, C (any subset, row gaps, accumulate) = copied, bit for bit', () => {
    const rng = new Rng(5);
    for (let t = 0; t < 40; t++) {
      const m = 1 + Math.floor(rng.random() * 40), n = 1 + Math.floor(rng.random() * 40), k = 1 + Math.floor(rng.random() * 40);
      const transA = rng.random() < 0.5, transB = rng.random() < 0.5, accumulate = rng.random() < 0.3, pad = rng.random() < 0.3 ? 3 : 0;
      const lda = (transA ? m : k) + pad, ldb = (transB ? k : n) + pad, ldc = n + pad;
      const a = randArray((transA ? k : m) * lda, rng), b = randArray((transB ? n : k) * ldb, rng), c0 = randArray(m * ldc, rng);
      const mask = Math.floor(rng.random() * 8);
      const ra = mask & 1 ? inHeap(heap, a) : a, rb = mask & 2 ? inHeap(heap, b) : b, rc = mask & 4 ? inHeap(heap, c0) : c0.slice();
      const ref = c0.slice();
      copied.gemm(m, n, k, a, lda, transA, b, ldb, transB, ref, ldc, accumulate);
      heapKernels.gemm(m, n, k, ra, lda, transA, rb, ldb, transB, rc, ldc, accumulate);
      assert.deepEqual(rc, ref, `gemm ${m}x${n}x${k} ${transA ? 'T' : 'N'}${transB ? 'T' : 'N'} acc ${accumulate} pad ${pad} resident mask ${mask}`);
      assert.deepEqual(ra, a, 'A is only read');
    }
  });

  it('conv (forward and both gradients) and adam: resident operands = copied, bit for bit', () => {
    const rng = new Rng(6);
    const g: ConvGeom = { n: 2, cin: 3, h: 9, w: 7, cout: 5, ho: 9, wo: 7, groups: 1, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1 };
    const sz = convSizes(g);
    const x = randArray(sz.x, rng), w = randArray(sz.w, rng), dy = randArray(sz.y, rng);
    const cases: [Parameters<typeof copied.conv>[0], Float32Array, Float32Array, number][] = [['forward', x, w, sz.y], ['input', dy, w, sz.x], ['weight', x, dy, sz.w]];
    for (const [kind, a, b, outLen] of cases) {
      const ref = new Float32Array(outLen), out = heap.array(outLen).fill(9); // stale values must not leak into the result
      copied.conv(kind, a, b, g, ref);
      heapKernels.conv(kind, inHeap(heap, a), b, g, out);
      assert.deepEqual(out, ref, `conv ${kind}`);
    }
    const n = 1003, p = randArray(n, rng), grad = randArray(n, rng), m = randArray(n, rng), v = randArray(n, rng).map(Math.abs);
    const [p1, m1, v1] = [p.slice(), m.slice(), v.slice()];
    const [p2, m2, v2] = [inHeap(heap, p), inHeap(heap, m), inHeap(heap, v)];
    const args = [0.9, 0.1, 0.999, 0.001, -1e-3, 0.03, 1e-8, 0.01] as const;
    copied.adam(p1, grad, m1, v1, null, n, ...args);
    heapKernels.adam(p2, grad, m2, v2, null, n, ...args);
    assert.deepEqual([p2, m2, v2], [p1, m1, v1]);
  });
});

describe('resident parameters and optimizer state', () => {
  after(() => {
    setNumThreads(1);
    useBackend('ts');
  });

  /** A small MLP and Adam trained `steps` steps on fixed data under the active backend; returns the weights. */
  function train(model: Sequential, steps: number): Float32Array[] {
    const rng = new Rng(11);
    const x = Tensor.randn([16, 12], { rng }), y = Tensor.randn([16, 3], { rng });
    const opt = new Adam(model.parameters(), { lr: 1e-2 });
    for (let i = 0; i < steps; i++) {
      opt.zeroGrad();
      F.mean(F.mul(F.sub(model.call(x), y), F.sub(model.call(x), y))).backward();
      opt.step();
    }
    for (const s of opt.state.values()) assert.ok(isResident(s.exp_avg as Float32Array) && isResident(s.exp_avg_sq as Float32Array), "Adam's state is resident");
    return model.parameters().map((p) => p.data.slice());
  }
  const mlp = () => new Sequential(new Linear(12, 32, { rng: new Rng(3) }), new LeakyReLU(0.2), new Linear(32, 3, { rng: new Rng(4) }));

  it("live in the pool's memory under 'wasm' (any thread count), not under 'ts'", () => {
    useBackend('ts');
    const plain = mlp();
    assert.ok(plain.parameters().every((p) => !(p.data.buffer instanceof SharedArrayBuffer)));
    assert.ok(!(allocate(4).buffer instanceof SharedArrayBuffer));
    useBackend('wasm');
    setNumThreads(1);
    const model = mlp();
    assert.ok(model.parameters().every((p) => isResident(p.data)), 'resident at 1 thread');
    assert.ok(isResident(allocate(4)));
    assert.ok(!isResident(plain.parameters()[0].data));
    setNumThreads(2);
    assert.ok(model.parameters().every((p) => isResident(p.data)), 'still resident after the pool changed');
  });

  it('train exactly like plain arrays (2 threads, Adam on resident state)', () => {
    useBackend('ts');
    const plainModel = mlp(); // parameters made under 'ts': plain arrays
    useBackend('wasm');
    setNumThreads(2);
    const residentModel = mlp();
    assert.ok(!isResident(plainModel.parameters()[0].data) && isResident(residentModel.parameters()[0].data));
    const a = train(plainModel, 5), b = train(residentModel, 5);
    assert.deepEqual(b, a);
    assert.notDeepEqual(a[0], mlp().parameters()[0].data, 'training changed the weights');
  });
});
