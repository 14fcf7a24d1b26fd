// Neural style transfer by optimisation (Gatys, Ecker & Bethge 2016) on a VGG feature extractor.
// The image x is optimised in the space the weights expect (for the shared VGG-19: RGB 0–255
// minus the ImageNet mean, no std), with the objective of losses.ts; the result is x mapped back
// to RGB 0–255, clamped and rounded. L-BFGS is torch.optim.LBFGS step for step (one iteration per
// step() call, history and direction kept between calls), so the loss at k = 0, 1 matches a
// PyTorch script on the same pixels; Adam is torch.optim.Adam.
//   gatys()   one optimisation at the images' own sizes (the core; the records k = 0…N)
//   stylize() the whole pipeline of the classic tools: resize by longest side, style scale and
//             blend, coarse-to-fine levels (multires.ts), original colours (colors.ts)
// Iteration k is the image after k updates; its record needs the loss at x_k, which L-BFGS computes
// at the start of update k + 1, so the last record takes one extra (gradient-free) evaluation.
import { Tensor } from '../tensor.js';
import { noGrad } from '../autograd.js';
import { Rng } from '../rng.js';
import { fmt, ShapeError } from '../shape.js';
import { LBFGS } from '../optim/lbfgs.js';
import { Adam } from '../optim/adam.js';
import { resizeImage, resizeLongestSide } from '../io/image.js';
import type { VGG } from './vgg.js';
import { GatysLoss, parseLayers, type LossTerms, type WeightedLayer } from './losses.js';
import type { ReleaseHook } from './chain.js';
import { originalColors } from './colors.js';
import { pyramidSizes } from './multires.js';

export type LayerList = string | readonly (string | WeightedLayer)[];

export interface GatysOptions {
  /** Weight of the content term (default 1). */
  contentWeight: number;
  /** Weight of the style term (default 100; the reduced Gatys problem compared with PyTorch uses 10). */
  styleWeight: number;
  /** Weight of the total-variation term (default 0). */
  tvWeight: number;
  /** Content layers, "relu3_2" or "relu4_2:1" (default: vgg.defaultLayers().content). */
  contentLayers?: LayerList;
  /** Style layers, "relu1_1,relu2_1:0.5,…" (default: vgg.defaultLayers().style). */
  styleLayers?: LayerList;
  /** One weight per style image (normalised to sum 1; default equal). */
  styleBlendWeights?: readonly number[];
  /** Start image: the content image, Gaussian noise (neural-style's: N(0, 0.001²) in the network's space) or an RGB 0–255 image (resized to the content's size). */
  init: 'content' | 'noise' | Tensor;
  optimizer: 'lbfgs' | 'adam';
  /** Step size: L-BFGS lr (default 1), Adam lr in network units (default 10). */
  learningRate?: number;
  /** L-BFGS history size (default 100). */
  lbfgsHistory: number;
  /** L-BFGS line search (default none, as torch). */
  lineSearch: 'strong_wolfe' | null;
  /** Number of updates N (default 300); records k = 0…N. */
  iterations: number;
  /** Seed of the noise init (default 0). */
  seed: number;
  /** Called with each record k = 0…N as soon as it is known. */
  onRecord?: (r: IterationRecord) => void | Promise<void>;
  /** Called after update k (k = 1…N) with the current image (RGB 0–255, clamped and rounded). */
  onUpdate?: (k: number, image: () => Tensor) => void | Promise<void>;
  /**
   * Told the bytes of each intermediate array as soon as it becomes garbage: a platform hook that
   * frees them early (the Node CLI runs V8's collection every 64 MB, v8Collector), which lowers the
   * peak memory of large images by several dead activations. Results do not depend on it.
   */
  release?: ReleaseHook;
}

export const GATYS_DEFAULTS: Readonly<GatysOptions> = {
  contentWeight: 1, styleWeight: 100, tvWeight: 0, init: 'content', optimizer: 'lbfgs', lbfgsHistory: 100,
  lineSearch: null, iterations: 300, seed: 0,
};

