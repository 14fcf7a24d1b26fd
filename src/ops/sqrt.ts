// sqrt (internal primitive): out = √x.   ∂x = dy / (2·out).
import { defineOp } from './op.js';
import { mapUnary } from './_elementwise.js';
import { div } from './div.js';
import { mul } from './mul.js';

export const sqrt = defineOp({
  name: 'sqrt',
  inputs: ['x'],
  attrs: {},
  forward: ({ x }) => mapUnary(x, 'sqrt'),
  backward: (dy, { out }) => ({ x: div(dy, mul(out, 2)) }),
});
