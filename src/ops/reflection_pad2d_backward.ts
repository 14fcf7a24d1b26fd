// reflection_pad2d_backward (internal primitive): the adjoint of reflection_pad2d.
//   dy [..., H + top + bottom, W + left + right], padding = [left, right, top, bottom] → [..., H, W]:
//   out[reflect(i − top), reflect(j − left)] += dy[i, j]  (reflected borders folded back).
// Linear in dy, so ∂dy = reflection_pad2d(g).
import { Tensor } from '../tensor.js';
import { fmt, ShapeError } from '../shape.js';
import { defineOp, type OpFn } from './op.js';
import { checkPlanes, reflect, reflectPads, reflection_pad2d, type ReflectionPad2dAttrs } from './reflection_pad2d.js';

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
    const [l, , t] = reflectPads(op, padding, h, w);
    const planes = dy.size / (ho * wo);
    const out = new Float32Array(planes * h * w), src = dy.data;
    const col = Int32Array.from({ length: wo }, (_, j) => reflect(j - l, w));
    let o = 0;
    for (let q = 0; q < planes; q++) {
      for (let i = 0; i < ho; i++) {
        const row = (q * h + reflect(i - t, h)) * w;
        for (let j = 0; j < wo; j++) out[row + col[j]] += src[o++];
      }
    }
    return new Tensor(out, [...dy.shape.slice(0, -2), h, w]);
  },
  backward: (g, { attrs: { padding } }) => ({ dy: reflection_pad2d(g, { padding }) }),
});
