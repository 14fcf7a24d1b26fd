// Peer: TensorFlow.js with @tensorflow/tfjs-backend-wasm (XNNPACK), in this process.
//
// Loading: the packages are devDependencies, imported dynamically (a missing package throws and the
// caller skips the peer). The .wasm binaries are read from node_modules through setWasmPaths with a
// directory path, so nothing is fetched. tfjs-core's Node bundle registers no gradients: they come
// with the union package @tensorflow/tfjs (its bundle registers them into tfjs-core's registry);
// without it the training cases (GAN step, VGG backward) are skipped.
//
// Threads in Node: tfjs-backend-wasm disables its threaded build when IS_NODE and starts its pthread
// workers from a Blob URL, which Node's worker_threads cannot load; it also caps the XNNPACK pool at
// os.cpus().length / 2 (1 on a 2-core machine). For a thread count > 1 we therefore (a) force the
// flag WASM_HAS_MULTITHREAD_SUPPORT, (b) write the Emscripten worker script and the threaded module
// script to a temporary folder and hand the worker's path out where tfjs asks URL.createObjectURL
// for one, the worker being told to load the module script from that file instead of a Blob, and
// (c) report 2·threads logical cores while the module starts. Emscripten's own Node support
// (worker_threads, fs) does the rest. 1 thread uses the plain SIMD build. getThreadsCount() is
// checked afterwards: the peer reports the count XNNPACK really has.
//
// One backend instance exists at a time: close() removes it (and its workers) and re-registers the
// factory so the next open() starts a fresh module with another thread count.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type * as TfCore from '@tensorflow/tfjs-core';
import type { ConvCase, GemmCase, Peer, Runner, VggCase } from '../report.js';
import type { FastCase } from '../fast.bench.js';

type Tf = typeof TfCore;
type TfWasm = typeof import('@tensorflow/tfjs-backend-wasm');
type Tensor = TfCore.Tensor;
type BackendFactory = ReturnType<Tf['findBackendFactory']>;

interface Loaded {
  tf: Tf;
  wasm: TfWasm;
  root: string;
  factory: BackendFactory;
  /** Why gradients are unavailable (undefined: they are registered). */
  noGradients?: string;
}

let loaded: Loaded | undefined;
let current: TfjsPeer | undefined;

async function load(): Promise<Loaded> {
  if (loaded !== undefined) return loaded;
  const tf = (await import('@tensorflow/tfjs-core')) as Tf;
  const wasm = (await import('@tensorflow/tfjs-backend-wasm')) as TfWasm;
  const root = path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  const factory = tf.findBackendFactory('wasm');
  if (factory == null) throw new Error('@tensorflow/tfjs-backend-wasm did not register the wasm backend');
  wasm.setWasmPaths(root + path.sep + 'dist' + path.sep);
  let noGradients: string | undefined;
  try {
    await import('@tensorflow/tfjs');
  } catch (e) {
    noGradients = `@tensorflow/tfjs (tfjs-core's gradients) is not installed: ${(e as Error).message.split('\n')[0]}`;
  }
  return (loaded = { tf, wasm, root, factory, noGradients });
}

