// upsample_nearest2d (composite; torch's F.interpolate(x, scale_factor=(sh, sw), mode='nearest') with
// integer factors).   x [N, C, H, W] → [N, C, H·sh, W·sw],  out[n, c, i, j] = x[n, c, floor(i/sh), floor(j/sw)]
// = reshape(expand(reshape(x, [N, C, H, 1, W, 1]), [N, C, H, sh, W, sw]), [N, C, H·sh, W·sw]);
// so ∂x is expand's: dy viewed as [N, C, H, sh, W, sw] summed over the sh and sw axes (each block).
// With nothing to record (noGrad, or x needs no gradient) the same values come from one direct pass:
// each output row built once, then copied sh − 1 times (the composite's generic expand measured
// ≈ 7 ns per output element).
import { fmt, ShapeError } from '../shape.js';
import { defineOp } from './op.js';
import { expand } from './expand.js';
import { reshape } from './reshape.js';
import { Tensor } from '../tensor.js';
import { isGradEnabled } from '../autograd.js';
import { resultArray } from '../backend.js';

/** out[p, i, j] = x[p, floor(i/sh), floor(j/sw)] over every plane p of x [N, C, H, W]. */
function repeatPlanes(x: Tensor, sh: number, sw: number): Tensor {
  const [n, c, h, w] = x.shape, wo = w * sw, src = x.data, out = resultArray(x.size * sh * sw);
  for (let r = 0, o = 0; r < n * c * h; r++) {
    for (let j = r * w, d = o, end = j + w; j < end; j++) {
      const v = src[j];
      for (let q = 0; q < sw; q++) out[d++] = v;
    }
    for (let k = 1; k < sh; k++) out.copyWithin(o + k * wo, o, o + wo);
    o += sh * wo;
  }
  return new Tensor(out, [n, c, h * sh, wo]);
}

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
    if (!x.requiresGrad || !isGradEnabled()) return repeatPlanes(x, sh, sw); // nothing to record: one direct pass
    const blocks = expand(reshape(x, { shape: [n, c, h, 1, w, 1] }), { shape: [n, c, h, sh, w, sw] });
    return reshape(blocks, { shape: [n, c, h * sh, w * sw] });
  },
});
