// cross_entropy (composite): input [N, C, *] logits (or [C]); classes on axis 1 (axis 0 for [C]).
// target_is_class_index true: target [N, *] holds class indices (integers in [0, C) stored as floats);
// false: target has input's shape and holds class probabilities (torch's soft targets).
// l = −Σ_c w_c · log_softmax(input)_c with w = one-hot(target) or the probabilities → [N, *], then
// reduction ('mean' divides by the number of l values). Gradient through log_softmax (stable at
// logits 80 ± 90); class-index targets take none, probability targets get one through mul.
import { Tensor } from '../tensor.js';
import { fmt, shapeEq, ShapeError, sizeOf } from '../shape.js';
import { defineOp } from './op.js';
import { checkReduction, reduceLoss, type Reduction } from './_loss.js';
import { log_softmax } from './log_softmax.js';
import { mul } from './mul.js';
import { sum } from './sum.js';

export interface CrossEntropyAttrs {
  reduction: Reduction;
  target_is_class_index: boolean;
}

/** One-hot weights [input's shape] from class indices [input's shape without the class axis]. */
function oneHot(input: Tensor, target: Tensor, cdim: number): Tensor {
  const expected = input.shape.filter((_, i) => i !== cdim);
  if (!shapeEq(target.shape, expected)) {
    throw new ShapeError(`cross_entropy: class-index target ${fmt(target.shape)} does not match input ${fmt(input.shape)} (expected ${fmt(expected)})`);
  }
  const c = input.shape[cdim], inner = sizeOf(input.shape.slice(cdim + 1));
  const w = new Float32Array(input.size);
  for (let i = 0; i < target.size; i++) {
    const k = target.data[i];
    if (!Number.isInteger(k) || k < 0 || k >= c) {
      throw new RangeError(`cross_entropy: target[${i}] = ${k} is not a class index in [0, ${c}) for input ${fmt(input.shape)}`);
    }
    const o = Math.floor(i / inner), j = i % inner;
    w[(o * c + k) * inner + j] = 1;
  }
  return new Tensor(w, input.shape);
}

export const cross_entropy = defineOp({
  name: 'cross_entropy',
  inputs: ['input', 'target'],
  attrs: { reduction: 'mean', target_is_class_index: true } as CrossEntropyAttrs,
  forward: ({ input, target }, { reduction, target_is_class_index: byIndex }) => {
    checkReduction('cross_entropy', reduction);
    if (typeof byIndex !== 'boolean') throw new TypeError(`cross_entropy: target_is_class_index must be a boolean, got ${JSON.stringify(byIndex)}`);
    if (input.ndim < 1) throw new ShapeError(`cross_entropy: input ${fmt(input.shape)} needs rank ≥ 1 ([N, C] or [C])`);
    const cdim = input.ndim === 1 ? 0 : 1;
    let w: Tensor;
    if (byIndex) w = oneHot(input, target, cdim);
    else if (!shapeEq(input.shape, target.shape)) {
      throw new ShapeError(`cross_entropy: probability target ${fmt(target.shape)} must have the shape of input ${fmt(input.shape)}`);
    } else w = target;
    const l = mul(sum(mul(w, log_softmax(input, { dim: cdim })), { dim: [cdim] }), -1);
    return reduceLoss('cross_entropy', l, reduction);
  },
});
