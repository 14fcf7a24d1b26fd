// Alternating GAN training (Goodfellow et al.; the PyTorch DCGAN example's loop; Gulrajani et al.
// for WGAN-GP). One trainStep() = nCritic discriminator updates, then one generator update, then
// the EMA update of G. With nCritic 1 the G update reuses the fake batch of the D update (as the
// DCGAN example); otherwise every update draws fresh noise. D's parameters are frozen during the G
// update so no weight gradient is computed for them. A D without batch norm sees real and fake as
// ONE concatenated batch (fewer, bigger GEMMs); with batch norm they go through separately.
//
// Random numbers all come from one Rng (seed → the whole run), drawn in this order per D update:
// the data permutation (at each epoch start), z ~ N(0, 1) [B, latent], fake labels (conditional:
// B draws of int(K)), D's dropout masks (in forward order), α ~ U(0, 1) [B] and the penalty pass's
// masks (wgan-gp); per fresh G update: z, labels, dropout masks. state()/loadState() capture it all
// (step, rng, data order and cursor, models, EMA, optimizers, config): a resumed run continues
// exactly where an uninterrupted one would be.
import { resultScope } from '../backend.js';
import { Tensor } from '../tensor.js';
import { noGrad } from '../autograd.js';
import { Rng } from '../rng.js';
import { Adam } from '../optim/adam.js';
import type { OptimizerStateDict } from '../optim/optimizer.js';
import type { AdamOptions } from '../optim/adam.js';
import { discriminatorLoss, generatorLoss, gradientPenalty, interpolate, GAN_LOSSES, type GanLoss } from './losses.js';
import { DcganDiscriminator, DcganGenerator, MlpDiscriminator, MlpGenerator, type GanDiscriminator, type GanGenerator } from './models.js';
import { catAll as cat, splitRows } from './concat.js';
import { Ema } from './ema.js';

export type GanModel = 'mlp' | 'dcgan' | 'dcgan64' | 'cgan-mlp' | 'cgan-dcgan';
export const GAN_MODELS: GanModel[] = ['mlp', 'dcgan', 'dcgan64', 'cgan-mlp', 'cgan-dcgan'];

export interface GanConfig {
  model: GanModel;
  loss: GanLoss;
  batchSize: number;
  /** Adam learning rates of G and D (TTUR when they differ). */
  lrG: number;
  lrD: number;
  betas: [number, number];
  /** One-sided label smoothing: the real target (1 = off). */
  realLabel: number;
  /** Dropout after each hidden D activation (0 = off). */
  dropout: number;
  /** Spectral normalisation of every D layer. */
  spectralNorm: boolean;
  /** EMA decay of G's weights (0 = off); samples then come from the average. */
  ema: number;
  /** D updates per G update. */
  nCritic: number;
  /** λ of the WGAN-GP gradient penalty. */
  gpWeight: number;
  /** DCGAN discriminator normalisation: 'batch', or 'none' (WGAN-GP, spectral norm). */
  dNorm: 'batch' | 'none';
  latent: number;
  /** Classes of a conditional model (cgan-*), 0 otherwise. */
  numClasses: number;
  /** DCGAN widths. */
  ngf: number;
  ndf: number;
  seed: number;
}

const CONFIG_KEYS: (keyof GanConfig)[] = [
  'model', 'loss', 'batchSize', 'lrG', 'lrD', 'betas', 'realLabel', 'dropout', 'spectralNorm', 'ema', 'nCritic', 'gpWeight',
  'dNorm', 'latent', 'numClasses', 'ngf', 'ndf', 'seed',
];
const CONDITIONAL: GanModel[] = ['cgan-mlp', 'cgan-dcgan'];
const isMlp = (m: GanModel): boolean => m === 'mlp' || m === 'cgan-mlp';

