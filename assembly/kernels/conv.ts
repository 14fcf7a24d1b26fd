// conv   (twin: src/kernels/conv.ts; test: test/kernels/conv.prop.test.ts)
// The band loops of a whole convolution, run where the data lives: `kind` 0 = forward
// (out = y = conv2d(a = x, b = wt)), 1 = input (out = dx, the adjoint in x of a = dy, b = wt),
// 2 = weight (out = dW from a = x, b = dy), for the work units [lo, hi) (src/kernels/conv.ts's
// convUnits: forward — (image, group, band); gradients — input channels of every group).
// `rows` = output rows per band as src/kernels/conv.ts chose them (the caller sized `cols` by it);
// input and weight accumulate into `out`, which the caller zeroes. Arrays are byte offsets.
import { col2im } from './col2im';
import { gemm } from './gemm';
import { im2col } from './im2col';

export function conv(
  kind: i32, a: usize, b: usize, out: usize, cols: usize,
  n: i32, cin: i32, h: i32, w: i32, cout: i32, ho: i32, wo: i32, groups: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32,
  rows: i32, lo: i32, hi: i32,
): void {
  assert(kind >= 0 && kind <= 2 && groups >= 1 && rows >= 1 && lo >= 0 && lo <= hi, 'conv: bad arguments');
  const cg = cin / groups, og = cout / groups, kk = kh * kw, K = cg * kk, hw = h * w, howo = ho * wo;
  const pointwise = kk == 1 && sh == 1 && sw == 1 && ph == 0 && pw == 0 && ho == h && wo == w;
  const bands = (ho + rows - 1) / rows;
  if (kind == 0) {
    for (let u = lo; u < hi; u++) {
      const img = u / (groups * bands), gr = (u / bands) % groups, r0 = (u % bands) * rows;
      const x = a + (<usize>((img * cin + gr * cg) * hw) << 2), wt = b + (<usize>(gr * og * K) << 2);
      const y = out + (<usize>((img * cout + gr * og) * howo) << 2);
      const rc = min(rows, ho - r0), nc = rc * wo, band = <usize>(r0 * wo) << 2;
      if (pointwise) { // x is the column matrix (w = wo): its rows r0 … r0 + rc
        gemm(og, nc, K, wt, K, false, x + band, hw, false, y + band, howo, false);
        continue;
      }
      im2col(x, cg, h, w, kh, kw, sh, sw, ph, pw, dh, dw, r0, rc, wo, cols);
      gemm(og, nc, K, wt, K, false, cols, nc, false, y + band, howo, false);
    }
    return;
  }
  // gradients: channels [lo, hi) of every group; channel c's column rows at c·kk·(widest band)
  const c = hi - lo, co = cols + (<usize>(lo * kk * rows * wo) << 2);
  for (let img = 0; img < n; img++) {
    for (let gr = 0; gr < groups; gr++) {
      const xoff = <usize>((img * cin + gr * cg + lo) * hw) << 2, yoff = <usize>((img * cout + gr * og) * howo) << 2;
      const woff = <usize>(gr * og * K + lo * kk) << 2;
      for (let r0 = 0; r0 < ho; r0 += rows) {
        const rc = min(rows, ho - r0), nc = rc * wo, band = <usize>(r0 * wo) << 2;
        if (kind == 1) {
          // dx channels += col2im(W_gᵀ · dy band)
          if (pointwise) gemm(c, nc, og, b + woff, K, true, a + yoff + band, howo, false, out + xoff + band, hw, false);
          else {
            gemm(c * kk, nc, og, b + woff, K, true, a + yoff + band, howo, false, co, nc, false);
            col2im(co, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, r0, rc, wo, out + xoff);
          }
        } else if (pointwise) {
          gemm(og, c, nc, b + yoff + band, howo, false, a + xoff + band, hw, true, out + woff, K, true);
        } else {
          // dW columns += dy band · colsᵀ
          im2col(a + xoff, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, r0, rc, wo, co);
          gemm(og, c * kk, nc, b + yoff + band, howo, false, co, nc, true, out + woff, K, true);
        }
      }
    }
  }
}
