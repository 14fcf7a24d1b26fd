// constant_pad2d (torch's F.pad, mode 'constant'): padding by side, negative amounts crop, any
// leading axes; its gradient (checked numerically in test/ops via samples.ts) is the opposite crop/pad.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../../src/tensor.js';
import { F } from '../../src/ops/index.js';

test('constant_pad2d pads each side by its own amount with the value', () => {
  const x = Tensor.from([[[[1, 2], [3, 4]]]]);
  const y = F.constant_pad2d(x, { padding: [1, 0, 0, 2], value: 0 });
  assert.deepEqual(y.shape, [1, 1, 4, 3]);
  assert.deepEqual([...y.data], [0, 1, 2, 0, 3, 4, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual([...F.constant_pad2d(Tensor.from([[5]]), { padding: [0, 1, 1, 0], value: -1 }).data], [-1, -1, 5, -1]);
});

test('constant_pad2d crops with negative amounts (also mixed with padding)', () => {
  const x = Tensor.from([[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
  assert.deepEqual(F.constant_pad2d(x, { padding: [-1, 0, 0, -1], value: 0 }).toArray(), [[2, 3], [5, 6]]);
  assert.deepEqual(F.constant_pad2d(x, { padding: [-2, 1, -1, -1], value: 0 }).toArray(), [[6, 0]]);
});

test('constant_pad2d errors name the op and the shapes', () => {
  assert.throws(() => F.constant_pad2d(Tensor.zeros([2, 2]), { padding: [-3, 0, 0, 0], value: 0 }), /constant_pad2d: padding \[-3,0,0,0\] crops more than the plane 2×2/);
  assert.throws(() => F.constant_pad2d(Tensor.zeros([2, 2]), { padding: [1, 0, 0], value: 0 }), /constant_pad2d: padding must be 4 integers/);
  assert.throws(() => F.constant_pad2d(Tensor.zeros([3]), { padding: [0, 0, 0, 0], value: 0 }), /constant_pad2d: expected an input \[\.\.\., H, W\], got \[3\]/);
});
