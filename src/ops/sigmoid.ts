// sigmoid: σ(x) = 1 / (1 + e⁻ˣ).   ∂x = dy ⊙ out ⊙ (1 − out).
// NOTE: stable for saturated inputs (see the 'sigmoid' loop in _elementwise.ts).
import { defineOp } from './op.js';
import { mapUnary } from './_elementwise.js';
import { mul } from './mul.js';
import { sub } from './sub.js';

export const sigmoid = defineOp({
  name: 'sigmoid',
  inputs: ['x'],
  attrs: {},
  forward: ({ x }) => mapUnary(x, 'sigmoid'),
  backward: (dy, { out }) => ({ x: mul(dy, mul(out, sub(1, out))) }),
});
