// relu: max(x, 0).   ∂x = dy ⊙ [x > 0]  (NOTE: 0 at x = 0, as torch): leaky_relu_backward with slope 0.
import { defineOp } from './op.js';
import { mapUnary } from './_elementwise.js';
import { leaky_relu_backward } from './leaky_relu_backward.js';

export const relu = defineOp({
  name: 'relu',
  inputs: ['x'],
  attrs: {},
  forward: ({ x }) => mapUnary(x, 'relu'),
  backward: (dy, { inputs: { x } }) => ({ x: leaky_relu_backward(dy, x!, { negative_slope: 0 }) }),
});
