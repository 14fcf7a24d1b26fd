// reflection_pad2d (torch's F.pad(x, padding, mode='reflect')).   x [N, C, H, W] (or [C, H, W]),
// padding = [left, right, top, bottom], each ≤ its axis size − 1 → [..., H + top + bottom, W + left + right]:
//   out index i ∈ [−left, W + right) reads x at reflect(i) = −i if i < 0, 2(W − 1) − i if i ≥ W, else i
//   (the edge is not repeated); rows likewise with top/bottom.
// Linear: ∂x = reflection_pad2d_backward(dy) (each x position sums the outputs that read it), whose
// own backward is reflection_pad2d again.
import { Tensor } from '../tensor.js';
import { fmt, ShapeError } from '../shape.js';
import { defineOp } from './op.js';
import { kernels, resultArray } from '../backend.js';
import { reflection_pad2d_backward } from './reflection_pad2d_backward.js';

export interface ReflectionPad2dAttrs {
  padding: number | number[];
}

/** The four pads [left, right, top, bottom] checked against a plane of h×w; a number pads all sides. */
export function reflectPads(op: string, padding: number | number[], h: number, w: number): [number, number, number, number] {
  const p = typeof padding === 'number' ? [padding, padding, padding, padding] : padding;
  if (p.length !== 4 || !p.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new RangeError(`${op}: padding must be 4 non-negative integers [left, right, top, bottom], got ${JSON.stringify(padding)}`);
  }
  const [l, r, t, b] = p;
  if (l >= w || r >= w || t >= h || b >= h) {
    throw new ShapeError(`${op}: padding ${JSON.stringify(p)} must be smaller than the padded axis (input plane ${h}×${w})`);
  }
  return [l, r, t, b];
}

export function checkPlanes(op: string, shape: readonly number[]): void {
  if (shape.length !== 3 && shape.length !== 4) throw new ShapeError(`${op}: expected a 3-D or 4-D input [N, C, H, W], got ${fmt(shape)}`);
}

export const reflection_pad2d = defineOp({
  name: 'reflection_pad2d',
  inputs: ['x'],
  attrs: { padding: 0 } as ReflectionPad2dAttrs,
  forward: ({ x }, { padding }) => {
    checkPlanes('reflection_pad2d', x.shape);
    const [h, w] = x.shape.slice(-2);
    const [l, r, t, b] = reflectPads('reflection_pad2d', padding, h, w);
    const ho = h + t + b, wo = w + l + r, planes = x.size / (h * w);
    const out = resultArray(planes * ho * wo); // the kernel writes every element
    kernels().reflection_pad2d(x.data, planes, h, w, l, r, t, b, out);
    return new Tensor(out, [...x.shape.slice(0, -2), ho, wo]);
  },
  backward: (dy, { attrs: { padding } }) => ({ x: reflection_pad2d_backward(dy, { padding }) }),
});
