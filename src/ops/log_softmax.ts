// log_softmax over `dim`: out = x − m − log Σ exp(x − m), m = max along dim (a primitive for
// stability: log(softmax(x)) underflows to −inf).   x [*] → same shape.
// ∂x = dy − softmax ⊙ Σ_dim dy, with softmax = exp(out) (the recorded output: differentiable again).
import { defineOp, type UnaryOp } from './op.js';
import { exp } from './exp.js';
import { mul } from './mul.js';
import { sub } from './sub.js';
import { sum } from './sum.js';
import { softmaxAlong, type SoftmaxAttrs } from './softmax.js';

export const log_softmax: UnaryOp<SoftmaxAttrs> = defineOp({
  name: 'log_softmax',
  inputs: ['x'],
  attrs: { dim: -1 } as SoftmaxAttrs,
  forward: ({ x }, { dim }) => softmaxAlong('log_softmax', x, dim, true),
  backward: (dy, { out, attrs: { dim } }) => ({ x: sub(dy, mul(exp(out), sum(dy, { dim: [dim], keepdim: true }))) }),
});
