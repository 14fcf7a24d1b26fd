// conv   (twin: src/kernels/conv.ts; test: test/kernels/conv.prop.test.ts)
// The band loops of a whole convolution, run where the data lives: `kind` 0 = forward
// (out = y = conv2d(a = x, b = wt)), 1 = input (out = dx, the adjoint in x of a = dy, b = wt),
// 2 = weight (out = dW from a = x, b = dy), for the work units [lo, hi) (src/kernels/conv.ts's
// convUnits: forward — (image or band of images, group, band of rows); gradients — input channels
// of every group).
// `rows` = output rows per band and `imgs` = images per band as src/kernels/conv.ts chose them (the
// caller sized `cols` by them);
// input and weight accumulate into `out`, which the caller zeroes. `bias` (forward only; 0: none)
// is added to each unit's output rows right after its gemm, while they are in cache: y = conv + b,
// rounded as the op's separate add. Arrays are byte offsets.
import { add_rows } from './add_rows';
import { col2imStrided } from './col2im';
import { B_IM2COL, B_ROWS, gemm, gemmBlocked, packAPanels, packedABytes } from './gemm';
import { im2colStrided, setIm2colSource } from './im2col';
import { scratch_alloc, scratch_mark, scratch_release } from '../scratch';

/** The largest weight conv packs once per share (16 MB: 256→256 3×3 is 9.4 MB pre-splatted; 512→512, 37.7 MB, is repacked per band). */
const PREPACK_BYTES: usize = 16 << 20;
/**
 * The forward packs columns straight from x (B_IM2COL) from this depth on. Below it, im2col's copies
 * of whole image rows plus the packing beat the per-panel runs (3→64, K = 27: 46.6 vs 45.7 GFLOP/s;
 * 8→32, K = 72: even; 64→64, K = 576: 45.6 → 47.2).
 */
const DIRECT_MIN_K = 64;

