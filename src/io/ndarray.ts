// Tensor ↔ ndarray (scijs) interop. A Tensor is a contiguous row-major Float32Array + shape, which
// is exactly ndarray(data, shape), so toNdarray is free. fromNdarray shares the data when the
// ndarray is such a view (Float32Array, offset 0, C-contiguous strides, data length = size) and
// otherwise copies element by element through shape/stride/offset (transposed, sliced, stepped,
// other dtypes, plain arrays).
import ndarray from 'ndarray';
import { Tensor } from '../tensor.js';
import { fmt, sizeOf, stridesOf } from '../shape.js';

/** A view of t's data (no copy): writes through the ndarray change the tensor. */
export function toNdarray(t: Tensor): ndarray.NdArray<Float32Array> {
  return ndarray(t.data, [...t.shape]);
}

/** True when a is a C-contiguous view of its whole Float32Array starting at 0. */
function sharesLayout(a: ndarray.NdArray<ndarray.Data<number>>): boolean {
  if (!(a.data instanceof Float32Array) || a.offset !== 0 || a.data.length !== a.size) return false;
  const c = stridesOf(a.shape);
  return a.shape.every((d, k) => d <= 1 || a.stride[k] === c[k]);
}

/**
 * A Tensor with a's values in C order; shares a.data when the layout allows it, else copies.
 * @example const t = fromNdarray(ndarray(new Float32Array(6), [2, 3]).transpose(1, 0)); // copies, shape [3, 2]
 */
export function fromNdarray(a: ndarray.NdArray<ndarray.Data<number>> | ndarray.NdArray<ndarray.Data<bigint>>): Tensor {
  const shape = [...a.shape];
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new RangeError(`fromNdarray: invalid shape ${fmt(shape)}`);
  const arr = a as ndarray.NdArray<ndarray.Data<number>>;
  if (sharesLayout(arr)) return new Tensor(arr.data as Float32Array, shape);
  const n = sizeOf(shape);
  const out = new Float32Array(n);
  const data = arr.data as ndarray.Data<number>;
  const generic = !Array.isArray(data) && !ArrayBuffer.isView(data);
  const get = generic
    ? (i: number) => Number((data as ndarray.GenericArray<number>).get(i))
    : (i: number) => Number((data as ArrayLike<number>)[i]);
  if (n === 0) return new Tensor(out, shape);
  // Walk the output in C order, tracking the source position through the strides.
  const idx = new Array<number>(shape.length).fill(0);
  let src = a.offset;
  for (let i = 0; i < n; i++) {
    out[i] = get(src);
    for (let k = shape.length - 1; k >= 0; k--) {
      idx[k]++;
      src += a.stride[k];
      if (idx[k] < shape[k]) break;
      src -= idx[k] * a.stride[k];
      idx[k] = 0;
    }
  }
  return new Tensor(out, shape);
}
