// narrow: torch.narrow — x[..., start : start + length, ...] along dim.
// ∂x = dy placed between zero blocks (cat), so it differentiates again.
import { Tensor } from '../tensor.js';
import { fmt, normAxis, ShapeError } from '../shape.js';
import { defineOp, type UnaryOp } from './op.js';
import { cat, splitAt } from './cat.js';

export interface NarrowAttrs {
  dim: number;
  start: number;
  length: number;
}

export const narrow: UnaryOp<NarrowAttrs> = defineOp({
  name: 'narrow',
  inputs: ['x'],
  attrs: { dim: 0, start: 0, length: 0 } as NarrowAttrs,
  forward: ({ x }, attrs) => {
    if (x.ndim === 0) throw new ShapeError('narrow: cannot narrow a 0-d tensor');
    const dim = normAxis('narrow', attrs.dim, x.ndim);
    const { start, length } = attrs;
    if (!Number.isInteger(start) || !Number.isInteger(length) || start < 0 || length < 0 || start + length > x.shape[dim]) {
      throw new ShapeError(`narrow: start ${start} + length ${length} exceeds dimension ${dim} of ${fmt(x.shape)}`);
    }
    const [outer, inner] = splitAt(x.shape, dim);
    const row = x.shape[dim] * inner, n = length * inner;
    const out = new Float32Array(outer * n);
    for (let o = 0; o < outer; o++) out.set(x.data.subarray(o * row + start * inner, o * row + start * inner + n), o * n);
    const shape = [...x.shape];
    shape[dim] = length;
    return new Tensor(out, shape);
  },
  backward: (dy, { inputs: { x }, attrs }) => {
    const dim = normAxis('narrow', attrs.dim, x!.ndim);
    const block = (len: number): Tensor => Tensor.zeros(x!.shape.map((d, i) => (i === dim ? len : d)));
    const after = x!.shape[dim] - attrs.start - attrs.length;
    let g = dy;
    if (attrs.start > 0) g = cat(block(attrs.start), g, { dim });
    if (after > 0) g = cat(g, block(after), { dim });
    return { x: g };
  },
});

