// max_pool2d_gather (internal primitive): picks x at saved argmax positions (max_pool2d with its
// choice of maxima frozen).   x [..., H, W], indices [..., Ho, Wo] (flat index per H×W plane,
// −1 = none → 0) → [..., Ho, Wo]:  out[p, k] = x[p, indices[p, k]].
// The adjoint of max_pool2d_backward: ∂x = max_pool2d_backward(dy, indices). indices get no grad.
import { Tensor } from '../tensor.js';
import { resultArray } from '../backend.js';
import { fmt, ShapeError } from '../shape.js';
import { defineOp, type OpFn } from './op.js';
import { max_pool2d_backward } from './max_pool2d_backward.js';

export const max_pool2d_gather: OpFn<readonly ['x', 'indices'], readonly [], {}> = defineOp({
  name: 'max_pool2d_gather',
  inputs: ['x', 'indices'],
  attrs: {},
  forward: ({ x, indices }) => {
    const r = x.ndim;
    if (r < 2 || indices.ndim !== r || !x.shape.slice(0, -2).every((d, i) => d === indices.shape[i])) {
      throw new ShapeError(`max_pool2d_gather: x ${fmt(x.shape)} and indices ${fmt(indices.shape)} must share their leading axes [..., H, W] / [..., Ho, Wo]`);
    }
    const hw = x.shape[r - 2] * x.shape[r - 1], howo = indices.shape[r - 2] * indices.shape[r - 1];
    const out = resultArray(indices.size), src = x.data, idx = indices.data;
    for (let k = 0; k < out.length; k++) {
      const at = idx[k];
      if (at === -1) {
        out[k] = 0;
        continue;
      }
      if (!(Number.isInteger(at) && at >= 0 && at < hw)) throw new RangeError(`max_pool2d_gather: index ${at} is outside a plane of ${hw} elements`);
      out[k] = src[Math.floor(k / howo) * hw + at];
    }
    return new Tensor(out, indices.shape);
  },
  backward: (dy, { inputs: { x, indices } }) => ({
    x: max_pool2d_backward(dy, indices!, { input_size: x!.shape.slice(-2) }),
    indices: null,
  }),
});
