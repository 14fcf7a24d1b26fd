// Arbitrary style transfer by adaptive instance normalisation (Huang & Belongie 2017):
//   t = AdaIN(f(c), f(s)) = σ(f(s))·(f(c) − μ(f(c)))/σ(f(c)) + μ(f(s))   per sample and channel over H×W
//   image = g(α·t + (1 − α)·f(c))
// f = a frozen VGG up to `layer` (the deepest of relu4_1, relu3_1 the weights hold), g = a decoder
// trained here that mirrors f (each conv reversed, nearest ×2 where f pools, reflection padding,
// ReLU after every conv but the last). Several styles mix as t = Σ w_k AdaIN(f(c), f(s_k)).
// Colour preservation keeps the content's chrominance (src/style/colors.ts originalColors).
// NOTE: the decoder outputs the VGG's INPUT space (e.g. 0–255 minus the ImageNet mean), turned
// into RGB 0–255 by deprocess: a freshly initialised decoder then starts near a grey image
// instead of black, which shortens training a lot.
// Training (Huang's loss): L = mean((f(g(t)) − t)²) + λ·Σ_l [mean((μ_l(g(t)) − μ_l(s))²) + mean((σ_l(g(t)) − σ_l(s))²)]
// over style layers relu1_1, relu2_1, relu3_1 (, relu4_1) of the same VGG, t detached.
import { Tensor } from '../tensor.js';
import { noGrad } from '../autograd.js';
import { F } from '../ops/index.js';
import { Rng } from '../rng.js';
import { fmt, ShapeError } from '../shape.js';
import { Module } from '../nn/module.js';
import { Sequential } from '../nn/container.js';
import { Conv2d } from '../nn/conv.js';
import { ReLU } from '../nn/activation.js';
import { ReflectionPad2d } from '../nn/padding.js';
import { Upsample } from '../nn/upsampling.js';
import { Adam } from '../optim/adam.js';
import { vggLayout, type VGG } from '../style/vgg.js';
import { originalColors } from '../style/colors.js';
import { resultScope } from '../backend.js';
import { CropSampler, checkFinite, restoreState, scopedStep, snapshotState, type TrainerState } from './train.js';

/** Per sample and channel: mean and √(biased variance + eps) over H×W, each [N, C, 1, 1]. */
export function meanStd(f: Tensor, eps = 1e-5): { mean: Tensor; std: Tensor } {
  if (f.ndim !== 4) throw new ShapeError(`meanStd: expected features [N, C, H, W], got ${fmt(f.shape)}`);
  const mean = F.mean(f, { dim: [2, 3], keepdim: true });
  const d = F.sub(f, mean);
  return { mean, std: F.sqrt(F.add(F.mean(F.mul(d, d), { dim: [2, 3], keepdim: true }), eps)) };
}

/** AdaIN(x, y): x's features renormalised to y's per-channel mean and deviation; y has x's batch or a batch of 1. */
export function adain(x: Tensor, y: Tensor, eps = 1e-5): Tensor {
  if (x.ndim !== 4 || y.ndim !== 4 || x.shape[1] !== y.shape[1] || (y.shape[0] !== x.shape[0] && y.shape[0] !== 1)) {
    throw new ShapeError(`adain: content features ${fmt(x.shape)} and style features ${fmt(y.shape)} must be [N, C, H, W] with the same C and N (or a style batch of 1)`);
  }
  const s = meanStd(y, eps);
  return F.add(F.mul(F.instance_norm.run({ x }, { eps }), s.std), s.mean);
}

/** The encoder layer: relu4_1 when the weights hold it, else relu3_1. */
export function defaultAdainLayer(vgg: VGG): string {
  const have = new Set(vgg.layerNames());
  if (have.has('relu4_1')) return 'relu4_1';
  if (have.has('relu3_1')) return 'relu3_1';
  throw new Error(`AdaIN: the VGG weights end before relu3_1 (available: ${vgg.layerNames().join(', ')})`);
}

/** The VGG's mirror from `layer` back to an image (see the header); state-dict names `layers.<i>.weight`. */
export class AdainDecoder extends Module {
  readonly layer: string;
  readonly layers: Sequential;
  /** The input is [N, C, H/2^k, W/2^k]: the output is 2^k times larger. */
  readonly scale: number;
  constructor(layer: string, opts: { rng?: Rng } = {}) {
    super();
    const layout = vggLayout('vgg19');
    const end = layout.findIndex((l) => l.name === layer);
    if (end < 0 || layout[end].kind !== 'relu') throw new Error(`AdainDecoder: '${layer}' is not a VGG-19 ReLU layer (e.g. relu3_1, relu4_1)`);
    const convs = layout.slice(0, end).filter((l) => l.kind === 'conv').reverse();
    const mods: Module[] = [];
    let scale = 1;
    for (const [i, c] of convs.entries()) {
      const [cout, cin] = c.channels!;
      mods.push(new ReflectionPad2d(1), new Conv2d(cout, cin, 3, { rng: opts.rng }));
      if (i < convs.length - 1) mods.push(new ReLU());
      if (layout[c.index - 1]?.kind === 'pool') {
        mods.push(new Upsample({ scale_factor: 2 }));
        scale *= 2;
      }
    }
    this.layer = layer;
    this.scale = scale;
    this.layers = this.registerModule('layers', new Sequential(...mods));
  }
  forward(t: Tensor): Tensor {
    return this.layers.forward(t);
  }
}

