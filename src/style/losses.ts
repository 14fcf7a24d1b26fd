// The Gatys et al. objective with the exact definitions PyTorch reference scripts use, so that the
// numbers compare term by term (x is the image in the network's input space, [N, 3, H, W]):
//   content = Σ_l w_l · mean((F_l(x) − P_l)²)              P_l = F_l(content image)
//   style   = Σ_l w_l · mean((G_l(x) − A_l)²)              G = gram(F) / (C·H·W) (the oracle's gram)
//   tv      = Σ (x[.., i+1, j] − x[.., i, j])² + Σ (x[.., i, j+1] − x[.., i, j])²
//   total   = content_weight · content + style_weight · style + tv_weight · tv
// A_l = Σ_s b_s · G_l(style image s) with blend weights b summing to 1. Per-layer terms are
// reported with the layer weight w_l applied and without content_weight/style_weight.
// GatysLoss.evaluate is written in ops (autograd's gradient, the reference); valueAndGrad gives the
// same value and gradient through chain.ts with the two derivatives written out (far less memory;
// the tests check it against evaluate).
import { Tensor } from '../tensor.js';
import { enableGrad, noGrad } from '../autograd.js';
import { F } from '../ops/index.js';
import { kernels, releaseResult, resultArray } from '../backend.js';
import { fmt, ShapeError } from '../shape.js';
import type { VGG } from './vgg.js';
import { chainFeatures, chainValueAndGrad, type LayerLossFn, type ReleaseHook } from './chain.js';

/** A layer and its weight in the content or style sum. */
export interface WeightedLayer {
  name: string;
  weight: number;
}

/**
 * Parses a layer list: "relu1_1,relu2_1:0.5" or ['relu1_1', { name: 'relu2_1', weight: 0.5 }];
 * a missing weight is 1. `what` names the option in errors.
 */
export function parseLayers(spec: string | readonly (string | WeightedLayer)[], what = 'layers'): WeightedLayer[] {
  const items = typeof spec === 'string' ? spec.split(',').map((s) => s.trim()).filter((s) => s.length > 0) : [...spec];
  if (items.length === 0) throw new Error(`${what}: give at least one layer (e.g. relu3_2 or relu1_1:1,relu2_1:0.5)`);
  const out = items.map((it): WeightedLayer => {
    if (typeof it !== 'string') return { name: it.name, weight: it.weight };
    const m = /^([A-Za-z0-9_]+)(?::(.*))?$/.exec(it);
    if (m === null) throw new Error(`${what}: cannot read '${it}' (expected name or name:weight, e.g. relu2_1:0.5)`);
    return { name: m[1], weight: m[2] === undefined ? 1 : Number(m[2]) };
  });
  const seen = new Set<string>();
  for (const l of out) {
    if (typeof l.name !== 'string' || l.name.length === 0) throw new Error(`${what}: a layer has no name`);
    if (!Number.isFinite(l.weight) || l.weight < 0) throw new RangeError(`${what}: weight of ${l.name} must be a finite number ≥ 0, got ${l.weight}`);
    if (seen.has(l.name)) throw new Error(`${what}: ${l.name} is listed twice`);
    seen.add(l.name);
  }
  return out;
}

/** Σ of squared differences of vertically and horizontally neighbouring pixels (per channel). */
export function tvLoss(x: Tensor): Tensor {
  if (x.ndim !== 4) throw new ShapeError(`tvLoss: expected [N, C, H, W], got ${fmt(x.shape)}`);
  const [n, c, h, w] = x.shape;
  // every channel as its own image; a [−1, 1] kernel along each axis gives the differences
  const planes = F.reshape(x, { shape: [n * c, 1, h, w] });
  let total: Tensor | null = null;
  if (h > 1) {
    const dv = F.conv2d(planes, Tensor.from([-1, 1], [1, 1, 2, 1]));
    total = F.sum(F.mul(dv, dv));
  }
  if (w > 1) {
    const dh = F.conv2d(planes, Tensor.from([-1, 1], [1, 1, 1, 2]));
    const s = F.sum(F.mul(dh, dh));
    total = total === null ? s : F.add(total, s);
  }
  return total ?? F.mul(F.sum(x), 0);
}

/** mean((F − P)²) for one content layer. */
export function contentLoss(features: Tensor, target: Tensor): Tensor {
  return F.mse_loss(features, target);
}

/** mean((gram(F) − A)²) for one style layer; A is a [N, C, C] (or [1, C, C]) target Gram matrix. */
export function styleLoss(features: Tensor, targetGram: Tensor): Tensor {
  const g = F.gram(features);
  if (g.shape[0] !== targetGram.shape[0]) {
    // the same target for every image of the batch
    return F.mean(F.mul(F.sub(g, targetGram), F.sub(g, targetGram)));
  }
  return F.mse_loss(g, targetGram);
}

