// sum over dims (null: every axis → 0-d).   x [*] → x's shape without (or, keepdim, with size 1 at) dims
// ∂x = expand(dy reshaped to the keepdim shape, x.shape).
import { Tensor } from '../tensor.js';
import { kernels, MEMORY_KERNEL_MIN, resultArray } from '../backend.js';
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
    const { axes, keep, out } = reduceShapes('sum', x.shape, attrs);
    const acc = new Float64Array(sizeOf(keep));
    const shape = x.shape, src = x.data;
    if (src.length === 0) return new Tensor(Float32Array.from(acc), out);
    // The trailing axes that are all reduced (or all kept) form one contiguous run: a reduced run
    // adds into one accumulator, a kept run adds elementwise into a row of accumulators. The
    // remaining axes are walked with an index counter; `so` are the output strides along x's axes.
    const reduced = shape.map((_, i) => axes.includes(i));
    let d = shape.length, inner = 1;
    const lastReduced = reduced[d - 1] ?? true;
    while (d > 0 && reduced[d - 1] === lastReduced) inner *= shape[--d];
    // Leading axes reduced, trailing ones kept (a bias gradient: a sum over the batch): the backend's
    // sum_rows kernel, the same order (each column in float64, row by row).
    if (!lastReduced && axes.length === d && inner > 1 && src.length >= MEMORY_KERNEL_MIN) {
      const res = resultArray(inner);
      kernels().sum_rows(src, src.length / inner, inner, res);
      return new Tensor(res, out);
    }
    const so = broadcastStrides(keep, shape);
    const idx = new Array<number>(d).fill(0);
    let o = 0;
    for (let i = 0; i < src.length; i += inner) {
      if (lastReduced) {
        let s = 0;
        for (let j = 0; j < inner; j++) s += src[i + j];
        acc[o] += s;
      } else {
        for (let j = 0; j < inner; j++) acc[o + j] += src[i + j];
      }
      for (let k = d - 1; k >= 0; k--) {
        idx[k]++;
        o += so[k];
        if (idx[k] < shape[k]) break;
        o -= so[k] * shape[k];
        idx[k] = 0;
      }
    }
    return new Tensor(Float32Array.from(acc), out);
  },
  backward: (dy, { inputs: { x }, attrs }) => {
    const { keep } = reduceShapes('sum', x!.shape, attrs);
    return { x: expand(reshape(dy, { shape: keep }), { shape: [...x!.shape] }) };
  },
});