/**
 * A full config: the model's and loss's defaults, then `overrides`. Defaults — MLP: the measured best
 * recipe (spectral norm + TTUR D 4e-4 / G 1e-4 + EMA 0.999, BCE); DCGAN: the PyTorch example (2e-4,
 * betas 0.5/0.999, batch norm); wgan-gp: Gulrajani et al. (Adam 1e-4, betas 0/0.9, nCritic 5, λ 10,
 * no batch norm and no spectral norm in the critic).
 */
export function ganConfig(overrides: Partial<GanConfig> = {}): GanConfig {
  const model = overrides.model ?? 'mlp';
  const loss = overrides.loss ?? 'bce';
  if (!GAN_MODELS.includes(model)) throw new RangeError(`ganConfig: unknown model '${model}' (known: ${GAN_MODELS.join(', ')})`);
  if (!GAN_LOSSES.includes(loss)) throw new RangeError(`ganConfig: unknown loss '${loss}' (known: ${GAN_LOSSES.join(', ')})`);
  const mlp = isMlp(model), wgan = loss === 'wgan-gp';
  const base: Omit<GanConfig, 'dNorm'> = {
    model, loss, batchSize: 64,
    lrG: wgan ? 1e-4 : mlp ? 1e-4 : 2e-4,
    lrD: wgan ? 1e-4 : mlp ? 4e-4 : 2e-4,
    betas: wgan ? [0, 0.9] : [0.5, 0.999],
    realLabel: 1, dropout: 0,
    spectralNorm: mlp && !wgan,
    ema: mlp ? 0.999 : 0,
    nCritic: wgan ? 5 : 1, gpWeight: 10,
    latent: 100, numClasses: CONDITIONAL.includes(model) ? 10 : 0, ngf: 64, ndf: 64, seed: 0,
  };
  const sn = overrides.spectralNorm ?? base.spectralNorm;
  const config: GanConfig = { ...base, dNorm: wgan || sn ? 'none' : 'batch' };
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) (config as unknown as Record<string, unknown>)[k] = v;
  validateConfig(config);
  return config;
}

/** The MLP GAN's defaults (the research's best recipe). */
export const DEFAULT_GAN_CONFIG: GanConfig = ganConfig();

function validateConfig(c: GanConfig): void {
  const bad = (what: string): never => {
    throw new RangeError(`GanConfig: ${what}`);
  };
  for (const k of Object.keys(c)) if (!CONFIG_KEYS.includes(k as keyof GanConfig)) bad(`unknown option '${k}' (known: ${CONFIG_KEYS.join(', ')})`);
  if (!GAN_MODELS.includes(c.model)) bad(`unknown model '${c.model}' (known: ${GAN_MODELS.join(', ')})`);
  if (!GAN_LOSSES.includes(c.loss)) bad(`unknown loss '${c.loss}' (known: ${GAN_LOSSES.join(', ')})`);
  const posInt = (k: keyof GanConfig): void => {
    const v = c[k] as number;
    if (!Number.isInteger(v) || v < 1) bad(`${k} must be a positive integer, got ${v}`);
  };
  posInt('batchSize');
  posInt('nCritic');
  posInt('latent');
  posInt('ngf');
  posInt('ndf');
  for (const k of ['lrG', 'lrD', 'gpWeight'] as const) if (!Number.isFinite(c[k]) || c[k] < 0) bad(`${k} must be a finite number ≥ 0, got ${c[k]}`);
  if (!Array.isArray(c.betas) || c.betas.length !== 2 || c.betas.some((b) => !(b >= 0 && b < 1))) bad(`betas must be two numbers in [0, 1), got ${JSON.stringify(c.betas)}`);
  if (!(c.realLabel > 0 && c.realLabel <= 1)) bad(`realLabel must be in (0, 1], got ${c.realLabel}`);
  if (!(c.dropout >= 0 && c.dropout < 1)) bad(`dropout must be in [0, 1), got ${c.dropout}`);
  if (!(c.ema >= 0 && c.ema < 1)) bad(`ema must be a decay in [0, 1) (0 = off), got ${c.ema}`);
  if (!Number.isInteger(c.seed)) bad(`seed must be an integer, got ${c.seed}`);
  if (typeof c.spectralNorm !== 'boolean') bad(`spectralNorm must be a boolean, got ${JSON.stringify(c.spectralNorm)}`);
  if (c.dNorm !== 'batch' && c.dNorm !== 'none') bad(`dNorm must be 'batch' or 'none', got ${JSON.stringify(c.dNorm)}`);
  const conditional = CONDITIONAL.includes(c.model);
  if (conditional && (!Number.isInteger(c.numClasses) || c.numClasses < 2)) bad(`numClasses must be an integer ≥ 2 for ${c.model}, got ${c.numClasses}`);
  if (!conditional && c.numClasses !== 0) bad(`numClasses is only for conditional models (cgan-mlp, cgan-dcgan); ${c.model} needs 0, got ${c.numClasses}`);
  if (c.loss === 'wgan-gp') {
    if (c.realLabel !== 1) bad('label smoothing (realLabel < 1) has no meaning for wgan-gp');
    if (c.dNorm === 'batch' && !isMlp(c.model)) bad("wgan-gp's gradient penalty is per sample: the critic must not use batch norm (dNorm 'none')");
  }
}

