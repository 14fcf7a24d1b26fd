// pow (internal primitive): out = x^exponent (scalar exponent).   ∂x = dy ⊙ exponent·x^(exponent−1).
import { defineOp, type UnaryOp } from './op.js';
import { mapUnary } from './_elementwise.js';
import { mul } from './mul.js';
import { checkFinite } from '../shape.js';

export const pow: UnaryOp<{ exponent: number }> = defineOp({
  name: 'pow',
  inputs: ['x'],
  attrs: { exponent: 2 },
  forward: ({ x }, attrs) => {
    checkFinite('pow', attrs);
    const p = attrs.exponent;
    return mapUnary(x, 'pow', p);
  },
  backward: (dy, { inputs: { x }, attrs: { exponent } }) => ({
    x: exponent === 0 ? mul(dy, 0) : mul(dy, mul(pow(x!, { exponent: exponent - 1 }), exponent)),
  }),
});
