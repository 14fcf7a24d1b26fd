// VGG-16 / VGG-19 feature extractor in torchvision's layout: `features` is a Sequential whose
// indices match torchvision's vgg16().features / vgg19().features (conv 3×3 pad 1 → ReLU, a 2×2
// stride-2 pool after each block), so torchvision state dicts (`features.10.weight`) load as is.
// Every index has a name: conv1_1, relu1_1, …, pool1, … (conv{block}_{n}, relu{block}_{n}, pool{block}).
// Only the layers the weights hold are built: with weights for conv1_1 … conv3_4 the Sequential
// stops after pool3, and asking for relu4_1 is an error listing what is available.
//   VGG-19  0 conv1_1  2 conv1_2  4 pool1  5 conv2_1  7 conv2_2  9 pool2  10 conv3_1 … 16 conv3_4
//           18 pool3  19 conv4_1 … 25 conv4_4  27 pool4  28 conv5_1 … 34 conv5_4  36 pool5
//   VGG-16  0 conv1_1  2 conv1_2  4 pool1  5 conv2_1  7 conv2_2  9 pool2  10 conv3_1 … 14 conv3_3
//           16 pool3  17 conv4_1 … 21 conv4_3  23 pool4  24 conv5_1 … 28 conv5_3  30 pool5
// Weights come from torchvision names (safetensors, .pth; prefix `features.`, none, or any other)
// or Keras names (`block1_conv1/kernel`, from .h5 or TF.js; HWIO → OIHW). The preprocessing the
// weights expect (channel order, pixel range, mean, std) travels with the model; BGR-trained
// weights get conv1_1's input channels reversed at load, so forward always takes RGB.
import { Tensor } from '../tensor.js';
import { fmt, ShapeError } from '../shape.js';
import { Rng } from '../rng.js';
import { Module } from '../nn/module.js';
import { Sequential } from '../nn/container.js';
import { Conv2d } from '../nn/conv.js';
import { ReLU } from '../nn/activation.js';
import { AvgPool2d, MaxPool2d } from '../nn/pooling.js';
import { flipInputChannels, hwioToOihw } from '../io/keras_h5.js';

export type VggArch = 'vgg16' | 'vgg19';
export type VggPooling = 'max' | 'avg';

/** Convolutions per block; channels per block are 64, 128, 256, 512, 512. */
const BLOCKS: Record<VggArch, number[]> = { vgg16: [2, 2, 3, 3, 3], vgg19: [2, 2, 4, 4, 4] };
const CHANNELS = [64, 128, 256, 512, 512];

export interface VggLayer {
  index: number;
  name: string;
  kind: 'conv' | 'relu' | 'pool';
  /** For convs: [Cout, Cin]. */
  channels?: [number, number];
}

/** torchvision's `features` layout of an architecture, with a name per index. */
export function vggLayout(arch: VggArch): VggLayer[] {
  if (!(arch in BLOCKS)) throw new Error(`VGG: unknown architecture '${arch}' (vgg16 or vgg19)`);
  const out: VggLayer[] = [];
  let cin = 3;
  BLOCKS[arch].forEach((n, b) => {
    for (let i = 1; i <= n; i++) {
      out.push({ index: out.length, name: `conv${b + 1}_${i}`, kind: 'conv', channels: [CHANNELS[b], cin] });
      out.push({ index: out.length, name: `relu${b + 1}_${i}`, kind: 'relu' });
      cin = CHANNELS[b];
    }
    out.push({ index: out.length, name: `pool${b + 1}`, kind: 'pool' });
  });
  return out;
}

/** What the network expects as input; forward takes `preprocess(rgb 0–255)`. */
export interface VggPreprocessing {
  /** Channel order of conv1_1's inputs (after loading this is always RGB; see fromWeights). */
  channelOrder: 'RGB' | 'BGR';
  /** Pixel scale: 255 = values 0–255, 1 = values 0–1. */
  range: 1 | 255;
  /** Per-channel mean subtracted, listed in channelOrder, in the units of range. */
  mean: [number, number, number];
  /** Per-channel std divided by after the mean (null: none). */
  std: [number, number, number] | null;
  /** Where this came from (metadata, a format default, or a conversion note). */
  source: string;
}

