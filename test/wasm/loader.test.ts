// Loading and registration: the SIMD probe, target choice, the export check, and the Node adapter
// registering 'wasm', 'wasm-simd', 'wasm-scalar' and 'wasm-debug' with src/backend.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { availableBackends, backendName, kernels, useBackend, type BackendName } from '../../src/backend.js';
import { registerNodeWasm } from '../../src/node/wasm.js';
import { checkExports, WASM_FUNCTIONS } from '../../src/wasm/exports.js';
import { pickTarget, simdSupported } from '../../src/wasm/loader.js';

describe('wasm loader', () => {
  it('detects SIMD (Node 20 has it) and picks the release build for auto', () => {
    assert.equal(simdSupported(), true);
    assert.equal(pickTarget('auto'), 'release');
    assert.equal(pickTarget('simd'), 'release');
    assert.equal(pickTarget('scalar'), 'scalar');
  });

  it('checkExports names a missing export and an arity mismatch', () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const fns = Object.fromEntries(Object.entries(WASM_FUNCTIONS).map(([name, arity]) =>
      [name, new Function(...Array.from({ length: arity }, (_, i) => `a${i}`), '')]));
    assert.doesNotThrow(() => checkExports({ memory, ...fns } as WebAssembly.Exports));
    const { gemm: _, ...noGemm } = fns;
    assert.throws(() => checkExports({ memory, ...noGemm } as WebAssembly.Exports), /export 'gemm' is missing/);
    assert.throws(() => checkExports({ memory, ...fns, im2col: () => {} } as WebAssembly.Exports), /'im2col' takes 0 parameters, expected 16/);
    assert.throws(() => checkExports({ ...fns } as WebAssembly.Exports), /does not export its memory/);
  });

  it('registerNodeWasm makes every wasm backend usable through kernels()', () => {
    registerNodeWasm();
    const names: BackendName[] = ['wasm', 'wasm-simd', 'wasm-scalar', 'wasm-debug'];
    for (const name of names) assert.ok(availableBackends().includes(name), name);
    try {
      for (const name of names) {
        useBackend(name);
        assert.equal(backendName(), name);
        const c = new Float32Array(4);
        kernels().gemm(2, 2, 2, Float32Array.of(1, 2, 3, 4), 2, false, Float32Array.of(5, 6, 7, 8), 2, false, c, 2, false);
        assert.deepEqual([...c], [19, 22, 43, 50], name);
      }
    } finally {
      useBackend('ts');
    }
  });
});
