// avg_pool2d_backward (internal primitive): the adjoint of avg_pool2d with the same attrs.
//   dy [..., Ho, Wo], input_size [H, W] → [..., H, W]: every x position of window (i, j) (inside x)
//   receives dy[i, j] / divisor(i, j) (divisor as in avg_pool2d).
// Linear in dy, so ∂dy = avg_pool2d(g) with the same attrs.
import { Tensor } from '../tensor.js';
import { resultArray } from '../backend.js';
import { defineOp, type OpFn } from './op.js';
import { avgPoolDefaults, avgSpans, checkDivisor, poolBackGeom, type AvgPool2dAttrs } from './_conv.js';
import { avg_pool2d } from './avg_pool2d.js';

export interface AvgPool2dBackwardAttrs extends AvgPool2dAttrs {
  input_size: number[];
}

export const avg_pool2d_backward: OpFn<readonly ['dy'], readonly [], AvgPool2dBackwardAttrs> = defineOp({
  name: 'avg_pool2d_backward',
  inputs: ['dy'],
  attrs: { ...avgPoolDefaults, input_size: [] as number[] },
  forward: ({ dy }, attrs) => {
    const g = poolBackGeom('avg_pool2d_backward', dy.shape, attrs.input_size, attrs);
    checkDivisor('avg_pool2d_backward', attrs.divisor_override);
    const rows = avgSpans(g.ho, g.h, g.kh, g.sh, g.ph, attrs.count_include_pad);
    const cols = avgSpans(g.wo, g.w, g.kw, g.sw, g.pw, attrs.count_include_pad);
    const out = resultArray(g.planes * g.h * g.w).fill(0), src = dy.data;
    let o = 0;
    for (let p = 0; p < g.planes; p++) {
      const base = p * g.h * g.w;
      for (let i = 0; i < g.ho; i++) {
        for (let j = 0; j < g.wo; j++, o++) {
          const share = src[o] / (attrs.divisor_override ?? rows.div[i] * cols.div[j]);
          for (let iy = rows.lo[i]; iy < rows.hi[i]; iy++) {
            for (let ix = cols.lo[j]; ix < cols.hi[j]; ix++) out[base + iy * g.w + ix] += share;
          }
        }
      }
    }
    return new Tensor(out, [...g.lead, g.h, g.w]);
  },
  backward: (g, { attrs: { input_size: _, ...attrs } }) => ({ dy: avg_pool2d(g, attrs) }),
});
