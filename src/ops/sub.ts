// sub: out = a − b with broadcasting.   ∂a = unbroadcast(dy), ∂b = −unbroadcast(dy).
import { defineOp } from './op.js';
import { mapBinary, unbroadcast } from './_elementwise.js';
import { mul } from './mul.js';

export const sub = defineOp({
  name: 'sub',
  inputs: ['a', 'b'],
  attrs: {},
  forward: ({ a, b }) => mapBinary('sub', a, b, 'sub'),
  backward: (dy, { inputs: { a, b } }) => ({ a: unbroadcast(dy, a!.shape), b: unbroadcast(mul(dy, -1), b!.shape) }),
});
