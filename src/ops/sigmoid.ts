// sigmoid: σ(x) = 1 / (1 + e⁻ˣ).   ∂x = dy ⊙ out ⊙ (1 − out).
// NOTE: e⁻ˣ overflows for x ≪ 0; use eˣ/(1 + eˣ) there so ±100 stays finite.
import { defineOp } from './op.js';
import { mapUnary } from './_elementwise.js';
import { mul } from './mul.js';
import { sub } from './sub.js';

export function sigmoidScalar(v: number): number {
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
}

export const sigmoid = defineOp({
  name: 'sigmoid',
  inputs: ['x'],
  attrs: {},
  forward: ({ x }) => mapUnary(x, sigmoidScalar),
  backward: (dy, { out }) => ({ x: mul(dy, mul(out, sub(1, out))) }),
});
