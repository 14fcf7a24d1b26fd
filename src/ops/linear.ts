// linear (composite): out = x · weightᵀ + bias.   x [*, in], weight [out, in], bias [out] → [*, out]
import { fmt, ShapeError } from '../shape.js';
import { defineOp } from './op.js';
import { add } from './add.js';
import { matmul } from './matmul.js';

export const linear = defineOp({
  name: 'linear',
  inputs: ['x', 'weight'],
  optional: ['bias'],
  attrs: {},
  forward: ({ x, weight, bias }) => {
    if (weight.ndim !== 2 || x.ndim < 1 || x.shape[x.ndim - 1] !== weight.shape[1]) {
      throw new ShapeError(`linear: input ${fmt(x.shape)} does not match weight ${fmt(weight.shape)} (expected [*, ${weight.shape[1]}])`);
    }
    if (bias !== undefined && (bias.ndim !== 1 || bias.shape[0] !== weight.shape[0])) {
      throw new ShapeError(`linear: bias ${fmt(bias.shape)} does not match weight ${fmt(weight.shape)} (expected [${weight.shape[0]}])`);
    }
    const x2 = x.ndim === 1 ? x.reshape(1, -1) : x;
    const y = matmul(x2, weight, { transpose_b: true });
    const yb = bias === undefined ? y : add(y, bias);
    return x.ndim === 1 ? yb.reshape(-1) : yb;
  },
});
