// conv   (twin: src/kernels/conv.ts; test: test/kernels/conv.prop.test.ts)
// The band loops of a whole convolution, run where the data lives: `kind` 0 = forward
// (out = y = conv2d(a = x, b = wt)), 1 = input (out = dx, the adjoint in x of a = dy, b = wt),
// 2 = weight (out = dW from a = x, b = dy), for the work units [lo, hi) (src/kernels/conv.ts's
// convUnits: forward — (image or band of images, group, band of rows); gradients — input channels
// of every group). Three more kinds split a conv for the thread pool (src/wasm/parallel.ts): 3 = dW by
// output channels and 4 = dx by x rows or images (a gradient with too few input channels to share),
// 5 = y by output channels (a forward with too few bands to share).
// `rows` = output rows per band and `imgs` = images per band as src/kernels/conv.ts chose them (the
// caller sized `cols` by them);
// input and weight accumulate into `out`, which the caller zeroes. `bias` (forward only; 0: none)
// is added to each unit's output rows right after its gemm, while they are in cache: y = conv + b,
// rounded as the op's separate add. Arrays are byte offsets.
// Beyond the twin's loops (same values, same sums unless said): the weight packed once per share
// (gemmBlocked with packAPanels), a stride-1 layer's columns packed straight from x (B_IM2COL,
// B_IM2COL_T), and two with their own summation chains: a first layer's weight gradient as
// unpacked dot products (gemmDots) and ≤ 3 output channels tap by tap (convFewOut).
import { add_rows } from './add_rows';
import { col2imStrided } from './col2im';
import { B_IM2COL, B_IM2COL_T, B_ROWS, gemm, gemmBlocked, gemmDots, packAPanels, packedABytes } from './gemm';
import { im2colStrided, setIm2colSource } from './im2col';
import { scratch_alloc, scratch_mark, scratch_release } from '../scratch';
import { muladd } from '../simd';

/** The largest weight conv packs once per share (16 MB: 256→256 3×3 is 9.4 MB pre-splatted; 512→512, 37.7 MB, is repacked per band). */
const PREPACK_BYTES: usize = 16 << 20;
/**
 * The forward packs columns straight from x (B_IM2COL) from this depth on. Below it, im2col's copies
 * of whole image rows plus the packing beat the per-panel runs (3→64, K = 27: 46.6 vs 45.7 GFLOP/s;
 * 8→32, K = 72: even; 64→64, K = 576: 45.6 → 47.2).
 */
const DIRECT_MIN_K = 64;
/** A weight gradient with fewer taps than output channels takes gemmDots from this many columns per band (below, gemm). */
const DOTS_MIN_COLS = 64;