/** The inverse of vgg.preprocess: the VGG's input space → RGB 0–255. */
export function deprocess(vgg: VGG, x: Tensor): Tensor {
  const p = vgg.preprocessing, shape = [1, 3, 1, 1];
  let y = p.std === null ? x : x.mul(Tensor.from(p.std, shape));
  y = y.add(Tensor.from(p.mean, shape));
  return p.range === 255 ? y : y.mul(255);
}

export interface AdainStylizeOptions {
  /** Style strength in [0, 1]: 0 gives the content back through the decoder (default 1). */
  alpha?: number;
  /** One weight per style image (normalised to sum 1; default equal). */
  weights?: readonly number[];
  /** Keep the content's colours (luminance transfer). */
  preserveColor?: boolean;
}

/** Encoder + decoder for inference: RGB 0–255 in, RGB 0–255 out (the content's size). */
export class AdainStylizer {
  constructor(readonly vgg: VGG, readonly decoder: AdainDecoder) {
    vgg.indexOf(decoder.layer);
  }

  encode(rgb255: Tensor): Tensor {
    return this.vgg.extract(rgb255, [this.decoder.layer]).get(this.decoder.layer)!;
  }

  /** content [1, 3, H, W], styles [1, 3, h_k, w_k] (any sizes). */
  stylize(content: Tensor, styles: readonly Tensor[], opts: AdainStylizeOptions = {}): Tensor {
    const alpha = opts.alpha ?? 1;
    if (!(alpha >= 0 && alpha <= 1)) throw new RangeError(`AdaIN: alpha must be in [0, 1], got ${alpha}`);
    if (styles.length === 0) throw new Error('AdaIN: give at least one style image');
    const w = opts.weights ?? styles.map(() => 1);
    if (w.length !== styles.length) throw new Error(`AdaIN: ${w.length} style weights for ${styles.length} style images`);
    if (w.some((v) => !Number.isFinite(v) || v < 0) || w.every((v) => v === 0)) throw new RangeError(`AdaIN: style weights must be finite, ≥ 0 and not all 0, got ${w.join(', ')}`);
    const wsum = w.reduce((a, b) => a + b, 0);
    if (content.ndim !== 4 || content.shape[0] !== 1 || content.shape[1] !== 3) throw new ShapeError(`AdaIN: the content image must be [1, 3, H, W], got ${fmt(content.shape)}`);
    // in a result scope: the intermediates stay in the kernels' memory; the clamp (a typed array's
    // map) and originalColors make plain arrays, so nothing returned lives in the scope
    return noGrad(() => resultScope(() => {
      // pad to a multiple of the decoder's scale so the output covers the input, then crop back
      const [h, wd] = content.shape.slice(2), m = this.decoder.scale;
      const ph = (m - (h % m)) % m, pw = (m - (wd % m)) % m;
      if (ph >= h || pw >= wd) throw new RangeError(`AdaIN: the content image (${wd}×${h}) must be at least ${m}×${m}`);
      const x = ph + pw === 0 ? content : F.reflection_pad2d(content, { padding: [0, pw, 0, ph] });
      const fc = this.encode(x);
      let t: Tensor | null = null;
      styles.forEach((s, k) => {
        const part = F.mul(adain(fc, this.encode(s)), w[k] / wsum);
        t = t === null ? part : F.add(t, part);
      });
      const mixed = alpha === 1 ? t! : F.add(F.mul(t!, alpha), F.mul(fc, 1 - alpha));
      let y = deprocess(this.vgg, this.decoder.forward(mixed));
      if (ph + pw > 0) y = F.narrow(F.narrow(y, { dim: 2, start: 0, length: h }), { dim: 3, start: 0, length: wd });
      y = new Tensor(y.data.map((v) => Math.min(255, Math.max(0, v))), y.shape);
      return opts.preserveColor ? originalColors(content, y) : y;
    }));
  }
}

export interface AdainTrainConfig {
  /** Encoder layer (relu3_1 or relu4_1). */
  layer: string;
  crop: number;
  batchSize: number;
  /** Adam's learning rate (Huang: 1e-4). */
  lr: number;
  /** λ of the style term (Huang: 10). */
  styleWeight: number;
  seed: number;
}

export interface AdainStepStats {
  step: number;
  content: number;
  style: number;
  total: number;
}

/** Huang's style layers that the VGG holds, up to the encoder layer. */
export function adainStyleLayers(vgg: VGG, layer: string): string[] {
  const end = vgg.indexOf(layer);
  return ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1'].filter((n) => vgg.layerNames().includes(n) && vgg.indexOf(n) <= end);
}

