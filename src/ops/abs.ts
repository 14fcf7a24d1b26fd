// abs (internal primitive): |x|.   ∂x = dy ⊙ sign(x) (0 at x = 0, as torch).
import { defineOp } from './op.js';
import { mapUnary } from './_elementwise.js';
import { mul } from './mul.js';

export const abs = defineOp({
  name: 'abs',
  inputs: ['x'],
  attrs: {},
  forward: ({ x }) => mapUnary(x, 'abs'),
  backward: (dy, { inputs: { x } }) => ({ x: mul(dy, mapUnary(x!, 'sign')) }),
});
