// im2col   (twin: src/kernels/im2col.ts; test: test/kernels/im2col.prop.test.ts)
// One image x [c, h, w] → columns for output rows oh0 .. oh0+ohCount−1 of a conv with kernel
// kh×kw, stride sh×sw, zero padding ph×pw, dilation dh×dw and output width ow:
//   cols[(ci·kh + u)·kw + v][(oy − oh0)·ow + ox] = x[ci, oy·sh − ph + u·dh, ox·sw − pw + v·dw]   (0 outside)
// cols is [c·kh·kw, ohCount·ow] row-major. Tiling over output rows bounds the memory of big convs.
// Here x and cols are byte offsets into memory. Each cols row segment is split once into
// [zeros | valid run | zeros] (validLo/validHi) so the inner loop has no bounds test; stride 1
// makes the valid run a plain f32x4 copy.
import { copyF32, transpose4x4, validHi, validLo, zeroF32 } from '../simd';
import { scratch_alloc, scratch_mark, scratch_release } from '../scratch';

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

// The image gemmBlocked reads as its B_IM2COL operand (conv's forward sets it per band): the columns
// of output rows oh0 … of a conv with stride sh × 1 and output width wo, read straight into gemm's
// 8-wide B panels (packBIm2col) instead of being written out by im2col and packed from there.
let srcX: usize = 0;
let srcH = 0, srcW = 0, srcKh = 1, srcKw = 1, srcSh = 1, srcPh = 0, srcPw = 0, srcDh = 1, srcDw = 1, srcOh0 = 0, srcWo = 8;

/** Sets the image source: one group's channels of one image at x (bytes), stride 1 along w. wo % 4 == 0
 *  (packBIm2colT); packBIm2col needs wo % 8 == 0. */
export function setIm2colSource(x: usize, h: i32, w: i32, kh: i32, kw: i32, sh: i32, ph: i32, pw: i32, dh: i32, dw: i32, oh0: i32, wo: i32): void {
  assert(wo > 0 && wo % 4 == 0, 'im2col source: output width must be a multiple of 4');
  srcX = x; srcH = h; srcW = w; srcKh = kh; srcKw = kw; srcSh = sh; srcPh = ph; srcPw = pw; srcDh = dh; srcDw = dw; srcOh0 = oh0; srcWo = wo;
}

/**
 * gemm's packed op(B) slice (rows pc … pc + kc − 1, columns jc … jc + nc − 1 of the source's im2col
 * matrix; layout in gemm.ts) straight from the image. wo % 8 == 0 and jc % 8 == 0 keep every 8-wide
 * panel inside one output row, so a panel row is a run of 8 pixels of one image row (or of padding).
 * K rows go in pairs: per output row, each pair's two runs fill one 64-byte line of every panel in
 * turn (whole lines: panels kc·32 bytes apart alias in L1 when that is a multiple of 4 KB), with
 * four f32x4 copies where both runs lie inside the image; at its edges, zeros and then the pixels inside.
 */
