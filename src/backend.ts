// The active kernel backend. 'ts' is the readable reference; 'wasm' (AssemblyScript, SIMD when the
// engine has it) is registered by a platform adapter that can read the .wasm bytes (src/node/wasm.ts).
// Threads: where a platform adapter registers a thread pool (src/node/threads.ts), 'wasm', 'wasm-simd'
// and 'wasm-relaxed' compute on a pool of setNumThreads(n) threads (the caller + n − 1 workers over
// one shared WASM memory, src/wasm/parallel.ts; n = 1: the caller alone); results are bit-identical
// for every n. 'ts' stays single-threaded.
// Resident storage: allocate(n) gives long-lived arrays (parameters, optimizer state) inside that
// shared memory, which the kernels use in place instead of copying them in and out on every call.
import { tsKernels, type Kernels } from './kernels/index.js';

// 'wasm-debug' is the SIMD build with assertions on (tests); 'wasm-relaxed' the relaxed-SIMD build
// (gemm with fused multiply-add: faster, last bits differ from every other backend).
export type BackendName = 'ts' | 'wasm' | 'wasm-scalar' | 'wasm-simd' | 'wasm-relaxed' | 'wasm-debug';

const registry = new Map<string, Kernels | (() => Kernels)>([['ts', tsKernels]]);
let activeName: string = 'ts';
let active: Kernels = tsKernels;
let current: Kernels = tsKernels; // active, or the pool's kernels

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
  select();
}

export function backendName(): string {
  return activeName;
}

/** The kernels of the active backend (only ops call this). */
export function kernels(): Kernels {
  return current;
}

/** A pool of compute threads, made by a platform adapter. */
export interface ThreadPool {
  /** Threads computing, the caller included. */
  readonly threads: number;
  /** The kernels that split big calls across the pool (the SIMD WASM build). */
  readonly kernels: Kernels;
  /** A zeroed array inside the pool's kernel memory (kernels use it without copies; freed by the GC). */
  allocate(n: number): Float32Array;
  /** Whether `arr` lives in the pool's kernel memory. */
  isResident(arr: Float32Array): boolean;
  /** Bytes of the pool's kernel memory (WASM memory only grows: its peak). */
  memoryBytes(): number;
  /** Result scopes (resultScope below): open one, make (unzeroed) arrays that live until it ends, end it. */
  beginScope(): void;
  scopedArray(n: number): Float32Array | null;
  endScope(poison: boolean): void;
  /** Frees `arr` before its scope ends when it is a whole result of the innermost one (releaseResult below). */
  releaseScopedArray(arr: Float32Array, poison: boolean): boolean;
  readonly inScope: boolean;
  /** Stops the workers. */
  close(): void;
}

/** Which SIMD build a pool runs. */
export type PoolBuild = 'simd' | 'relaxed';

export interface ThreadPoolProvider {
  create(threads: number, build: PoolBuild): ThreadPool;
  /** The core count ('auto'). */
  cores(): number;
}

// Backends the pool stands in for, and the build it runs for each.
const POOLED = new Map<string, PoolBuild>([['wasm', 'simd'], ['wasm-simd', 'simd'], ['wasm-relaxed', 'relaxed']]);
let provider: ThreadPoolProvider | undefined;
let pool: { build: PoolBuild; pool: ThreadPool } | undefined;
let numThreads = 1;

/** Makes worker threads available (src/node/threads.ts; registerNodeWasm calls it). */
export function registerThreadPool(p: ThreadPoolProvider): void {
  provider = p;
}

/**
 * Compute threads for the 'wasm', 'wasm-simd' and 'wasm-relaxed' backends: 1 (default: no workers,
 * deterministic like any count), n, or 0 / 'auto' = the core count. Changing it closes the previous
 * pool (resident arrays stay valid and resident: the memory belongs to the build).
 */
export function setNumThreads(n: number | 'auto'): void {
  const want = n === 'auto' || n === 0 ? Math.max(1, provider?.cores() ?? 1) : n;
  if (!Number.isInteger(want) || want < 1) throw new RangeError(`setNumThreads: expected an integer ≥ 0 or 'auto', got ${n}`);
  if (want > 1 && provider === undefined) throw new Error('setNumThreads: no thread pool on this platform (in Node, call registerNodeWasm() first)');
  if (pool !== undefined && pool.pool.threads !== want) closePool();
  numThreads = want;
  try {
    select();
  } catch (e) {
    numThreads = 1;
    select();
    throw e;
  }
}

/** The thread count set by setNumThreads (the 'ts' backend computes on one thread regardless). */
export function getNumThreads(): number {
  return numThreads;
}

function closePool(): void {
  pool?.pool.close();
  pool = undefined;
}

