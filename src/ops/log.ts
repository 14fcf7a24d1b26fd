// log (internal primitive): natural logarithm.   ∂x = dy / x.
import { defineOp } from './op.js';
import { mapUnary } from './_elementwise.js';
import { div } from './div.js';

export const log = defineOp({
  name: 'log',
  inputs: ['x'],
  attrs: {},
  forward: ({ x }) => mapUnary(x, 'log'),
  backward: (dy, { inputs: { x } }) => ({ x: div(dy, x!) }),
});