export function packBIm2col(dst: usize, pc: i32, kc: i32, jc: i32, nc: i32): void {
  assert(srcWo % 8 == 0 && jc % 8 == 0, 'packBIm2col: panels must not straddle output rows');
  const mark = scratch_mark();
  const zeros = scratch_alloc(<usize>(srcWo + 8) << 2); // the run of a padding row
  memory.fill(zeros, 0, <usize>(srcWo + 8) << 2);
  const kk = srcKh * srcKw, plane = srcH * srcW, panelBytes = <usize>kc << 5;
  let ci = pc / kk, u = (pc % kk) / srcKw, v = pc % srcKw; // K row pc's (channel, kernel row, kernel column)
  for (let p = 0; p < kc; p += 2) {
    const two = p + 1 < kc;
    // row p's (ci, u, v), then step to row p + 1's
    const planeA = ci * plane, uA = u * srcDh - srcPh, vA = v * srcDw - srcPw;
    if (++v == srcKw) { v = 0; if (++u == srcKh) { u = 0; ci++; } }
    const planeB = ci * plane, uB = u * srcDh - srcPh, vB = v * srcDw - srcPw;
    if (two && ++v == srcKw) { v = 0; if (++u == srcKh) { u = 0; ci++; } }
    let d = dst + (<usize>p << 5);
    for (let j = jc, end = jc + nc; j < end;) {
      const oh = srcOh0 + j / srcWo, ow0 = j % srcWo, segEnd = min(end, j - ow0 + srcWo);
      // each run: pointer of output column 0, and the columns [lo, hi) it reads inside the image
      const iyA = oh * srcSh + uA, iyB = oh * srcSh + uB;
      const inA = <u32>iyA < <u32>srcH, inB = <u32>iyB < <u32>srcH;
      const rowA = inA ? srcX + (<usize>(planeA + iyA * srcW + vA) << 2) : zeros;
      const rowB = inB ? srcX + (<usize>(planeB + iyB * srcW + vB) << 2) : zeros;
      const loA = inA ? -vA : 0, hiA = inA ? srcW - vA : srcWo, loB = inB ? -vB : 0, hiB = inB ? srcW - vB : srcWo;
      const lo = max(loA, loB), hi = min(hiA, hiB);
      for (let ow = ow0, owEnd = ow0 + segEnd - j; ow < owEnd; ow += 8) {
        const a = rowA + (<usize>ow << 2), b = rowB + (<usize>ow << 2);
        if (ASC_FEATURE_SIMD && ow >= lo && ow + 8 <= hi) {
          v128.store(d, v128.load(a));
          v128.store(d, v128.load(a, 16), 16);
          if (two) {
            v128.store(d, v128.load(b), 32);
            v128.store(d, v128.load(b, 16), 48);
          }
        } else {
          zeroF32(d, two ? 16 : 8);
          for (let c = max(ow, loA), ce = min(ow + 8, hiA); c < ce; c++) store<f32>(d + (<usize>(c - ow) << 2), load<f32>(rowA + (<usize>c << 2)));
          if (two) {
            for (let c = max(ow, loB), ce = min(ow + 8, hiB); c < ce; c++) store<f32>(d + (<usize>(c - ow) << 2), load<f32>(rowB + (<usize>c << 2)), 32);
          }
        }
        d += panelBytes;
      }
      j = segEnd;
    }
  }
  scratch_release(mark);
}

/**
 * gemm's packed op(B) slice when op(B) is the source's im2col matrix transposed (conv's weight
 * gradient, dW += dy · colsᵀ): op(B) rows pc … pc + kc − 1 are output pixels, its columns jc … jc + nc − 1
 * are the (channel, kernel row, kernel column) taps; panels past nc are zero. Needs wo % 4 == 0 (kc
 * and pc are multiples of 4): 4 taps × 4 pixels of one output row are 4 runs of 4 pixels of image rows,
 * read and transposed into 4 panel rows at once where all 4 runs lie inside the image, element by
 * element at its edges (and rows of padding read from zeros).
 */