/** One line of the log: the objective at the image after `iteration` updates. */
export interface IterationRecord extends LossTerms {
  iteration: number;
  /** Seconds since the optimisation started (targets included). */
  elapsed: number;
  /** Coarse-to-fine level (0 = coarsest) and its image size, when there are several levels. */
  level?: number;
  size?: [number, number];
}

/** Raised when the loss becomes NaN or infinite; names the iteration. */
export class NonFiniteLossError extends Error {
  constructor(readonly iteration: number, readonly terms: LossTerms) {
    super(`style transfer: the loss is not finite at iteration ${iteration} (content ${terms.content}, style ${terms.style}, tv ${terms.tv}, total ${terms.total})`
      + (iteration === 0 ? ': the weights or the images contain NaN or infinite values, or the loss weights are too large' : ': the optimisation diverged (lower --learning-rate or the loss weights)'));
    this.name = 'NonFiniteLossError';
  }
}

/** RGB 0–255 → the network's input space (detached). */
export function toNetworkSpace(vgg: VGG, rgb255: Tensor): Tensor {
  return noGrad(() => vgg.preprocess(rgb255)).detach();
}

/** The network's input space → RGB 0–255, clamped to [0, 255] and rounded (a new tensor). */
export function fromNetworkSpace(vgg: VGG, x: Tensor): Tensor {
  const p = vgg.preprocessing;
  const [h, w] = x.shape.slice(-2), n = h * w, out = new Float32Array(x.size);
  for (let i = 0; i < x.size; i++) {
    const c = Math.floor(i / n) % 3;
    const v = ((p.std === null ? x.data[i] : x.data[i] * p.std[c]) + p.mean[c]) * (p.range === 255 ? 1 : 255);
    out[i] = Math.round(Math.min(255, Math.max(0, v)));
  }
  return new Tensor(out, x.shape);
}

/** Throws naming the first parameter of the network that holds NaN or infinite values. */
export function checkFiniteWeights(vgg: VGG, file = 'weights'): void {
  for (const [name, t] of vgg.namedParameters()) {
    const d = t.data;
    for (let i = 0; i < d.length; i++) {
      if (!Number.isFinite(d[i])) throw new Error(`${file}: ${name} (${vgg.layout[Number(name.split('.')[1])]?.name ?? name}) holds ${Number.isNaN(d[i]) ? 'NaN' : 'infinite'} values (first at index ${i}); the weights are corrupt`);
    }
  }
}

function checkRgb(t: Tensor, what: string): void {
  if (!(t instanceof Tensor) || t.ndim !== 4 || t.shape[0] !== 1 || t.shape[1] !== 3) {
    throw new ShapeError(`style transfer: the ${what} must be an RGB image [1, 3, H, W] (0–255), got ${t instanceof Tensor ? fmt(t.shape) : typeof t}`);
  }
  const i = t.data.findIndex((v) => !Number.isFinite(v));
  if (i >= 0) throw new RangeError(`style transfer: the ${what} has a non-finite pixel value (${t.data[i]} at index ${i})`);
}

function checkOptions(o: GatysOptions): void {
  const posInt = (k: 'iterations' | 'lbfgsHistory', min: number) => {
    if (!Number.isInteger(o[k]) || o[k] < min) throw new RangeError(`style transfer: ${k} must be an integer ≥ ${min}, got ${o[k]}`);
  };
  posInt('iterations', 0);
  posInt('lbfgsHistory', 1);
  if (o.optimizer !== 'lbfgs' && o.optimizer !== 'adam') throw new RangeError(`style transfer: optimizer must be 'lbfgs' or 'adam', got ${JSON.stringify(o.optimizer)}`);
  if (o.learningRate !== undefined && !(o.learningRate > 0 && Number.isFinite(o.learningRate))) {
    throw new RangeError(`style transfer: learningRate must be a finite number > 0, got ${o.learningRate}`);
  }
  if (o.lineSearch !== null && o.lineSearch !== 'strong_wolfe') throw new RangeError(`style transfer: lineSearch must be 'strong_wolfe' or null, got ${JSON.stringify(o.lineSearch)}`);
  if (typeof o.init === 'string' && o.init !== 'content' && o.init !== 'noise') throw new RangeError(`style transfer: init must be 'content', 'noise' or an image, got ${JSON.stringify(o.init)}`);
}

