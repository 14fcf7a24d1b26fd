// expand (internal primitive): broadcast x to `shape` (NumPy rules, copies).   ∂x = unbroadcast(dy, x.shape).
import { Tensor } from '../tensor.js';
import { broadcastShapes, fmt, shapeEq, ShapeError } from '../shape.js';
import { defineOp, type UnaryOp } from './op.js';
import { mapBinary, unbroadcast } from './_elementwise.js';

export const expand: UnaryOp<{ shape: number[] }> = defineOp({
  name: 'expand',
  inputs: ['x'],
  attrs: { shape: [] as number[] },
  forward: ({ x }, { shape }) => {
    const target = broadcastShapes('expand', x.shape, shape);
    if (!shapeEq(target, shape)) throw new ShapeError(`expand: cannot expand ${fmt(x.shape)} to ${fmt(shape)}`);
    return mapBinary('expand', x, Tensor.zeros(shape), 'copy');
  },
  backward: (dy, { inputs: { x } }) => ({ x: unbroadcast(dy, x!.shape) }),
});
