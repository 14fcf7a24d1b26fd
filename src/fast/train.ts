// Training a feed-forward style network (Johnson et al. 2016) with the perceptual loss: each step
// draws a batch of random crops (with random horizontal flips) from the content images, runs the
// network, scores its output with PerceptualLoss against the crops and takes one Adam step.
// Any network Module with the TransformerNet conventions (RGB 0–255 in and out) trains here.
//
// Random numbers all come from one Rng seeded by config.seed, drawn in this order: the network's
// initial weights, the first image order, then per crop (CropSampler): a new order at each pass
// start, the crop's top and left corner, the flip. state()/loadState() capture it all (step, rng,
// image order and cursor, weights, Adam's moments, config): a resumed run continues bit for bit.
import { Tensor } from '../tensor.js';
import { noGrad } from '../autograd.js';
import { Rng } from '../rng.js';
import { Adam, type AdamOptions } from '../optim/adam.js';
import { resultScope } from '../backend.js';
import type { OptimizerStateDict } from '../optim/optimizer.js';
import type { Module } from '../nn/module.js';
import { fmt, ShapeError } from '../shape.js';
import { TransformerNet } from './transformer_net.js';
import { MobileStyleNet } from './mobile_net.js';
import type { PerceptualLoss } from './perceptual.js';
import type { LossTerms } from '../style/losses.js';

export type TrainArch = 'johnson' | 'mobile';
export const TRAIN_ARCHS: TrainArch[] = ['johnson', 'mobile'];

export interface FastTrainConfig {
  arch: TrainArch;
  /** Side of the square training crops. */
  crop: number;
  batchSize: number;
  /** Adam's learning rate (betas 0.9/0.999, as the PyTorch example). */
  lr: number;
  seed: number;
}

const CONFIG_KEYS: (keyof FastTrainConfig)[] = ['arch', 'crop', 'batchSize', 'lr', 'seed'];

/** A full config: Johnson's PyTorch example's lr 1e-3 and batch 4, 128² crops, seed 0, then `overrides`. */
export function fastTrainConfig(overrides: Partial<FastTrainConfig> = {}): FastTrainConfig {
  const c: FastTrainConfig = { arch: 'johnson', crop: 128, batchSize: 4, lr: 1e-3, seed: 0 };
  for (const [k, v] of Object.entries(overrides)) {
    if (!CONFIG_KEYS.includes(k as keyof FastTrainConfig)) throw new RangeError(`FastTrainConfig: unknown option '${k}' (known: ${CONFIG_KEYS.join(', ')})`);
    if (v !== undefined) (c as unknown as Record<string, unknown>)[k] = v;
  }
  if (!TRAIN_ARCHS.includes(c.arch)) throw new RangeError(`FastTrainConfig: unknown arch '${c.arch}' (known: ${TRAIN_ARCHS.join(', ')})`);
  for (const k of ['crop', 'batchSize'] as const) if (!Number.isInteger(c[k]) || c[k] < 1) throw new RangeError(`FastTrainConfig: ${k} must be a positive integer, got ${c[k]}`);
  if (!Number.isFinite(c.lr) || c.lr <= 0) throw new RangeError(`FastTrainConfig: lr must be a finite number > 0, got ${c.lr}`);
  if (!Number.isInteger(c.seed)) throw new RangeError(`FastTrainConfig: seed must be an integer, got ${c.seed}`);
  return c;
}

/** The style network of an architecture (initial weights from rng). */
export function buildStyleNet(arch: TrainArch, rng?: Rng): Module & { forward(x: Tensor): Tensor } {
  if (arch === 'johnson') return new TransformerNet({ rng });
  if (arch === 'mobile') return new MobileStyleNet({ rng });
  throw new RangeError(`unknown style network arch '${String(arch)}' (known: ${TRAIN_ARCHS.join(', ')})`);
}

export interface FastStepStats extends LossTerms {
  step: number;
}

export class NonFiniteLossError extends Error {
  override name = 'NonFiniteLossError';
}

/** Everything a run needs to resume exactly (tensors and arrays are copies). */
export interface TrainerState<C> {
  config: C;
  step: number;
  rng: { s: number[]; spare: number | null };
  /** Each CropSampler's image order and position. */
  samplers: { order: Int32Array; cursor: number }[];
  net: Record<string, Tensor>;
  opt: OptimizerStateDict<AdamOptions>;
}

