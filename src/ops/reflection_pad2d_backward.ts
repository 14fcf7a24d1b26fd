// reflection_pad2d_backward (internal primitive): the adjoint of reflection_pad2d.
//   dy [..., H + top + bottom, W + left + right], padding = [left, right, top, bottom] → [..., H, W]:
//   out[reflect(i − top), reflect(j − left)] += dy[i, j]  (reflected borders folded back).
// Linear in dy, so ∂dy = reflection_pad2d(g).
import { Tensor } from '../tensor.js';
import { fmt, ShapeError } from '../shape.js';
import { defineOp, type OpFn } from './op.js';
import { kernels, resultArray } from '../backend.js';
import { checkPlanes, reflectPads, reflection_pad2d, type ReflectionPad2dAttrs } from './reflection_pad2d.js';

export const reflection_pad2d_backward: OpFn<readonly ['dy'], readonly [], ReflectionPad2dAttrs> = defineOp({
  name: 'reflection_pad2d_backward',
  inputs: ['dy'],
  attrs: { padding: 0 } as ReflectionPad2dAttrs,
  forward: ({ dy }, { padding }) => {
    const op = 'reflection_pad2d_backward';
    checkPlanes(op, dy.shape);
    const [ho, wo] = dy.shape.slice(-2);
    const p = typeof padding === 'number' ? [padding, padding, padding, padding] : padding;
    const h = ho - (p[2] ?? 0) - (p[3] ?? 0), w = wo - (p[0] ?? 0) - (p[1] ?? 0);
    if (h <= 0 || w <= 0) throw new ShapeError(`${op}: dy ${fmt(dy.shape)} is smaller than padding ${JSON.stringify(padding)}`);
    const [l, r, t, b] = reflectPads(op, padding, h, w);
    const planes = dy.size / (ho * wo);
    const out = resultArray(planes * h * w); // the kernel zeroes it, then folds dy back
    kernels().reflection_pad2d_backward(dy.data, planes, h, w, l, r, t, b, out);
    return new Tensor(out, [...dy.shape.slice(0, -2), h, w]);
  },
  backward: (g, { attrs: { padding } }) => ({ dy: reflection_pad2d(g, { padding }) }),
});