export interface GatysResult {
  /** RGB 0–255 [1, 3, H, W], clamped and rounded. */
  image: Tensor;
  /** The records k = 0…N. */
  records: IterationRecord[];
  /** Objective evaluations done (with gradient, plus the final one without). */
  evaluations: number;
  seconds: number;
}

/**
 * Optimises an image that has the content of `content` and the style of `styles` (all RGB 0–255
 * [1, 3, H, W], used at their own sizes).
 * @example
 *   const vgg = await loadVgg('../shared/models/vgg19-features-conv1_1-conv3_4.safetensors');
 *   const { image, records } = await gatys(vgg, content, [style], { iterations: 300 });
 */
export async function gatys(vgg: VGG, content: Tensor, styles: readonly Tensor[], options: Partial<GatysOptions> = {}): Promise<GatysResult> {
  const o: GatysOptions = { ...GATYS_DEFAULTS, ...stripUndefined(options) };
  checkOptions(o);
  checkRgb(content, 'content image');
  styles.forEach((s, i) => checkRgb(s, styles.length > 1 ? `style image ${i + 1}` : 'style image'));
  checkFiniteWeights(vgg);
  // only the image is optimised: a trainable network is frozen for the run (no weight gradients)
  const trainable = vgg.parameters().filter((p) => p.requiresGrad);
  trainable.forEach((p) => p.requiresGrad_(false));
  try {
    return await optimise(vgg, content, styles, o);
  } finally {
    trainable.forEach((p) => p.requiresGrad_(true));
  }
}

async function optimise(vgg: VGG, content: Tensor, styles: readonly Tensor[], o: GatysOptions): Promise<GatysResult> {
  const t0 = performance.now();
  const defaults = vgg.defaultLayers();
  const objective = new GatysLoss(vgg, toNetworkSpace(vgg, content), styles.map((s) => toNetworkSpace(vgg, s)), {
    contentLayers: parseLayers(o.contentLayers ?? defaults.content, 'content layers'),
    styleLayers: parseLayers(o.styleLayers ?? defaults.style, 'style layers'),
    weights: { content: o.contentWeight, style: o.styleWeight, tv: o.tvWeight },
    blend: o.styleBlendWeights,
    release: o.release,
  });

  // the start image, in network space
  let x: Tensor;
  const [, , h, w] = content.shape;
  if (o.init === 'content') x = toNetworkSpace(vgg, content);
  else if (o.init === 'noise') x = Tensor.randn(content.shape, { rng: new Rng(o.seed), std: 0.001 });
  else {
    checkRgb(o.init, 'init image');
    const img = o.init.shape[2] === h && o.init.shape[3] === w ? o.init : resizeImage(o.init, h, w);
    x = toNetworkSpace(vgg, img);
  }
  x = new Tensor(x.data.slice(), x.shape, true);

  const lr = o.learningRate ?? (o.optimizer === 'lbfgs' ? 1 : 10);
  const opt = o.optimizer === 'lbfgs'
    ? new LBFGS([x], { lr, max_iter: 1, history_size: o.lbfgsHistory, line_search_fn: o.lineSearch })
    : new Adam([x], { lr });
  const records: IterationRecord[] = [];
  let evaluations = 0;
  let k = 0; // updates done
  let pending: LossTerms | null = null; // the terms at x_k (first evaluation of a step)
  // the objective and its gradient by the memory-lean chain backward (losses.ts valueAndGrad)
  const closure = () => {
    x.grad = null; // the optimiser has read it: not kept alive through the next evaluation
    const { terms, grad } = objective.valueAndGrad(x);
    evaluations++;
    if (!Number.isFinite(terms.total)) throw new NonFiniteLossError(k, terms);
    x.grad = grad;
    pending ??= terms;
    return terms.total;
  };
  const record = async (terms: LossTerms) => {
    const r: IterationRecord = { iteration: k, ...terms, elapsed: (performance.now() - t0) / 1000 };
    records.push(r);
    await o.onRecord?.(r);
  };
  const image = () => fromNetworkSpace(vgg, x);
  for (; k < o.iterations;) {
    pending = null;
    if (opt instanceof LBFGS) opt.step(closure);
    else {
      closure();
      opt.step();
    }
    await record(pending!);
    k++;
    await o.onUpdate?.(k, image);
  }
  // the record of x_N: one more evaluation, without a graph
  const last = objective.valueAndGrad(x, false).terms;
  evaluations++;
  if (!Number.isFinite(last.total)) throw new NonFiniteLossError(k, last);
  await record(last);
  return { image: image(), records, evaluations, seconds: (performance.now() - t0) / 1000 };
}

