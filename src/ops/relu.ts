// relu: max(x, 0).   ∂x = dy ⊙ [x > 0]  (NOTE: 0 at x = 0, as torch; the mask is a constant).
import { defineOp } from './op.js';
import { mapUnary } from './_elementwise.js';
import { mul } from './mul.js';

export const relu = defineOp({
  name: 'relu',
  inputs: ['x'],
  attrs: {},
  forward: ({ x }) => mapUnary(x, 'relu'),
  backward: (dy, { inputs: { x } }) => ({ x: mul(dy, mapUnary(x!, 'relu_mask')) }),
});
