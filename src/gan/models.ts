// The classic MLP GAN on 28×28 images (the seed architecture):
//   G: z[100] → 128 → 256 → 512 → 1024 → 784, leaky ReLU 0.2 on hidden layers, tanh out (images in [-1, 1])
//   D: 784 → 1024 → 512 → 256 → 128 → 1, leaky ReLU 0.2 (optionally dropout after each hidden activation), a logit out
// Layers live in `main` (a Sequential), so state dict keys are torch's `main.0.weight`, … and a
// checkpoint loads into the same torch module definition key for key.
import { Tensor } from '../tensor.js';
import { fmt, ShapeError } from '../shape.js';
import { Module } from '../nn/module.js';
import { Sequential } from '../nn/container.js';
import { Linear } from '../nn/linear.js';
import { LeakyReLU, Tanh } from '../nn/activation.js';
import { Dropout } from '../nn/dropout.js';
import type { Rng } from '../rng.js';

export const LATENT = 100;
export const IMAGE = [1, 28, 28] as const;

function mlp(sizes: number[], rng: Rng | undefined, hidden: (i: number) => Module[]): Module[] {
  const layers: Module[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    layers.push(new Linear(sizes[i], sizes[i + 1], { rng }));
    if (i + 2 < sizes.length) layers.push(...hidden(i));
  }
  return layers;
}

export class MlpGenerator extends Module {
  readonly latent: number;
  readonly main: Sequential;

  constructor(opts: { latent?: number; rng?: Rng } = {}) {
    super();
    this.latent = opts.latent ?? LATENT;
    const layers = mlp([this.latent, 128, 256, 512, 1024, 784], opts.rng, () => [new LeakyReLU(0.2)]);
    this.main = this.registerModule('main', new Sequential(...layers, new Tanh()));
  }

  /** z [N, latent] → images [N, 1, 28, 28] in [-1, 1]. */
  forward(z: Tensor): Tensor {
    if (z.ndim !== 2 || z.shape[1] !== this.latent) throw new ShapeError(`MlpGenerator: expected noise [N, ${this.latent}], got ${fmt(z.shape)}`);
    return this.main.forward(z).reshape(z.shape[0], ...IMAGE);
  }
}

export class MlpDiscriminator extends Module {
  readonly main: Sequential;

  constructor(opts: { dropout?: number; rng?: Rng } = {}) {
    super();
    const p = opts.dropout ?? 0;
    const layers = mlp([784, 1024, 512, 256, 128, 1], opts.rng, () => (p > 0 ? [new LeakyReLU(0.2), new Dropout(p, { rng: opts.rng })] : [new LeakyReLU(0.2)]));
    this.main = this.registerModule('main', new Sequential(...layers));
  }

  /** images [N, 1, 28, 28] (or [N, 784]) → logits [N]. */
  forward(x: Tensor): Tensor {
    if (x.ndim < 2 || x.size !== x.shape[0] * 784) throw new ShapeError(`MlpDiscriminator: expected images [N, 1, 28, 28] or [N, 784], got ${fmt(x.shape)}`);
    return this.main.forward(x.reshape(x.shape[0], 784)).reshape(x.shape[0]);
  }
}
