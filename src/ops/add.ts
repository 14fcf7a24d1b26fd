// add: out = a + b with NumPy broadcasting.        a [*], b [*] → broadcast shape
// ∂a = unbroadcast(dy), ∂b = unbroadcast(dy).
import { defineOp } from './op.js';
import { mapBinary, unbroadcast } from './_elementwise.js';

export const add = defineOp({
  name: 'add',
  inputs: ['a', 'b'],
  attrs: {},
  forward: ({ a, b }) => mapBinary('add', a, b, 'add'),
  backward: (dy, { inputs: { a, b } }) => ({ a: unbroadcast(dy, a!.shape), b: unbroadcast(dy, b!.shape) }),
});