export interface LossWeights {
  content: number;
  style: number;
  tv: number;
}

/** One evaluation of the objective: the terms as numbers (per layer too) and the total. */
export interface LossTerms {
  content: number;
  style: number;
  tv: number;
  total: number;
  /** w_l · mean((F − P)²) per content layer. */
  contentLayers: Record<string, number>;
  /** w_l · mean((G − A)²) per style layer. */
  styleLayers: Record<string, number>;
}

/** The smallest image side that keeps every requested layer at least 1 pixel wide. */
export function minImageSide(vgg: VGG, layers: readonly string[]): number {
  const deepest = Math.max(...layers.map((l) => vgg.indexOf(l)));
  const pools = vgg.layout.slice(0, deepest + 1).filter((l) => l.kind === 'pool').length;
  return 2 ** pools;
}

/**
 * gram(h) without a graph. (A function of its own: an arrow `() => F.gram(h)` inside a layer's loss
 * would put h in the context that the returned gradient function shares, and keep it alive.)
 */
function gramOf(h: Tensor): Float32Array {
  return noGrad(() => F.gram(h)).data;
}

/** Channels of S·F computed at a time in layerGrad: at most this many floats of temporary. */
const BAND_FLOATS = 16 << 20;

/**
 * The gradient of one layer's terms at its activation F [1, C, N] (LayerGradFn):
 *   content w·mean((F − P)²):  kc·(F − P),            kc = 2w·content_weight/(C·N)
 *   style   w·mean((G − A)²):  ks·S·F, S = D + Dᵀ,     ks = 2w·style_weight/(C²·C·N), D = G − A
 * (∂/∂F of mean((G − A)²) = (2/C²)·(D + Dᵀ)·F/(C·N)). S·F is computed a band of output channels at
 * a time, so the temporary stays ≤ BAND_FLOATS (a full one is as large as F: 256 MB at relu1_1 of
 * a 1024² image); each element is rounded as float32(float32(kc·(F − P)) + ks·(S·F)), then added (the
 * layer_grad kernel).
 */
export function layerGrad(act: Tensor, into: Float32Array | null, p: Float32Array | null, kc: number, S: Float32Array | null, ks: number,
  bandFloats = BAND_FLOATS, release?: ReleaseHook): Float32Array {
  const f = act.data, [, C, H, W] = act.shape, N = H * W;
  const out = into ?? resultArray(f.length);
  const rows = S === null ? C : Math.max(1, Math.min(C, Math.floor(bandFloats / N)));
  const feats = new Tensor(f, [C, N]);
  // one band per call, so that its S·F rows are garbage (and released) once the call returns
  const band = (r0: number, r1: number): number => {
    const sf = S === null ? null : noGrad(() => F.matmul(new Tensor(S.subarray(r0 * C, r1 * C), [r1 - r0, C]), feats)).data;
    const [j0, j1] = [r0 * N, r1 * N];
    kernels().layer_grad(j1 - j0, f.subarray(j0, j1), p === null ? null : p.subarray(j0, j1), kc, sf, ks, out.subarray(j0, j1), into !== null);
    return sf === null || releaseResult(sf) ? 0 : sf.byteLength;
  };
  for (let r0 = 0; r0 < C; r0 += rows) {
    const bytes = band(r0, Math.min(C, r0 + rows));
    if (bytes > 0) release?.(bytes);
  }
  return out;
}

/**
 * The Gatys objective for fixed targets: build it once from the content and style images (targets
 * are computed without a graph), then evaluate it at any image x (network input space).
 */
export class GatysLoss {
  readonly vgg: VGG;
  readonly contentLayers: WeightedLayer[];
  readonly styleLayers: WeightedLayer[];
  readonly weights: LossWeights;
  /** P_l, by content layer. */
  readonly contentTargets = new Map<string, Tensor>();
  /** A_l (blended), by style layer. */
  readonly styleTargets = new Map<string, Tensor>();
  private readonly layers: string[];
  private readonly release?: ReleaseHook;

