// Elementwise activations (torch.nn.ReLU, LeakyReLU, Tanh, Sigmoid): stateless wrappers of F.
import type { Tensor } from '../tensor.js';
import { F } from '../ops/index.js';
import { Module } from './module.js';
import { checkNumber } from './_check.js';

/** max(x, 0) */
export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return F.relu(x);
  }
}

/** x if x > 0 else negative_slope·x; new LeakyReLU(0.2) in DCGAN discriminators. */
export class LeakyReLU extends Module {
  readonly negative_slope: number;
  constructor(negative_slope = 0.01) {
    super();
    this.negative_slope = checkNumber('LeakyReLU', 'negative_slope', negative_slope);
  }
  forward(x: Tensor): Tensor {
    return F.leaky_relu(x, { negative_slope: this.negative_slope });
  }
  override extraRepr(): string {
    return `negative_slope=${this.negative_slope}`;
  }
}

export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return F.tanh(x);
  }
}

export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return F.sigmoid(x);
  }
}
