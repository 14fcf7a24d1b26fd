// Flatten (torch.nn.Flatten): merges dims start_dim..end_dim into one (a reshape, copy-free).
// x [N, C, H, W] with the defaults (1, −1) → [N, C·H·W]
import type { Tensor } from '../tensor.js';
import { F } from '../ops/index.js';
import { fmt, normAxis, ShapeError } from '../shape.js';
import { Module } from './module.js';
import { checkInt } from './_check.js';

export class Flatten extends Module {
  readonly start_dim: number;
  readonly end_dim: number;

  constructor(start_dim = 1, end_dim = -1) {
    super();
    this.start_dim = checkInt('Flatten', 'start_dim', start_dim, -Infinity);
    this.end_dim = checkInt('Flatten', 'end_dim', end_dim, -Infinity);
  }

  forward(x: Tensor): Tensor {
    const rank = Math.max(x.ndim, 1);
    let s: number, e: number;
    try {
      s = normAxis('Flatten', this.start_dim, rank);
      e = normAxis('Flatten', this.end_dim, rank);
    } catch {
      throw new ShapeError(`${this.describe()}: dims out of range for input ${fmt(x.shape)}`);
    }
    if (s > e) throw new ShapeError(`${this.describe()}: start_dim comes after end_dim for input ${fmt(x.shape)}`);
    const shape = x.ndim === 0 ? [1] : [...x.shape.slice(0, s), x.shape.slice(s, e + 1).reduce((p, d) => p * d, 1), ...x.shape.slice(e + 1)];
    return F.reshape(x, { shape });
  }

  override extraRepr(): string {
    return `start_dim=${this.start_dim}, end_dim=${this.end_dim}`;
  }
}