/** A dataset of images with values in [0, 1]: images [count, C·H·W], optional integer labels. */
export interface ImageSet {
  images: Float32Array;
  count: number;
  shape: readonly number[]; // [C, H, W]
  labels?: ArrayLike<number>;
}

export interface StepStats {
  step: number;
  /** D's loss of the last D update (with the penalty for wgan-gp). */
  dLoss: number;
  gLoss: number;
  /** Mean D output on the real and fake batch of the last D update: probabilities for bce, raw scores otherwise. */
  dReal: number;
  dFake: number;
  /** The gradient penalty (before λ) for wgan-gp, else 0. */
  gp: number;
}

export class NonFiniteError extends Error {
  override name = 'NonFiniteError';
}

/** Everything a run needs to resume exactly (tensors and arrays are copies). */
export interface GanTrainerState {
  config: GanConfig;
  step: number;
  rng: { s: number[]; spare: number | null };
  order: Int32Array;
  cursor: number;
  G: Record<string, Tensor>;
  D: Record<string, Tensor>;
  /** The averaged G (null without EMA) and its update count. */
  Gema: Record<string, Tensor> | null;
  emaUpdates: number;
  optG: OptimizerStateDict<AdamOptions>;
  optD: OptimizerStateDict<AdamOptions>;
}

/** The image shape [C, H, W] a model trains on, given the data's channels. */
export function modelImageShape(config: GanConfig, channels = 1): number[] {
  if (isMlp(config.model)) return [1, 28, 28];
  return config.model === 'dcgan64' ? [channels, 64, 64] : [channels, 28, 28];
}

/** G for a config (e.g. to load a generator checkpoint for sampling). */
export function buildGenerator(config: GanConfig, opts: { channels?: number; rng?: Rng } = {}): GanGenerator {
  const { latent, numClasses, ngf } = config;
  if (isMlp(config.model)) return new MlpGenerator({ latent, numClasses, rng: opts.rng });
  return new DcganGenerator({ size: config.model === 'dcgan64' ? 64 : 28, latent, ngf, channels: opts.channels ?? 1, numClasses, rng: opts.rng });
}

/** D for a config. */
export function buildDiscriminator(config: GanConfig, opts: { channels?: number; rng?: Rng } = {}): GanDiscriminator {
  const { numClasses, dropout, spectralNorm, ndf, dNorm } = config;
  if (isMlp(config.model)) return new MlpDiscriminator({ dropout, spectralNorm, numClasses, rng: opts.rng });
  return new DcganDiscriminator({
    size: config.model === 'dcgan64' ? 64 : 28, ndf, channels: opts.channels ?? 1, numClasses, norm: dNorm, spectralNorm, dropout, rng: opts.rng,
  });
}

function cloneDict(sd: Record<string, Tensor>): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(sd).map(([k, t]) => [k, new Tensor(t.data.slice(), t.shape)]));
}

