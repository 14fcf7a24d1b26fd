// GAN generators and discriminators built from nn layers. Layers live in `main` (a Sequential), so
// state dicts carry torch's keys (`main.0.weight`, `main.1.running_mean`, with spectral norm
// `main.0.weight_orig`/`_u`/`_v`) and load into the torch modules below key for key.
//
// MLP (the classic 28×28 GAN): G z[100] → 128 → 256 → 512 → 1024 → 784, leaky ReLU 0.2, tanh;
//   D 784 → 1024 → 512 → 256 → 128 → 1, leaky ReLU 0.2 (optional Dropout after each hidden one), a logit.
// DCGAN 28×28 (MNIST): G z → ConvT(nz, 2ngf, 7) 7×7 → ConvT(2ngf, ngf, 4, 2, 1) 14×14 → ConvT(ngf, C, 4, 2, 1) 28×28,
//   BN + ReLU between, tanh; D Conv(C, ndf, 4, 2, 1) → LReLU → Conv(ndf, 2ndf, 4, 2, 1) → BN → LReLU → Conv(2ndf, 1, 7).
// DCGAN 64×64: the PyTorch example (examples/dcgan/main.py) with nz 100, ngf = ndf = 64, any C; D
//   returns logits (the example's final Sigmoid has no parameters; BCE-with-logits replaces it).
// Conditional (numClasses > 0): one-hot labels concatenated to z (G) and to D's input, as a
//   [N, 784 + K] row (MLP) or K constant label planes after the image channels (DCGAN).
// Discriminator norm 'none' puts Identity where BatchNorm2d was (indices stay) and gives the convs
// a bias; it is what WGAN-GP and spectral norm use.
//
// torch equivalents (x = input, y = labels; `F` = torch.nn.functional):
//   MLP G:  main = Sequential(Linear(100 + K, 128), LeakyReLU(0.2), …, Linear(1024, 784), Tanh())
//           forward: main(cat([z, F.one_hot(y, K).float()], 1)).view(-1, 1, 28, 28)
//   MLP D:  main = Sequential(Linear(784 + K, 1024), LeakyReLU(0.2), [Dropout(p)], …, Linear(128, 1))
//           forward: main(cat([x.view(N, 784), one_hot], 1)).view(N); spectral norm: spectral_norm(Linear(…))
//   DCGAN:  G main(cat([z, one_hot], 1).view(N, nz + K, 1, 1)); D main(cat([x, one_hot[:, :, None, None]
//           .expand(N, K, H, W)], 1)).view(N); layers as listed in dcganLayers below.
import { Tensor } from '../tensor.js';
import { fmt, ShapeError } from '../shape.js';
import { Module } from '../nn/module.js';
import { Identity, Linear } from '../nn/linear.js';
import { Conv2d, ConvTranspose2d } from '../nn/conv.js';
import { BatchNorm2d } from '../nn/norm.js';
import { LeakyReLU, ReLU, Tanh } from '../nn/activation.js';
import { Dropout } from '../nn/dropout.js';
import { Sequential } from '../nn/container.js';
import { normal_, zeros_ } from '../nn/init.js';
import { globalRng, type Rng } from '../rng.js';
import { catAll as cat, oneHot } from './concat.js';
import { SpectralNorm, spectralNorm } from './spectral_norm.js';

export const LATENT = 100;
export const IMAGE = [1, 28, 28] as const;

/** What the trainer needs from a generator. */
export abstract class GanGenerator extends Module {
  abstract readonly latent: number;
  /** 0 = unconditional. */
  abstract readonly numClasses: number;
  abstract readonly imageShape: readonly number[];
  abstract readonly main: Sequential;
  /** z [N, latent] (and labels for a conditional G) → images [N, C, H, W] in [-1, 1]. */
  abstract override forward(z: Tensor, labels?: ArrayLike<number>): Tensor;
}

