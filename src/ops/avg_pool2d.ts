// avg_pool2d (torch's F.avg_pool2d).   x [N, C, H, W] (or [C, H, W]) → [N, C, Ho, Wo] (size as max_pool2d
// with d = 1). Per axis: start = i·s − p, end = min(start + k, H + p), full = end − start,
// count = min(end, H) − max(start, 0); out = Σ window of x (zero padded) / divisor, divisor =
// divisor_override ?? (count_include_pad ? full_h·full_w : count_h·count_w).
// Linear in x: ∂x = avg_pool2d_backward(dy) (each input of a window gets dy / divisor), whose own
// backward is avg_pool2d again.
import { Tensor } from '../tensor.js';
import { resultArray } from '../backend.js';
import { defineOp } from './op.js';
import { avgPoolDefaults, avgSpans, checkDivisor, poolGeom, type AvgPool2dAttrs } from './_conv.js';
import { avg_pool2d_backward } from './avg_pool2d_backward.js';

export type { AvgPool2dAttrs };

export const avg_pool2d = defineOp({
  name: 'avg_pool2d',
  inputs: ['x'],
  attrs: avgPoolDefaults,
  forward: ({ x }, attrs) => {
    const g = poolGeom('avg_pool2d', x.shape, attrs);
    checkDivisor('avg_pool2d', attrs.divisor_override);
    const rows = avgSpans(g.ho, g.h, g.kh, g.sh, g.ph, attrs.count_include_pad);
    const cols = avgSpans(g.wo, g.w, g.kw, g.sw, g.pw, attrs.count_include_pad);
    const out = resultArray(g.planes * g.ho * g.wo), src = x.data;
    let o = 0;
    for (let p = 0; p < g.planes; p++) {
      const base = p * g.h * g.w;
      for (let i = 0; i < g.ho; i++) {
        for (let j = 0; j < g.wo; j++, o++) {
          let s = 0;
          for (let iy = rows.lo[i]; iy < rows.hi[i]; iy++) {
            for (let ix = cols.lo[j]; ix < cols.hi[j]; ix++) s += src[base + iy * g.w + ix];
          }
          const empty = rows.lo[i] >= rows.hi[i] || cols.lo[j] >= cols.hi[j];
          out[o] = empty ? 0 : s / (attrs.divisor_override ?? rows.div[i] * cols.div[j]);
        }
      }
    }
    return new Tensor(out, [...g.lead, g.ho, g.wo]);
  },
  backward: (dy, { inputs: { x }, attrs }) => ({ x: avg_pool2d_backward(dy, { ...attrs, input_size: x!.shape.slice(-2) }) }),
});
