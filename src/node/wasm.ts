// Node adapter for the WASM backends: reads build/kernels.<target>.wasm (written by `npm run asbuild`)
// from the package root and registers 'wasm' (SIMD when the engine has it, else scalar), 'wasm-simd',
// 'wasm-scalar', 'wasm-relaxed' (relaxed SIMD: fused multiply-add) and 'wasm-debug' (SIMD with
// assertions). Instances are made on first use and cached.
import { Buffer } from 'node:buffer';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { registerBackend, setUninitializedAllocator } from '../backend.js';
import { bindWasmKernels } from '../wasm/bindings.js';
import type { WasmExports } from '../wasm/exports.js';
import { setFlagsFromString } from 'node:v8';
import { instantiateKernels, pickTarget, relaxedSimdSupported, type WasmTarget } from '../wasm/loader.js';
import { registerNodeThreads } from './threads.js';

let root: string | undefined;

/** The directory holding ganstyle's package.json (works from src/ via tsx and from dist/src/). */
export function packageRoot(): string {
  if (root !== undefined) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'ganstyle') return (root = dir);
    const up = dirname(dir);
    if (up === dir) throw new Error(`ganstyle: package root not found above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

export function wasmPath(target: WasmTarget): string {
  return join(packageRoot(), 'build', `kernels.${target}.wasm`);
}

/** Node 20's V8 compiles relaxed SIMD only behind this flag; it must be set before compiling. */
export function enableRelaxedSimd(): void {
  if (!relaxedSimdSupported()) setFlagsFromString('--experimental-wasm-relaxed-simd');
}

const instances = new Map<WasmTarget, WasmExports>();

/** The module instance of one build target (instantiated once per process). */
export function loadNodeWasm(target: WasmTarget): WasmExports {
  let ex = instances.get(target);
  if (ex === undefined) {
    const path = wasmPath(target);
    if (!existsSync(path)) throw new Error(`wasm: ${path} is missing; run \`npm run asbuild\` first`);
    if (target === 'relaxed') {
      enableRelaxedSimd();
      if (!relaxedSimdSupported()) throw new Error('wasm: this engine has no relaxed SIMD; use the wasm backend');
    }
    ex = instantiateKernels(readFileSync(path));
    instances.set(target, ex);
  }
  return ex;
}

/**
 * Registers the WASM backends and the thread pool with src/backend.ts (lazy: nothing is read until
 * used), and Node's allocation without zeroing for large op results (every backend's).
 */
export function registerNodeWasm(): void {
  registerNodeThreads();
  setUninitializedAllocator(uninitializedFloat32);
  registerBackend('wasm', () => bindWasmKernels(loadNodeWasm(pickTarget('auto'))));
  registerBackend('wasm-simd', () => bindWasmKernels(loadNodeWasm('release')));
  registerBackend('wasm-scalar', () => bindWasmKernels(loadNodeWasm('scalar')));
  registerBackend('wasm-relaxed', () => bindWasmKernels(loadNodeWasm('relaxed')));
  registerBackend('wasm-debug', () => bindWasmKernels(loadNodeWasm('debug')));
}

/** n floats in an ArrayBuffer of their own that Node does not zero (allocUnsafeSlow: never the shared pool). */
function uninitializedFloat32(n: number): Float32Array {
  const buf = Buffer.allocUnsafeSlow(n * 4);
  return new Float32Array(buf.buffer, buf.byteOffset, n);
}
