// upsample_nearest2d (composite; torch's F.interpolate(x, scale_factor=(sh, sw), mode='nearest') with
// integer factors).   x [N, C, H, W] → [N, C, H·sh, W·sw],  out[n, c, i, j] = x[n, c, floor(i/sh), floor(j/sw)]
// = reshape(expand(reshape(x, [N, C, H, 1, W, 1]), [N, C, H, sh, W, sw]), [N, C, H·sh, W·sw]);
// so ∂x is expand's: dy viewed as [N, C, H, sh, W, sw] summed over the sh and sw axes (each block).
import { fmt, ShapeError } from '../shape.js';
import { defineOp } from './op.js';
import { expand } from './expand.js';
import { reshape } from './reshape.js';

export interface UpsampleNearest2dAttrs {
  scale_factor: number | number[] | null;
}

export const upsample_nearest2d = defineOp({
  name: 'upsample_nearest2d',
  inputs: ['x'],
  attrs: { scale_factor: null } as UpsampleNearest2dAttrs,
  forward: ({ x }, { scale_factor }) => {
    const op = 'upsample_nearest2d';
    if (x.ndim !== 4) throw new ShapeError(`${op}: expected a 4-D input [N, C, H, W], got ${fmt(x.shape)}`);
    const sf = scale_factor === null ? null : typeof scale_factor === 'number' ? [scale_factor, scale_factor] : scale_factor;
    if (sf === null || sf.length !== 2 || !sf.every((s) => Number.isInteger(s) && s >= 1)) {
      throw new RangeError(`${op}: scale_factor must be a positive integer or a [sh, sw] pair of them, got ${JSON.stringify(scale_factor)}`);
    }
    const [n, c, h, w] = x.shape, [sh, sw] = sf;
    const blocks = expand(reshape(x, { shape: [n, c, h, 1, w, 1] }), { shape: [n, c, h, sh, w, sw] });
    return reshape(blocks, { shape: [n, c, h * sh, w * sw] });
  },
});
