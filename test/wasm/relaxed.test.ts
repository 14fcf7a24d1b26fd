// The relaxed-SIMD build ('wasm-relaxed', asconfig "relaxed" / "threads-relaxed"): its gemm
// micro-kernel really is f32x4.relaxed_madd (fused multiply-add), feature detection finds it once the
// V8 flag is set, its results differ from the plain SIMD build only in rounding (one rounding per
// multiply-add instead of two) and are closer to a float64 reference, and the thread pool runs the
// relaxed build bit-identically to one thread.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import * as backend from '../../src/backend.js';
import { Rng } from '../../src/rng.js';
import { Tensor } from '../../src/tensor.js';
import '../../src/ops/index.js'; // the op table
import { loadNodeWasm, packageRoot, registerNodeWasm } from '../../src/node/wasm.js';
import { relaxedSimdSupported } from '../../src/wasm/loader.js';
import { bindWasmKernels } from '../../src/wasm/bindings.js';

const wat = (target: string) => readFileSync(join(packageRoot(), 'build', `kernels.${target}.wat`), 'utf8');

function randomMatrix(rng: Rng, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => rng.random() * 2 - 1);
}

describe('relaxed-SIMD build', () => {
  after(() => {
    backend.setNumThreads(1);
    backend.useBackend('ts');
  });

  it('its gemm micro-kernel uses f32x4.relaxed_madd and no separate f32x4.mul; the SIMD build has none', () => {
    for (const target of ['relaxed', 'threads-relaxed']) {
      const text = wat(target);
      const start = text.indexOf('(func $assembly/kernels/gemm/gemmBlocked '); // the micro-kernel is inlined there
      const body = text.slice(start, text.indexOf('\n (func ', start + 1));
      assert.ok(start >= 0, `${target}: micro-kernel not found`);
      assert.ok((body.match(/f32x4\.relaxed_madd/g) ?? []).length >= 8, `${target}: expected ≥ 8 relaxed_madd`);
      assert.doesNotMatch(body, /f32x4\.mul/, target);
    }
    assert.doesNotMatch(wat('release'), /relaxed/);
  });

  it('loads after feature detection (the V8 flag is set on demand)', () => {
    loadNodeWasm('relaxed');
    assert.equal(relaxedSimdSupported(), true);
  });

  it('gemm: differs from plain SIMD only by rounding, and is at least as close to a float64 reference', () => {
    const rng = new Rng(5), m = 37, n = 29, k = 515;
    const a = randomMatrix(rng, m * k), b = randomMatrix(rng, k * n);
    const run = (target: 'release' | 'relaxed') => {
      const c = new Float32Array(m * n);
      bindWasmKernels(loadNodeWasm(target)).gemm(m, n, k, a, k, false, b, n, false, c, n, false);
      return c;
    };
    const simd = run('release'), relaxed = run('relaxed');
    let errSimd = 0, errRelaxed = 0, differ = 0;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let exact = 0;
        for (let p = 0; p < k; p++) exact += a[i * k + p] * b[p * n + j];
        errSimd += Math.abs(simd[i * n + j] - exact);
        errRelaxed += Math.abs(relaxed[i * n + j] - exact);
        if (simd[i * n + j] !== relaxed[i * n + j]) differ++;
        assert.ok(Math.abs(relaxed[i * n + j] - simd[i * n + j]) < 1e-4, `element ${i},${j}`);
      }
    }
    assert.ok(differ > 0, 'FMA must change some last bits (else the build is not fused)');
    assert.ok(errRelaxed <= errSimd * 1.05, `relaxed error ${errRelaxed} vs simd ${errSimd}`);
  });

  it("the backend 'wasm-relaxed' with 2 threads equals 1 thread bit for bit", () => {
    registerNodeWasm();
    backend.useBackend('wasm-relaxed');
    const rng = new Rng(9);
    const x = Tensor.from(randomMatrix(rng, 96 * 200), [96, 200]), w = Tensor.from(randomMatrix(rng, 200 * 160), [200, 160]);
    backend.setNumThreads(1);
    const one = x.matmul(w).data.slice();
    backend.setNumThreads(2);
    const two = x.matmul(w).data;
    assert.deepEqual(two, one);
  });
});