export type FastTrainerState = TrainerState<FastTrainConfig>;

/**
 * Random square crops, each flipped horizontally with probability ½, from images (RGB 0–255
 * [1, 3, H, W] or [3, H, W], each at least crop × crop) visited in shuffled passes. Per crop it
 * draws from rng: the next pass's order (when a pass ends), the top and left corner, the flip.
 */
export class CropSampler {
  order: Int32Array;
  cursor = 0;

  constructor(readonly images: readonly Tensor[], readonly crop: number, private readonly rng: Rng, readonly what = 'content') {
    if (images.length === 0) throw new RangeError(`no ${what} images`);
    images.forEach((im, i) => {
      const ok = (im.ndim === 3 && im.shape[0] === 3) || (im.ndim === 4 && im.shape[0] === 1 && im.shape[1] === 3);
      if (!ok) throw new ShapeError(`${what} image ${i} must be RGB [1, 3, H, W] or [3, H, W], got ${fmt(im.shape)}`);
      const [h, w] = im.shape.slice(-2);
      if (h < crop || w < crop) throw new RangeError(`${what} image ${i} is ${w}×${h} px, smaller than the ${crop}×${crop} crops`);
    });
    this.order = rng.permutation(images.length);
  }

  /** b crops [b, 3, crop, crop]. */
  next(b: number): Tensor {
    const crop = this.crop;
    const out = new Float32Array(b * 3 * crop * crop);
    for (let i = 0; i < b; i++) {
      if (this.cursor === this.images.length) {
        this.order = this.rng.permutation(this.images.length);
        this.cursor = 0;
      }
      const im = this.images[this.order[this.cursor++]];
      const [h, w] = im.shape.slice(-2);
      const top = this.rng.int(h - crop + 1), left = this.rng.int(w - crop + 1), flip = this.rng.random() < 0.5;
      for (let c = 0; c < 3; c++) {
        for (let y = 0; y < crop; y++) {
          const src = (c * h + top + y) * w + left, dst = ((i * 3 + c) * crop + y) * crop;
          for (let x = 0; x < crop; x++) out[dst + x] = im.data[src + (flip ? crop - 1 - x : x)];
        }
      }
    }
    return new Tensor(out, [b, 3, crop, crop]);
  }

  state(): { order: Int32Array; cursor: number } {
    return { order: this.order.slice(), cursor: this.cursor };
  }

  load(s: { order: Int32Array; cursor: number }): void {
    if (s.order.length !== this.images.length) throw new Error(`the state's ${this.what} image order covers ${s.order.length} images, the data has ${this.images.length}`);
    if (!Number.isInteger(s.cursor) || s.cursor < 0 || s.cursor > s.order.length) throw new Error(`invalid ${this.what} cursor ${s.cursor}`);
    this.order = Int32Array.from(s.order);
    this.cursor = s.cursor;
  }
}

export class FastTrainer {
  readonly config: FastTrainConfig;
  readonly net: Module & { forward(x: Tensor): Tensor };
  readonly opt: Adam;
  readonly rng: Rng;
  readonly crops: CropSampler;
  step = 0;

  /**
   * @param images content images, RGB 0–255 [1, 3, H, W] or [3, H, W], each at least crop × crop
   * @param loss the perceptual loss (VGG, style targets, weights)
   */
  constructor(config: Partial<FastTrainConfig>, readonly images: readonly Tensor[], readonly loss: PerceptualLoss) {
    this.config = fastTrainConfig(config);
    const { crop } = this.config;
    if (crop < loss.minSide) throw new RangeError(`FastTrainer: ${crop}×${crop} crops are too small for the loss layers (at least ${loss.minSide}×${loss.minSide})`);
    this.rng = new Rng(this.config.seed);
    this.net = buildStyleNet(this.config.arch, this.rng);
    this.opt = new Adam(this.net.parameters(), { lr: this.config.lr });
    this.crops = prefixErrors('FastTrainer', () => new CropSampler(images, crop, this.rng));
  }

  /** A trainer continuing the run saved in `state`. */
  static fromState(state: FastTrainerState, images: readonly Tensor[], loss: PerceptualLoss): FastTrainer {
    const t = new FastTrainer(state.config, images, loss);
    t.loadState(state);
    return t;
  }