/** Caffe/Keras "caffe" VGG preprocessing with RGB order: 0–255 minus the ImageNet mean, no std. */
export const CAFFE_RGB: VggPreprocessing = { channelOrder: 'RGB', range: 255, mean: [123.68, 116.779, 103.939], std: null, source: 'Caffe/Keras VGG convention' };
/** The original Caffe/Keras order (what Keras .h5 and TF.js VGG weights expect). */
export const CAFFE_BGR: VggPreprocessing = { channelOrder: 'BGR', range: 255, mean: [103.939, 116.779, 123.68], std: null, source: 'Caffe/Keras VGG convention' };
/** torchvision's ImageNet normalisation (its own retrained VGG .pth weights). */
export const TORCHVISION: VggPreprocessing = { channelOrder: 'RGB', range: 1, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], source: 'torchvision convention' };

const triple = (s: string): [number, number, number] | undefined => {
  const v = s.split(',').map((x) => Number(x.trim()));
  return v.length === 3 && v.every(Number.isFinite) ? (v as [number, number, number]) : undefined;
};

/**
 * The preprocessing recorded in weights metadata: a JSON `preprocessing` field
 * ({channelOrder, range, mean, std}) or a text `input` field such as "RGB order, pixel range 0-255,
 * subtract mean RGB [123.68, 116.779, 103.939], no std division". undefined when absent.
 */
export function preprocessingFromMetadata(metadata: Record<string, string>): VggPreprocessing | undefined {
  if (metadata.preprocessing !== undefined) {
    let p: Partial<VggPreprocessing>;
    try {
      p = JSON.parse(metadata.preprocessing) as Partial<VggPreprocessing>;
    } catch (e) {
      throw new Error(`VGG: metadata 'preprocessing' is not valid JSON (${(e as Error).message})`);
    }
    const ok = (p.channelOrder === 'RGB' || p.channelOrder === 'BGR') && (p.range === 1 || p.range === 255)
      && Array.isArray(p.mean) && p.mean.length === 3 && (p.std === null || p.std === undefined || (Array.isArray(p.std) && p.std.length === 3));
    if (!ok) throw new Error(`VGG: metadata 'preprocessing' ${metadata.preprocessing} needs channelOrder RGB|BGR, range 1|255, mean [3], std [3]|null`);
    return { channelOrder: p.channelOrder!, range: p.range!, mean: p.mean!, std: p.std ?? null, source: 'metadata preprocessing' };
  }
  const text = metadata.input;
  if (text === undefined) return undefined;
  const order = (/\b(RGB|BGR)\s+order\b/.exec(text) ?? /\border\s*:?\s*(RGB|BGR)\b/.exec(text) ?? /\b(RGB|BGR)\b/.exec(text))?.[1] as 'RGB' | 'BGR' | undefined;
  const range = /\b0\s*(?:-|–|to)\s*255\b/.test(text) ? 255 : /\b0\s*(?:-|–|to)\s*1\b/.test(text) ? 1 : undefined;
  const meanM = /mean\s*(RGB|BGR)?\s*[=:]?\s*\[([^\]]*)\]/.exec(text);
  let mean = meanM === null ? undefined : triple(meanM[2]);
  const stdM = /std\s*(RGB|BGR)?\s*[=:]?\s*\[([^\]]*)\]/.exec(text);
  let std = stdM === null ? null : triple(stdM[2]) ?? null;
  if (order === undefined || range === undefined || mean === undefined || (stdM !== null && std === null)) {
    throw new Error(`VGG: cannot read the preprocessing from metadata input "${text}" (needs channel order RGB/BGR, pixel range 0-255 or 0-1, mean [a, b, c], optional std [a, b, c])`);
  }
  // a mean/std written in the other channel order than the network's
  if (meanM?.[1] !== undefined && meanM[1] !== order) mean = [mean[2], mean[1], mean[0]];
  if (std !== null && stdM?.[1] !== undefined && stdM[1] !== order) std = [std[2], std[1], std[0]];
  return { channelOrder: order, range, mean, std, source: 'metadata input' };
}

/** The Gatys et al. layers (style relu1_1…relu5_1, content relu4_2). */
export const GATYS_STYLE_LAYERS = ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1', 'relu5_1'] as const;
export const GATYS_CONTENT_LAYERS = ['relu4_2'] as const;

/** Weights as any importer returns them (src/node/weights.ts readWeights, parsePth, …). */
export interface VggWeightsInput {
  tensors: Map<string, Tensor> | Record<string, Tensor>;
  metadata?: Record<string, string>;
  /** 'safetensors' | 'pth' | 'keras-h5' | 'tfjs-layers' | …: picks the default preprocessing. */
  format?: string;
  /** For error messages. */
  file?: string;
}

