// binary_cross_entropy_with_logits: input x (logits) and target t in [0, 1] of the same shape;
// l = max(x, 0) − x·t + log1p(exp(−|x|)) (stable: logits ±100 with the wrong label give l ≈ |x|),
// then reduction ('mean' → 0-d Σl/numel, 'sum' → 0-d Σl, 'none' → x's shape).
// ∂x = dy ⊙ (σ(x) − t) (/ numel for 'mean'); the target is a constant (no gradient).
import { Tensor } from '../tensor.js';
import { fmt, shapeEq, ShapeError } from '../shape.js';
import { defineOp } from './op.js';
import { checkReduction, type Reduction } from './_loss.js';
import { div } from './div.js';
import { mul } from './mul.js';
import { sigmoid } from './sigmoid.js';
import { sub } from './sub.js';

export const binary_cross_entropy_with_logits = defineOp({
  name: 'binary_cross_entropy_with_logits',
  inputs: ['input', 'target'],
  attrs: { reduction: 'mean' as Reduction },
  forward: ({ input, target }, { reduction }) => {
    checkReduction('binary_cross_entropy_with_logits', reduction);
    if (!shapeEq(input.shape, target.shape)) {
      throw new ShapeError(`binary_cross_entropy_with_logits: input ${fmt(input.shape)} and target ${fmt(target.shape)} must have the same shape`);
    }
    const x = input.data, t = target.data;
    const l = new Float32Array(x.length);
    let acc = 0;
    for (let i = 0; i < x.length; i++) {
      const v = Math.max(x[i], 0) - x[i] * t[i] + Math.log1p(Math.exp(-Math.abs(x[i])));
      l[i] = v;
      acc += v;
    }
    if (reduction === 'none') return new Tensor(l, input.shape);
    return Tensor.scalar(reduction === 'sum' ? acc : acc / x.length);
  },
  backward: (dy, { inputs: { input, target }, attrs: { reduction } }) => {
    const g = mul(sub(sigmoid(input!), target!), dy);
    return { input: reduction === 'mean' ? div(g, input!.size) : g, target: null };
  },
});
