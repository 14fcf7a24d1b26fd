// reshape: same data, new shape (one −1 allowed). Copy-free: the result shares x's buffer.
// ∂x = reshape(dy, x.shape).
import { Tensor } from '../tensor.js';
import { fmt, ShapeError, sizeOf } from '../shape.js';
import { defineOp, type UnaryOp } from './op.js';

export const reshape: UnaryOp<{ shape: number[] }> = defineOp({
  name: 'reshape',
  inputs: ['x'],
  attrs: { shape: [] as number[] },
  forward: ({ x }, { shape }) => {
    const free = shape.filter((d) => d === -1).length;
    if (free > 1 || shape.some((d) => !Number.isInteger(d) || d < -1)) {
      throw new ShapeError(`reshape: invalid target shape ${fmt(shape)} for input ${fmt(x.shape)}`);
    }
    const known = sizeOf(shape.filter((d) => d !== -1));
    const resolved = shape.map((d) => (d === -1 ? (known === 0 ? 0 : x.size / known) : d));
    if (sizeOf(resolved) !== x.size || !resolved.every(Number.isInteger)) {
      throw new ShapeError(`reshape: cannot reshape ${fmt(x.shape)} (${x.size} elements) to ${fmt(shape)}`);
    }
    return new Tensor(x.data, resolved);
  },
  backward: (dy, { inputs: { x } }) => ({ x: reshape(dy, { shape: [...x!.shape] }) }),
});