export interface VggOptions {
  pooling?: VggPooling;
  /** Build only the first `convLayers` convolutions (and what follows them up to the next conv). */
  convLayers?: number;
  preprocessing?: VggPreprocessing;
}

const KERAS_NAME = /^block(\d)_conv(\d)\/(kernel|bias)(?::0)?$/;
const TORCH_NAME = /^(.*?)(\d+)\.(weight|bias)$/;

export class VGG extends Module {
  readonly arch: VggArch;
  readonly pooling: VggPooling;
  readonly features: Sequential;
  /** The input convention of the weights (always RGB order once loaded). */
  preprocessing: VggPreprocessing;
  /** Layer names of the whole architecture, by features index. */
  readonly layout: readonly VggLayer[];

  constructor(arch: VggArch = 'vgg19', opts: VggOptions = {}) {
    super();
    this.layout = vggLayout(arch);
    this.arch = arch;
    this.pooling = opts.pooling ?? 'max';
    if (this.pooling !== 'max' && this.pooling !== 'avg') throw new Error(`VGG: pooling must be 'max' or 'avg', got ${JSON.stringify(this.pooling)}`);
    this.preprocessing = opts.preprocessing ?? TORCHVISION;
    const convs = this.layout.filter((l) => l.kind === 'conv');
    const n = opts.convLayers ?? convs.length;
    if (!Number.isInteger(n) || n < 1 || n > convs.length) throw new RangeError(`VGG: convLayers must be an integer in 1..${convs.length} for ${arch}, got ${n}`);
    // up to the ReLU of the last conv, plus the block's pool when that conv ends its block
    let end = convs[n - 1].index + 2;
    if (this.layout[end]?.kind === 'pool') end++;
    const rng = new Rng(0); // the weights are overwritten by a load; keep the global generator untouched
    const mods = this.layout.slice(0, end).map((l) => {
      if (l.kind === 'conv') return new Conv2d(l.channels![1], l.channels![0], 3, { padding: 1, rng });
      if (l.kind === 'relu') return new ReLU();
      return this.pooling === 'max' ? new MaxPool2d(2, { stride: 2 }) : new AvgPool2d(2, { stride: 2 });
    });
    this.features = this.registerModule('features', new Sequential(...mods));
  }

  /** Names of the layers this model can return (those whose weights were loaded), in order. */
  layerNames(): string[] {
    return this.layout.slice(0, this.features.length).map((l) => l.name);
  }

  /** features index of a layer name; the error lists the available (or valid) names. */
  indexOf(name: string): number {
    const l = this.layout.find((x) => x.name === name);
    if (l === undefined) {
      throw new Error(`VGG: unknown layer '${name}' for ${this.arch}; valid names: ${this.layout.map((x) => x.name).join(', ')}`);
    }
    if (l.index >= this.features.length) {
      const convs = this.layout.slice(0, this.features.length).filter((x) => x.kind === 'conv');
      throw new Error(`VGG: layer '${name}' (features.${l.index}) is not available: the ${this.arch} weights hold ${convs[0].name} … ${convs[convs.length - 1].name} only; available layers: ${this.layerNames().join(', ')}`);
    }
    return l.index;
  }

  /**
   * Runs the network on an already preprocessed batch [N, 3, H, W] (or [3, H, W]) and returns the
   * requested layers' activations by name; stops at the deepest requested layer.
   */
  forward(x: Tensor, layers: readonly string[]): Map<string, Tensor> {
    if (!Array.isArray(layers) || layers.length === 0) throw new Error('VGG.forward: give at least one layer name, e.g. ["relu1_1", "relu3_2"]');
    if ((x.ndim !== 3 && x.ndim !== 4) || x.shape[x.ndim - 3] !== 3) throw new ShapeError(`VGG.forward: expected input [N, 3, H, W] or [3, H, W], got ${fmt(x.shape)}`);
    const last = Math.max(...layers.map((n) => this.indexOf(n)));
    const wanted = new Set(layers);
    const mods = this.features.children();
    const out = new Map<string, Tensor>();
    let y = x;
    for (let i = 0; i <= last; i++) {
      y = mods[i].forward(y);
      if (wanted.has(this.layout[i].name)) out.set(this.layout[i].name, y);
    }
    return new Map(layers.map((n) => [n, out.get(n)!]));
  }

