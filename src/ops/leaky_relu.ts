// leaky_relu: x if x > 0 else negative_slope·x.
// ∂x = dy ⊙ (x > 0 ? 1 : negative_slope)   (NOTE: negative_slope at x = 0, as torch): leaky_relu_backward.
import { defineOp } from './op.js';
import { mapUnary } from './_elementwise.js';
import { leaky_relu_backward } from './leaky_relu_backward.js';
import { checkFinite } from '../shape.js';

export const leaky_relu = defineOp({
  name: 'leaky_relu',
  inputs: ['x'],
  attrs: { negative_slope: 0.01 },
  forward: ({ x }, attrs) => {
    checkFinite('leaky_relu', attrs);
    const s = attrs.negative_slope;
    return mapUnary(x, 'leaky_relu', s);
  },
  backward: (dy, { inputs: { x }, attrs }) => ({ x: leaky_relu_backward(dy, x!, attrs) }),
});
