// Concatenation for the GANs (conditioning inputs, one D pass over real and fake), as two
// primitives written like src/ops (defineOp, backward in ops, so gradient penalties can
// differentiate through them again). Kept here, outside the op table, until the oracle has cases.
//   cat2(a, b, {dim})            torch.cat([a, b], dim): shapes equal except along dim
//   narrow(x, {dim, start, length})  torch.narrow: x[..., start : start + length, ...] along dim
// Grads: ∂a, ∂b of cat2 are narrow(dy) to each part; ∂x of narrow is dy between zero blocks (cat2).
import { Tensor } from '../tensor.js';
import { defineOp, type OpFn, type UnaryOp } from '../ops/op.js';
import { fmt, normAxis, ShapeError, sizeOf } from '../shape.js';

/** outer = Π shape[:dim], inner = Π shape[dim+1:] */
function split(shape: readonly number[], dim: number): [number, number] {
  return [sizeOf(shape.slice(0, dim)), sizeOf(shape.slice(dim + 1))];
}

export const cat2: OpFn<readonly ['a', 'b'], readonly [], { dim: number }> = defineOp({
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
    const [outer, inner] = split(a.shape, dim);
    const na = a.shape[dim] * inner, nb = b.shape[dim] * inner;
    const out = new Float32Array(outer * (na + nb));
    for (let o = 0; o < outer; o++) {
      out.set(a.data.subarray(o * na, (o + 1) * na), o * (na + nb));
      out.set(b.data.subarray(o * nb, (o + 1) * nb), o * (na + nb) + na);
    }
    const shape = [...a.shape];
    shape[dim] += b.shape[dim];
    return new Tensor(out, shape);
  },
  backward: (dy, { inputs: { a, b }, attrs }) => {
    const dim = normAxis('cat', attrs.dim, a!.ndim);
    const la = a!.shape[dim];
    return {
      a: a!.requiresGrad ? narrow(dy, { dim, start: 0, length: la }) : null,
      b: b!.requiresGrad ? narrow(dy, { dim, start: la, length: b!.shape[dim] }) : null,
    };
  },
});

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
    const [outer, inner] = split(x.shape, dim);
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
    if (attrs.start > 0) g = cat2(block(attrs.start), g, { dim });
    if (after > 0) g = cat2(g, block(after), { dim });
    return { x: g };
  },
});

/** torch.cat(list, dim) for one or more tensors. */
export function cat(tensors: Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new ShapeError('cat: expected at least one tensor');
  return tensors.slice(1).reduce((acc, t) => cat2(acc, t, { dim }), tensors[0]);
}

/** Splits x along dim 0 into parts of the given sizes (torch.split with a list). */
export function splitRows(x: Tensor, sizes: number[]): Tensor[] {
  let start = 0;
  return sizes.map((length) => {
    const part = narrow(x, { dim: 0, start, length });
    start += length;
    return part;
  });
}

/** One-hot rows [N, numClasses] for integer labels; RangeError naming the bad label. */
export function oneHot(labels: ArrayLike<number>, numClasses: number): Tensor {
  const out = new Float32Array(labels.length * numClasses);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (!Number.isInteger(y) || y < 0 || y >= numClasses) throw new RangeError(`oneHot: label ${y} at index ${i} is not an integer in [0, ${numClasses})`);
    out[i * numClasses + y] = 1;
  }
  return new Tensor(out, [labels.length, numClasses]);
}
