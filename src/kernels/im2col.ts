// im2col   (twin: assembly/kernels/im2col.ts; test: test/kernels/im2col.prop.test.ts)
// One image x [c, h, w] → columns for output rows oh0 .. oh0+ohCount−1 of a conv with kernel
// kh×kw, stride sh×sw, zero padding ph×pw, dilation dh×dw and output width ow:
//   cols[(ci·kh + u)·kw + v][(oy − oh0)·ow + ox] = x[ci, oy·sh − ph + u·dh, ox·sw − pw + v·dw]   (0 outside)
// cols is [c·kh·kw, ohCount·ow] row-major. Tiling over output rows bounds the memory of big convs.
export function im2col(
  x: Float32Array, c: number, h: number, w: number,
  kh: number, kw: number, sh: number, sw: number, ph: number, pw: number, dh: number, dw: number,
  oh0: number, ohCount: number, ow: number,
  cols: Float32Array,
): void {
  im2colStrided(x, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh0, ohCount, ow, cols, ohCount * ow);
}

/** im2col into rows `ncols` ≥ ohCount·ow floats apart (conv puts several images' columns side by side). */
export function im2colStrided(
  x: Float32Array, c: number, h: number, w: number,
  kh: number, kw: number, sh: number, sw: number, ph: number, pw: number, dh: number, dw: number,
  oh0: number, ohCount: number, ow: number,
  cols: Float32Array, ncols: number,
): void {
  for (let ci = 0; ci < c; ci++) {
    for (let u = 0; u < kh; u++) {
      for (let v = 0; v < kw; v++) {
        const row = ((ci * kh + u) * kw + v) * ncols;
        for (let oy = 0; oy < ohCount; oy++) {
          const iy = (oh0 + oy) * sh - ph + u * dh;
          const dst = row + oy * ow;
          if (iy < 0 || iy >= h) {
            cols.fill(0, dst, dst + ow);
            continue;
          }
          const src = (ci * h + iy) * w;
          for (let ox = 0; ox < ow; ox++) {
            const ix = ox * sw - pw + v * dw;
            cols[dst + ox] = ix >= 0 && ix < w ? x[src + ix] : 0;
          }
        }
      }
    }
  }
}
