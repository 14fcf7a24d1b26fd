// exp (internal primitive): out = eˣ.   ∂x = dy ⊙ out.
import { defineOp } from './op.js';
import { mapUnary } from './_elementwise.js';
import { mul } from './mul.js';

export const exp = defineOp({
  name: 'exp',
  inputs: ['x'],
  attrs: {},
  forward: ({ x }) => mapUnary(x, 'exp'),
  backward: (dy, { out }) => ({ x: mul(dy, out) }),
});