export interface StylizeOptions extends GatysOptions {
  /** Longest side of the result in pixels (default 256: CPU time grows with the pixels); an image already that size is used pixel for pixel. */
  size: number;
  /** Style images are resized to styleScale · size on their longest side (default 1). */
  styleScale: number;
  /** Coarse-to-fine levels (default 1): level i works at size / 2^(levels−1−i) and starts from the previous result. */
  multires: number;
  /** Keep the content photo's colours (luminance transfer, neural-style's -original_colors). */
  originalColors: boolean;
}

export const STYLIZE_DEFAULTS: Readonly<StylizeOptions> = { ...GATYS_DEFAULTS, size: 256, styleScale: 1, multires: 1, originalColors: false };

/**
 * The whole pipeline: images of any size (RGB 0–255 [1, 3, H, W]) → the stylised image at `size`.
 * @example
 *   const { image } = await stylize(vgg, tubingen, [starryNight], { size: 256, iterations: 300 });
 */
export async function stylize(vgg: VGG, content: Tensor, styles: readonly Tensor[], options: Partial<StylizeOptions> = {}): Promise<GatysResult> {
  const o: StylizeOptions = { ...STYLIZE_DEFAULTS, ...stripUndefined(options) };
  checkRgb(content, 'content image');
  if (styles.length === 0) throw new Error('style transfer: give at least one style image');
  styles.forEach((s, i) => checkRgb(s, styles.length > 1 ? `style image ${i + 1}` : 'style image'));
  if (!(o.styleScale > 0 && Number.isFinite(o.styleScale))) throw new RangeError(`style transfer: styleScale must be a finite number > 0, got ${o.styleScale}`);
  const sizes = pyramidSizes(o.size, o.multires);
  let init: GatysOptions['init'] = o.init;
  let result: GatysResult | undefined;
  const records: IterationRecord[] = [];
  let evaluations = 0, seconds = 0;
  let c: Tensor = content;
  for (const [level, size] of sizes.entries()) {
    c = resizeLongestSide(content, size);
    const s = styles.map((st) => resizeLongestSide(st, Math.max(1, Math.round(size * o.styleScale))));
    const multi = sizes.length > 1;
    const [h, w] = c.shape.slice(2);
    result = await gatys(vgg, c, s, {
      ...o,
      init,
      onRecord: o.onRecord === undefined ? undefined : (r) => o.onRecord!(multi ? { ...r, level, size: [w, h] } : r),
      onUpdate: o.onUpdate,
    });
    records.push(...(multi ? result.records.map((r) => ({ ...r, level, size: [w, h] as [number, number] })) : result.records));
    evaluations += result.evaluations;
    seconds += result.seconds;
    init = result.image; // upsampled to the next level's size by gatys()
  }
  let image = result!.image;
  if (o.originalColors) image = originalColors(c, image);
  return { image, records, evaluations, seconds };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