  /** RGB 0–255 images [N, 3, H, W] (or [3, H, W]) → the network's input (differentiable). */
  preprocess(rgb255: Tensor): Tensor {
    if ((rgb255.ndim !== 3 && rgb255.ndim !== 4) || rgb255.shape[rgb255.ndim - 3] !== 3) {
      throw new ShapeError(`VGG.preprocess: expected RGB images [N, 3, H, W] or [3, H, W], got ${fmt(rgb255.shape)}`);
    }
    const p = this.preprocessing;
    if (p.channelOrder !== 'RGB') throw new Error('VGG.preprocess: the model expects BGR input; load it with VGG.fromWeights, which converts conv1_1 to RGB');
    const shape = rgb255.ndim === 4 ? [1, 3, 1, 1] : [3, 1, 1];
    let y = p.range === 255 ? rgb255 : rgb255.mul(1 / 255);
    y = y.sub(Tensor.from(p.mean, shape));
    if (p.std !== null) y = y.div(Tensor.from(p.std, shape));
    return y;
  }

  /** preprocess then forward: activations of RGB 0–255 images. */
  extract(rgb255: Tensor, layers: readonly string[]): Map<string, Tensor> {
    return this.forward(this.preprocess(rgb255), layers);
  }

  /** Gatys' layers where available: style relu1_1…relu5_1, content relu4_2 (else relu3_2, else the deepest ReLU). */
  defaultLayers(): { style: string[]; content: string[] } {
    const have = new Set(this.layerNames());
    const style = GATYS_STYLE_LAYERS.filter((n) => have.has(n));
    const relus = this.layerNames().filter((n) => n.startsWith('relu'));
    const content = have.has('relu4_2') ? 'relu4_2' : have.has('relu3_2') ? 'relu3_2' : relus[relus.length - 1];
    return { style, content: [content] };
  }

  override extraRepr(): string {
    return `arch=${this.arch}, pooling=${this.pooling}, layers=${this.layerNames()[0]}..${this.layerNames().at(-1)}`;
  }