  /**
   * @param content the content image in network space [1, 3, H, W]
   * @param styles style images in network space (any sizes), blended with `blend` (normalised to sum 1)
   */
  constructor(vgg: VGG, content: Tensor, styles: readonly Tensor[], opts: {
    contentLayers: WeightedLayer[]; styleLayers: WeightedLayer[]; weights: LossWeights; blend?: readonly number[];
    /** Told the bytes of every array the chain drops (chainValueAndGrad's hook; kept for valueAndGrad). */
    release?: ReleaseHook;
  }) {
    this.vgg = vgg;
    this.contentLayers = opts.contentLayers;
    this.styleLayers = opts.styleLayers;
    this.weights = opts.weights;
    this.release = opts.release;
    for (const [k, v] of Object.entries(this.weights)) {
      if (!Number.isFinite(v) || v < 0) throw new RangeError(`style transfer: ${k} weight must be a finite number ≥ 0, got ${v}`);
    }
    // every name must exist in the weights (the error lists the available layers)
    for (const l of [...this.contentLayers, ...this.styleLayers]) vgg.indexOf(l.name);
    this.layers = [...new Set([...this.contentLayers, ...this.styleLayers].map((l) => l.name))];
    if (styles.length === 0) throw new Error('style transfer: give at least one style image');
    const blend = opts.blend ?? styles.map(() => 1);
    if (blend.length !== styles.length) {
      throw new Error(`style transfer: ${blend.length} style blend weights for ${styles.length} style images`);
    }
    if (blend.some((b) => !Number.isFinite(b) || b < 0) || blend.every((b) => b === 0)) {
      throw new RangeError(`style transfer: style blend weights must be finite, ≥ 0 and not all 0, got ${blend.join(', ')}`);
    }
    const bsum = blend.reduce((a, b) => a + b, 0);
    const check = (t: Tensor, what: string, layers: readonly string[]) => {
      if (t.ndim !== 4 || t.shape[0] !== 1 || t.shape[1] !== 3) throw new ShapeError(`style transfer: the ${what} must be [1, 3, H, W], got ${fmt(t.shape)}`);
      const min = minImageSide(vgg, layers);
      if (t.shape[2] < min || t.shape[3] < min) {
        throw new RangeError(`style transfer: the ${what} is ${t.shape[3]}×${t.shape[2]} px; layer ${layers.join('/')} needs at least ${min}×${min}`);
      }
    };
    noGrad(() => {
      const cNames = this.contentLayers.map((l) => l.name);
      check(content, 'content image', cNames);
      const feats = chainFeatures(vgg, content, cNames.map((n) => vgg.indexOf(n)), this.release);
      for (const n of cNames) this.contentTargets.set(n, feats.get(vgg.indexOf(n))!);
      const sNames = this.styleLayers.map((l) => l.name);
      styles.forEach((s, i) => {
        check(s, `style image ${styles.length > 1 ? i + 1 : ''}`.trim(), sNames);
        // each Gram matrix when the forward reaches its layer: the style features are not kept
        const grams = new Map<string, Tensor>();
        chainValueAndGrad(vgg, s, new Map(sNames.map((n) => [vgg.indexOf(n), (h: Tensor) => {
          const gm = F.gram(h);
          grams.set(n, new Tensor(gm.data.slice(), gm.shape)); // a copy: it outlives the chain's scope
          return null;
        }])), false, this.release);
        for (const n of sNames) {
          const g = F.mul(grams.get(n)!, blend[i] / bsum);
          const prev = this.styleTargets.get(n);
          this.styleTargets.set(n, prev === undefined ? g : F.add(prev, g));
        }
      });
    });
    for (const [n, t] of [...this.contentTargets, ...this.styleTargets]) {
      if (!t.data.every(Number.isFinite)) throw new Error(`style transfer: the ${this.contentTargets.get(n) === t ? 'content' : 'style'} features at ${n} are not finite (NaN or infinite weights or pixels?)`);
    }
  }

