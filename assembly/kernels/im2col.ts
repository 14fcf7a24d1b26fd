// im2col   (twin: src/kernels/im2col.ts; test: test/kernels/im2col.prop.test.ts)
// One image x [c, h, w] → columns for output rows oh0 .. oh0+ohCount−1 of a conv with kernel
// kh×kw, stride sh×sw, zero padding ph×pw, dilation dh×dw and output width ow:
//   cols[(ci·kh + u)·kw + v][(oy − oh0)·ow + ox] = x[ci, oy·sh − ph + u·dh, ox·sw − pw + v·dw]   (0 outside)
// cols is [c·kh·kw, ohCount·ow] row-major. Tiling over output rows bounds the memory of big convs.
// Here x and cols are byte offsets into memory. Each cols row segment is split once into
// [zeros | valid run | zeros] (validLo/validHi) so the inner loop has no bounds test; stride 1
// makes the valid run a plain f32x4 copy.
import { copyF32, validHi, validLo, zeroF32 } from '../simd';

export function im2col(
  x: usize, c: i32, h: i32, w: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32,
  oh0: i32, ohCount: i32, ow: i32,
  cols: usize,
): void {
  im2colStrided(x, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh0, ohCount, ow, cols, ohCount * ow);
}

/** im2col into rows `ncols` ≥ ohCount·ow floats apart (conv puts several images' columns side by side). */
export function im2colStrided(
  x: usize, c: i32, h: i32, w: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32,
  oh0: i32, ohCount: i32, ow: i32,
  cols: usize, ncols: i32,
): void {
  assert(c >= 0 && h >= 0 && w >= 0 && kh >= 0 && kw >= 0 && ohCount >= 0 && ow >= 0, 'im2col: negative size');
  assert(sh >= 1 && sw >= 1, 'im2col: stride must be ≥ 1');
  assert(ncols >= ohCount * ow, 'im2col: column rows overlap');
  let row = cols;
  for (let ci = 0; ci < c; ci++) {
    for (let u = 0; u < kh; u++) {
      for (let v = 0; v < kw; v++, row += <usize>ncols << 2) {
        let dst = row;
        const off = v * dw - pw;
        const hi = validHi(off, sw, w, ow), lo = min(validLo(off, sw, ow), hi);
        for (let oy = 0; oy < ohCount; oy++) {
          const iy = (oh0 + oy) * sh - ph + u * dh;
          if (iy < 0 || iy >= h) {
            zeroF32(dst, ow);
          } else {
            const src = x + (<usize>((ci * h + iy) * w) << 2);
            zeroF32(dst, lo);
            if (sw == 1) {
              copyF32(dst + (<usize>lo << 2), src + (<usize>(lo + off) << 2), hi - lo);
            } else {
              for (let ox = lo; ox < hi; ox++) {
                store<f32>(dst + (<usize>ox << 2), load<f32>(src + (<usize>(ox * sw + off) << 2)));
              }
            }
            zeroF32(dst + (<usize>hi << 2), ow - hi);
          }
          dst += <usize>ow << 2;
        }
      }
    }
  }
}
