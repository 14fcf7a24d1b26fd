// leaky_relu_backward (internal primitive, torch's leaky_relu_backward): the gradient of leaky_relu
// (relu's with negative_slope 0) in one pass instead of a mask and a product:
//   out = x > 0 ? dy : negative_slope·dy        (negative_slope at x = 0, as torch)
// Linear in dy, so ∂dy = leaky_relu_backward(g, x); ∂x = 0 almost everywhere (no gradient).
import { resultArray } from '../backend.js';
import { Tensor } from '../tensor.js';
import { shapeEq, ShapeError, fmt } from '../shape.js';
import { defineOp, type OpFn } from './op.js';
import { slopes } from './_elementwise.js';

export const leaky_relu_backward: OpFn<readonly ['dy', 'x'], readonly [], { negative_slope: number }> = defineOp({
  name: 'leaky_relu_backward',
  inputs: ['dy', 'x'],
  attrs: { negative_slope: 0.01 },
  forward: ({ dy, x }, { negative_slope: s }) => {
    if (!shapeEq(dy.shape, x.shape)) throw new ShapeError(`leaky_relu_backward: dy ${fmt(dy.shape)} and x ${fmt(x.shape)} differ`);
    const out = resultArray(dy.size);
    select(dy.data, x.data, slopes(s), out);
    return new Tensor(out, dy.shape);
  },
  backward: (g, { inputs: { x }, attrs }) => ({ dy: leaky_relu_backward(g, x!, attrs) }),
});

// out[i] = g[i]·k[x[i] > 0]: a branch-free select (see mapUnary); + 0: relu's zero gradient is +0, not
// the −0 of a negative·0. A function of its own: inlined into the op, V8 ran the loop as on-stack-
// replaced code without type feedback for what follows it, and deoptimised at its end on every call
// (840 deoptimisations in 80 GAN steps; 12 with this function).
function select(g: Float32Array, v: Float32Array, k: Float64Array, out: Float32Array): void {
  for (let i = 0; i < out.length; i++) out[i] = g[i] * k[+(v[i] > 0)] + 0;
}