/** What the trainer needs from a discriminator. */
export abstract class GanDiscriminator extends Module {
  abstract readonly numClasses: number;
  abstract readonly imageShape: readonly number[];
  abstract readonly main: Sequential;
  /** images [N, C, H, W] (and labels) → logits [N]. */
  abstract override forward(x: Tensor, labels?: ArrayLike<number>): Tensor;
  /** Batch norm couples the samples of a batch: real and fake must then go through D separately. */
  get hasBatchNorm(): boolean {
    return this.modules().some((m) => m instanceof BatchNorm2d);
  }
}

function checkLabels(who: string, numClasses: number, n: number, labels: ArrayLike<number> | undefined): void {
  if (numClasses === 0 && labels !== undefined) throw new Error(`${who}: this model is not conditional (numClasses 0) but labels were given`);
  if (numClasses > 0 && labels === undefined) throw new Error(`${who}: a conditional model needs labels (integers in [0, ${numClasses}))`);
  if (labels !== undefined && labels.length !== n) throw new ShapeError(`${who}: ${labels.length} labels for a batch of ${n}`);
}

function checkClasses(who: string, k: number | undefined): number {
  const n = k ?? 0;
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`${who}: numClasses must be a non-negative integer, got ${k}`);
  return n;
}

/** z with the one-hot labels appended along dim 1 (z itself when unconditional). */
function withLabels(z: Tensor, numClasses: number, labels: ArrayLike<number> | undefined): Tensor {
  return numClasses === 0 ? z : cat([z, oneHot(labels!, numClasses)], 1);
}

/** K constant planes [N, K, H, W], plane y_n of sample n all ones. */
function labelPlanes(labels: ArrayLike<number>, k: number, h: number, w: number): Tensor {
  const hot = oneHot(labels, k).data, hw = h * w;
  const out = new Float32Array(labels.length * k * hw);
  for (let i = 0; i < hot.length; i++) if (hot[i] === 1) out.fill(1, i * hw, (i + 1) * hw);
  return new Tensor(out, [labels.length, k, h, w]);
}

function linear(inF: number, outF: number, sn: boolean, rng: Rng | undefined): Module {
  const l = new Linear(inF, outF, { rng });
  return sn ? spectralNorm(l, { rng }) : l;
}

// ---------------------------------------------------------------- MLP

export interface MlpGeneratorOptions {
  latent?: number;
  numClasses?: number;
  rng?: Rng;
}

export class MlpGenerator extends GanGenerator {
  readonly latent: number;
  readonly numClasses: number;
  readonly imageShape = IMAGE;
  readonly main: Sequential;

  constructor(opts: MlpGeneratorOptions = {}) {
    super();
    this.latent = opts.latent ?? LATENT;
    this.numClasses = checkClasses('MlpGenerator', opts.numClasses);
    const sizes = [this.latent + this.numClasses, 128, 256, 512, 1024, 784];
    const layers: Module[] = [];
    for (let i = 0; i + 1 < sizes.length; i++) {
      layers.push(new Linear(sizes[i], sizes[i + 1], { rng: opts.rng }));
      layers.push(i + 2 < sizes.length ? new LeakyReLU(0.2) : new Tanh());
    }
    this.main = this.registerModule('main', new Sequential(...layers));
  }

  forward(z: Tensor, labels?: ArrayLike<number>): Tensor {
    if (z.ndim !== 2 || z.shape[1] !== this.latent) throw new ShapeError(`MlpGenerator: expected noise [N, ${this.latent}], got ${fmt(z.shape)}`);
    checkLabels('MlpGenerator', this.numClasses, z.shape[0], labels);
    return this.main.forward(withLabels(z, this.numClasses, labels)).reshape(z.shape[0], ...IMAGE);
  }
}

export interface MlpDiscriminatorOptions {
  dropout?: number;
  spectralNorm?: boolean;
  numClasses?: number;
  rng?: Rng;
}

export class MlpDiscriminator extends GanDiscriminator {
  readonly numClasses: number;
  readonly imageShape = IMAGE;
  readonly main: Sequential;

