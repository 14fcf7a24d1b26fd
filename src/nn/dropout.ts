// Dropout (torch.nn.Dropout): in training, zeroes each element with probability p and scales the
// rest by 1/(1 − p) (inverted dropout, so eval is the identity). x [*] → [*]
// The mask is a constant: ∂x = dy ⊙ mask, through F.mul.
import { Tensor } from '../tensor.js';
import { F } from '../ops/index.js';
import { globalRng, type Rng } from '../rng.js';
import { Module, pyRepr } from './module.js';
import { checkOptions } from './_check.js';

export class Dropout extends Module {
  readonly p: number;
  /** Generator for the masks; undefined = the global one (read at each call, so manualSeed applies). */
  rng: Rng | undefined;

  constructor(p = 0.5, opts: { rng?: Rng } = {}) {
    super();
    checkOptions('Dropout', opts, ['rng']);
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new RangeError(`Dropout: dropout probability has to be between 0 and 1, but got ${p}`);
    this.p = p;
    this.rng = opts.rng;
  }

  forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return x;
    const rng = this.rng ?? globalRng;
    const keep = 1 - this.p;
    const scale = keep === 0 ? 0 : 1 / keep;
    const mask = new Float32Array(x.size);
    for (let i = 0; i < mask.length; i++) mask[i] = rng.random() < keep ? scale : 0;
    return F.mul(x, new Tensor(mask, x.shape));
  }

  override extraRepr(): string {
    return `p=${this.p}, inplace=${pyRepr(false)}`;
  }
}
