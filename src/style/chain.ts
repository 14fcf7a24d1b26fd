// Value and input gradient of losses attached to layers of a frozen VGG, computed by running the
// chain forward and then backward by hand, layer by layer, instead of recording one autograd graph
// over the whole network. Same mathematics as autograd on GatysLoss.evaluate (the tests check the
// gradients agree), but what stays alive between the passes is only:
//   - one bit per ReLU element (its mask) and the argmax of each max pool,
//   - ∂loss/∂h at each loss layer (computed when the forward reaches it), except at the image's
//     first convolution and its ReLU: their gradient would be the largest array of the chain (64
//     channels at full size), so the backward recomputes that activation (one conv with Cin = 3,
//     ~1/20 of conv1_2's work) and adds the gradient only then,
// while autograd keeps every conv output and every ReLU output (≈ 2 GB through relu3_2 at 1024²).
// ReLUs run in place on the conv output they follow. The whole chain runs in a result scope
// (backend.resultScope): with a pooled WASM backend every activation and gradient lives in the
// kernels' memory, so convolutions read and write them in place instead of copying each one in and
// out (≈ 12 % of an iteration at 256², one thread), and the chain frees each one the moment it is
// dead (backend.releaseResult), as the plain arrays of other backends are left to the collector.
// Loss callbacks run inside that scope: a tensor one keeps must be copied out (data.slice()).
// The per-layer steps are ops:
//   conv   forward F.conv2d,           backward F.conv_transpose2d(g, W) (∂x of conv2d)
//   relu   forward max(h, 0) in place, backward g ⊙ [h > 0] in place (kernel relu_mask: the mask as bits)
//   pool   forward 2×2/2 max (argmax kept) or F.avg_pool2d, backward F.max_pool2d_backward / F.avg_pool2d_backward
import { Tensor } from '../tensor.js';
import { noGrad } from '../autograd.js';
import { isResident, kernels, releaseResult, resultArray, resultScope } from '../backend.js';
import { F } from '../ops/index.js';
import { Conv2d } from '../nn/conv.js';
import { AvgPool2d, MaxPool2d } from '../nn/pooling.js';
import type { Module } from '../nn/module.js';
import type { VGG } from './vgg.js';

/**
 * A layer loss's gradient as a function of the layer's activation h: with `into` null it returns
 * ∂loss/∂h as a new array (float32, the chain may modify it); else it adds it into `into`
 * (into[j] = float32(into[j] + ∂loss/∂h[j]), the same rounding as adding the new array) and returns into.
 */
export type LayerGradFn = (h: Tensor, into: Float32Array | null) => Float32Array;

/**
 * The loss of one layer: records its value itself (h must not be modified) and, when wantGrad,
 * returns its gradient function (the chain calls it with this h, or later with h recomputed).
 */
export type LayerLossFn = (h: Tensor, wantGrad: boolean) => LayerGradFn | null;

/** Told the bytes of each array the chain has stopped using (e.g. to collect garbage every so many MB). */
export type ReleaseHook = (bytes: number) => void;

function addInPlace(a: Float32Array, b: Float32Array): void {
  const n = a.length;
  for (let j = 0; j < n; j++) a[j] += b[j];
}

/** 2×2 stride-2 max pool (floor mode) with the argmax as flat indices in each H×W plane (max_pool2d's kernel). */
function maxPool2x2(h: Tensor): { out: Tensor; indices: Tensor } {
  const [n, c, H, W] = h.shape, ho = Math.floor(H / 2), wo = Math.floor(W / 2);
  const out = resultArray(n * c * ho * wo), idx = resultArray(out.length);
  kernels().max_pool2d(h.data, { planes: n * c, h: H, w: W, ho, wo, kh: 2, kw: 2, sh: 2, sw: 2, ph: 0, pw: 0, dh: 1, dw: 1 }, out, idx);
  return { out: new Tensor(out, [n, c, ho, wo]), indices: new Tensor(idx, [n, c, ho, wo]) };
}

/** What the backward of one layer needs from its forward. */
interface Saved {
  /** relu_mask's bits (⌈n / 32⌉ words in a Float32Array). */
  mask: Float32Array | null;
  indices: Tensor | null;
}

/** Module i of the chain on h; with `save`, what its backward needs. ReLUs run in place on a conv output. */
function forwardLayer(mods: readonly Module[], i: number, h: Tensor, save: boolean): [Tensor, Saved] {
  const m = mods[i], saved: Saved = { mask: null, indices: null };
  if (m instanceof Conv2d) {
    if (m.stride.some((s) => s !== 1) || m.dilation.some((d) => d !== 1) || m.groups !== 1) throw new Error('chainValueAndGrad: only stride-1, undilated, ungrouped convolutions');
    return [F.conv2d(h, m.weight, m.bias, { padding: m.padding }), saved];
  }
  if (m instanceof MaxPool2d) {
    const plain = m.kernel_size.every((k) => k === 2) && m.stride.every((s) => s === 2) && m.padding.every((p) => p === 0) && m.dilation.every((d) => d === 1) && !m.ceil_mode;
    if (!plain) throw new Error('chainValueAndGrad: only 2×2 stride-2 max pooling');
    const r = maxPool2x2(h);
    if (save) saved.indices = r.indices;
    return [r.out, saved];
  }
  if (m instanceof AvgPool2d) return [m.forward(h), saved];
  // ReLU: in place on a conv output this function owns, else on a copy
  const own = i > 0 && mods[i - 1] instanceof Conv2d;
  const d = own ? h.data : h.data.slice();
  if (save) saved.mask = resultArray((d.length + 31) >> 5);
  kernels().relu_mask(d, d.length, saved.mask, false);
  return [new Tensor(d, h.shape), saved];
}