export function packBIm2colT(dst: usize, pc: i32, kc: i32, jc: i32, nc: i32): void {
  const mark = scratch_mark();
  const zeros = scratch_alloc(<usize>(srcWo + 8) << 2);
  memory.fill(zeros, 0, <usize>(srcWo + 8) << 2);
  const kk = srcKh * srcKw, plane = srcH * srcW, panelBytes = <usize>kc << 5, end = jc + nc;
  for (let j0 = jc; j0 < end; j0 += 8) {
    for (let g = 0; g < 8; g += 4) {
      const d0 = dst + <usize>((j0 - jc) >> 3) * panelBytes + (<usize>g << 2);
      // tap t of the 4: channel plane, row offset u·dh − ph, column offset v·dw − pw (absent: -1 plane)
      const q0 = j0 + g;
      const plane0 = q0 < end ? (q0 / kk) * plane : -1, u0 = ((q0 % kk) / srcKw) * srcDh - srcPh, v0 = (q0 % srcKw) * srcDw - srcPw;
      const plane1 = q0 + 1 < end ? ((q0 + 1) / kk) * plane : -1, u1 = (((q0 + 1) % kk) / srcKw) * srcDh - srcPh, v1 = ((q0 + 1) % srcKw) * srcDw - srcPw;
      const plane2 = q0 + 2 < end ? ((q0 + 2) / kk) * plane : -1, u2 = (((q0 + 2) % kk) / srcKw) * srcDh - srcPh, v2 = ((q0 + 2) % srcKw) * srcDw - srcPw;
      const plane3 = q0 + 3 < end ? ((q0 + 3) / kk) * plane : -1, u3 = (((q0 + 3) % kk) / srcKw) * srcDh - srcPh, v3 = ((q0 + 3) % srcKw) * srcDw - srcPw;
      for (let p = pc, pEnd = pc + kc; p < pEnd;) {
        const oh = srcOh0 + p / srcWo, ow0 = p % srcWo, segEnd = min(pEnd, p - ow0 + srcWo), iyBase = oh * srcSh;
        // each tap's run for this output row: pointer of output column 0, columns [lo, hi) inside the image
        const in0 = plane0 >= 0 && <u32>(iyBase + u0) < <u32>srcH, in1 = plane1 >= 0 && <u32>(iyBase + u1) < <u32>srcH;
        const in2 = plane2 >= 0 && <u32>(iyBase + u2) < <u32>srcH, in3 = plane3 >= 0 && <u32>(iyBase + u3) < <u32>srcH;
        const r0 = in0 ? srcX + (<usize>(plane0 + (iyBase + u0) * srcW + v0) << 2) : zeros;
        const r1 = in1 ? srcX + (<usize>(plane1 + (iyBase + u1) * srcW + v1) << 2) : zeros;
        const r2 = in2 ? srcX + (<usize>(plane2 + (iyBase + u2) * srcW + v2) << 2) : zeros;
        const r3 = in3 ? srcX + (<usize>(plane3 + (iyBase + u3) * srcW + v3) << 2) : zeros;
        const lo0 = in0 ? -v0 : 0, hi0 = in0 ? srcW - v0 : srcWo, lo1 = in1 ? -v1 : 0, hi1 = in1 ? srcW - v1 : srcWo;
        const lo2 = in2 ? -v2 : 0, hi2 = in2 ? srcW - v2 : srcWo, lo3 = in3 ? -v3 : 0, hi3 = in3 ? srcW - v3 : srcWo;
        const lo = max(max(lo0, lo1), max(lo2, lo3)), hi = min(min(hi0, hi1), min(hi2, hi3));
        const owEnd = ow0 + segEnd - p;
        // [ow0, fastLo) and [fastHi, owEnd) element by element, the steps between as 4×4 transposes
        const fastLo = min(owEnd, max(ow0, (lo + 3) & ~3)), fastHi = max(fastLo, min(owEnd, hi & ~3));
        let d = d0 + (<usize>(p - pc) << 5);
        for (let ow = ow0; ow < owEnd;) {
          if (ASC_FEATURE_SIMD && ow == fastLo) {
            let at = <usize>ow << 2;
            const atEnd = <usize>fastHi << 2;
            for (; at < atEnd; at += 16) {
              transpose4x4(r0 + at, r1 + at, r2 + at, r3 + at, d, 32);
              d += 128;
            }
            ow = fastHi;
            if (ow == owEnd) break;
          }
          for (let e = 0; e < 4; e++) {
            const c = ow + e, de = d + (<usize>e << 5), ce = <usize>c << 2;
            store<f32>(de, c >= lo0 && c < hi0 ? load<f32>(r0 + ce) : 0);
            store<f32>(de, c >= lo1 && c < hi1 ? load<f32>(r1 + ce) : 0, 4);
            store<f32>(de, c >= lo2 && c < hi2 ? load<f32>(r2 + ce) : 0, 8);
            store<f32>(de, c >= lo3 && c < hi3 ? load<f32>(r3 + ce) : 0, 12);
          }
          d += 128;
          ow += 4;
        }
        p = segEnd;
      }
    }
  }
  scratch_release(mark);
}
