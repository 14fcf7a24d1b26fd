// forEachBackend: runs a suite under each kernel backend ('ts' reference, 'wasm' SIMD), the
// tfjs describeWithFlags idea without exclusion lists: every op passes on both or is not listed.
import { after, before, describe } from 'node:test';
import { useBackend, type BackendName } from '../../src/backend.js';
import { registerNodeWasm } from '../../src/node/wasm.js';

registerNodeWasm();

export const BACKENDS: BackendName[] = ['ts', 'wasm'];

export function forEachBackend(title: string, fn: (backend: BackendName) => void): void {
  for (const b of BACKENDS) {
    describe(`${title} [${b}]`, () => {
      before(() => useBackend(b));
      after(() => useBackend('ts'));
      fn(b);
    });
  }
}

/** Runs fn with backend b active, restoring the previous one. */
export function withBackend<T>(b: BackendName, fn: () => T): T {
  useBackend(b);
  try {
    return fn();
  } finally {
    useBackend('ts');
  }
}
