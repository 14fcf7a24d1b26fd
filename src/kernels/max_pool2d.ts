// max_pool2d   (twin: assembly/kernels/max_pool2d.ts; test: test/kernels/max_pool2d.prop.test.ts)
// x [planes, h, w] → out, arg [planes, ho, wo]: out[i, j] = the maximum over the window rows
// i·sh − ph + u·dh (u < kh) × columns j·sw − pw + v·dw (v < kw) inside x, scanned row-major; a value
// replaces the best so far when it is greater or NaN (so NaN wins, and of several NaNs the last);
// arg[i, j] = its flat index in the h×w plane, as a float (exact below 2²⁴). The scan starts at the
// window's first position inside x, whose index stands if nothing beats −∞ (torch's max_pool2d).
// An empty window (possible only with ceil_mode) gives −∞ and index −1.

/** The pool geometry (src/ops/_conv.ts's PoolGeom has these fields). */
export interface MaxPoolGeom {
  planes: number; h: number; w: number; ho: number; wo: number;
  kh: number; kw: number; sh: number; sw: number; ph: number; pw: number; dh: number; dw: number;
}

export function max_pool2d(x: Float32Array, g: MaxPoolGeom, out: Float32Array, arg: Float32Array): void {
  const { h, w, ho, wo } = g;
  let o = 0;
  for (let p = 0; p < g.planes; p++) {
    const base = p * h * w;
    for (let i = 0; i < ho; i++) {
      for (let j = 0; j < wo; j++, o++) {
        let best = -Infinity, at = -1;
        for (let u = 0; u < g.kh; u++) {
          const iy = i * g.sh - g.ph + u * g.dh;
          if (iy < 0 || iy >= h) continue;
          for (let v = 0; v < g.kw; v++) {
            const ix = j * g.sw - g.pw + v * g.dw;
            if (ix < 0 || ix >= w) continue;
            const val = x[base + iy * w + ix];
            if (at < 0) at = iy * w + ix;
            if (val > best || Number.isNaN(val)) {
              best = val;
              at = iy * w + ix;
            }
          }
        }
        out[o] = best;
        arg[o] = at;
      }
    }
  }
}