function meanOf(t: Tensor, probability: boolean): number {
  let s = 0;
  for (const v of t.data) s += probability ? 1 / (1 + Math.exp(-v)) : v;
  return s / t.size;
}

export class GanTrainer {
  readonly config: GanConfig;
  readonly G: GanGenerator;
  readonly D: GanDiscriminator;
  /** The EMA of G's weights (null when config.ema is 0). */
  readonly Gema: GanGenerator | null;
  readonly optG: Adam;
  readonly optD: Adam;
  /** Drives initialisation, data order, noise, labels, dropout and α: one seed reproduces the run. */
  readonly rng: Rng;
  step = 0;
  private readonly ema: Ema<GanGenerator> | null;
  private order: Int32Array;
  private cursor = 0;
  private readonly channels: number;

  /** config: a partial config is completed by ganConfig (model/loss defaults). */
  constructor(config: Partial<GanConfig>, readonly data: ImageSet) {
    this.config = ganConfig(config);
    const c = this.config;
    this.channels = this.checkData(data);
    this.rng = new Rng(c.seed);
    this.G = buildGenerator(c, { channels: this.channels, rng: this.rng });
    this.D = buildDiscriminator(c, { channels: this.channels, rng: this.rng });
    // The average starts as a copy; its own construction must not draw from the run's generator.
    this.ema = c.ema > 0 ? new Ema(this.G, buildGenerator(c, { channels: this.channels, rng: new Rng(0) }), c.ema) : null;
    this.Gema = this.ema?.model ?? null;
    this.optG = new Adam(this.G.parameters(), { lr: c.lrG, betas: c.betas });
    this.optD = new Adam(this.D.parameters(), { lr: c.lrD, betas: c.betas });
    this.order = this.rng.permutation(data.count);
  }

  /** A trainer continuing the run saved in `state`. */
  static fromState(state: GanTrainerState, data: ImageSet): GanTrainer {
    const t = new GanTrainer(state.config, data);
    t.loadState(state);
    return t;
  }

  private checkData(data: ImageSet): number {
    const c = this.config;
    const [ch, h, w] = data.shape;
    const want = modelImageShape(c, ch);
    if (data.shape.length !== 3 || data.shape.some((d, i) => d !== want[i])) {
      const hint = isMlp(c.model) ? '[1, 28, 28]' : c.model === 'dcgan64' ? '[C, 64, 64]' : '[C, 28, 28]';
      throw new RangeError(`GanTrainer: model '${c.model}' trains on images ${hint}, got data of shape [${data.shape.join(', ')}]`);
    }
    if (data.count < c.batchSize) throw new RangeError(`GanTrainer: ${data.count} images are fewer than one batch of ${c.batchSize}`);
    if (data.images.length !== data.count * ch * h * w) {
      throw new RangeError(`GanTrainer: ${data.images.length} values do not fill ${data.count} images of shape [${data.shape.join(', ')}]`);
    }
    if (c.numClasses > 0) {
      if (data.labels === undefined || data.labels.length !== data.count) throw new RangeError(`GanTrainer: model '${c.model}' is conditional and needs one label per image`);
      for (let i = 0; i < data.count; i++) {
        const y = data.labels[i];
        if (!Number.isInteger(y) || y < 0 || y >= c.numClasses) throw new RangeError(`GanTrainer: label ${y} of image ${i} is not an integer in [0, ${c.numClasses})`);
      }
    }
    return ch;
  }

  /** Generator steps per pass over the data (each takes nCritic real batches). */
  get stepsPerEpoch(): number {
    return Math.max(1, Math.floor(this.data.count / (this.config.batchSize * this.config.nCritic)));
  }

  /** The model samples come from: the EMA of G when enabled, else G. */
  get sampler(): GanGenerator {
    return this.Gema ?? this.G;
  }

  get conditional(): boolean {
    return this.config.numClasses > 0;
  }

