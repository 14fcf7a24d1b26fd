// constant_pad2d (torch's F.pad(x, padding, mode='constant', value) on the last two axes).
//   x [..., H, W], padding = [left, right, top, bottom] (integers, NEGATIVE crops, as torch) →
//   [..., H + top + bottom, W + left + right];  out[i, j] = x[i − top, j − left] inside x, else value.
// TF "SAME" convolutions pad asymmetrically (0 before, 1 after) and their transposed twins crop
// asymmetrically: one op, one allocation, one copy for both.
// Linear up to the constant: ∂x = constant_pad2d(dy, −padding, value 0) (crop ↔ zero pad), itself
// differentiable the same way.
import { Tensor } from '../tensor.js';
import { fmt, ShapeError } from '../shape.js';
import { defineOp, type UnaryOp } from './op.js';
import { resultArray } from '../backend.js';

export interface ConstantPad2dAttrs {
  padding: number[];
  value: number;
}

export const constant_pad2d: UnaryOp<ConstantPad2dAttrs> = defineOp({
  name: 'constant_pad2d',
  inputs: ['x'],
  attrs: { padding: [0, 0, 0, 0], value: 0 } as ConstantPad2dAttrs,
  forward: ({ x }, { padding, value }) => {
    if (x.ndim < 2) throw new ShapeError(`constant_pad2d: expected an input [..., H, W], got ${fmt(x.shape)}`);
    if (!Array.isArray(padding) || padding.length !== 4 || !padding.every(Number.isInteger)) {
      throw new RangeError(`constant_pad2d: padding must be 4 integers [left, right, top, bottom], got ${JSON.stringify(padding)}`);
    }
    if (!Number.isFinite(value)) throw new RangeError(`constant_pad2d: value must be a finite number, got ${value}`);
    const [h, w] = x.shape.slice(-2);
    const [l, r, t, b] = padding;
    const ho = h + t + b, wo = w + l + r;
    if (ho < 0 || wo < 0) throw new ShapeError(`constant_pad2d: padding ${JSON.stringify(padding)} crops more than the plane ${h}×${w} of input ${fmt(x.shape)}`);
    const planes = h * w === 0 ? 0 : x.size / (h * w);
    const out = resultArray(planes * ho * wo); // every element is written below
    // Output rows/columns that read x: [i0, i1) × [j0, j1) (empty when a crop removes the plane).
    const i0 = Math.max(t, 0), i1 = Math.min(ho, h + t), j0 = Math.max(l, 0), j1 = Math.max(j0, Math.min(wo, w + l));
    const src = x.data;
    for (let p = 0, o = 0; p < planes; p++) {
      for (let i = 0; i < ho; i++, o += wo) {
        if (i < i0 || i >= i1 || j1 === j0) {
          out.fill(value, o, o + wo);
          continue;
        }
        const s = (p * h + i - t) * w - l;
        out.fill(value, o, o + j0);
        out.set(src.subarray(s + j0, s + j1), o + j0);
        out.fill(value, o + j1, o + wo);
      }
    }
    return new Tensor(out, [...x.shape.slice(0, -2), ho, wo]);
  },
  backward: (dy, { attrs: { padding } }) => ({ x: constant_pad2d(dy, { padding: padding.map((p) => -p), value: 0 }) }),
});