  constructor(opts: MlpDiscriminatorOptions = {}) {
    super();
    const p = opts.dropout ?? 0, sn = opts.spectralNorm ?? false;
    this.numClasses = checkClasses('MlpDiscriminator', opts.numClasses);
    const sizes = [784 + this.numClasses, 1024, 512, 256, 128, 1];
    const layers: Module[] = [];
    for (let i = 0; i + 1 < sizes.length; i++) {
      layers.push(linear(sizes[i], sizes[i + 1], sn, opts.rng));
      if (i + 2 < sizes.length) {
        layers.push(new LeakyReLU(0.2));
        if (p > 0) layers.push(new Dropout(p, { rng: opts.rng }));
      }
    }
    this.main = this.registerModule('main', new Sequential(...layers));
  }

  forward(x: Tensor, labels?: ArrayLike<number>): Tensor {
    if (x.ndim < 2 || x.size !== x.shape[0] * 784) throw new ShapeError(`MlpDiscriminator: expected images [N, 1, 28, 28] or [N, 784], got ${fmt(x.shape)}`);
    const n = x.shape[0];
    checkLabels('MlpDiscriminator', this.numClasses, n, labels);
    return this.main.forward(withLabels(x.reshape(n, 784), this.numClasses, labels)).reshape(n);
  }
}

// ---------------------------------------------------------------- DCGAN

export type DcganSize = 28 | 64;

function checkSize(who: string, size: number): DcganSize {
  if (size !== 28 && size !== 64) throw new RangeError(`${who}: size must be 28 or 64, got ${size}`);
  return size;
}

export interface DcganGeneratorOptions {
  size?: DcganSize;
  latent?: number;
  /** Width: 64 gives 128·64 feature maps at 28² and the example's 512…64 at 64². */
  ngf?: number;
  /** Image channels (1 gray, 3 RGB). */
  channels?: number;
  numClasses?: number;
  rng?: Rng;
}

export class DcganGenerator extends GanGenerator {
  readonly latent: number;
  readonly numClasses: number;
  readonly imageShape: readonly number[];
  readonly main: Sequential;

  constructor(opts: DcganGeneratorOptions = {}) {
    super();
    const size = checkSize('DcganGenerator', opts.size ?? 28);
    this.latent = opts.latent ?? LATENT;
    this.numClasses = checkClasses('DcganGenerator', opts.numClasses);
    const ngf = opts.ngf ?? 64, c = opts.channels ?? 1, rng = opts.rng;
    this.imageShape = [c, size, size];
    // [in, out, kernel, stride, padding] per ConvTranspose2d; BN + ReLU after all but the last.
    const nz = this.latent + this.numClasses;
    const specs: [number, number, number, number, number][] = size === 28
      ? [[nz, 2 * ngf, 7, 1, 0], [2 * ngf, ngf, 4, 2, 1], [ngf, c, 4, 2, 1]]
      : [[nz, 8 * ngf, 4, 1, 0], [8 * ngf, 4 * ngf, 4, 2, 1], [4 * ngf, 2 * ngf, 4, 2, 1], [2 * ngf, ngf, 4, 2, 1], [ngf, c, 4, 2, 1]];
    const layers: Module[] = [];
    specs.forEach(([i, o, k, s, p], j) => {
      layers.push(new ConvTranspose2d(i, o, k, { stride: s, padding: p, bias: false, rng }));
      if (j + 1 < specs.length) layers.push(new BatchNorm2d(o), new ReLU());
    });
    layers.push(new Tanh());
    this.main = this.registerModule('main', new Sequential(...layers));
    dcganInit_(this, rng ?? globalRng);
  }

  forward(z: Tensor, labels?: ArrayLike<number>): Tensor {
    if (z.ndim !== 2 || z.shape[1] !== this.latent) throw new ShapeError(`DcganGenerator: expected noise [N, ${this.latent}], got ${fmt(z.shape)}`);
    const n = z.shape[0];
    checkLabels('DcganGenerator', this.numClasses, n, labels);
    return this.main.forward(withLabels(z, this.numClasses, labels).reshape(n, this.latent + this.numClasses, 1, 1));
  }
}

