// max_pool2d_backward (internal primitive): scatter-add of dy onto the saved argmax positions.
//   dy [..., Ho, Wo], indices [..., Ho, Wo] (flat index in each H×W plane, −1 = none), input_size [H, W]
//   → [..., H, W]:  out[p, indices[p, k]] += dy[p, k]   (overlapping windows may pick the same input).
// Linear in dy; its adjoint is the gather ∂dy = max_pool2d_gather(g, indices). indices get no grad.
import { Tensor } from '../tensor.js';
import { kernels, resultArray } from '../backend.js';
import { fmt, shapeEq, ShapeError } from '../shape.js';
import { defineOp, type OpFn } from './op.js';
import { max_pool2d_gather } from './max_pool2d_gather.js';

export const max_pool2d_backward: OpFn<readonly ['dy', 'indices'], readonly [], { input_size: number[] }> = defineOp({
  name: 'max_pool2d_backward',
  inputs: ['dy', 'indices'],
  attrs: { input_size: [] as number[] },
  forward: ({ dy, indices }, { input_size }) => {
    if (!shapeEq(dy.shape, indices.shape) || dy.ndim < 2 || input_size.length !== 2) {
      throw new ShapeError(`max_pool2d_backward: dy ${fmt(dy.shape)} and indices ${fmt(indices.shape)} must have the same shape [..., Ho, Wo], input_size [H, W] (got ${JSON.stringify(input_size)})`);
    }
    const [h, w] = input_size, hw = h * w, howo = dy.shape[dy.ndim - 2] * dy.shape[dy.ndim - 1];
    const planes = howo === 0 ? 0 : dy.size / howo;
    const out = resultArray(planes * hw), idx = indices.data;
    const bad = kernels().max_pool2d_backward(dy.data, idx, planes, howo, hw, out);
    if (bad >= 0) throw new RangeError(`max_pool2d_backward: index ${idx[bad]} is outside a ${h}×${w} plane`);
    return new Tensor(out, [...dy.shape.slice(0, -2), h, w]);
  },
  backward: (g, { inputs: { indices } }) => ({ dy: max_pool2d_gather(g, indices!), indices: null }),
});
