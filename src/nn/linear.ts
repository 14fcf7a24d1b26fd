// Linear (torch.nn.Linear): y = x·Wᵀ + b.   x [*, in_features] → [*, out_features]
// weight [out_features, in_features] and bias [out_features], both U(±1/√in_features) (torch 1.13).
import { Tensor } from '../tensor.js';
import { F } from '../ops/index.js';
import type { Rng } from '../rng.js';
import { fmt, ShapeError } from '../shape.js';
import { Module, pyRepr } from './module.js';
import { layerDefault_ } from './init.js';
import { checkBool, checkInt, checkOptions } from './_check.js';

export interface LinearOptions {
  bias?: boolean;
  /** Generator for the initial weights (default: the global one). */
  rng?: Rng;
}

/** new Linear(784, 256).forward(Tensor.randn([64, 784])) → [64, 256] */
export class Linear extends Module {
  readonly in_features: number;
  readonly out_features: number;
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  /**
   * A parametrization of the weight (e.g. spectral norm, src/gan/spectral_norm.ts): when set,
   * forward uses weightFn() instead of `weight` (torch's forward pre-hook recomputing module.weight).
   */
  weightFn: (() => Tensor) | null = null;

  constructor(in_features: number, out_features: number, opts: LinearOptions = {}) {
    super();
    checkOptions('Linear', opts, ['bias', 'rng']);
    this.in_features = checkInt('Linear', 'in_features', in_features, 0);
    this.out_features = checkInt('Linear', 'out_features', out_features, 0);
    const bias = checkBool('Linear', 'bias', opts.bias ?? true);
    this.weight = this.registerParameter('weight', Tensor.zeros([out_features, in_features]));
    this.bias = this.registerParameter('bias', bias ? Tensor.zeros([out_features]) : null);
    this.resetParameters(opts.rng);
  }

  resetParameters(rng?: Rng): void {
    layerDefault_(this.weight, this.bias, rng);
  }

  forward(x: Tensor): Tensor {
    if (x.ndim < 1 || x.shape[x.ndim - 1] !== this.in_features) {
      throw new ShapeError(`${this.describe()}: expected input [*, ${this.in_features}], got ${fmt(x.shape)}`);
    }
    return F.linear(x, this.weightFn === null ? this.weight : this.weightFn(), this.bias);
  }

  override extraRepr(): string {
    return `in_features=${this.in_features}, out_features=${this.out_features}, bias=${pyRepr(this.bias !== null)}`;
  }
}

/** Identity (torch.nn.Identity): returns its input; a placeholder when swapping layers out. */
export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}