  /**
   * The terms at x (network space) and, if wantGrad, ∂total/∂x — by a hand-run backward through the
   * VGG (chain.ts), which keeps far less memory alive than the graph of evaluate(); same values.
   */
  valueAndGrad(x: Tensor, wantGrad = true): { terms: LossTerms; grad: Tensor | null } {
    this.checkSize(x);
    if (x.ndim !== 4 || x.shape[0] !== 1) throw new ShapeError(`style transfer: valueAndGrad takes one image [1, 3, H, W], got ${fmt(x.shape)}`);
    const { content: cw, style: sw, tv: tw } = this.weights;
    const f32 = Math.fround;
    const contentLayers: Record<string, number> = {}, styleLayers: Record<string, number> = {};
    const fns = new Map<number, LayerLossFn>();
    for (const name of this.layers) {
      const c = this.contentLayers.find((l) => l.name === name), s = this.styleLayers.find((l) => l.name === name);
      fns.set(this.vgg.indexOf(name), (h, withGrad) => {
        const f = h.data, n = f.length, [, C] = h.shape;
        let p: Float32Array | null = null;
        if (c !== undefined) {
          // w·mean((F − P)²)
          p = this.contentTarget(name, h).data;
          let acc = 0;
          for (let i = 0; i < n; i++) {
            const d = f[i] - p[i];
            acc += d * d;
          }
          contentLayers[name] = f32(c.weight * f32(acc / n));
        }
        let S: Float32Array | null = null;
        if (s !== undefined) {
          // w·mean((G − A)²), G = F·Fᵀ/(C·N)
          const G = gramOf(h), A = this.styleTargets.get(name)!.data;
          const D = new Float32Array(C * C);
          let acc = 0;
          for (let i = 0; i < C * C; i++) acc += (D[i] = G[i] - A[i]) ** 2;
          styleLayers[name] = f32(s.weight * f32(acc / (C * C)));
          if (withGrad) {
            S = new Float32Array(C * C);
            for (let i = 0; i < C; i++) for (let j = 0; j < C; j++) S[i * C + j] = D[i * C + j] + D[j * C + i];
          }
        }
        if (!withGrad) return null;
        const kc = c === undefined ? 0 : (2 * c.weight * cw) / n;
        const ks = s === undefined ? 0 : (2 * s.weight * sw) / (C * C * n);
        return (act, into) => layerGrad(act, into, p, kc, S, ks, BAND_FLOATS, this.release);
      });
    }
    const grad = chainValueAndGrad(this.vgg, x, fns, wantGrad, this.release);
    // the terms summed in float32 in the order evaluate() adds them (layers in the order given)
    let content = 0, style = 0;
    const cl: Record<string, number> = {}, sl: Record<string, number> = {};
    for (const l of this.contentLayers) content = f32(content + (cl[l.name] = contentLayers[l.name]));
    for (const l of this.styleLayers) style = f32(style + (sl[l.name] = styleLayers[l.name]));
    // (a number operand of an op is a float32 scalar)
    let total = f32(f32(content * f32(cw)) + f32(style * f32(sw)));
    let tv: number;
    if (tw !== 0 && wantGrad) {
      const xt = new Tensor(x.data, x.shape, true);
      let tv0: Tensor | undefined;
      const t = enableGrad(() => F.mul((tv0 = tvLoss(xt)), tw));
      t.backward();
      tv = tv0!.data[0];
      const g = grad!.data, gt = xt.grad!.data;
      for (let i = 0; i < g.length; i++) g[i] += gt[i];
      total = f32(total + t.data[0]);
    } else {
      tv = noGrad(() => tvLoss(x)).data[0];
      if (tw !== 0) total = f32(total + f32(tv * f32(tw)));
    }
    return { terms: { content, style, tv, total, contentLayers: cl, styleLayers: sl }, grad };
  }

  private contentTarget(name: string, f: Tensor): Tensor {
    const p = this.contentTargets.get(name)!;
    if (f.shape.join() !== p.shape.join()) {
      throw new ShapeError(`style transfer: the image gives ${name} features ${fmt(f.shape)} but the content target is ${fmt(p.shape)}: the image must have the content image's size`);
    }
    return p;
  }

  private checkSize(x: Tensor): void {
    const [, , h, w] = x.shape;
    const min = minImageSide(this.vgg, this.layers);
    if (h < min || w < min) throw new RangeError(`style transfer: the image is ${w}×${h} px; layers ${this.layers.join(', ')} need at least ${min}×${min}`);
  }

  /** The loss at x (network space) as a tensor (graph recorded when grads are enabled) and its terms. */
  evaluate(x: Tensor): { loss: Tensor; terms: LossTerms } {
    this.checkSize(x);
    const feats = this.vgg.forward(x, this.layers);
    const contentLayers: Record<string, number> = {}, styleLayers: Record<string, number> = {};
    let content: Tensor | null = null, style: Tensor | null = null;
    for (const l of this.contentLayers) {
      const f = feats.get(l.name)!, p = this.contentTarget(l.name, f);
      const t = F.mul(contentLoss(f, p), l.weight);
      contentLayers[l.name] = t.data[0];
      content = content === null ? t : F.add(content, t);
    }
    for (const l of this.styleLayers) {
      const t = F.mul(styleLoss(feats.get(l.name)!, this.styleTargets.get(l.name)!), l.weight);
      styleLayers[l.name] = t.data[0];
      style = style === null ? t : F.add(style, t);
    }
    const { content: cw, style: sw, tv: tw } = this.weights;
    const zero = () => F.mul(F.sum(x), 0);
    content ??= zero();
    style ??= zero();
    let total = F.add(F.mul(content, cw), F.mul(style, sw));
    // the TV value is always reported; it joins the graph only when it is weighted
    const t = tw === 0 ? noGrad(() => tvLoss(x)) : tvLoss(x);
    if (tw !== 0) total = F.add(total, F.mul(t, tw));
    return {
      loss: total,
      terms: { content: content.data[0], style: style.data[0], tv: t.data[0], total: total.data[0], contentLayers, styleLayers },
    };
  }
}