/** The Emscripten files of the threaded build, written where a Node worker can load them. */
function writeThreadedScripts(root: string): { dir: string; worker: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ganstyle-tfjs-wasm-'));
  const main = path.join(dir, 'module.js');
  writeFileSync(main, readFileSync(path.join(root, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.js')));
  const { wasmWorkerContents } = createRequire(import.meta.url)(path.join(root, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.worker.js')) as { wasmWorkerContents: string };
  // tfjs escapes the newlines the same way before making its Blob; the appended handler swaps the
  // Blob the worker would import for the module file.
  const redirect = `\n;{const load=self.onmessage;self.onmessage=e=>{if(e.data&&e.data.cmd==="load"&&typeof e.data.urlOrBlob!=="string")e.data.urlOrBlob=${JSON.stringify(main)};return load(e)}}\n`;
  const worker = path.join(dir, 'worker.js');
  writeFileSync(worker, wasmWorkerContents.replace(/\n/g, '\\n') + redirect);
  return { dir, worker };
}

/** Starts the tfjs wasm backend with `threads` XNNPACK threads (closing a previous instance). */
export async function openTfjs(threads: number): Promise<Peer> {
  await current?.close();
  const l = await load();
  const { tf, wasm } = l;
  let tmp: string | undefined;
  const restore: (() => void)[] = [];
  try {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', threads > 1);
    wasm.setThreadsCount(threads);
    if (threads > 1) {
      const { dir, worker } = writeThreadedScripts(l.root);
      tmp = dir;
      const createObjectURL = URL.createObjectURL, cpus = os.cpus;
      URL.createObjectURL = (obj: Blob) => (obj instanceof Blob && obj.type === 'application/javascript' ? worker : createObjectURL(obj));
      const cpu = cpus()[0];
      os.cpus = () => Array.from({ length: 2 * threads }, () => cpu);
      restore.push(() => (URL.createObjectURL = createObjectURL), () => (os.cpus = cpus));
    }
    const before = { exc: process.listeners('uncaughtException'), rej: process.listeners('unhandledRejection') };
    const ok = await tf.setBackend('wasm');
    // Emscripten's Node glue installs handlers that rethrow any uncaught error (printing its whole
    // minified source line); Node's defaults do the same job readably.
    for (const h of process.listeners('uncaughtException')) if (!before.exc.includes(h)) process.removeListener('uncaughtException', h);
    for (const h of process.listeners('unhandledRejection')) if (!before.rej.includes(h)) process.removeListener('unhandledRejection', h);
    if (!ok) throw new Error('tf.setBackend("wasm") failed');
  } catch (e) {
    if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true });
    throw e;
  } finally {
    for (const r of restore) r();
  }
  current = new TfjsPeer(l, wasm.getThreadsCount(), tmp);
  return current;
}

class TfjsPeer implements Peer {
  readonly backend = 'tfjs-wasm';
  private closed = false;

  constructor(private readonly l: Loaded, readonly threads: number, private readonly tmp: string | undefined) {}

  private get tf(): Tf {
    if (this.closed) throw new Error('tfjs peer: used after close()');
    return this.l.tf;
  }

  private runner(keep: Tensor[], run: () => Tensor | Tensor[] | void): Runner {
    const tf = this.tf;
    return {
      run: () => tf.dispose(tf.tidy(run) ?? []),
      dispose: () => tf.dispose(keep),
    };
  }

  async gemm(c: GemmCase): Promise<Runner> {
    const tf = this.tf;
    const a = tf.randomNormal(c.transA ? [c.k, c.m] : [c.m, c.k]) as TfCore.Tensor2D;
    const b = tf.randomNormal(c.transB ? [c.n, c.k] : [c.k, c.n]) as TfCore.Tensor2D;
    return this.runner([a, b], () => tf.matMul(a, b, c.transA, c.transB));
  }

  async conv2d(c: ConvCase): Promise<Runner> {
    const tf = this.tf;
    const x = tf.randomNormal([1, c.size, c.size, c.cin]) as TfCore.Tensor4D; // NHWC
    const w = tf.randomNormal([3, 3, c.cin, c.cout], 0, 0.05) as TfCore.Tensor4D;
    return this.runner([x, w], () => tf.conv2d(x, w, 1, 'same'));
  }

  /**
   * The MLP GAN of src/gan/models.ts (G 100→128→256→512→1024→784 LeakyReLU 0.2 / tanh, D 784→1024→
   * 512→256→128→1 LeakyReLU 0.2), BCE with logits, Adam 2e-4 (0.5, 0.999): one D update on real and
   * fake as one batch of 2B, then one G update (tfjs recomputes G's forward inside minimize).
   */
  async ganStep(batch: number): Promise<Runner | null> {
    if (this.l.noGradients !== undefined) return null;
    const tf = this.tf;
    const layers = (sizes: number[]) =>
      sizes.slice(1).map((out, i) => {
        const bound = 1 / Math.sqrt(sizes[i]);
        return { w: tf.variable(tf.randomUniform([sizes[i], out], -bound, bound)), b: tf.variable(tf.randomUniform([out], -bound, bound)) };
      });
    const g = layers([100, 128, 256, 512, 1024, 784]);
    const d = layers([784, 1024, 512, 256, 128, 1]);
    const mlp = (ls: typeof g, x: Tensor, last: (t: Tensor) => Tensor) =>
      ls.reduce((h, { w, b }, i) => {
        const y = tf.add(tf.matMul(h as TfCore.Tensor2D, w as TfCore.Tensor2D), b);
        return i + 1 < ls.length ? tf.leakyRelu(y, 0.2) : last(y);
      }, x);
    const G = (z: Tensor) => mlp(g, z, (y) => tf.tanh(y));
    const D = (x: Tensor) => mlp(d, x, (y) => y);
    const varsOf = (ls: typeof g) => ls.flatMap(({ w, b }) => [w, b]);
    const optG = tf.train.adam(2e-4, 0.5, 0.999), optD = tf.train.adam(2e-4, 0.5, 0.999);
    const real = tf.randomUniform([batch, 784], -1, 1);
    const labels = tf.concat([tf.ones([batch, 1]), tf.zeros([batch, 1])]);
    const ones = tf.ones([batch, 1]);
    const keep = [real, labels, ones, ...varsOf(g), ...varsOf(d)];
    return {
      run: () =>
        tf.tidy(() => {
          const z = tf.randomNormal([batch, 100]);
          const fake = G(z);
          optD.minimize(() => tf.losses.sigmoidCrossEntropy(labels, D(tf.concat([real, fake]))) as TfCore.Scalar, false, varsOf(d));
          optG.minimize(() => tf.losses.sigmoidCrossEntropy(ones, D(G(z))) as TfCore.Scalar, false, varsOf(g));
        }),
      dispose: () => {
        tf.dispose(keep);
        optG.dispose();
        optD.dispose();
      },
    };
  }

  /**
   * VGG forward (conv 3×3 'same' + bias + ReLU, 2×2 max pools), then the gradient of Σ output w.r.t.
   * the input, and w.r.t. every weight and bias too when `weightGrads`. tfjs-backend-wasm has no
   * Conv2DBackpropFilter kernel, so the weight-gradient variant is not available (null).
   */
  async vggTrain(c: VggCase, weightGrads: boolean): Promise<Runner | null> {
    if (this.l.noGradients !== undefined || (weightGrads && !this.hasKernel('Conv2DBackpropFilter'))) return null;
    const tf = this.tf;
    const x = tf.randomUniform([1, c.size, c.size, 3], -1, 1) as TfCore.Tensor4D;
    const ws = c.convs.map(([cin, cout]) => tf.randomNormal([3, 3, cin, cout], 0, Math.sqrt(2 / (9 * cin))) as TfCore.Tensor4D);
    const bs = c.convs.map(([, cout]) => tf.zeros([cout]));
    const n = ws.length;
    const forward = (h: TfCore.Tensor4D, w: Tensor[], b: Tensor[]): Tensor => {
      for (let i = 0; i < n; i++) {
        h = tf.relu(tf.add(tf.conv2d(h, w[i] as TfCore.Tensor4D, 1, 'same'), b[i])) as TfCore.Tensor4D;
        if (c.poolAfter.includes(i)) h = tf.maxPool(h, 2, 2, 'valid');
      }
      return tf.sum(h);
    };
    const run = weightGrads
      ? () => tf.grads((...a: Tensor[]) => forward(a[0] as TfCore.Tensor4D, a.slice(1, 1 + n), a.slice(1 + n)))([x, ...ws, ...bs])
      : () => tf.grad((xi: Tensor) => forward(xi as TfCore.Tensor4D, ws, bs))(x);
    return this.runner([x, ...ws, ...bs], run);
  }

  /** Why a case is missing: a kernel tfjs-backend-wasm does not implement, or no gradients. */
  missing(what: 'training' | 'vgg-weight-grads'): string | undefined {
    if (this.l.noGradients !== undefined) return this.l.noGradients;
    if (what === 'vgg-weight-grads' && !this.hasKernel('Conv2DBackpropFilter')) return 'tfjs-backend-wasm has no Conv2DBackpropFilter kernel (no conv weight gradients)';
    return undefined;
  }

  private hasKernel(name: string): boolean {
    return this.l.tf.getKernel(name, 'wasm') !== undefined;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const { tf, factory } = this.l;
    const backend = tf.findBackend('wasm') as unknown as { wasm?: { PThread?: { terminateAllThreads(): void } } } | null;
    const pthreads = backend?.wasm?.PThread;
    tf.removeBackend('wasm');
    pthreads?.terminateAllThreads();
    tf.registerBackend('wasm', factory, 2);
    if (this.tmp !== undefined) rmSync(this.tmp, { recursive: true, force: true });
    if (current === this) current = undefined;
  }
}

/**
 * Engstrom's fast-style network in the open tfjs peer, as ml5's StyleTransfer runs it (NHWC,
 * conv2d / conv2dTranspose 'same', instance norm from tf.moments with eps 1e-3, output
 * clip(tanh·150 + 127.5, 0, 255)), with the case's TF-layout variables; null for other networks.
 * `input` (NCHW RGB 0–255, optional) replaces the random image, and run() then returns the output
 * as NCHW values (the bench ignores it; tests compare it with ganstyle's).
 */
export function tfjsFastStyle(c: FastCase, input?: { data: Float32Array; shape: readonly number[] }): Runner | null {
  if (c.arch !== 'engstrom') return null;
  if (current === undefined || loaded === undefined) throw new Error('tfjsFastStyle: open the tfjs peer first (openTfjs)');
  const tf = loaded.tf;
  const v = [...c.variables.values()].map((t) => tf.tensor(t.data, [...t.shape]));
  const x = input === undefined
    ? (tf.randomUniform([1, c.size, c.size, 3], 0, 255) as TfCore.Tensor4D)
    : (tf.transpose(tf.tensor4d(input.data, input.shape as [number, number, number, number]), [0, 2, 3, 1]) as TfCore.Tensor4D);
  const norm = (y: TfCore.Tensor4D, k: number): TfCore.Tensor4D => {
    const { mean, variance } = tf.moments(y, [1, 2], true);
    return tf.add(tf.mul(v[k + 1], tf.div(tf.sub(y, mean), tf.sqrt(tf.add(variance, 1e-3)))), v[k]) as TfCore.Tensor4D;
  };
  const conv = (y: TfCore.Tensor4D, stride: number, relu: boolean, k: number): TfCore.Tensor4D => {
    const z = norm(tf.conv2d(y, v[k] as TfCore.Tensor4D, stride, 'same'), k + 1);
    return relu ? tf.relu(z) : z;
  };
  const deconv = (y: TfCore.Tensor4D, filters: number, k: number): TfCore.Tensor4D => {
    const [n, h, w] = y.shape;
    return tf.relu(norm(tf.conv2dTranspose(y, v[k] as TfCore.Tensor4D, [n, 2 * h, 2 * w, filters], 2, 'same'), k + 1));
  };
  const forward = (): TfCore.Tensor4D => {
    let y = conv(conv(conv(x, 1, true, 0), 2, true, 3), 2, true, 6);
    for (const k of [9, 15, 21, 27, 33]) y = tf.add(y, conv(conv(y, 1, true, k), 1, false, k + 3));
    y = conv(deconv(deconv(y, 64, 39), 32, 42), 1, false, 45);
    return tf.clipByValue(tf.add(tf.mul(tf.tanh(y), 150), 127.5), 0, 255) as TfCore.Tensor4D;
  };
  return {
    run: () => {
      if (input === undefined) return tf.dispose(tf.tidy(forward));
      const y = tf.tidy(() => tf.transpose(forward(), [0, 3, 1, 2]));
      const data = y.dataSync() as Float32Array;
      y.dispose();
      return data;
    },
    dispose: () => tf.dispose([x, ...v]),
  };
}
