// Node adapter for the thread pool: the calling thread + (n − 1) worker_threads, each running its own
// instance of build/kernels.threads.wasm (the asconfig "threads" target: SIMD + threads, imported
// shared memory) over ONE WebAssembly.Memory; the compiled Module and the memory travel through
// workerData. src/wasm/parallel.ts does the rest (jobs, chunks, waiting); registerNodeWasm()
// registers this provider with src/backend.ts so setNumThreads(n) works anywhere Node WASM does.
// Workers are unref'd: a pool never keeps the process alive, and exit does not wait for it.
// The memory, the calling thread's instance and its ResidentHeap belong to the build, not to a pool:
// one per process, so arrays made resident (parameters, optimizer state) stay resident when the
// thread count changes; a pool of 1 thread has no workers.
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { registerThreadPool, type PoolBuild, type ThreadPool } from '../backend.js';
import { bindWasmKernels } from '../wasm/bindings.js';
import { instantiateKernels, relaxedSimdSupported, simdSupported } from '../wasm/loader.js';
import { createControl, Parallel, stopWorkers } from '../wasm/parallel.js';
import { ResidentHeap } from '../wasm/resident.js';
import type { WasmExports } from '../wasm/exports.js';
import { enableRelaxedSimd, packageRoot } from './wasm.js';

/** The memory of the "threads" target in asconfig.json (pages of 64 KiB: 16 MiB initial, 4 GiB maximum). */
export const INITIAL_PAGES = 256;
export const MAXIMUM_PAGES = 65536;

/** What a worker receives (src/node/thread_worker.ts). */
export interface ThreadWorkerData {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  /** 1 … n − 1 (0 is the calling thread). */
  index: number;
}

interface SharedBuild {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  /** The calling thread's instance. */
  ex: WasmExports;
  heap: ResidentHeap;
}
const builds = new Map<PoolBuild, SharedBuild>();

/** The asconfig "threads" (or "threads-relaxed") build: compiled, instantiated on its memory once per process. */
function sharedBuild(build: PoolBuild): SharedBuild {
  let shared = builds.get(build);
  if (shared !== undefined) return shared;
  if (!simdSupported()) throw new Error('threads: the thread pool runs the WebAssembly SIMD build, and this engine has no SIMD');
  if (build === 'relaxed') {
    enableRelaxedSimd();
    if (!relaxedSimdSupported()) throw new Error('threads: this engine has no relaxed SIMD (use the wasm backend)');
  }
  const path = join(packageRoot(), 'build', build === 'relaxed' ? 'kernels.threads-relaxed.wasm' : 'kernels.threads.wasm');
  if (!existsSync(path)) throw new Error(`threads: ${path} is missing; run \`npm run asbuild\` first`);
  const module = new WebAssembly.Module(readFileSync(path));
  const memory = new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAXIMUM_PAGES, shared: true });
  const ex = instantiateKernels(module, memory);
  shared = { module, memory, ex, heap: new ResidentHeap(ex) };
  builds.set(build, shared);
  return shared;
}

/** A worker running dist/src/node/thread_worker.js, or under tsx the .ts source with tsx's loader
 *  registered first (tsx hooks the main thread only). */
function startWorker(workerData: ThreadWorkerData): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./thread_worker.js', import.meta.url), { workerData });
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const entry = JSON.stringify(new URL('./thread_worker.ts', import.meta.url).href);
  return new Worker(`import(${tsx}).then((tsx) => { tsx.register(); return import(${entry}); });`, { eval: true, workerData });
}

export interface NodeThreadPool extends ThreadPool {
  /** The dispatcher (statistics, tuning). */
  readonly parallel: Parallel;
}

/** A pool of `threads` compute threads (the caller counts as one) running the SIMD or relaxed-SIMD build. */
export function createNodeThreadPool(threads: number, build: PoolBuild = 'simd'): NodeThreadPool {
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads: expected an integer ≥ 1, got ${threads}`);
  const { module, memory, ex, heap } = sharedBuild(build);
  const control = createControl();
  let failure: Error | undefined;
  let closed = false;
  const workers: Worker[] = [];
  for (let index = 1; index < threads; index++) {
    const workerData: ThreadWorkerData = { module, memory, control: control.buffer as SharedArrayBuffer, index };
    const w = startWorker(workerData);
    w.on('error', (e: Error) => {
      failure ??= new Error(`thread pool: worker ${index} failed: ${e.message}`);
    });
    w.on('exit', (code) => {
      if (!closed) failure ??= new Error(`thread pool: worker ${index} exited (code ${code})`);
    });
    w.unref();
    workers.push(w);
  }
  const par = new Parallel(ex, control, threads, () => failure);
  return {
    threads,
    parallel: par,
    kernels: bindWasmKernels(ex, par, heap),
    allocate: (n) => heap.array(n),
    isResident: (arr) => heap.offsetOf(arr) >= 0,
    memoryBytes: () => memory.buffer.byteLength,
    beginScope: () => heap.beginScope(),
    scopedArray: (n) => heap.scopedArray(n),
    endScope: (poison) => heap.endScope(poison),
    releaseScopedArray: (arr, poison) => heap.releaseScopedArray(arr, poison),
    get inScope() {
      return heap.inScope;
    },
    close() {
      if (closed) return;
      closed = true;
      stopWorkers(control);
      for (const w of workers) void w.terminate();
    },
  };
}

/** Registers the pool with src/backend.ts (setNumThreads; 'auto' = os.availableParallelism()). */
export function registerNodeThreads(): void {
  registerThreadPool({ create: createNodeThreadPool, cores: () => availableParallelism() });
}
