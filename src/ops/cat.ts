// cat: torch.cat([a, b], dim) — shapes equal except along dim.      a [.., p, ..], b [.., q, ..] → [.., p + q, ..]
// ∂a, ∂b = narrow(dy) to each part (written in ops, so it differentiates again).
import { resultArray } from '../backend.js';
import { Tensor } from '../tensor.js';
import { fmt, normAxis, ShapeError, sizeOf } from '../shape.js';
import { defineOp, type OpFn } from './op.js';
import { narrow } from './narrow.js';

/** outer = Π shape[:dim], inner = Π shape[dim+1:] */
export function splitAt(shape: readonly number[], dim: number): [number, number] {
  return [sizeOf(shape.slice(0, dim)), sizeOf(shape.slice(dim + 1))];
}

export const cat: OpFn<readonly ['a', 'b'], readonly [], { dim: number }> = defineOp({
  name: 'cat',
  inputs: ['a', 'b'],
  attrs: { dim: 0 },
  forward: ({ a, b }, attrs) => {
    const bad = (): never => {
      throw new ShapeError(`cat: tensors ${fmt(a.shape)} and ${fmt(b.shape)} must match except along dim ${attrs.dim}`);
    };
    if (a.ndim !== b.ndim || a.ndim === 0) bad();
    const dim = normAxis('cat', attrs.dim, a.ndim);
    if (a.shape.some((d, i) => i !== dim && d !== b.shape[i])) bad();
    const [outer, inner] = splitAt(a.shape, dim);
    const na = a.shape[dim] * inner, nb = b.shape[dim] * inner;
    const out = resultArray(outer * (na + nb));
    for (let o = 0; o < outer; o++) {
      out.set(a.data.subarray(o * na, (o + 1) * na), o * (na + nb));
      out.set(b.data.subarray(o * nb, (o + 1) * nb), o * (na + nb) + na);
    }
    const shape = [...a.shape];
    shape[dim] += b.shape[dim];
    return new Tensor(out, shape);
  },
  backward: (dy, { needs, inputs: { a, b }, attrs }) => {
    const dim = normAxis('cat', attrs.dim, a!.ndim);
    const la = a!.shape[dim];
    return {
      a: needs.a ? narrow(dy, { dim, start: 0, length: la }) : null,
      b: needs.b ? narrow(dy, { dim, start: la, length: b!.shape[dim] }) : null,
    };
  },
});

