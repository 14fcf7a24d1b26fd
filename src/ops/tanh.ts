// tanh.   ∂x = dy ⊙ (1 − out²)  (Math.tanh saturates to ±1 without overflow).
import { defineOp } from './op.js';
import { mapUnary } from './_elementwise.js';
import { mul } from './mul.js';
import { sub } from './sub.js';

export const tanh = defineOp({
  name: 'tanh',
  inputs: ['x'],
  attrs: {},
  forward: ({ x }) => mapUnary(x, 'tanh'),
  backward: (dy, { out }) => ({ x: mul(dy, sub(1, mul(out, out))) }),
});
