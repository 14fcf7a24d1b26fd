// Gatys style transfer: seconds per L-BFGS iteration of the reduced Gatys problem (the shared VGG-19
// conv1_1 … conv3_4, content relu3_2, style relu1_1/relu2_1/relu3_1, weights 1/10/0, L-BFGS lr 1,
// history 100, no line search) on Tübingen and Starry Night from ../shared/images resized to size²
// (synthetic images when those are absent), and the peak memory of the case.
//
// One timed call = one L-BFGS iteration (max_iter 1: one evaluation with the gradient, the two-loop
// recursion, the update); the content and style targets are made outside the timing. FLOPs are
// nominal: the convolutions only, forward through conv3_2 and back to the image (2× the forward).
// Peak memory: the process RSS sampled every 5 ms by a worker thread while the case runs (the main
// thread is busy computing, so it cannot sample itself), targets included, with the size of the
// kernels' WASM memory (the pool's shared memory; part of the RSS).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { Tensor } from '../src/tensor.js';
import { Rng } from '../src/rng.js';
import { LBFGS } from '../src/optim/lbfgs.js';
import { decodeImage, resizeImage } from '../src/io/image.js';
import { loadVgg } from '../src/node/weights.js';
import { loadNodeWasm, packageRoot } from '../src/node/wasm.js';
import { pickTarget } from '../src/wasm/loader.js';
import { kernelMemoryBytes } from '../src/backend.js';
import { GatysLoss, parseLayers } from '../src/style/losses.js';
import { toNetworkSpace } from '../src/style/transfer.js';
import { v8Collector } from '../src/commands/stylize.js';
import { vggForwardFlops } from './step.bench.js';
import type { BenchCase, Runner } from './report.js';

export interface StylizeParams {
  size: number;
  weights: string;
  /** ../shared/images, or null: synthetic images. */
  images: string | null;
}

/** conv1_1 … conv3_2 (relu3_2 is the deepest layer of the problem). */
const TO_CONV3_2 = { convs: [[3, 64], [64, 64], [64, 128], [128, 128], [128, 256], [256, 256]] as [number, number][], poolAfter: [1, 3] };

/** The sizes (256² and 512²), or why the cases are skipped (no shared weights, or --quick). */
export function stylizeCases(quick: boolean): { cases: BenchCase<StylizeParams>[]; skipped?: string } {
  const shared = path.resolve(packageRoot(), '../shared');
  const weights = path.join(shared, 'models', 'vgg19-features-conv1_1-conv3_4.safetensors');
  if (quick) return { cases: [], skipped: 'stylize rows are not run with --quick (seconds per iteration at 256² and 512²)' };
  if (!existsSync(weights)) return { cases: [], skipped: `skipped stylize: the shared VGG-19 weights are absent (${weights})` };
  const images = existsSync(path.join(shared, 'images', 'tubingen.jpg')) && existsSync(path.join(shared, 'images', 'starry_night.jpg')) ? path.join(shared, 'images') : null;
  return {
    cases: [256, 512].map((size) => ({
      name: 'stylize',
      shape: `gatys lbfgs ${size}x${size} ${images === null ? 'synthetic' : 'tubingen/starry_night'}`,
      flops: 2 * vggForwardFlops({ ...TO_CONV3_2, size }),
      params: { size, weights, images },
    })),
  };
}

/** An RGB 0–255 [1, 3, size, size] image: the shared photo resized, or smooth synthetic colours. */
async function image(dir: string | null, file: string, size: number, seed: number): Promise<Tensor> {
  if (dir !== null) return resizeImage(await decodeImage(new Uint8Array(readFileSync(path.join(dir, file))), file), size, size);
  const t = Tensor.rand([1, 3, size, size], { rng: new Rng(seed), low: 0, high: 255 });
  return resizeImage(resizeImage(t, Math.max(1, size >> 3), Math.max(1, size >> 3)), size, size);
}

/** The peak of the process RSS between start() and stop(), sampled by a worker thread. */
export class RssSampler {
  private readonly peakKb = new Int32Array(new SharedArrayBuffer(8));
  private worker: Worker | undefined;

  async start(): Promise<void> {
    Atomics.store(this.peakKb, 0, Math.round(process.memoryUsage.rss() / 1024));
    const code = `const { workerData, parentPort } = require('node:worker_threads');
      const peak = new Int32Array(workerData);
      setInterval(() => { const kb = Math.round(process.memoryUsage.rss() / 1024); if (kb > Atomics.load(peak, 0)) Atomics.store(peak, 0, kb); }, 5);
      parentPort.postMessage('ready');`;
    this.worker = new Worker(code, { eval: true, workerData: this.peakKb.buffer });
    await new Promise((resolve) => this.worker!.once('message', resolve));
  }

  /** The peak in bytes (the sampler stops). */
  stop(): number {
    void this.worker?.terminate();
    this.worker = undefined;
    return Math.max(Atomics.load(this.peakKb, 0), Math.round(process.memoryUsage.rss() / 1024)) * 1024;
  }
}

/** Bytes of the WASM backend's memory (it only grows): the pool's, or the plain build's without one. */
function wasmMemoryBytes(): number {
  return kernelMemoryBytes() ?? loadNodeWasm(pickTarget('auto')).memory.buffer.byteLength;
}

/**
 * ganstyle: the targets and an L-BFGS optimiser are made once (outside the timing); run() is one
 * iteration. `report` receives the memory line when the case is disposed.
 */
export async function ganstyleStylize(p: StylizeParams, report: (line: string) => void): Promise<Runner> {
  const sampler = new RssSampler();
  await sampler.start();
  const vgg = await loadVgg(p.weights);
  const content = await image(p.images, 'tubingen.jpg', p.size, 1);
  const style = await image(p.images, 'starry_night.jpg', p.size, 2);
  const objective = new GatysLoss(vgg, toNetworkSpace(vgg, content), [toNetworkSpace(vgg, style)], {
    contentLayers: parseLayers('relu3_2'), styleLayers: parseLayers('relu1_1,relu2_1,relu3_1'), weights: { content: 1, style: 10, tv: 0 },
    release: v8Collector(), // as the CLI
  });
  const x = new Tensor(toNetworkSpace(vgg, content).data, content.shape, true);
  const opt = new LBFGS([x], { lr: 1, max_iter: 1, history_size: 100 });
  let iterations = 0;
  const closure = () => {
    x.grad = null;
    const { terms, grad } = objective.valueAndGrad(x);
    x.grad = grad;
    return terms.total;
  };
  return {
    run: () => {
      opt.step(closure);
      iterations++;
    },
    dispose: () => {
      const peak = sampler.stop(), wasm = wasmMemoryBytes();
      const history = 2 * 100 * x.size * 4; // a full L-BFGS history: 100 pairs (s, y) of float32 images
      report(`peak RSS ${(peak / 1e9).toFixed(2)} GB over ${iterations} iterations (targets included; a full history adds ${(history / 1e9).toFixed(2)} GB), `
        + `WASM memory ${(wasm / 1e9).toFixed(2)} GB (inside the RSS)`);
    },
  };
}
