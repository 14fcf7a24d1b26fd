// The per-call scratch arena (assembly/scratch.ts) and its TS side (src/wasm/scratch.ts): 16-byte
// alignment, growth (old views detach, new views see the data), reset, kernels releasing their
// temporaries, and overflow reported through abort.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { wasmPath } from '../../src/node/wasm.js';
import { bindWasmKernels } from '../../src/wasm/bindings.js';
import { instantiateKernels } from '../../src/wasm/loader.js';
import { f32View, marshal, operand } from '../../src/wasm/scratch.js';
import { tsKernels } from '../../src/kernels/index.js';

const fresh = (target: 'debug' | 'release' | 'scalar' = 'debug') => instantiateKernels(readFileSync(wasmPath(target)));

describe('scratch arena', () => {
  it('returns 16-byte aligned, disjoint, increasing regions', () => {
    const ex = fresh();
    ex.scratch_reset();
    let prevEnd = 0;
    for (const bytes of [1, 0, 3, 16, 17, 100, 4096, 5]) {
      const p = ex.scratch_alloc(bytes) >>> 0;
      assert.equal(p % 16, 0, `alloc(${bytes}) = ${p}`);
      assert.ok(p >= prevEnd, `alloc(${bytes}) = ${p} overlaps the previous region ending at ${prevEnd}`);
      prevEnd = p + bytes;
    }
  });

  it('reset makes the next allocation start where the first one did', () => {
    const ex = fresh();
    ex.scratch_reset();
    const first = ex.scratch_alloc(40);
    ex.scratch_alloc(1000);
    ex.scratch_reset();
    assert.equal(ex.scratch_alloc(8), first);
  });

  it('grows memory: the old buffer detaches, views made afterwards see the data', () => {
    const ex = fresh();
    ex.scratch_reset();
    const p = ex.scratch_alloc(16);
    const before = ex.memory.buffer;
    f32View(ex, p, 4).set([1, 2, 3, 4]);
    const big = ex.scratch_alloc(before.byteLength + (1 << 20)) >>> 0; // beyond the current memory
    assert.equal(before.byteLength, 0, 'the old ArrayBuffer is detached');
    assert.ok(ex.memory.buffer.byteLength >= big + before.byteLength, 'memory grew to hold the region');
    assert.deepEqual([...f32View(ex, p, 4)], [1, 2, 3, 4]);
    f32View(ex, big, 1)[0] = 7; // the far region is addressable
    assert.equal(f32View(ex, big, 1)[0], 7);
  });

  it('a kernel that grows memory during the call still copies its result out (views rebuilt)', () => {
    const ex = fresh('release');
    const k = bindWasmKernels(ex);
    // Size A so that A, B and C fit in the current memory with 4–16 KB to spare: gemm's packed
    // panels (≈ 33 KB here) then grow memory inside the call, after the copy-in views were made.
    const bytesBefore = ex.memory.buffer.byteLength;
    ex.scratch_reset();
    const base = ex.scratch_alloc(0) >>> 0;
    const n = 9, kk = 3000;
    const m = Math.floor((bytesBefore - base - 4096 - 64 - kk * n * 4) / ((kk + n) * 4));
    const a = Float32Array.from({ length: m * kk }, (_, i) => ((i * 7) % 13) - 6);
    const b = Float32Array.from({ length: kk * n }, (_, i) => ((i * 5) % 11) - 5);
    const c = new Float32Array(m * n), ref = new Float32Array(m * n);
    k.gemm(m, n, kk, a, kk, false, b, n, false, c, n, false);
    tsKernels.gemm(m, n, kk, a, kk, false, b, n, false, ref, n, false);
    assert.ok(ex.memory.buffer.byteLength > bytesBefore, 'memory grew during the call');
    assert.deepEqual(c, ref); // small integers: exact in any order
  });

  it('kernels release their temporaries: the arena top is unchanged by a gemm call', () => {
    const ex = fresh();
    const top = marshal(ex, undefined, [operand(null, 64, 'tmp'), operand(null, 64, 'tmp'), operand(null, 64, 'tmp')], ([pa, pb, pc]) => {
      ex.gemm(8, 8, 8, pa, 8, 0, pb, 8, 1, pc, 8, 0); // packs into scratch above pc
      return ex.scratch_alloc(0);
    });
    ex.scratch_reset();
    const [, , pc] = [ex.scratch_alloc(256), ex.scratch_alloc(256), ex.scratch_alloc(256)];
    assert.equal(top, pc + 256);
  });

  it('scratch_set_base moves the arena into a fixed region that never grows (thread arenas)', () => {
    const ex = fresh();
    ex.scratch_reset();
    const region = ex.scratch_alloc(4096) >>> 0;
    ex.scratch_set_base(region, 4096);
    assert.equal(ex.scratch_alloc(100) >>> 0, region);
    assert.equal(ex.scratch_alloc(16) >>> 0, region + 112);
    ex.scratch_reset();
    assert.equal(ex.scratch_alloc(8) >>> 0, region, 'reset returns to the region start');
    assert.throws(() => ex.scratch_alloc(8192), /worker arena region too small/);
  });

  it('reports an impossible request through abort instead of wrapping around', () => {
    const ex = fresh();
    ex.scratch_reset();
    ex.scratch_alloc(64);
    assert.throws(() => ex.scratch_alloc(0xfffffff0), /wasm abort: scratch_alloc: size overflow/);
  });
});
