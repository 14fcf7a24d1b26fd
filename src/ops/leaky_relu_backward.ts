// leaky_relu_backward (internal primitive, torch's leaky_relu_backward): the gradient of leaky_relu
// (relu's with negative_slope 0) in one pass instead of a mask and a product:
//   out = x > 0 ? dy : negative_slope·dy        (negative_slope at x = 0, as torch)
// Linear in dy, so ∂dy = leaky_relu_backward(g, x); ∂x = 0 almost everywhere (no gradient).
import { kernels, resultArray } from '../backend.js';
import { Tensor } from '../tensor.js';
import { shapeEq, ShapeError, fmt } from '../shape.js';
import { defineOp, type OpFn } from './op.js';

export const leaky_relu_backward: OpFn<readonly ['dy', 'x'], readonly [], { negative_slope: number }> = defineOp({
  name: 'leaky_relu_backward',
  inputs: ['dy', 'x'],
  attrs: { negative_slope: 0.01 },
  forward: ({ dy, x }, { negative_slope: s }) => {
    if (!shapeEq(dy.shape, x.shape)) throw new ShapeError(`leaky_relu_backward: dy ${fmt(dy.shape)} and x ${fmt(x.shape)} differ`);
    const out = resultArray(dy.size);
    kernels().leaky_relu(x.data, dy.data, out.length, s, out);
    return new Tensor(out, dy.shape);
  },
  backward: (g, { inputs: { x }, attrs }) => ({ dy: leaky_relu_backward(g, x!, attrs) }),
});

