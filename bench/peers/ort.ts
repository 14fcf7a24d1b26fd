// Peer: onnxruntime-web (its WASM SIMD build, MLAS kernels), in this process, running one-op ONNX
// graphs written by ./onnx.ts.
//
// Loading: onnxruntime-web is a devDependency, imported dynamically (missing → the caller skips it);
// in Node it reads its .wasm from its own dist/ folder, so nothing is fetched.
//
// Threads: ort.env.wasm.numThreads is read once, when the first session starts the WASM module,
// and sessions share that module's global thread pool (intraOpNumThreads does not change it). One
// module instance therefore has one thread count for the life of the process. Node gives us two
// independent instances: the ESM build (import) and the CommonJS build (require) each carry their own
// onnxruntime-common registry, env and WASM module. 1 thread uses the ESM instance, the (single) larger
// count the CommonJS one. ORT's pool threads spin while waiting for work, so a caller should finish
// its single-thread measurements before it opens the multi-thread instance.
import { createRequire } from 'node:module';
import type { ConvCase, GemmCase, Peer, Runner, VggCase } from '../report.js';
import { onnxModel, type OnnxGraph } from './onnx.js';

type Ort = typeof import('onnxruntime-web');

const instances = new Map<'esm' | 'cjs', { ort: Ort; threads: number | undefined }>();

async function instance(threads: number): Promise<Ort> {
  const kind = threads === 1 ? 'esm' : 'cjs';
  let inst = instances.get(kind);
  if (inst === undefined) {
    const ort = kind === 'esm' ? ((await import('onnxruntime-web')) as Ort) : (createRequire(import.meta.url)('onnxruntime-web') as Ort);
    inst = { ort, threads: undefined };
    instances.set(kind, inst);
  }
  if (inst.threads !== undefined && inst.threads !== threads) {
    throw new Error(`onnxruntime-web: this process already started its multi-thread instance with ${inst.threads} threads; one count > 1 per process`);
  }
  inst.threads = threads;
  inst.ort.env.wasm.numThreads = threads;
  inst.ort.env.logLevel = 'error';
  return inst.ort;
}

/** onnxruntime-web's WASM execution provider with `threads` threads. */
export async function openOrt(threads: number): Promise<Peer> {
  const ort = await instance(threads);
  // Start the module now so a failure shows at open, not inside the first case.
  const probe = await ort.InferenceSession.create(onnxModel({ inputs: { X: [1] }, outputs: { Y: [1] }, nodes: [{ op: 'Relu', inputs: ['X'], outputs: ['Y'] }] }), {
    executionProviders: ['wasm'],
  });
  await probe.release();
  return new OrtPeer(ort, threads);
}

function random(n: number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (Math.random() * 2 - 1) * scale;
  return a;
}

class OrtPeer implements Peer {
  readonly backend = 'ort-wasm';

  constructor(private readonly ort: Ort, readonly threads: number) {}

  private async session(graph: OnnxGraph, feeds: Record<string, Float32Array>): Promise<Runner> {
    const { ort } = this;
    const s = await ort.InferenceSession.create(onnxModel(graph), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
    const inputs = Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, new ort.Tensor('float32', v, [...graph.inputs[k]])]));
    return {
      run: () => s.run(inputs),
      dispose: () => void s.release(),
    };
  }

  /** Gemm(A, B) with transA/transB, both operands fed at run time (no constant pre-packing). */
  gemm(c: GemmCase): Promise<Runner> {
    const a = c.transA ? [c.k, c.m] : [c.m, c.k], b = c.transB ? [c.n, c.k] : [c.k, c.n];
    return this.session(
      {
        inputs: { A: a, B: b },
        outputs: { Y: [c.m, c.n] },
        nodes: [{ op: 'Gemm', inputs: ['A', 'B'], outputs: ['Y'], attrs: { transA: c.transA ? 1 : 0, transB: c.transB ? 1 : 0 } }],
      },
      { A: random(c.m * c.k), B: random(c.k * c.n) },
    );
  }

  /** Conv 3×3, pads 1, no bias; the weight is a model initializer (as in any exported network). */
  conv2d(c: ConvCase): Promise<Runner> {
    return this.session(
      {
        inputs: { X: [1, c.cin, c.size, c.size] },
        initializers: { W: { shape: [c.cout, c.cin, 3, 3], data: random(c.cout * c.cin * 9, 0.05) } },
        outputs: { Y: [1, c.cout, c.size, c.size] },
        nodes: [{ op: 'Conv', inputs: ['X', 'W'], outputs: ['Y'], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1] } }],
      },
      { X: random(c.cin * c.size * c.size) },
    );
  }

  async ganStep(_batch: number): Promise<null> {
    return null;
  }

  async vggTrain(_c: VggCase, _weightGrads: boolean): Promise<null> {
    return null;
  }

  missing(): string {
    return 'onnxruntime-web runs inference only (no gradients)';
  }

  async close(): Promise<void> {}
}
