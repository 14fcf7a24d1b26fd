// sum over dims (null: every axis → 0-d).   x [*] → x's shape without (or, keepdim, with size 1 at) dims
// ∂x = expand(dy reshaped to the keepdim shape, x.shape).
import { Tensor } from '../tensor.js';
import { broadcastStrides, normAxis, ShapeError, sizeOf, type Shape } from '../shape.js';
import { defineOp, type UnaryOp } from './op.js';
import { expand } from './expand.js';
import { reshape } from './reshape.js';

export interface ReduceAttrs {
  dim: number[] | null;
  keepdim: boolean;
}

/** The reduced axes (sorted, non-negative) and the keepdim / output shapes. */
export function reduceShapes(op: string, shape: Shape, attrs: ReduceAttrs): { axes: number[]; keep: number[]; out: number[] } {
  const rank = shape.length;
  const axes = attrs.dim === null ? shape.map((_, i) => i) : attrs.dim.map((d) => normAxis(op, d, rank));
  if (new Set(axes).size !== axes.length) throw new ShapeError(`${op}: dim ${JSON.stringify(attrs.dim)} repeats an axis`);
  axes.sort((p, q) => p - q);
  const keep = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const out = attrs.dim === null ? [] : attrs.keepdim ? keep : shape.filter((_, i) => !axes.includes(i));
  return { axes, keep, out };
}

export const sum: UnaryOp<ReduceAttrs> = defineOp({
  name: 'sum',
  inputs: ['x'],
  attrs: { dim: null, keepdim: false } as ReduceAttrs,
  forward: ({ x }, attrs) => {
    const { keep, out } = reduceShapes('sum', x.shape, attrs);
    const acc = new Float64Array(sizeOf(keep));
    // Walk x in row-major order; the output offset follows x's index through 0-strides on reduced axes.
    const so = broadcastStrides(keep, x.shape);
    const shape = x.shape, rank = shape.length, src = x.data;
    const idx = new Array<number>(rank).fill(0);
    let o = 0;
    for (let i = 0; i < src.length; i++) {
      acc[o] += src[i];
      for (let d = rank - 1; d >= 0; d--) {
        idx[d]++;
        o += so[d];
        if (idx[d] < shape[d]) break;
        o -= so[d] * shape[d];
        idx[d] = 0;
      }
    }
    return new Tensor(Float32Array.from(acc), out);
  },
  backward: (dy, { inputs: { x }, attrs }) => {
    const { keep } = reduceShapes('sum', x!.shape, attrs);
    return { x: expand(reshape(dy, { shape: keep }), { shape: [...x!.shape] }) };
  },
});
