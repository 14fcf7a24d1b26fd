// upsample_nearest2d (torch's F.interpolate(x, scale_factor=(sh, sw), mode='nearest') with integer
// factors).   x [N, C, H, W] → [N, C, H·sh, W·sw],  out[n, c, i, j] = x[n, c, ⌊i/sh⌋, ⌊j/sw⌋]
// (the upsample_nearest2d kernel). Linear: ∂x = upsample_nearest2d_backward(dy) (each x element the
// sum of its sh×sw block of dy), whose own backward is upsample_nearest2d again.
import { fmt, ShapeError } from '../shape.js';
import { defineOp } from './op.js';
import { Tensor } from '../tensor.js';
import { kernels, resultArray } from '../backend.js';
import { upsample_nearest2d_backward } from './upsample_nearest2d_backward.js';

export interface UpsampleNearest2dAttrs {
  scale_factor: number | number[] | null;
}

/** [sh, sw] from a scale_factor, checked (positive integers); `op` names the caller in errors. */
export function scaleFactors(op: string, scale_factor: UpsampleNearest2dAttrs['scale_factor']): [number, number] {
  const sf = scale_factor === null ? null : typeof scale_factor === 'number' ? [scale_factor, scale_factor] : scale_factor;
  if (sf === null || sf.length !== 2 || !sf.every((s) => Number.isInteger(s) && s >= 1)) {
    throw new RangeError(`${op}: scale_factor must be a positive integer or a [sh, sw] pair of them, got ${JSON.stringify(scale_factor)}`);
  }
  return [sf[0], sf[1]];
}

export const upsample_nearest2d = defineOp({
  name: 'upsample_nearest2d',
  inputs: ['x'],
  attrs: { scale_factor: null } as UpsampleNearest2dAttrs,
  forward: ({ x }, { scale_factor }) => {
    const op = 'upsample_nearest2d';
    if (x.ndim !== 4) throw new ShapeError(`${op}: expected a 4-D input [N, C, H, W], got ${fmt(x.shape)}`);
    const [sh, sw] = scaleFactors(op, scale_factor);
    const [n, c, h, w] = x.shape, out = resultArray(x.size * sh * sw); // the kernel writes every element
    kernels().upsample_nearest2d(x.data, n * c, h, w, sh, sw, out);
    return new Tensor(out, [n, c, h * sh, w * sw]);
  },
  backward: (dy, { attrs: { scale_factor } }) => ({ x: upsample_nearest2d_backward(dy, { scale_factor }) }),
});