/** Layer i is the image's first conv or the activation right after it (cheap to recompute). */
function recomputable(mods: readonly Module[], i: number): boolean {
  return mods[0] instanceof Conv2d && (i === 0 || (i === 1 && !(mods[1] instanceof Conv2d || mods[1] instanceof MaxPool2d || mods[1] instanceof AvgPool2d)));
}

/** Frees arr now if it is a result of the chain's scope (0), else its bytes (the collector's to free). */
function drop(arr: Float32Array): number {
  return releaseResult(arr) ? 0 : arr.byteLength;
}

/**
 * Runs the VGG on x (its input space) up to the deepest layer in `losses`, calls each layer's
 * loss on its activations, and (if wantGrad) returns ∂(Σ losses)/∂x. `release` (optional) is told
 * the bytes of each plain array the chain stops using, as soon as it does: a dead typed array is
 * freed only when the JS engine next collects, and a busy chain otherwise leaves several dead
 * activations alive (≈ 0.4 GB at 1024²), so the Node CLI collects every 64 MB (v8Collector).
 * (Arrays in the kernels' memory are freed by the chain itself and not reported.)
 */
export function chainValueAndGrad(vgg: VGG, x: Tensor, losses: ReadonlyMap<number, LayerLossFn>, wantGrad: boolean, release?: ReleaseHook): Tensor | null {
  const mods = vgg.features.children();
  const last = Math.max(...losses.keys());
  if (!(last < mods.length)) throw new Error(`chainValueAndGrad: layer index ${last} is past the network's ${mods.length} layers`);
  return resultScope(() => {
    const g = chainInScope(mods, x, last, losses, wantGrad, release);
    // the gradient leaves the scope: a plain copy when it lives in the kernels' memory
    return g === null ? null : new Tensor(isResident(g.data) ? g.data.slice() : g.data, g.shape);
  });
}

function chainInScope(mods: readonly Module[], x: Tensor, last: number, losses: ReadonlyMap<number, LayerLossFn>, wantGrad: boolean, release?: ReleaseHook): Tensor | null {
  const saved: (Saved | null)[] = [], grads: (Float32Array | LayerGradFn | null)[] = [];
  const inShapes: number[][] = [], outShapes: number[][] = [];
  // Each layer's step is a function of its own returning the bytes of plain arrays it stopped using:
  // the hook runs after that frame is gone, when no stack slot still points at those arrays.
  let h = new Tensor(x.data, x.shape);
  const forwardStep = (i: number): number => {
    const inShape = h.shape, input = h.data;
    let s: Saved;
    [h, s] = forwardLayer(mods, i, h, wantGrad);
    saved.push(s);
    inShapes.push(inShape.slice());
    outShapes.push(h.shape.slice());
    const fn = losses.get(i)?.(h, wantGrad) ?? null;
    // the deepest layer's gradient is used at once: recomputing it would gain nothing
    grads.push(fn === null || (i < last && recomputable(mods, i)) ? fn : fn(h, null));
    return input !== h.data && input !== x.data ? drop(input) : 0;
  };
  const layers = [...Array(last + 1).keys()];
  const steps = (order: number[], step: (i: number) => number) => noGrad(() => {
    for (const i of order) {
      const bytes = step(i);
      if (bytes > 0) release?.(bytes);
    }
  });
  steps(layers, forwardStep);
  if (!wantGrad) return null;
  let g: Float32Array | null = null;
  const backwardStep = (i: number): number => {
    let freed = 0;
    const gl = grads[i];
    grads[i] = null;
    if (typeof gl === 'function') {
      let r = new Tensor(x.data, x.shape);
      for (let j = 0; j <= i; j++) r = forwardLayer(mods, j, r, false)[0];
      g = gl(r, g);
      freed += drop(r.data);
    } else if (gl !== null) {
      if (g === null) g = gl;
      else {
        addInPlace(g, gl);
        freed += drop(gl);
      }
    }
    const s = saved[i]!;
    saved[i] = null;
    if (g === null) return freed;
    const m = mods[i], inShape = inShapes[i], gOut: Float32Array = g;
    const gt = (d: Float32Array) => new Tensor(d, outShapes[i]);
    if (m instanceof Conv2d) g = F.conv_transpose2d(gt(g), m.weight, null, { padding: m.padding }).data;
    else if (m instanceof MaxPool2d) {
      g = F.max_pool2d_backward(gt(g), s.indices!, { input_size: inShape.slice(-2) }).data;
      freed += drop(s.indices!.data);
    }
    else if (m instanceof AvgPool2d) {
      g = F.avg_pool2d_backward(gt(g), {
        kernel_size: m.kernel_size, stride: m.stride, padding: m.padding, ceil_mode: m.ceil_mode, count_include_pad: m.count_include_pad, input_size: inShape.slice(-2),
      }).data;
    } else {
      kernels().relu_mask(g, g.length, s.mask!, true);
      freed += drop(s.mask!);
    }
    return freed + (gOut !== g ? drop(gOut) : 0);
  };
  steps(layers.reverse(), backwardStep);
  return g === null ? Tensor.zeros(x.shape) : new Tensor(g, x.shape);
}

/**
 * The activations of `layers` (by features index) for x, without a graph, ReLUs in place: the
 * forward half of chainValueAndGrad (for the content and style targets).
 */
export function chainFeatures(vgg: VGG, x: Tensor, layers: readonly number[], release?: ReleaseHook): Map<number, Tensor> {
  const out = new Map<number, Tensor>();
  // copies: the chain's arrays die with its scope, and a conv output is overwritten by the in-place ReLU after it
  chainValueAndGrad(vgg, x, new Map(layers.map((i) => [i, (h: Tensor) => {
    out.set(i, new Tensor(h.data.slice(), h.shape));
    return null;
  }])), false, release);
  return out;
}
