// upsample_nearest2d_backward (internal primitive): the adjoint of upsample_nearest2d.
//   dy [N, C, H·sh, W·sw] → [N, C, H, W], each element the sum of its sh×sw block (the kernel's order).
// Linear in dy, so ∂dy = upsample_nearest2d(g).
import { Tensor } from '../tensor.js';
import { fmt, ShapeError } from '../shape.js';
import { defineOp, type OpFn } from './op.js';
import { kernels, resultArray } from '../backend.js';
import { scaleFactors, upsample_nearest2d, type UpsampleNearest2dAttrs } from './upsample_nearest2d.js';

export const upsample_nearest2d_backward: OpFn<readonly ['dy'], readonly [], UpsampleNearest2dAttrs> = defineOp({
  name: 'upsample_nearest2d_backward',
  inputs: ['dy'],
  attrs: { scale_factor: null } as UpsampleNearest2dAttrs,
  forward: ({ dy }, { scale_factor }) => {
    const op = 'upsample_nearest2d_backward';
    if (dy.ndim !== 4) throw new ShapeError(`${op}: expected a 4-D gradient [N, C, H·sh, W·sw], got ${fmt(dy.shape)}`);
    const [sh, sw] = scaleFactors(op, scale_factor);
    const [n, c, ho, wo] = dy.shape;
    if (ho % sh !== 0 || wo % sw !== 0) throw new ShapeError(`${op}: gradient ${fmt(dy.shape)} is not a whole number of ${sh}×${sw} blocks`);
    const h = ho / sh, w = wo / sw, out = resultArray(n * c * h * w); // the kernel writes every element
    kernels().upsample_nearest2d_backward(dy.data, n * c, h, w, sh, sw, out);
    return new Tensor(out, [n, c, h, w]);
  },
  backward: (g, { attrs: { scale_factor } }) => ({ dy: upsample_nearest2d(g, { scale_factor }) }),
});
