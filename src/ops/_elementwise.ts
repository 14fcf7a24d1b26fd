// Shared loops for elementwise ops (not an op): unary maps and binary maps with NumPy
// broadcasting, and unbroadcast (sum a gradient back to an input's shape).
import { Tensor } from '../tensor.js';
import { broadcastShapes, broadcastStrides, shapeEq, sizeOf, type Shape } from '../shape.js';
import { reshape } from './reshape.js';
import { sum } from './sum.js';

export function mapUnary(x: Tensor, f: (v: number) => number): Tensor {
  const src = x.data;
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = f(src[i]);
  return new Tensor(out, x.shape);
}

export function mapBinary(op: string, a: Tensor, b: Tensor, f: (x: number, y: number) => number): Tensor {
  const ad = a.data, bd = b.data;
  if (shapeEq(a.shape, b.shape)) {
    const out = new Float32Array(ad.length);
    for (let i = 0; i < out.length; i++) out[i] = f(ad[i], bd[i]);
    return new Tensor(out, a.shape);
  }
  const shape = broadcastShapes(op, a.shape, b.shape);
  const out = new Float32Array(sizeOf(shape));
  if (out.length === 0) return new Tensor(out, shape);
  const rank = shape.length;
  const sa = broadcastStrides(a.shape, shape), sb = broadcastStrides(b.shape, shape);
  // Walk the output in row-major order with an index counter; the last axis is the inner loop.
  const inner = rank === 0 ? 1 : shape[rank - 1];
  const ia = rank === 0 ? 0 : sa[rank - 1], ib = rank === 0 ? 0 : sb[rank - 1];
  const idx = new Array<number>(rank).fill(0);
  let offA = 0, offB = 0;
  for (let o = 0; o < out.length; o += inner) {
    for (let j = 0, pa = offA, pb = offB; j < inner; j++, pa += ia, pb += ib) out[o + j] = f(ad[pa], bd[pb]);
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]++;
      offA += sa[d];
      offB += sb[d];
      if (idx[d] < shape[d]) break;
      offA -= sa[d] * shape[d];
      offB -= sb[d] * shape[d];
      idx[d] = 0;
    }
  }
  return new Tensor(out, shape);
}

/** Sums g over the axes that broadcasting stretched, so the result has `shape` (an op chain: differentiable). */
export function unbroadcast(g: Tensor, shape: Shape): Tensor {
  if (shapeEq(g.shape, shape)) return g;
  const lead = g.shape.length - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < g.shape.length; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) dims.push(i);
  }
  const s = dims.length > 0 ? sum(g, { dim: dims, keepdim: true }) : g;
  return reshape(s, { shape: [...shape] });
}