  /**
   * Builds a frozen (eval, requiresGrad off) VGG from imported weights: torchvision names with any
   * prefix (`features.0.weight`, `0.weight`) or Keras names (`block1_conv1/kernel:0`). The
   * architecture is detected from the conv indices and shapes unless given; only the layers
   * present are built (they must start at conv1_1, without gaps).
   */
  static fromWeights(w: VggWeightsInput, opts: { arch?: VggArch; pooling?: VggPooling; preprocessing?: VggPreprocessing } = {}): VGG {
    const file = w.file ?? 'weights';
    const fail = (problem: string): never => {
      throw new Error(`${file}: ${problem}`);
    };
    const entries = w.tensors instanceof Map ? [...w.tensors] : Object.entries(w.tensors);
    const keras = entries.some(([k]) => KERAS_NAME.test(k));
    // name → tensor in torchvision form, keyed by conv name (conv1_1) and weight|bias
    const found = new Map<string, { weight?: Tensor; bias?: Tensor; key: string }>();
    const put = (conv: string, which: 'weight' | 'bias', t: Tensor, key: string) => {
      const e = found.get(conv) ?? { key };
      if (e[which] !== undefined) fail(`two tensors for ${conv}.${which} ('${e.key}' and '${key}')`);
      e[which] = t;
      found.set(conv, e);
    };
    let indexed: Map<number, { weight?: Tensor; bias?: Tensor; key: string }> | undefined;
    if (keras) {
      for (const [k, t] of entries) {
        const m = KERAS_NAME.exec(k);
        if (m === null) continue;
        put(`conv${m[1]}_${m[2]}`, m[3] === 'kernel' ? 'weight' : 'bias', m[3] === 'kernel' ? hwioToOihw(t) : t, k);
      }
    } else {
      // the prefix under which numbered weights live: 'features.' preferred, else the most common
      const counts = new Map<string, number>();
      for (const [k] of entries) {
        const m = TORCH_NAME.exec(k);
        if (m !== null) counts.set(m[1], (counts.get(m[1]) ?? 0) + 1);
      }
      if (counts.size === 0) fail(`no VGG weights found (expected names like 'features.0.weight' or 'block1_conv1/kernel'); got ${entries.slice(0, 6).map(([k]) => k).join(', ')}${entries.length > 6 ? ', …' : ''}`);
      const prefix = counts.has('features.') ? 'features.' : [...counts].sort((a, b) => b[1] - a[1])[0][0];
      indexed = new Map();
      for (const [k, t] of entries) {
        const m = TORCH_NAME.exec(k);
        if (m === null || m[1] !== prefix) continue;
        const i = Number(m[2]);
        const e = indexed.get(i) ?? { key: k };
        e[m[3] as 'weight' | 'bias'] = t;
        indexed.set(i, e);
      }
    }
    // architecture: every present conv must sit at a conv index of the layout with matching shape
    const fits = (arch: VggArch): string | null => {
      const layout = vggLayout(arch);
      if (keras) {
        for (const [conv, e] of found) {
          const l = layout.find((x) => x.name === conv);
          if (l === undefined) return `${arch} has no ${conv}`;
          if (e.weight !== undefined && fmt(e.weight.shape) !== fmt([...l.channels!, 3, 3])) return `${conv} weight has shape ${fmt(e.weight.shape)}, ${arch} needs ${fmt([...l.channels!, 3, 3])}`;
        }
        return null;
      }
      for (const [i, e] of indexed!) {
        const l = layout[i];
        if (l === undefined || l.kind !== 'conv') return `${arch} has no convolution at features.${i}`;
        if (e.weight !== undefined && fmt(e.weight.shape) !== fmt([...l.channels!, 3, 3])) return `features.${i} (${l.name}) weight has shape ${fmt(e.weight.shape)}, ${arch} needs ${fmt([...l.channels!, 3, 3])}`;
      }
      return null;
    };
    let arch = opts.arch;
    if (arch === undefined) arch = fits('vgg19') === null ? 'vgg19' : fits('vgg16') === null ? 'vgg16' : undefined;
    if (arch === undefined) fail(`weights fit neither VGG-19 (${fits('vgg19')}) nor VGG-16 (${fits('vgg16')})`);
    const why = fits(arch!);
    if (why !== null) fail(`weights do not fit ${arch}: ${why}`);
    const layout = vggLayout(arch!);
    if (indexed !== undefined) for (const [i, e] of indexed) found.set(layout[i].name, e);
    // present convs must be conv1_1 … conv_k, each with weight and bias
    const convs = layout.filter((l) => l.kind === 'conv');
    let n = 0;
    while (n < convs.length && found.has(convs[n].name)) n++;
    if (n === 0) fail(`no weights for conv1_1 (features.0): cannot build ${arch}`);
    const extra = convs.slice(n).filter((l) => found.has(l.name));
    if (extra.length > 0) fail(`weights for ${extra.map((l) => l.name).join(', ')} but not for ${convs[n].name} (features.${convs[n].index}): layers must be present from conv1_1 on without gaps`);
    const sd: Record<string, Tensor> = {};
    for (const l of convs.slice(0, n)) {
      const e = found.get(l.name)!;
      if (e.weight === undefined || e.bias === undefined) fail(`${l.name} (features.${l.index}) has no ${e.weight === undefined ? 'weight' : 'bias'}`);
      sd[`features.${l.index}.weight`] = e.weight!;
      sd[`features.${l.index}.bias`] = e.bias!;
    }
    // preprocessing: given > metadata > the format's convention
    let pre = opts.preprocessing ?? preprocessingFromMetadata(w.metadata ?? {});
    if (pre === undefined) {
      pre = keras || w.format === 'keras-h5' || w.format === 'tfjs-layers'
        ? { ...CAFFE_BGR, source: 'Keras VGG convention (assumed for Keras weights)' }
        : { ...TORCHVISION, source: 'torchvision convention (assumed: the weights carry no preprocessing metadata)' };
    }
    if (pre.channelOrder === 'BGR') {
      const k = 'features.0.weight';
      sd[k] = flipInputChannels(sd[k]);
      const rev = <T>(v: [T, T, T]): [T, T, T] => [v[2], v[1], v[0]];
      pre = { channelOrder: 'RGB', range: pre.range, mean: rev(pre.mean), std: pre.std === null ? null : rev(pre.std), source: `${pre.source}; conv1_1 input channels reversed from BGR to RGB` };
    }
    const vgg = new VGG(arch!, { pooling: opts.pooling, convLayers: n, preprocessing: pre });
    vgg.loadStateDict(sd);
    vgg.eval();
    vgg.requiresGrad_(false);
    return vgg;
  }
}