/**
 * Trains an AdainDecoder on random crops of content and style images. Random numbers come from one
 * Rng seeded by config.seed: the decoder's weights, the content and the style image orders, then
 * per step the content crops and the style crops (CropSampler); state()/loadState() resume exactly.
 */
export class AdainTrainer {
  readonly config: AdainTrainConfig;
  readonly decoder: AdainDecoder;
  readonly opt: Adam;
  readonly rng: Rng;
  readonly contentCrops: CropSampler;
  readonly styleCrops: CropSampler;
  readonly styleLayers: string[];
  step = 0;

  constructor(config: Partial<AdainTrainConfig> & { layer: string }, readonly vgg: VGG, content: readonly Tensor[], styles: readonly Tensor[]) {
    this.config = { layer: config.layer, crop: 128, batchSize: 4, lr: 1e-4, styleWeight: 10, seed: 0 };
    for (const [k, v] of Object.entries(config)) if (v !== undefined) (this.config as unknown as Record<string, unknown>)[k] = v;
    const c = this.config;
    for (const k of ['crop', 'batchSize'] as const) if (!Number.isInteger(c[k]) || c[k] < 1) throw new RangeError(`AdainTrainer: ${k} must be a positive integer, got ${c[k]}`);
    if (!(c.lr > 0) || !Number.isFinite(c.lr)) throw new RangeError(`AdainTrainer: lr must be a finite number > 0, got ${c.lr}`);
    if (!(c.styleWeight >= 0) || !Number.isFinite(c.styleWeight)) throw new RangeError(`AdainTrainer: styleWeight must be a finite number ≥ 0, got ${c.styleWeight}`);
    this.styleLayers = adainStyleLayers(vgg, c.layer);
    this.rng = new Rng(c.seed);
    this.decoder = new AdainDecoder(c.layer, { rng: this.rng });
    if (c.crop % this.decoder.scale !== 0) throw new RangeError(`AdainTrainer: the crop (${c.crop}) must be a multiple of ${this.decoder.scale} for ${c.layer}`);
    this.opt = new Adam(this.decoder.parameters(), { lr: c.lr });
    this.contentCrops = new CropSampler(content, c.crop, this.rng, 'content');
    this.styleCrops = new CropSampler(styles, c.crop, this.rng, 'style');
  }

  static fromState(state: TrainerState<AdainTrainConfig>, vgg: VGG, content: readonly Tensor[], styles: readonly Tensor[]): AdainTrainer {
    const t = new AdainTrainer(state.config, vgg, content, styles);
    t.loadState(state);
    return t;
  }

  /** Huang's loss of the decoder on content x and style s batches (RGB 0–255). */
  evaluate(x: Tensor, s: Tensor): { loss: Tensor; content: number; style: number } {
    const { layer, styleWeight } = this.config;
    const names = [...new Set([...this.styleLayers, layer])];
    const { t, target } = noGrad(() => {
      const fs = this.vgg.extract(s, names);
      return { t: adain(this.vgg.extract(x, [layer]).get(layer)!, fs.get(layer)!), target: new Map(this.styleLayers.map((n) => [n, meanStd(fs.get(n)!)])) };
    });
    const fg = this.vgg.forward(this.decoder.forward(t), names);
    const content = F.mse_loss(fg.get(layer)!, t);
    let style: Tensor | null = null;
    for (const n of this.styleLayers) {
      const g = meanStd(fg.get(n)!), a = target.get(n)!;
      const term = F.add(F.mse_loss(g.mean, a.mean), F.mse_loss(g.std, a.std));
      style = style === null ? term : F.add(style, term);
    }
    const loss = F.add(content, F.mul(style!, styleWeight));
    return { loss, content: content.data[0], style: style!.data[0] };
  }

  /** One Adam step of the decoder on fresh crops, in a result scope (train.ts scopedStep). */
  trainStep(): AdainStepStats {
    return scopedStep(this.opt, () => {
      const x = this.contentCrops.next(this.config.batchSize), s = this.styleCrops.next(this.config.batchSize);
      const { loss, content, style } = this.evaluate(x, s);
      const total = loss.data[0];
      checkFinite(this.step + 1, total, `content ${content}, style ${style}`);
      this.opt.zeroGrad();
      loss.backward();
      this.opt.step();
      this.step++;
      return { step: this.step, content, style, total };
    });
  }

  stylizer(): AdainStylizer {
    return new AdainStylizer(this.vgg, this.decoder);
  }

  state(): TrainerState<AdainTrainConfig> {
    return snapshotState(this.config, this.step, this.rng, [this.contentCrops, this.styleCrops], this.decoder, this.opt);
  }

  loadState(s: TrainerState<AdainTrainConfig>): void {
    restoreState('AdainTrainer', s, this.config, [this.contentCrops, this.styleCrops], this.decoder, this.opt, this.rng);
    this.step = s.step;
  }
}
