// max_pool2d (torch's F.max_pool2d).   x [N, C, H, W] (or [C, H, W]) → [N, C, Ho, Wo], per axis
//   Ho = floor((H + 2p − d·(k−1) − 1 + (ceil_mode ? s−1 : 0)) / s) + 1, minus 1 if ceil_mode and
//   (Ho−1)·s ≥ H + p;  out[i, j] = max over rows i·s − p + u·d (u < k) × cols likewise, where
//   positions outside x count as −inf (never the maximum; NaN wins, as in torch).
// Forward saves the argmax (flat index in the H×W plane). ∂x = max_pool2d_backward(dy, argmax):
// dy scattered (summed) onto the argmax positions, an op linear in dy so grads of grads work.
import { Tensor } from '../tensor.js';
import { kernels, resultArray } from '../backend.js';
import { defineOp } from './op.js';
import { poolGeom, type Pair, type PoolAttrs } from './_conv.js';
import { max_pool2d_backward } from './max_pool2d_backward.js';

export interface MaxPool2dAttrs extends PoolAttrs {
  dilation: Pair;
}

export const max_pool2d = defineOp({
  name: 'max_pool2d',
  inputs: ['x'],
  attrs: { kernel_size: null, stride: null, padding: 0, dilation: 1, ceil_mode: false } as MaxPool2dAttrs,
  forward: ({ x }, attrs) => {
    const g = poolGeom('max_pool2d', x.shape, attrs, attrs.dilation);
    const { ho, wo } = g;
    const out = resultArray(g.planes * ho * wo), arg = resultArray(out.length);
    kernels().max_pool2d(x.data, g, out, arg);
    const shape = [...g.lead, ho, wo];
    return { out: new Tensor(out, shape), saved: { indices: new Tensor(arg, shape) } };
  },
  backward: (dy, { inputs: { x }, saved }) => ({
    x: max_pool2d_backward(dy, saved.indices as Tensor, { input_size: x!.shape.slice(-2) }),
  }),
});
