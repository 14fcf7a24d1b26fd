// Value and input gradient of losses attached to layers of a frozen VGG, computed by running the
// chain forward and then backward by hand, layer by layer, instead of recording one autograd graph
// over the whole network. Same mathematics as autograd on GatysLoss.evaluate (the tests check the
// gradients agree), but what stays alive between the passes is only:
//   - one byte per ReLU element (its mask) and the argmax of each max pool,
//   - ∂loss/∂h at each loss layer (given by the layer's loss function when the forward reaches it),
// while autograd keeps every conv output and every ReLU output (≈ 2 GB through relu3_2 at 1024²).
// ReLUs run in place on the conv output they follow. The per-layer steps are ops:
//   conv   forward F.conv2d,           backward F.conv_transpose2d(g, W) (∂x of conv2d)
//   relu   forward max(h, 0) in place, backward g ⊙ [h > 0] in place
//   pool   forward 2×2/2 max (argmax kept) or F.avg_pool2d, backward F.max_pool2d_backward / F.avg_pool2d_backward
import { Tensor } from '../tensor.js';
import { noGrad } from '../autograd.js';
import { F } from '../ops/index.js';
import { Conv2d } from '../nn/conv.js';
import { AvgPool2d, MaxPool2d } from '../nn/pooling.js';
import type { VGG } from './vgg.js';

/**
 * The loss of one layer: records its value itself and returns ∂loss/∂h (a new array the chain may
 * modify, h's size) when wantGrad, else null. h must not be modified.
 */
export type LayerLossFn = (h: Tensor, wantGrad: boolean) => Float32Array | null;

/** d = max(d, 0); mask[j] = 1 where d[j] > 0 (NaN → 0, as the relu op). */
function reluInPlace(d: Float32Array, mask: Uint8Array | null): void {
  const n = d.length;
  if (mask === null) {
    for (let j = 0; j < n; j++) if (!(d[j] > 0)) d[j] = 0;
    return;
  }
  for (let j = 0; j < n; j++) {
    if (d[j] > 0) mask[j] = 1;
    else d[j] = 0;
  }
}

/** g[j] = 0 where mask[j] = 0. */
function maskInPlace(g: Float32Array, mask: Uint8Array): void {
  const n = g.length;
  for (let j = 0; j < n; j++) if (mask[j] === 0) g[j] = 0;
}

function addInPlace(a: Float32Array, b: Float32Array): void {
  const n = a.length;
  for (let j = 0; j < n; j++) a[j] += b[j];
}

/** 2×2 stride-2 max pool (floor mode) with the argmax as flat indices in each H×W plane (max_pool2d's). */
function maxPool2x2(h: Tensor): { out: Tensor; indices: Tensor } {
  const [n, c, H, W] = h.shape, ho = Math.floor(H / 2), wo = Math.floor(W / 2);
  const src = h.data, out = new Float32Array(n * c * ho * wo), idx = new Float32Array(out.length);
  let o = 0;
  for (let p = 0; p < n * c; p++) {
    const base = p * H * W;
    for (let i = 0; i < ho; i++) {
      for (let j = 0; j < wo; j++, o++) {
        // max_pool2d's scan: row-major over the window, NaN wins, ties keep the first
        const k0 = 2 * i * W + 2 * j, k2 = k0 + W;
        let at = k0, best = src[base + k0];
        let v = src[base + k0 + 1];
        if (v > best || v !== v) { best = v; at = k0 + 1; }
        v = src[base + k2];
        if (v > best || v !== v) { best = v; at = k2; }
        v = src[base + k2 + 1];
        if (v > best || v !== v) { best = v; at = k2 + 1; }
        out[o] = best;
        idx[o] = at;
      }
    }
  }
  return { out: new Tensor(out, [n, c, ho, wo]), indices: new Tensor(idx, [n, c, ho, wo]) };
}

/**
 * Runs the VGG on x (its input space) up to the deepest layer in `losses`, calls each layer's
 * loss on its activations, and (if wantGrad) returns ∂(Σ losses)/∂x.
 */