  /** The next batch of random crops [B, 3, crop, crop] (RGB 0–255). */
  nextBatch(): Tensor {
    return this.crops.next(this.config.batchSize);
  }

  /**
   * One Adam step on a fresh batch; throws NonFiniteLossError (naming the step) when the loss is NaN
   * or infinite. Runs in a result scope (scopedStep): the graph keeps every activation alive until
   * the backward anyway, and the kernels then read and write them in place.
   */
  trainStep(): FastStepStats {
    return scopedStep(this.opt, () => {
      const x = this.nextBatch();
      const { loss, terms } = this.loss.evaluate(this.net.forward(x), x);
      checkFinite(this.step + 1, terms.total, `content ${terms.content}, style ${terms.style}, tv ${terms.tv}`);
      this.opt.zeroGrad();
      loss.backward();
      this.opt.step();
      this.step++;
      return { step: this.step, ...terms };
    });
  }

  /** The network's output for RGB 0–255 images [N, 3, H, W], without a graph. */
  stylize(x: Tensor): Tensor {
    return noGrad(() => this.net.forward(x));
  }

  /** A snapshot of everything the run depends on (copies). */
  state(): FastTrainerState {
    return snapshotState(this.config, this.step, this.rng, [this.crops], this.net, this.opt);
  }

  /** Restores a state() of a run with the same config and images; training then continues bit for bit. */
  loadState(s: FastTrainerState): void {
    restoreState('FastTrainer', s, this.config, [this.crops], this.net, this.opt, this.rng);
    this.step = s.step;
  }
}

/**
 * A training step whose tensors all die with it (it returns numbers; the parameters and the
 * optimizer's state live in resident storage, not in the scope): run in a result scope (no copies
 * between kernels), the gradients cleared at the end since their storage goes with the scope.
 */
export function scopedStep<T>(opt: Adam, step: () => T): T {
  return resultScope(() => {
    try {
      return step();
    } finally {
      opt.zeroGrad();
    }
  });
}

/** Throws NonFiniteLossError naming the step when the loss is NaN or infinite. */
export function checkFinite(step: number, total: number, parts: string): void {
  if (!Number.isFinite(total)) {
    throw new NonFiniteLossError(`step ${step}: the perceptual loss is ${total} (${parts}) — training diverged (lower the learning rate, or resume from the last checkpoint)`);
  }
}

function prefixErrors<T>(who: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    (e as Error).message = `${who}: ${(e as Error).message}`;
    throw e;
  }
}

/** state() of a trainer (copies). */
export function snapshotState<C>(config: C, step: number, rng: Rng, samplers: CropSampler[], net: Module, opt: Adam): TrainerState<C> {
  return {
    config: structuredClone(config),
    step,
    rng: rng.state(),
    samplers: samplers.map((s) => s.state()),
    net: Object.fromEntries(Object.entries(net.stateDict()).map(([k, t]) => [k, new Tensor(t.data.slice(), t.shape)])),
    opt: opt.stateDict(),
  };
}

/** loadState() of a trainer: the config must match; restores everything but the step. */
export function restoreState<C extends object>(who: string, s: TrainerState<C>, config: C, samplers: CropSampler[], net: Module, opt: Adam, rng: Rng): void {
  const rec = (c: C) => c as unknown as Record<string, unknown>;
  const diff = Object.keys(config).filter((k) => JSON.stringify(rec(config)[k]) !== JSON.stringify(rec(s.config)[k]));
  if (diff.length > 0) throw new Error(`${who}.loadState: the state's config differs in ${diff.join(', ')}; build the trainer with ${who}.fromState`);
  if (!Number.isInteger(s.step) || s.step < 0) throw new Error(`${who}.loadState: invalid step ${s.step}`);
  if (s.samplers.length !== samplers.length) throw new Error(`${who}.loadState: the state has ${s.samplers.length} image samplers, the trainer ${samplers.length}`);
  prefixErrors(`${who}.loadState`, () => samplers.forEach((sm, i) => sm.load(s.samplers[i])));
  net.loadStateDict(s.net);
  opt.loadStateDict(s.opt);
  rng.setState(s.rng);
}