  /** The next real batch [B, C, H, W] scaled to [-1, 1] and its labels; reshuffles at each epoch. */
  nextBatch(): { images: Tensor; labels: Int32Array | undefined } {
    const { batchSize: b } = this.config;
    if (this.cursor + b > this.data.count) {
      this.order = this.rng.permutation(this.data.count);
      this.cursor = 0;
    }
    const px = this.data.images.length / this.data.count;
    const out = new Float32Array(b * px);
    const labels = this.conditional ? new Int32Array(b) : undefined;
    for (let i = 0; i < b; i++) {
      const k = this.order[this.cursor + i];
      const src = k * px;
      for (let j = 0; j < px; j++) out[i * px + j] = this.data.images[src + j] * 2 - 1;
      if (labels !== undefined) labels[i] = this.data.labels![k];
    }
    this.cursor += b;
    return { images: new Tensor(out, [b, ...this.data.shape]), labels };
  }

  noise(n: number): Tensor {
    return Tensor.randn([n, this.G.latent], { rng: this.rng });
  }

  /** n uniformly drawn class labels (conditional models), else undefined. */
  randomLabels(n: number): Int32Array | undefined {
    if (!this.conditional) return undefined;
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) y[i] = this.rng.int(this.config.numClasses);
    return y;
  }

  /**
   * One training step. Its intermediate tensors (activations, gradients) live in the kernels' memory
   * for the step only (backend.resultScope: no copies between kernels); the parameters' gradients
   * are cleared at the end (zeroGrad), since their storage goes with the step.
   */
  trainStep(): StepStats {
    return resultScope(() => {
      try {
        return this.unscopedStep();
      } finally {
        this.optD.zeroGrad();
        this.optG.zeroGrad();
      }
    });
  }

  private unscopedStep(): StepStats {
    const { nCritic, loss, batchSize } = this.config;
    const reuse = nCritic === 1;
    let d!: { dLoss: number; dReal: number; dFake: number; gp: number; fake: Tensor; labels: Int32Array | undefined };
    for (let i = 0; i < nCritic; i++) d = this.discriminatorStep(reuse && i === nCritic - 1);
    let fake = d.fake, labels = d.labels;
    if (!reuse) {
      const z = this.noise(batchSize);
      labels = this.randomLabels(batchSize);
      fake = this.G.forward(z, labels);
    }
    setRequiresGrad(this.D, false);
    let gLoss: Tensor;
    try {
      gLoss = generatorLoss(loss, this.D.forward(fake, labels));
      this.check('generator loss', gLoss.item());
      this.optG.zeroGrad();
      gLoss.backward();
      this.optG.step();
    } finally {
      setRequiresGrad(this.D, true);
    }
    this.ema?.update();
    this.step++;
    return { step: this.step, dLoss: d.dLoss, gLoss: gLoss.item(), dReal: d.dReal, dFake: d.dFake, gp: d.gp };
  }

  /** One D update; `keepGraph` makes G's forward record a graph so the G update can reuse the fake batch. */
  private discriminatorStep(keepGraph: boolean) {
    const { loss, batchSize: b, realLabel, gpWeight } = this.config;
    const real = this.nextBatch();
    const z = this.noise(b);
    const labels = this.randomLabels(b);
    const fake = keepGraph ? this.G.forward(z, labels) : noGrad(() => this.G.forward(z, labels));
    const fakeIn = fake.detach();
    let realLogits: Tensor, fakeLogits: Tensor;
    if (this.D.hasBatchNorm) {
      realLogits = this.D.forward(real.images, real.labels);
      fakeLogits = this.D.forward(fakeIn, labels);
    } else {
      const both = this.D.forward(cat([real.images, fakeIn], 0), labels === undefined ? undefined : concatLabels(real.labels!, labels));
      [realLogits, fakeLogits] = splitRows(both, [b, b]);
    }
    let dLoss = discriminatorLoss(loss, realLogits, fakeLogits, realLabel);
    let gp = 0;
    if (loss === 'wgan-gp') {
      const alpha = new Float32Array(b);
      for (let i = 0; i < b; i++) alpha[i] = this.rng.random();
      const xHat = interpolate(real.images, fakeIn, alpha);
      // The penalty's D pass sees the interpolates with the real labels (as in conditional WGAN-GP code).
      const penalty = gradientPenalty((x) => this.D.forward(x, real.labels), xHat);
      gp = penalty.item();
      dLoss = dLoss.add(penalty.mul(gpWeight));
    }
    const dValue = dLoss.item();
    this.check('discriminator loss', dValue);
    this.optD.zeroGrad();
    dLoss.backward();
    this.optD.step();
    const prob = loss === 'bce';
    return { dLoss: dValue, dReal: meanOf(realLogits, prob), dFake: meanOf(fakeLogits, prob), gp, fake, labels };
  }

  private check(what: string, v: number): void {
    if (!Number.isFinite(v)) {
      throw new NonFiniteError(`step ${this.step + 1}: ${what} is ${v} — training diverged (lower the learning rate, or resume from the last checkpoint)`);
    }
  }

  /**
   * Images [N, C, H, W] in [-1, 1] from noise z [N, latent] (and labels for a conditional model),
   * in eval mode without recording; from the EMA of G when enabled unless `average` is false.
   */
  sample(z: Tensor, labels?: ArrayLike<number>, opts: { average?: boolean } = {}): Tensor {
    const g = opts.average === false ? this.G : this.sampler;
    return noGrad(() => {
      g.eval();
      try {
        return g.forward(z, labels);
      } finally {
        g.train();
      }
    });
  }

  /** A snapshot of everything the run depends on (copies). */
  state(): GanTrainerState {
    return {
      config: structuredClone(this.config),
      step: this.step,
      rng: this.rng.state(),
      order: this.order.slice(),
      cursor: this.cursor,
      G: cloneDict(this.G.stateDict()),
      D: cloneDict(this.D.stateDict()),
      Gema: this.Gema === null ? null : cloneDict(this.Gema.stateDict()),
      emaUpdates: this.ema?.updates ?? 0,
      optG: this.optG.stateDict(),
      optD: this.optD.stateDict(),
    };
  }

  /** Restores a state() of a run with the same config; training then continues bit for bit. */
  loadState(s: GanTrainerState): void {
    const diff = Object.keys(this.config).filter((k) => JSON.stringify((this.config as unknown as Record<string, unknown>)[k]) !== JSON.stringify((s.config as unknown as Record<string, unknown>)[k]));
    if (diff.length > 0) throw new Error(`GanTrainer.loadState: the state's config differs in ${diff.join(', ')}; build the trainer with GanTrainer.fromState(state, data)`);
    if (s.order.length !== this.data.count) throw new Error(`GanTrainer.loadState: the state's data order covers ${s.order.length} images, the data has ${this.data.count}`);
    if ((s.Gema === null) !== (this.Gema === null)) throw new Error('GanTrainer.loadState: EMA state does not match the config');
    if (!Number.isInteger(s.step) || s.step < 0 || !Number.isInteger(s.cursor) || s.cursor < 0 || s.cursor > s.order.length) {
      throw new Error(`GanTrainer.loadState: invalid step ${s.step} or cursor ${s.cursor}`);
    }
    this.G.loadStateDict(s.G);
    this.D.loadStateDict(s.D);
    if (this.Gema !== null) this.Gema.loadStateDict(s.Gema!);
    this.optG.loadStateDict(s.optG);
    this.optD.loadStateDict(s.optD);
    if (this.ema !== null) this.ema.updates = s.emaUpdates;
    this.rng.setState(s.rng);
    this.order = Int32Array.from(s.order);
    this.cursor = s.cursor;
    this.step = s.step;
  }
}

function concatLabels(a: ArrayLike<number>, b: ArrayLike<number>): Int32Array {
  const out = new Int32Array(a.length + b.length);
  out.set(Array.from(a));
  out.set(Array.from(b), a.length);
  return out;
}

function setRequiresGrad(m: { parameters(): Tensor[] }, on: boolean): void {
  for (const p of m.parameters()) p.requiresGrad = on;
}
