// mean over dims (composite): sum / (product of the reduced sizes).
import { defineOp } from './op.js';
import { sizeOf } from '../shape.js';
import { div } from './div.js';
import { reduceShapes, sum, type ReduceAttrs } from './sum.js';

export const mean = defineOp({
  name: 'mean',
  inputs: ['x'],
  attrs: { dim: null, keepdim: false } as ReduceAttrs,
  forward: ({ x }, attrs) => {
    const { axes } = reduceShapes('mean', x.shape, attrs);
    return div(sum(x, attrs), sizeOf(axes.map((a) => x.shape[a])));
  },
});
