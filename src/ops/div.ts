// div: out = a / b with broadcasting.   ∂a = unbroadcast(dy / b), ∂b = −unbroadcast(dy ⊙ out / b).
import { defineOp, type BinaryOp } from './op.js';
import { mapBinary, unbroadcast } from './_elementwise.js';
import { mul } from './mul.js';

export const div: BinaryOp = defineOp({
  name: 'div',
  inputs: ['a', 'b'],
  attrs: {},
  forward: ({ a, b }) => mapBinary('div', a, b, 'div'),
  backward: (dy, { needs, inputs: { a, b }, out }) => ({
    a: needs.a ? unbroadcast(div(dy, b!), a!.shape) : null,
    b: needs.b ? unbroadcast(mul(div(mul(dy, out), b!), -1), b!.shape) : null,
  }),
});