// One thread runs on a pool too (no workers) when one can be made, so resident arrays work with any
// thread count; if it cannot (no SIMD, no shared memory) one thread falls back to the plain build.
function select(): void {
  const build = POOLED.get(activeName);
  current = active;
  if (provider === undefined || build === undefined) return;
  if (pool?.build !== build) {
    closePool();
    try {
      pool = { build, pool: provider.create(numThreads, build) };
    } catch (e) {
      if (numThreads > 1) throw e;
      return;
    }
  }
  current = pool.pool.kernels;
}

/**
 * A zeroed Float32Array of n floats for long-lived values (parameters, optimizer state): inside the
 * active pool's kernel memory when there is one, so kernels read and write it in place; else a
 * plain array. Either way it is an ordinary Float32Array to every other piece of code.
 */
export function allocate(n: number): Float32Array {
  return current === pool?.pool.kernels ? pool.pool.allocate(n) : new Float32Array(n);
}

/** Whether kernels of the active backend use `arr` in place (it lives in the active pool's memory). */
export function isResident(arr: Float32Array): boolean {
  return current === pool?.pool.kernels && pool.pool.isResident(arr);
}

/**
 * Memory-bound kernels (add_rows, sum_rows) take calls of at least this many elements; below it a
 * call's fixed cost (≈ 1.5 µs: marshalling, the WASM call) exceeds a JS loop's whole work (same-shape
 * add, wasm backend: 1 element 0.4 vs 1.4–2.0 µs, 256 elements 2.8–4.5 vs 2.3–4.3, 4096 12 vs 6–11).
 * Either way gives the same numbers.
 */
export const MEMORY_KERNEL_MIN = 256;

let poisonResults = false;

/**
 * Tests: fill every new op result with NaN (resultArray) and every block a result scope frees, so an
 * element an op forgets to write, or a result used after its scope, shows.
 */
export function setResultPoison(on: boolean): void {
  poisonResults = on;
}

let uninitialized: ((n: number) => Float32Array) | undefined;

/** Below this many floats (64 KB) V8's own zeroed arrays are as fast (no page faults, small memset). */
const UNINITIALIZED_MIN = 1 << 14;

/**
 * Platform adapters: how to make a large Float32Array without zeroing it (Node: Buffer.allocUnsafeSlow).
 * A fresh zeroed 16.8 MB array plus copying a result into it measured 2.3–2.7 ms, an unzeroed one
 * 1.0 ms: the page faults or memset cost as much as the copy out of the kernels' memory.
 */
export function setUninitializedAllocator(fn: ((n: number) => Float32Array) | undefined): void {
  uninitialized = fn;
}

/**
 * Runs fn with op results made in the active pool's memory (resultArray), freed when fn returns or
 * throws: kernels then read and write them in place, with no copies. Only for code that lets no
 * result escape — every tensor made inside is dead afterwards (GanTrainer.trainStep returns numbers
 * and clears the gradients). Without a pool it just runs fn.
 */
export function resultScope<T>(fn: () => T): T {
  const p = current === pool?.pool.kernels ? pool.pool : undefined;
  if (p === undefined) return fn();
  p.beginScope();
  try {
    return fn();
  } finally {
    p.endScope(poisonResults);
  }
}

/**
 * Frees `arr` at once when it is an op result (a whole resultArray) of the innermost open result
 * scope, and says whether it did; else (a plain array, a parameter, a subarray, no scope) it does
 * nothing. For code that runs in a scope and knows a result is dead long before the scope ends (the
 * Gatys chain drops each activation after the next layer, as a plain array would be collected):
 * the caller guarantees nothing reads `arr` or a view on it afterwards.
 */
export function releaseResult(arr: Float32Array): boolean {
  return current === pool?.pool.kernels && pool.pool.inScope && pool.pool.releaseScopedArray(arr, poisonResults);
}

/**
 * The array an op writes its result into, every element of it (its contents are unspecified): in the
 * pool's memory inside a resultScope (while it has room), else a plain one, made without zeroing when large.
 */
export function resultArray(n: number): Float32Array {
  const out = (current === pool?.pool.kernels && pool.pool.inScope ? pool.pool.scopedArray(n) : null) ??
    (n >= UNINITIALIZED_MIN && uninitialized !== undefined ? uninitialized(n) : new Float32Array(n));
  return poisonResults ? out.fill(NaN) : out;
}

/** Bytes of the active pool's kernel memory, or null when the backend computes elsewhere (ts, a non-pooled build). */
export function kernelMemoryBytes(): number | null {
  return current === pool?.pool.kernels ? pool.pool.memoryBytes() : null;
}

/** `arr`'s values in resident storage: a copy made by allocate(), or `arr` itself when it already is
 *  resident or the active backend has no resident storage. */
export function residentCopy(arr: Float32Array): Float32Array {
  if (current !== pool?.pool.kernels || pool.pool.isResident(arr)) return arr;
  const copy = pool.pool.allocate(arr.length);
  copy.set(arr);
  return copy;
}
