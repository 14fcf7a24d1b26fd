// constant_pad2d (torch's F.pad, mode 'constant'): padding by side, negative amounts crop, any
// leading axes; its gradient (checked numerically in test/ops via samples.ts) is the opposite crop/pad.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../../src/tensor.js';
import { F } from '../../src/ops/index.js';
import { Rng } from '../../src/rng.js';
import { setResultPoison } from '../../src/backend.js';

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

test('constant_pad2d on several planes, pads and crops mixed: every element as the index formula says (results poisoned)', () => {
  const rng = new Rng(5);
  setResultPoison(true);
  try {
    for (const padding of [[2, 1, 0, 3], [-1, 2, 1, -2], [0, -3, -1, 0], [1, 1, 1, 1]]) {
      const x = Tensor.randn([2, 3, 4, 5], { rng }), [l, r, t, b] = padding, ho = 4 + t + b, wo = 5 + l + r;
      const y = F.constant_pad2d(x, { padding, value: 0.5 });
      assert.deepEqual(y.shape, [2, 3, ho, wo]);
      for (let p = 0; p < 6; p++) {
        for (let i = 0; i < ho; i++) {
          for (let j = 0; j < wo; j++) {
            const si = i - t, sj = j - l, inside = si >= 0 && si < 4 && sj >= 0 && sj < 5;
            assert.equal(y.data[(p * ho + i) * wo + j], inside ? x.data[(p * 4 + si) * 5 + sj] : 0.5, `padding ${padding} at plane ${p} (${i}, ${j})`);
          }
        }
      }
    }
  } finally {
    setResultPoison(false);
  }
});

test('constant_pad2d errors name the op and the shapes', () => {
  assert.throws(() => F.constant_pad2d(Tensor.zeros([2, 2]), { padding: [-3, 0, 0, 0], value: 0 }), /constant_pad2d: padding \[-3,0,0,0\] crops more than the plane 2×2/);
  assert.throws(() => F.constant_pad2d(Tensor.zeros([2, 2]), { padding: [1, 0, 0], value: 0 }), /constant_pad2d: padding must be 4 integers/);
  assert.throws(() => F.constant_pad2d(Tensor.zeros([3]), { padding: [0, 0, 0, 0], value: 0 }), /constant_pad2d: expected an input \[\.\.\., H, W\], got \[3\]/);
});
