// Alternating GAN training (Goodfellow et al.; the DCGAN example's loop): per step one D update on
// a real batch and a fake batch, then one G update through D on the same fake batch. D's parameters
// are frozen during the G update so no weight gradient is computed for them there.
import { Tensor } from '../tensor.js';
import { noGrad } from '../autograd.js';
import { Rng } from '../rng.js';
import { Adam } from '../optim/adam.js';
import type { Module } from '../nn/module.js';
import { discriminatorLoss, generatorLoss, type GanLoss } from './losses.js';
import { MlpDiscriminator, MlpGenerator } from './models.js';

export interface GanConfig {
  model: 'mlp';
  loss: GanLoss;
  batchSize: number;
  lrG: number;
  lrD: number;
  betas: [number, number];
  /** One-sided label smoothing: the real target (1 = off). */
  realLabel: number;
  /** Dropout after each hidden D activation (0 = off). */
  dropout: number;
  seed: number;
}

export const DEFAULT_GAN_CONFIG: GanConfig = {
  model: 'mlp', loss: 'bce', batchSize: 64, lrG: 2e-4, lrD: 2e-4, betas: [0.5, 0.999], realLabel: 1, dropout: 0, seed: 0,
};

/** A dataset of flat images with values in [0, 1]: [count, pixels]. */
export interface ImageSet {
  images: Float32Array;
  count: number;
  shape: readonly number[]; // [C, H, W]
}

export interface StepStats {
  step: number;
  dLoss: number;
  gLoss: number;
  /** Mean D(x) and D(G(z)) as probabilities (sigmoid of the logits). */
  dReal: number;
  dFake: number;
}

export class NonFiniteError extends Error {
  override name = 'NonFiniteError';
}

function meanSigmoid(logits: Tensor): number {
  let s = 0;
  for (const v of logits.data) s += 1 / (1 + Math.exp(-v));
  return s / logits.size;
}

export class GanTrainer {
  readonly G: MlpGenerator;
  readonly D: MlpDiscriminator;
  readonly optG: Adam;
  readonly optD: Adam;
  /** Drives data order, noise and dropout: one seed reproduces the run. */
  readonly rng: Rng;
  step = 0;
  private order: Int32Array;
  private cursor = 0;

  constructor(readonly config: GanConfig, readonly data: ImageSet) {
    this.rng = new Rng(config.seed);
    this.G = new MlpGenerator({ rng: this.rng });
    this.D = new MlpDiscriminator({ dropout: config.dropout, rng: this.rng });
    this.optG = new Adam(this.G.parameters(), { lr: config.lrG, betas: config.betas });
    this.optD = new Adam(this.D.parameters(), { lr: config.lrD, betas: config.betas });
    this.order = this.rng.permutation(data.count);
  }

  get stepsPerEpoch(): number {
    return Math.floor(this.data.count / this.config.batchSize);
  }

  /** The next real batch [B, C, H, W] scaled to [-1, 1]; reshuffles at each epoch. */
  nextBatch(): Tensor {
    const { batchSize: b } = this.config;
    if (this.cursor + b > this.data.count) {
      this.order = this.rng.permutation(this.data.count);
      this.cursor = 0;
    }
    const px = this.data.images.length / this.data.count;
    const out = new Float32Array(b * px);
    for (let i = 0; i < b; i++) {
      const src = this.order[this.cursor + i] * px;
      for (let j = 0; j < px; j++) out[i * px + j] = this.data.images[src + j] * 2 - 1;
    }
    this.cursor += b;
    return new Tensor(out, [b, ...this.data.shape]);
  }

  noise(n: number): Tensor {
    return Tensor.randn([n, this.G.latent], { rng: this.rng });
  }

  trainStep(): StepStats {
    const { loss, realLabel, batchSize } = this.config;
    const real = this.nextBatch();
    const fake = this.G.forward(this.noise(batchSize));

    const realLogits = this.D.forward(real);
    const fakeLogits = this.D.forward(fake.detach());
    const dLoss = discriminatorLoss(loss, realLogits, fakeLogits, realLabel);
    this.check('discriminator', dLoss);
    this.optD.zeroGrad();
    dLoss.backward();
    this.optD.step();

    setRequiresGrad(this.D, false);
    const gLoss = generatorLoss(loss, this.D.forward(fake));
    this.check('generator', gLoss);
    this.optG.zeroGrad();
    gLoss.backward();
    this.optG.step();
    setRequiresGrad(this.D, true);

    this.step++;
    return { step: this.step, dLoss: dLoss.item(), gLoss: gLoss.item(), dReal: meanSigmoid(realLogits), dFake: meanSigmoid(fakeLogits) };
  }

  private check(which: string, loss: Tensor): void {
    const v = loss.item();
    if (!Number.isFinite(v)) {
      throw new NonFiniteError(`step ${this.step + 1}: ${which} loss is ${v} — training diverged (lower the learning rate, or resume from the last checkpoint)`);
    }
  }

  /** G(z) in eval mode without recording: images [N, C, H, W] in [-1, 1]. */
  sample(z: Tensor): Tensor {
    return noGrad(() => {
      this.G.eval();
      try {
        return this.G.forward(z);
      } finally {
        this.G.train();
      }
    });
  }
}

function setRequiresGrad(m: Module, on: boolean): void {
  for (const p of m.parameters()) p.requiresGrad = on;
}
