// col2im   (twin: assembly/kernels/col2im.ts; test: test/kernels/col2im.prop.test.ts)
// The adjoint of im2col (same parameters): accumulates columns back into the image,
//   x[ci, oy·sh − ph + u·dh, ox·sw − pw + v·dw] += cols[(ci·kh + u)·kw + v][(oy − oh0)·ow + ox]
// dropping positions outside [0,h)×[0,w). x is not cleared: callers zero it once and call per tile.
export function col2im(
  cols: Float32Array, c: number, h: number, w: number,
  kh: number, kw: number, sh: number, sw: number, ph: number, pw: number, dh: number, dw: number,
  oh0: number, ohCount: number, ow: number,
  x: Float32Array,
): void {
  col2imStrided(cols, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh0, ohCount, ow, x, ohCount * ow);
}

/** col2im from rows `ncols` ≥ ohCount·ow floats apart (conv keeps several images' columns side by side). */
export function col2imStrided(
  cols: Float32Array, c: number, h: number, w: number,
  kh: number, kw: number, sh: number, sw: number, ph: number, pw: number, dh: number, dw: number,
  oh0: number, ohCount: number, ow: number,
  x: Float32Array, ncols: number,
): void {
  for (let ci = 0; ci < c; ci++) {
    for (let u = 0; u < kh; u++) {
      for (let v = 0; v < kw; v++) {
        const row = ((ci * kh + u) * kw + v) * ncols;
        for (let oy = 0; oy < ohCount; oy++) {
          const iy = (oh0 + oy) * sh - ph + u * dh;
          if (iy < 0 || iy >= h) continue;
          const src = row + oy * ow;
          const dst = (ci * h + iy) * w;
          for (let ox = 0; ox < ow; ox++) {
            const ix = ox * sw - pw + v * dw;
            if (ix >= 0 && ix < w) x[dst + ix] += cols[src + ox];
          }
        }
      }
    }
  }
}