export interface DcganDiscriminatorOptions {
  size?: DcganSize;
  ndf?: number;
  channels?: number;
  numClasses?: number;
  /** 'batch' (the DCGAN recipe) or 'none' (Identity in its place, convs with bias; for WGAN-GP / spectral norm). */
  norm?: 'batch' | 'none';
  spectralNorm?: boolean;
  /** Dropout after each hidden LeakyReLU (0 = off). */
  dropout?: number;
  rng?: Rng;
}

export class DcganDiscriminator extends GanDiscriminator {
  readonly numClasses: number;
  readonly imageShape: readonly number[];
  readonly main: Sequential;

  constructor(opts: DcganDiscriminatorOptions = {}) {
    super();
    const size = checkSize('DcganDiscriminator', opts.size ?? 28);
    this.numClasses = checkClasses('DcganDiscriminator', opts.numClasses);
    const ndf = opts.ndf ?? 64, c = opts.channels ?? 1, rng = opts.rng, p = opts.dropout ?? 0;
    const norm = opts.norm ?? 'batch', sn = opts.spectralNorm ?? false;
    if (norm !== 'batch' && norm !== 'none') throw new RangeError(`DcganDiscriminator: norm must be 'batch' or 'none', got ${JSON.stringify(norm)}`);
    this.imageShape = [c, size, size];
    const bias = norm === 'none';
    // [in, out, kernel, stride, padding] per Conv2d; a norm slot after every conv but the first and the last.
    const specs: [number, number, number, number, number][] = size === 28
      ? [[c + this.numClasses, ndf, 4, 2, 1], [ndf, 2 * ndf, 4, 2, 1], [2 * ndf, 1, 7, 1, 0]]
      : [[c + this.numClasses, ndf, 4, 2, 1], [ndf, 2 * ndf, 4, 2, 1], [2 * ndf, 4 * ndf, 4, 2, 1], [4 * ndf, 8 * ndf, 4, 2, 1], [8 * ndf, 1, 4, 1, 0]];
    const layers: Module[] = [];
    specs.forEach(([i, o, k, s, pad], j) => {
      const conv = new Conv2d(i, o, k, { stride: s, padding: pad, bias, rng });
      layers.push(sn ? spectralNorm(conv, { rng }) : conv);
      if (j + 1 === specs.length) return;
      if (j > 0) layers.push(norm === 'batch' ? new BatchNorm2d(o) : new Identity());
      layers.push(new LeakyReLU(0.2));
      if (p > 0) layers.push(new Dropout(p, { rng }));
    });
    this.main = this.registerModule('main', new Sequential(...layers));
    dcganInit_(this, rng ?? globalRng);
  }

  forward(x: Tensor, labels?: ArrayLike<number>): Tensor {
    const [c, h, w] = this.imageShape;
    if (x.ndim !== 4 || x.shape[1] !== c || x.shape[2] !== h || x.shape[3] !== w) {
      throw new ShapeError(`DcganDiscriminator: expected images [N, ${c}, ${h}, ${w}], got ${fmt(x.shape)}`);
    }
    const n = x.shape[0];
    checkLabels('DcganDiscriminator', this.numClasses, n, labels);
    const input = this.numClasses === 0 ? x : cat([x, labelPlanes(labels!, this.numClasses, h, w)], 1);
    return this.main.forward(input).reshape(n);
  }
}

/**
 * The DCGAN example's weights_init: conv and transposed-conv weights N(0, 0.02) (weight_orig under
 * spectral norm), batch-norm weight N(1, 0.02) and bias 0; in module order on rng.
 */
export function dcganInit_(m: Module, rng: Rng): void {
  for (const mod of m.modules()) {
    if (mod instanceof Conv2d || mod instanceof ConvTranspose2d) normal_(mod.weight, { mean: 0, std: 0.02, rng });
    else if (mod instanceof SpectralNorm) normal_(mod.weight_orig, { mean: 0, std: 0.02, rng });
    else if (mod instanceof BatchNorm2d) {
      normal_(mod.weight!, { mean: 1, std: 0.02, rng });
      zeros_(mod.bias!);
    }
  }
}
