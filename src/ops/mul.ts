// mul: out = a ⊙ b with broadcasting.   ∂a = unbroadcast(dy ⊙ b), ∂b = unbroadcast(dy ⊙ a).
import { defineOp, type BinaryOp } from './op.js';
import { mapBinary, unbroadcast } from './_elementwise.js';

export const mul: BinaryOp = defineOp({
  name: 'mul',
  inputs: ['a', 'b'],
  attrs: {},
  forward: ({ a, b }) => mapBinary('mul', a, b, 'mul'),
  backward: (dy, { needs, inputs: { a, b } }) => ({
    a: needs.a ? unbroadcast(mul(dy, b!), a!.shape) : null,
    b: needs.b ? unbroadcast(mul(dy, a!), b!.shape) : null,
  }),
});
