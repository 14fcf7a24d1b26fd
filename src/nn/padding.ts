// ReflectionPad2d (torch.nn.ReflectionPad2d) over F.reflection_pad2d: mirror padding without
// repeating the edge. x [N, C, H, W] or [C, H, W] → [.., H + top + bottom, W + left + right]
import type { Tensor } from '../tensor.js';
import { F } from '../ops/index.js';
import { Module, pyRepr } from './module.js';
import { on4d } from './_spatial.js';

/** new ReflectionPad2d(4) or new ReflectionPad2d([left, right, top, bottom]) (F.pad's order). */
export class ReflectionPad2d extends Module {
  readonly padding: [number, number, number, number];

  constructor(padding: number | [number, number, number, number]) {
    super();
    const p = typeof padding === 'number' ? [padding, padding, padding, padding] : padding;
    if (!Array.isArray(p) || p.length !== 4 || !p.every((v) => Number.isInteger(v) && v >= 0)) {
      throw new RangeError(`ReflectionPad2d: padding must be an integer ≥ 0 or [left, right, top, bottom], got ${JSON.stringify(padding)}`);
    }
    this.padding = [p[0], p[1], p[2], p[3]];
  }

  forward(x: Tensor): Tensor {
    return on4d(this, x, (x4) => F.reflection_pad2d(x4, { padding: this.padding }));
  }

  override extraRepr(): string {
    return pyRepr(this.padding);
  }
}
