// mse_loss (composite): input, target of the same shape; l = (input − target)², then reduction
// ('mean' → 0-d Σl/numel, 'sum' → 0-d Σl, 'none' → input's shape). Both inputs get gradients
// (∂target = −∂input) through sub/mul.
import { fmt, shapeEq, ShapeError } from '../shape.js';
import { defineOp } from './op.js';
import { checkReduction, reduceLoss, type Reduction } from './_loss.js';
import { mul } from './mul.js';
import { sub } from './sub.js';

export const mse_loss = defineOp({
  name: 'mse_loss',
  inputs: ['input', 'target'],
  attrs: { reduction: 'mean' as Reduction },
  forward: ({ input, target }, { reduction }) => {
    checkReduction('mse_loss', reduction);
    if (!shapeEq(input.shape, target.shape)) {
      throw new ShapeError(`mse_loss: input ${fmt(input.shape)} and target ${fmt(target.shape)} must have the same shape`);
    }
    const d = sub(input, target);
    return reduceLoss('mse_loss', mul(d, d), reduction);
  },
});
