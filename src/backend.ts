// The active kernel backend. 'ts' is the readable reference; 'wasm' (AssemblyScript, SIMD when the
// engine has it) is registered by a platform adapter that can read the .wasm bytes (src/node/wasm.ts).
import { tsKernels, type Kernels } from './kernels/index.js';

// 'wasm-debug' is the SIMD build with assertions on (tests).
export type BackendName = 'ts' | 'wasm' | 'wasm-scalar' | 'wasm-simd' | 'wasm-debug';

const registry = new Map<string, Kernels | (() => Kernels)>([['ts', tsKernels]]);
let activeName: string = 'ts';
let active: Kernels = tsKernels;

/** Makes a backend available under a name; `make` is called on first use. */
export function registerBackend(name: BackendName, make: Kernels | (() => Kernels)): void {
  registry.set(name, make);
}

export function availableBackends(): string[] {
  return [...registry.keys()];
}

/** Switches every op to a backend: useBackend('ts') for the reference path. */
export function useBackend(name: BackendName): void {
  const entry = registry.get(name);
  if (entry === undefined) throw new Error(`useBackend: unknown backend '${name}' (available: ${availableBackends().join(', ')})`);
  const k = typeof entry === 'function' ? entry() : entry;
  registry.set(name, k);
  active = k;
  activeName = name;
}

export function backendName(): string {
  return activeName;
}

/** The kernels of the active backend (only ops call this). */
export function kernels(): Kernels {
  return active;
}