export function conv(
  kind: i32, a: usize, b: usize, out: usize, cols: usize, bias: usize,
  n: i32, cin: i32, h: i32, w: i32, cout: i32, ho: i32, wo: i32, groups: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32,
  rows: i32, imgs: i32, lo: i32, hi: i32,
): void {
  assert(kind >= 0 && kind <= 2 && groups >= 1 && rows >= 1 && imgs >= 1 && lo >= 0 && lo <= hi, 'conv: bad arguments');
  assert(imgs == 1 || rows == ho, 'conv: several images per band only when a band is a whole image');
  const cg = cin / groups, og = cout / groups, kk = kh * kw, K = cg * kk, hw = h * w, howo = ho * wo;
  const pointwise = kk == 1 && sh == 1 && sw == 1 && ph == 0 && pw == 0 && ho == h && wo == w;
  const bands = (ho + rows - 1) / rows;
  // dense (the twin's): one product over the batch, y [n, cout] = x [n, K] · Wᵀ (forward units: its rows)
  const dense = groups == 1 && ho == 1 && wo == 1 && kh == h && kw == w && ph == 0 && pw == 0 && dh == 1 && dw == 1;
  if (dense) {
    const c = hi - lo, cols0 = <usize>(lo * kk) << 2; // gradients: channels [lo, hi) are columns [lo·kk, hi·kk)
    if (kind == 0) {
      const y = out + (<usize>(lo * cout) << 2);
      if (lo < hi) gemm(hi - lo, cout, K, a + (<usize>(lo * K) << 2), K, false, b, K, true, y, cout, false);
      if (bias != 0) add_rows(y, hi - lo, cout, bias, y);
    }
    else if (kind == 1) gemm(n, c * kk, cout, a, cout, false, b + cols0, K, false, out + cols0, K, false);
    else gemm(cout, c * kk, n, b, cout, true, a + cols0, K, false, out + cols0, K, true);
    return;
  }
  const mark = scratch_mark();
  // imgs > 1: y or dy of a band of images staged as [og, cnt·howo] (the twin's STAGE_FLOATS bound it)
  const stage = imgs > 1 ? scratch_alloc(<usize>(og * imgs * howo) << 2) : 0;
  if (kind == 0) {
    // The weight of group gr packed once for all of this share's units (when they are several and it
    // is at most PREPACK_BYTES), not once per band; stride-1 bands whose rows are whole 8-wide panels
    // (wo % 8 == 0) have their columns packed straight from x (gemmBlocked's B_IM2COL).
    const aPre = hi - lo > 1 && packedABytes(og, K) <= PREPACK_BYTES ? scratch_alloc(packedABytes(og, K)) : 0;
    const direct = sw == 1 && wo % 8 == 0 && !pointwise && imgs == 1 && K >= DIRECT_MIN_K;
    let packed = -1;
    for (let u = lo; u < hi; u++) {
      const ig = u / (groups * bands), gr = (u / bands) % groups, r0 = (u % bands) * rows;
      const wt = b + (<usize>(gr * og * K) << 2), gbias: usize = bias == 0 ? 0 : bias + (<usize>(gr * og) << 2);
      if (aPre != 0 && packed != gr) {
        packAPanels(aPre, og, K, wt, K, false);
        packed = gr;
      }
      if (imgs > 1) {
        const i0 = ig * imgs, cnt = min(imgs, n - i0), ld = cnt * howo;
        for (let i = 0; i < cnt; i++) {
          const x = a + (<usize>(((i0 + i) * cin + gr * cg) * hw) << 2);
          im2colStrided(x, cg, h, w, kh, kw, sh, sw, ph, pw, dh, dw, 0, ho, wo, cols + (<usize>(i * howo) << 2), ld);
        }
        gemmBlocked(og, ld, K, wt, K, false, aPre, cols, ld, B_ROWS, stage, ld, false);
        if (gbias != 0) addChannelBias(og, ld, stage, ld, gbias);
        for (let i = 0; i < cnt; i++) {
          const y = out + (<usize>(((i0 + i) * cout + gr * og) * howo) << 2);
          copyRows(og, howo, stage + (<usize>(i * howo) << 2), ld, y, howo);
        }
        continue;
      }
      const x = a + (<usize>((ig * cin + gr * cg) * hw) << 2);
      const y = out + (<usize>((ig * cout + gr * og) * howo) << 2);
      const rc = min(rows, ho - r0), nc = rc * wo, band = <usize>(r0 * wo) << 2;
      if (pointwise) { // x is the column matrix (w = wo): its rows r0 … r0 + rc
        gemmBlocked(og, nc, K, wt, K, false, aPre, x + band, hw, B_ROWS, y + band, howo, false);
      } else if (direct) {
        setIm2colSource(x, h, w, kh, kw, sh, ph, pw, dh, dw, r0, wo);
        gemmBlocked(og, nc, K, wt, K, false, aPre, 0, 0, B_IM2COL, y + band, howo, false);
      } else {
        im2colStrided(x, cg, h, w, kh, kw, sh, sw, ph, pw, dh, dw, r0, rc, wo, cols, nc);
        gemmBlocked(og, nc, K, wt, K, false, aPre, cols, nc, B_ROWS, y + band, howo, false);
      }
      if (gbias != 0) addChannelBias(og, nc, y + band, howo, gbias);
    }
    scratch_release(mark);
    return;
  }
  // gradients: channels [lo, hi) of every group; channel c's column rows at c·kk·(widest band)
  const c = hi - lo, co = cols + (<usize>(lo * kk * rows * wo * imgs) << 2);
  // input: A = W_gᵀ's rows of these channels, packed once per group when there are several products
  const am = pointwise ? c : c * kk;
  const aPre = kind == 1 && ((n + imgs - 1) / imgs) * bands > 1 && packedABytes(am, og) <= PREPACK_BYTES ? scratch_alloc(packedABytes(am, og)) : 0;
  let packed = -1;
  for (let i0 = 0; i0 < n; i0 += imgs) {
    const cnt = min(imgs, n - i0), ld = cnt * howo;
    for (let gr = 0; gr < groups; gr++) {
      const woff = <usize>(gr * og * K + lo * kk) << 2;
      // image i's x planes from channel lo at x0 + i·xImage, its dy at y0 + i·yImage (bytes)
      const xImage = <usize>(cin * hw) << 2, yImage = <usize>(cout * howo) << 2;
      const x0 = <usize>((gr * cg + lo) * hw) << 2, y0 = <usize>(gr * og * howo) << 2;
      if (aPre != 0 && packed != gr) {
        packAPanels(aPre, am, og, b + woff, K, true);
        packed = gr;
      }
      if (imgs > 1) {
        for (let i = 0; i < cnt; i++) {
          const dy = (kind == 1 ? a : b) + (y0 + <usize>(i0 + i) * yImage);
          copyRows(og, howo, dy, howo, stage + (<usize>(i * howo) << 2), ld);
        }
        if (kind == 1) {
          // dx channels += col2im(W_gᵀ · staged dy), image by image
          gemmBlocked(c * kk, ld, og, b + woff, K, true, aPre, stage, ld, B_ROWS, co, ld, false);
          for (let i = 0; i < cnt; i++) {
            col2imStrided(co + (<usize>(i * howo) << 2), c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, 0, ho, wo, out + (x0 + <usize>(i0 + i) * xImage), ld);
          }
        } else {
          // dW columns += staged dy · colsᵀ
          for (let i = 0; i < cnt; i++) {
            im2colStrided(a + (x0 + <usize>(i0 + i) * xImage), c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, 0, ho, wo, co + (<usize>(i * howo) << 2), ld);
          }
          gemm(og, c * kk, ld, stage, ld, false, co, ld, true, out + woff, K, true);
        }
        continue;
      }
      const xoff = x0 + <usize>i0 * xImage, yoff = y0 + <usize>i0 * yImage;
      for (let r0 = 0; r0 < ho; r0 += rows) {
        const rc = min(rows, ho - r0), nc = rc * wo, band = <usize>(r0 * wo) << 2;
        if (kind == 1) {
          // dx channels += col2im(W_gᵀ · dy band)
          if (pointwise) gemmBlocked(c, nc, og, b + woff, K, true, aPre, a + yoff + band, howo, B_ROWS, out + xoff + band, hw, false);
          else {
            gemmBlocked(c * kk, nc, og, b + woff, K, true, aPre, a + yoff + band, howo, B_ROWS, co, nc, false);
            col2imStrided(co, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, r0, rc, wo, out + xoff, nc);
          }
        } else if (pointwise) {
          gemm(og, c, nc, b + yoff + band, howo, false, a + xoff + band, hw, true, out + woff, K, true);
        } else {
          // dW columns += dy band · colsᵀ
          im2colStrided(a + xoff, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, r0, rc, wo, co, nc);
          gemm(og, c * kk, nc, b + yoff + band, howo, false, co, nc, true, out + woff, K, true);
        }
      }
    }
  }
  scratch_release(mark);
}

/** Row r of the `rows` runs of `len` floats at p (ld floats apart) += bias[r]. */
function addChannelBias(rows: i32, len: i32, p: usize, ld: i32, bias: usize): void {
  for (let r = 0; r < rows; r++) {
    const row = p + (<usize>(r * ld) << 2), b = load<f32>(bias + (<usize>r << 2));
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      const vb = f32x4.splat(b);
      for (; j + 4 <= len; j += 4) {
        const q = row + (<usize>j << 2);
        v128.store(q, f32x4.add(v128.load(q), vb));
      }
    }
    for (; j < len; j++) {
      const q = row + (<usize>j << 2);
      store<f32>(q, load<f32>(q) + b);
    }
  }
}

/** `rows` runs of `len` floats from src (rows srcLd floats apart) to dst (dstLd apart): staging in and out. */
function copyRows(rows: i32, len: i32, src: usize, srcLd: i32, dst: usize, dstLd: i32): void {
  for (let r = 0; r < rows; r++) memory.copy(dst + (<usize>(r * dstLd) << 2), src + (<usize>(r * srcLd) << 2), <usize>len << 2);
}