export function conv(
  kind: i32, a: usize, b: usize, out: usize, cols: usize, bias: usize,
  n: i32, cin: i32, h: i32, w: i32, cout: i32, ho: i32, wo: i32, groups: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32,
  rows: i32, imgs: i32, lo: i32, hi: i32,
): void {
  assert(kind >= 0 && kind <= 5 && groups >= 1 && rows >= 1 && imgs >= 1 && lo >= 0 && lo <= hi, 'conv: bad arguments');
  assert(imgs == 1 || rows == ho, 'conv: several images per band only when a band is a whole image');
  const cg = cin / groups, og = cout / groups, kk = kh * kw, K = cg * kk, hw = h * w, howo = ho * wo;
  const pointwise = kk == 1 && sh == 1 && sw == 1 && ph == 0 && pw == 0 && ho == h && wo == w;
  const bands = (ho + rows - 1) / rows;
  // dense (the twin's): one product over the batch, y [n, cout] = x [n, K] · Wᵀ (forward units: its rows)
  const dense = groups == 1 && ho == 1 && wo == 1 && kh == h && kw == w && ph == 0 && pw == 0 && dh == 1 && dw == 1;
  assert(kind < 3 || !dense, 'conv: a dense conv runs the twin units (its gradients split by channel)');
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
  // kind 5: output channels [lo, hi) of every forward unit (one group, one image per band, no
  // convFewOut) — each y element the same sum as kind 0's, since gemm's sums do not depend on the rows
  // around it. Below, fog output channels from fLo.
  assert(kind != 5 || (groups == 1 && imgs == 1 && og > 3), 'conv: a forward by output channels needs one group, one image per band, > 3 outputs');
  const fLo = kind == 5 ? lo : 0, fog = kind == 5 ? hi - lo : og;
  if (kind == 5) {
    kind = 0;
    lo = 0;
    hi = n * bands;
  }
  const mark = scratch_mark();
  // imgs > 1: y or dy of a band of images staged as [og, cnt·howo] (the twin's STAGE_FLOATS bound it)
  const stage = imgs > 1 ? scratch_alloc(<usize>(og * imgs * howo) << 2) : 0;
  if (kind == 0) {
    // ≤ 3 output channels per group, stride 1, no dilation: tap by tap (convFewOut), no gemm; the
    // runs of this share's units in one (image, group) are one range of rows each
    if (ASC_FEATURE_SIMD && og <= 3 && sh == 1 && sw == 1 && dh == 1 && dw == 1 && !pointwise && imgs == 1 && fewRowsPerBlock(cg, kh, kw, wo) > 0) {
      for (let u0 = lo; u0 < hi;) {
        const run = u0 / bands, u1 = min(hi, (run + 1) * bands);
        const ig = run / groups, gr = run % groups, r0 = (u0 % bands) * rows, r1 = min(ho, ((u1 - 1) % bands + 1) * rows);
        const x = a + (<usize>((ig * cin + gr * cg) * hw) << 2), y = out + (<usize>((ig * cout + gr * og) * howo) << 2);
        convFewOut(x, b + (<usize>(gr * og * K) << 2), y, og, cg, h, w, kh, kw, ph, pw, wo, ho, r0, r1);
        if (bias != 0) addChannelBias(og, (r1 - r0) * wo, y + (<usize>(r0 * wo) << 2), howo, bias + (<usize>(gr * og) << 2));
        u0 = u1;
      }
      scratch_release(mark);
      return;
    }
    // The weight of group gr packed once for all of this share's units (when they are several and it
    // is at most PREPACK_BYTES), not once per band; stride-1 bands whose rows are whole 8-wide panels
    // (wo % 8 == 0) have their columns packed straight from x (gemmBlocked's B_IM2COL).
    const aPre = hi - lo > 1 && packedABytes(fog, K) <= PREPACK_BYTES ? scratch_alloc(packedABytes(fog, K)) : 0;
    const direct = sw == 1 && wo % 8 == 0 && !pointwise && imgs == 1 && K >= DIRECT_MIN_K;
    let packed = -1;
    for (let u = lo; u < hi; u++) {
      const ig = u / (groups * bands), gr = (u / bands) % groups, r0 = (u % bands) * rows;
      const wt = b + (<usize>((gr * og + fLo) * K) << 2), gbias: usize = bias == 0 ? 0 : bias + (<usize>(gr * og + fLo) << 2);
      if (aPre != 0 && packed != gr) {
        packAPanels(aPre, fog, K, wt, K, false);
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
      const y = out + (<usize>((ig * cout + gr * og + fLo) * howo) << 2);
      const rc = min(rows, ho - r0), nc = rc * wo, band = <usize>(r0 * wo) << 2;
      if (pointwise) { // x is the column matrix (w = wo): its rows r0 … r0 + rc
        gemmBlocked(fog, nc, K, wt, K, false, aPre, x + band, hw, B_ROWS, y + band, howo, false);
      } else if (direct) {
        setIm2colSource(x, h, w, kh, kw, sh, ph, pw, dh, dw, r0, wo);
        gemmBlocked(fog, nc, K, wt, K, false, aPre, 0, 0, B_IM2COL, y + band, howo, false);
      } else {
        im2colStrided(x, cg, h, w, kh, kw, sh, sw, ph, pw, dh, dw, r0, rc, wo, cols, nc);
        gemmBlocked(fog, nc, K, wt, K, false, aPre, cols, nc, B_ROWS, y + band, howo, false);
      }
      if (gbias != 0) addChannelBias(fog, nc, y + band, howo, gbias);
    }
    scratch_release(mark);
    return;
  }
  // kind 3 (the pool's split of a weight gradient with too few input channels to share): dW's
  // output channels [lo, hi) for every input channel, one group, one image per band — each element
  // the same sum as kind 2's. Below, wog output channels from oLo, their dy rows and dW rows.
  assert(kind != 3 || (groups == 1 && imgs == 1), 'conv: a weight gradient by output channels needs one group and one image per band');
  const oLo = kind == 3 ? lo : 0, wog = kind == 3 ? hi - lo : og;
  const dyOff = <usize>(oLo * howo) << 2, dwOff = <usize>(oLo * K) << 2;
  if (kind == 3) {
    kind = 2;
    lo = 0;
    hi = cg;
  }
  // kind 4 (the pool's split of an input gradient with too few input channels to share): dx of every
  // channel for units [lo, hi) — x rows i·h + iy when a band holds one image, else images i. Below,
  // images [iLo, iHi) and x-row units [uLo, uHi). A band's columns are computed only for the output
  // rows that reach those x rows, and col2im writes only them: every dx element gets the same terms
  // in the same order as from kind 1 (a column's value does not depend on its band's other columns).
  const byRows = kind == 4 && imgs == 1;
  let iLo = 0, iHi = n, uLo = 0, uHi = n * h;
  if (kind == 4) {
    if (byRows) {
      iLo = lo / h;
      iHi = lo < hi ? (hi - 1) / h + 1 : iLo;
      uLo = lo;
      uHi = hi;
    } else {
      iLo = lo;
      iHi = hi;
    }
    kind = 1;
    lo = 0;
    hi = cg;
  }
  // gradients: channels [lo, hi) of every group; channel c's column rows at c·kk·(widest band)
  const c = hi - lo, co = cols + (<usize>(lo * kk * rows * wo * imgs) << 2);
  // input: A = W_gᵀ's rows of these channels, packed once per group when there are several products
  const am = pointwise ? c : c * kk;
  const aPre = kind == 1 && ((n + imgs - 1) / imgs) * bands > 1 && packedABytes(am, og) <= PREPACK_BYTES ? scratch_alloc(packedABytes(am, og)) : 0;
  let packed = -1;
  // weight: a stride-1 band's columns go from x straight into gemm's panels (4 pixels of a row at a time)
  const directWeight = kind == 2 && sw == 1 && wo % 4 == 0 && c * kk >= DIRECT_MIN_K; // the same sums as im2col + gemm
  // weight with fewer taps than output channels (a first layer: 27 vs 64) over long bands: dW += dy ·
  // colsᵀ as unpacked dot products (gemmDots), since gemm would pack one operand pre-splatted, 16
  // bytes written per float read once (3→64 at 256², one thread: 33.1–33.4 → 36.0–36.1 GFLOP/s).
  // gemmDots sums in its own order, so the choice depends only on the group's dims (K, og, the band
  // width) — never on the pool's split (c, wog) — and K < DIRECT_MIN_K keeps it apart from directWeight.
  const dots = kind == 2 && !pointwise && K < og && K < DIRECT_MIN_K && rows * wo * imgs >= DOTS_MIN_COLS;
  for (let i0 = iLo; i0 < iHi; i0 += imgs) {
    const cnt = min(imgs, iHi - i0), ld = cnt * howo;
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
            col2imStrided(co + (<usize>(i * howo) << 2), c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, 0, ho, wo, out + (x0 + <usize>(i0 + i) * xImage), ld, 0, h);
          }
        } else {
          // dW columns += staged dy · colsᵀ
          for (let i = 0; i < cnt; i++) {
            im2colStrided(a + (x0 + <usize>(i0 + i) * xImage), c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, 0, ho, wo, co + (<usize>(i * howo) << 2), ld);
          }
          if (dots) gemmDots(og, c * kk, ld, stage, ld, co, ld, out + woff, K);
          else gemm(og, c * kk, ld, stage, ld, false, co, ld, true, out + woff, K, true);
        }
        continue;
      }
      const xoff = x0 + <usize>i0 * xImage, yoff = y0 + <usize>i0 * yImage;
      // x rows [xr0, xr1) of image i0, and the output rows [oyLo, oyHi) that reach them: oy·sh − ph +
      // u·dh ∈ [xr0, xr1) for some kernel row u (kind 4 by rows; else all)
      const xr0 = max(0, uLo - i0 * h), xr1 = min(h, uHi - i0 * h), reach = xr0 + ph - (kh - 1) * dh;
      const oyLo = byRows && reach > 0 ? (reach + sh - 1) / sh : 0, oyHi = byRows ? min(ho, (xr1 - 1 + ph) / sh + 1) : ho;
      for (let r0 = 0; r0 < ho; r0 += rows) {
        const rc = min(rows, ho - r0), nc = rc * wo, band = <usize>(r0 * wo) << 2;
        if (kind == 1) {
          // dx channels += col2im(W_gᵀ · dy band), the band's rows [s0, s1) that reach x rows [xr0, xr1)
          const s0 = max(r0, oyLo), s1 = min(r0 + rc, oyHi), sc = (s1 - s0) * wo, sband = <usize>(s0 * wo) << 2;
          if (s0 >= s1) continue;
          if (pointwise) gemmBlocked(c, sc, og, b + woff, K, true, aPre, a + yoff + sband, howo, B_ROWS, out + xoff + sband, hw, false);
          else {
            gemmBlocked(c * kk, sc, og, b + woff, K, true, aPre, a + yoff + sband, howo, B_ROWS, co, sc, false);
            col2imStrided(co, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, s0, s1 - s0, wo, out + xoff, sc, xr0, xr1);
          }
        } else if (pointwise) {
          gemm(wog, c, nc, b + yoff + dyOff + band, howo, false, a + xoff + band, hw, true, out + woff + dwOff, K, true);
        } else if (directWeight) {
          // dW columns += dy band · colsᵀ, the columns read straight from x
          setIm2colSource(a + xoff, h, w, kh, kw, sh, ph, pw, dh, dw, r0, wo);
          gemmBlocked(wog, c * kk, nc, b + yoff + dyOff + band, howo, false, 0, 0, 0, B_IM2COL_T, out + woff + dwOff, K, true);
        } else {
          // dW columns += dy band · colsᵀ
          im2colStrided(a + xoff, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, r0, rc, wo, co, nc);
          if (dots) gemmDots(wog, c * kk, nc, b + yoff + dyOff + band, howo, co, nc, out + woff + dwOff, K);
          else gemm(wog, c * kk, nc, b + yoff + dyOff + band, howo, false, co, nc, true, out + woff + dwOff, K, true);
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

/** Floats of the padded input rows convFewOut works on at once (2 MB; the pool's arena holds them). */
const FEW_PAD_FLOATS = 1 << 19;
/**
 * Output columns per step of convFewOut: two f32x4 per output channel. (Three, 9 accumulators, measured
 * 17.5 GFLOP/s: V8 loads all six operands first, 16 live registers, and spills an accumulator.)
 */
const FEW_COLS = 8;

/** Padded row width of convFewOut: the kernel's reach plus a whole step past the last output column. */
// @ts-ignore: decorator
@inline function fewPitch(kw: i32, wo: i32): i32 {
  return (wo + kw - 1 + FEW_COLS + 3) & ~3;
}

/** Output rows convFewOut computes per block of padded input (0: the rows of one kernel height do not fit). */
export function fewRowsPerBlock(cg: i32, kh: i32, kw: i32, wo: i32): i32 {
  return max(0, FEW_PAD_FLOATS / (cg * fewPitch(kw, wo)) - (kh - 1));
}

/**
 * A stride-1, undilated conv with og ≤ 3 output channels (an RGB output layer; gemm would run it
 * with 3 of its 4 tile rows and pack every column for one panel row), output rows [r0, r1), straight
 * from x: the input rows of a block of output rows are copied once into zero-padded rows, then each
 * step of 8 output columns keeps 2 f32x4 per output channel in registers over all cg·kh·kw taps:
 * 2 unaligned loads and 3 pre-splatted weights for 12 f32x4 operations. Sums run over channel,
 * kernel row, kernel column, as the gemm path's, but in one chain per output.
 */
function convFewOut(
  x: usize, wt: usize, y: usize, og: i32, cg: i32, h: i32, w: i32, kh: i32, kw: i32, ph: i32, pw: i32,
  wo: i32, ho: i32, r0: i32, r1: i32,
): void {
  const mark = scratch_mark();
  const K = cg * kh * kw, pitch = fewPitch(kw, wo), block = fewRowsPerBlock(cg, kh, kw, wo);
  // tap t = (c, u, v): the 3 output channels' weights splatted (zeros past og), 48 bytes
  const taps = scratch_alloc(<usize>K * 48);
  for (let t = 0; t < K; t++) {
    for (let o = 0; o < 3; o++) v128.store(taps + <usize>(t * 48 + o * 16), f32x4.splat(o < og ? load<f32>(wt + (<usize>(o * K + t) << 2)) : 0));
  }
  const padRows = block + kh - 1;
  const pad = scratch_alloc(<usize>(cg * padRows * pitch) << 2);
  const tile = scratch_alloc(3 * FEW_COLS * 4);
  const rowBytes = <usize>pitch << 2, chanBytes = <usize>(padRows * pitch) << 2;
  for (let b0 = r0; b0 < r1; b0 += block) {
    const rc = min(block, r1 - b0), rowsIn = rc + kh - 1;
    // pad[c, r, pw + ix] = x[c, b0 − ph + r, ix], zero elsewhere
    for (let c = 0; c < cg; c++) {
      for (let r = 0; r < rowsIn; r++) {
        const dst = pad + <usize>c * chanBytes + <usize>r * rowBytes, iy = b0 - ph + r;
        memory.fill(dst, 0, rowBytes);
        if (iy >= 0 && iy < h) memory.copy(dst + (<usize>pw << 2), x + (<usize>((c * h + iy) * w) << 2), <usize>w << 2);
      }
    }
    for (let i = 0; i < rc; i++) {
      const yRow = y + (<usize>((b0 + i) * wo) << 2), inRow = pad + <usize>i * rowBytes;
      for (let j0 = 0; j0 < wo; j0 += FEW_COLS) {
        let vacc0x0 = f32x4.splat(0), vacc0x1 = vacc0x0, vacc1x0 = vacc0x0, vacc1x1 = vacc0x0, vacc2x0 = vacc0x0, vacc2x1 = vacc0x0;
        let tp = taps;
        for (let c = 0; c < cg; c++) {
          for (let u = 0; u < kh; u++) {
            let xp = inRow + <usize>c * chanBytes + <usize>u * rowBytes + (<usize>j0 << 2);
            const xEnd = xp + (<usize>kw << 2);
            for (; xp < xEnd; xp += 4) {
              const vx0 = v128.load(xp), vx1 = v128.load(xp, 16);
              const vw0 = v128.load(tp), vw1 = v128.load(tp, 16), vw2 = v128.load(tp, 32);
              vacc0x0 = muladd(vacc0x0, vw0, vx0); vacc0x1 = muladd(vacc0x1, vw0, vx1);
              vacc1x0 = muladd(vacc1x0, vw1, vx0); vacc1x1 = muladd(vacc1x1, vw1, vx1);
              vacc2x0 = muladd(vacc2x0, vw2, vx0); vacc2x1 = muladd(vacc2x1, vw2, vx1);
              tp += 48;
            }
          }
        }
        // a whole step goes straight to y; the last, partial one through the tile
        const full = j0 + FEW_COLS <= wo;
        const dst = full ? yRow + (<usize>j0 << 2) : tile, ld: usize = full ? <usize>(ho * wo) << 2 : FEW_COLS * 4;
        v128.store(dst, vacc0x0); v128.store(dst, vacc0x1, 16);
        if (og > 1) { v128.store(dst + ld, vacc1x0); v128.store(dst + ld, vacc1x1, 16); }
        if (og > 2) { v128.store(dst + 2 * ld, vacc2x0); v128.store(dst + 2 * ld, vacc2x1, 16); }
        if (!full) {
          for (let o = 0; o < og; o++) memory.copy(yRow + (<usize>(o * ho * wo + j0) << 2), tile + <usize>(o * FEW_COLS * 4), <usize>(wo - j0) << 2);
        }
      }
    }
  }
  scratch_release(mark);
}
