// Tensor ↔ ndarray: toNdarray is a free view; fromNdarray shares data only for a contiguous
// row-major Float32Array view of the whole buffer and otherwise copies through shape/stride/offset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import ndarray from 'ndarray';
import { Tensor } from '../../src/tensor.js';
import { fromNdarray, toNdarray } from '../../src/io/ndarray.js';

const seq = (n: number) => Float32Array.from({ length: n }, (_, i) => i);

test('toNdarray is a view: same data, shape, index math, writes go through', () => {
  const t = new Tensor(seq(24), [2, 3, 4]);
  const a = toNdarray(t);
  assert.equal(a.data, t.data);
  assert.deepEqual(a.shape, [2, 3, 4]);
  assert.equal(a.get(1, 2, 3), 23);
  assert.equal(a.get(1, 0, 2), 14);
  a.set(0, 1, 0, -5);
  assert.equal(t.data[4], -5);
  const s = toNdarray(Tensor.scalar(3));
  assert.equal(s.dimension, 0);
  assert.equal(s.get(), 3);
});

test('fromNdarray shares a contiguous row-major Float32Array at offset 0', () => {
  const data = seq(6);
  const t = fromNdarray(ndarray(data, [2, 3]));
  assert.equal(t.data, data);
  assert.deepEqual(t.shape, [2, 3]);
  // size-1 axes may carry any stride
  const u = fromNdarray(ndarray(data, [2, 1, 3], [3, 99, 1]));
  assert.equal(u.data, data);
  // round trip through toNdarray is free
  assert.equal(fromNdarray(toNdarray(t)).data, data);
});

test('fromNdarray copies transposed, sliced, stepped, offset and reversed views correctly', () => {
  const base = ndarray(seq(12), [3, 4]);
  const check = (a: ndarray.NdArray<Float32Array>) => {
    const t = fromNdarray(a);
    assert.notEqual(t.data, a.data);
    assert.deepEqual(t.shape, a.shape);
    const want: number[] = [];
    for (let i = 0; i < a.shape[0]; i++) for (let j = 0; j < a.shape[1]; j++) want.push(a.get(i, j));
    assert.deepEqual(Array.from(t.data), want);
  };
  check(base.transpose(1, 0)); // [4, 3]: 0 4 8 1 5 9 …
  assert.deepEqual(Array.from(fromNdarray(base.transpose(1, 0)).data).slice(0, 4), [0, 4, 8, 1]);
  check(base.hi(2, 3)); // leading block, offset 0 but not contiguous
  check(base.lo(1, 1)); // offset 5
  check(base.step(2, 3)); // strides 8 and 3
  check(base.step(-1, -1)); // reversed: negative strides, offset at the end
  assert.deepEqual(Array.from(fromNdarray(base.step(-1, -1)).data).slice(0, 3), [11, 10, 9]);
  // contiguous layout but the data array is longer than the view: copy, not share
  const long = ndarray(seq(10), [2, 3]);
  const t = fromNdarray(long);
  assert.notEqual(t.data, long.data);
  assert.deepEqual(Array.from(t.data), [0, 1, 2, 3, 4, 5]);
});

test('fromNdarray converts other dtypes, plain arrays, 0-d and empty arrays', () => {
  assert.deepEqual(Array.from(fromNdarray(ndarray(Float64Array.of(1 / 3, 2), [2])).data), [Math.fround(1 / 3), 2]);
  assert.deepEqual(Array.from(fromNdarray(ndarray(Int32Array.of(-1, 2, 3, 4), [2, 2]).transpose(1, 0)).data), [-1, 3, 2, 4]);
  assert.deepEqual(Array.from(fromNdarray(ndarray(Uint8Array.of(0, 255), [2])).data), [0, 255]);
  assert.deepEqual(Array.from(fromNdarray(ndarray([5, 6, 7], [3])).data), [5, 6, 7]);
  const z = fromNdarray(ndarray(Float32Array.of(1, 9), [], [], 1));
  assert.deepEqual(z.shape, []);
  assert.equal(z.item(), 9);
  const e = fromNdarray(ndarray(new Float32Array(0), [0, 3]));
  assert.deepEqual(e.shape, [0, 3]);
  assert.equal(e.size, 0);
});