export function chainValueAndGrad(vgg: VGG, x: Tensor, losses: ReadonlyMap<number, LayerLossFn>, wantGrad: boolean): Tensor | null {
  const mods = vgg.features.children();
  const last = Math.max(...losses.keys());
  if (!(last < mods.length)) throw new Error(`chainValueAndGrad: layer index ${last} is past the network's ${mods.length} layers`);
  const masks: (Uint8Array | null)[] = [], pools: (Tensor | null)[] = [], grads: (Float32Array | null)[] = [];
  const inShapes: number[][] = [], outShapes: number[][] = [];
  let h = new Tensor(x.data, x.shape);
  noGrad(() => {
    for (let i = 0; i <= last; i++) {
      const m = mods[i], inShape = h.shape;
      masks.push(null);
      pools.push(null);
      if (m instanceof Conv2d) {
        if (m.stride.some((s) => s !== 1) || m.dilation.some((d) => d !== 1) || m.groups !== 1) throw new Error('chainValueAndGrad: only stride-1, undilated, ungrouped convolutions');
        h = F.conv2d(h, m.weight, m.bias, { padding: m.padding });
      } else if (m instanceof MaxPool2d) {
        const plain = m.kernel_size.every((k) => k === 2) && m.stride.every((s) => s === 2) && m.padding.every((p) => p === 0) && m.dilation.every((d) => d === 1) && !m.ceil_mode;
        if (!plain) throw new Error('chainValueAndGrad: only 2×2 stride-2 max pooling');
        const r = maxPool2x2(h);
        h = r.out;
        if (wantGrad) pools[i] = r.indices;
      } else if (m instanceof AvgPool2d) {
        h = m.forward(h);
      } else {
        // ReLU: in place on a conv output this function owns, else on a copy
        const own = i > 0 && mods[i - 1] instanceof Conv2d;
        const d = own ? h.data : h.data.slice();
        const mask = wantGrad ? new Uint8Array(d.length) : null;
        reluInPlace(d, mask);
        h = new Tensor(d, h.shape);
        masks[i] = mask;
      }
      inShapes.push(inShape.slice());
      outShapes.push(h.shape.slice());
      const loss = losses.get(i);
      grads.push(loss === undefined ? null : loss(h, wantGrad));
    }
  });
  if (!wantGrad) return null;
  let g: Float32Array | null = null;
  noGrad(() => {
    for (let i = last; i >= 0; i--) {
      const gl = grads[i];
      if (gl !== null) {
        if (g === null) g = gl;
        else addInPlace(g, gl);
      }
      grads[i] = null;
      if (g === null) continue;
      const m = mods[i], inShape = inShapes[i];
      const gt = (d: Float32Array) => new Tensor(d, outShapes[i]);
      if (m instanceof Conv2d) g = F.conv_transpose2d(gt(g), m.weight, null, { padding: m.padding }).data;
      else if (m instanceof MaxPool2d) g = F.max_pool2d_backward(gt(g), pools[i]!, { input_size: inShape.slice(-2) }).data;
      else if (m instanceof AvgPool2d) {
        g = F.avg_pool2d_backward(gt(g), {
          kernel_size: m.kernel_size, stride: m.stride, padding: m.padding, ceil_mode: m.ceil_mode, count_include_pad: m.count_include_pad, input_size: inShape.slice(-2),
        }).data;
      } else {
        maskInPlace(g, masks[i]!);
      }
      masks[i] = null;
      pools[i] = null;
    }
  });
  return g === null ? Tensor.zeros(x.shape) : new Tensor(g, x.shape);
}

/**
 * The activations of `layers` (by features index) for x, without a graph, ReLUs in place: the
 * forward half of chainValueAndGrad (for the content and style targets).
 */
export function chainFeatures(vgg: VGG, x: Tensor, layers: readonly number[]): Map<number, Tensor> {
  const out = new Map<number, Tensor>();
  // a conv output is overwritten by the in-place ReLU after it: return a copy of those
  const mods = vgg.features.children(), last = Math.max(...layers);
  chainValueAndGrad(vgg, x, new Map(layers.map((i) => [i, (h: Tensor) => {
    out.set(i, mods[i] instanceof Conv2d && i < last ? new Tensor(h.data.slice(), h.shape) : h);
    return null;
  }])), false);
  return out;
}
