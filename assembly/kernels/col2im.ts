// col2im   (twin: src/kernels/col2im.ts; test: test/kernels/col2im.prop.test.ts)
// The adjoint of im2col (same parameters): accumulates columns back into the image,
//   x[ci, oy·sh − ph + u·dh, ox·sw − pw + v·dw] += cols[(ci·kh + u)·kw + v][(oy − oh0)·ow + ox]
// dropping positions outside [0,h)×[0,w). x is not cleared: callers zero it once and call per tile.
// Here cols and x are byte offsets into memory. Same [lo, hi) split as im2col: stride 1 makes the
// valid run an f32x4 add; the summation order per x element is the reference's (ci, u, v, oy, ox).
import { addF32, validHi, validLo } from '../simd';

export function col2im(
  cols: usize, c: i32, h: i32, w: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32,
  oh0: i32, ohCount: i32, ow: i32,
  x: usize,
): void {
  col2imStrided(cols, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh0, ohCount, ow, x, ohCount * ow, 0, h);
}

/**
 * col2im from rows `ncols` ≥ ohCount·ow floats apart (conv keeps several images' columns side by
 * side), writing only x rows [iyLo, iyHi) (the pool's split of an input gradient by rows: each x
 * element still gets its terms in the same order, those of other rows are dropped).
 */
export function col2imStrided(
  cols: usize, c: i32, h: i32, w: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32,
  oh0: i32, ohCount: i32, ow: i32,
  x: usize, ncols: i32, iyLo: i32, iyHi: i32,
): void {
  assert(c >= 0 && h >= 0 && w >= 0 && kh >= 0 && kw >= 0 && ohCount >= 0 && ow >= 0, 'col2im: negative size');
  assert(sh >= 1 && sw >= 1, 'col2im: stride must be ≥ 1');
  assert(ncols >= ohCount * ow, 'col2im: column rows overlap');
  assert(iyLo >= 0 && iyHi <= h, 'col2im: rows outside the image');
  let row = cols;
  for (let ci = 0; ci < c; ci++) {
    for (let u = 0; u < kh; u++) {
      for (let v = 0; v < kw; v++, row += <usize>ncols << 2) {
        let src = row;
        const off = v * dw - pw;
        const hi = validHi(off, sw, w, ow), lo = min(validLo(off, sw, ow), hi);
        for (let oy = 0; oy < ohCount; oy++) {
          const iy = (oh0 + oy) * sh - ph + u * dh;
          if (iy >= iyLo && iy < iyHi) {
            const dst = x + (<usize>((ci * h + iy) * w) << 2);
            if (sw == 1) {
              addF32(dst + (<usize>(lo + off) << 2), src + (<usize>lo << 2), hi - lo);
            } else {
              for (let ox = lo; ox < hi; ox++) {
                const d = dst + (<usize>(ox * sw + off) << 2);
                store<f32>(d, load<f32>(d) + load<f32>(src + (<usize>ox << 2)));
              }
            }
          }
          src += <usize>ow << 2;
        }
      }
    }
  }
}
