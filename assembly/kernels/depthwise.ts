// depthwise   (twin: src/kernels/depthwise.ts; test: test/kernels/depthwise.prop.test.ts)
// Depthwise conv: groups = Cin = c, weight [c·m, 1, kh, kw] (channel multiplier m); output channel
// o = ci·m + j reads input channel ci only:
//   y[b, o, i, j′] = Σ_{u,v} wt[o, u, v] · x[b, ci, i·sh − ph + u·dh, j′·sw − pw + v·dw]   (0 outside)
// depthwise(kind, …): kind 0 = forward (a = x, b = wt, out = y), 1 = its adjoint in x (a = dy,
// b = wt, out = dx), 2 = its adjoint in wt (a = x, b = dy, out = dw); each overwrites its output
// for the input channels [c0, c1) only (the thread pool splits calls by channel range).
// Arrays are byte offsets into memory.
//
// Vectorised along the output row. An output row is split once into [checked | interior | checked]
// columns: in the interior every tap v reads inside the input row, so the f32x4 loop (8 outputs,
// then 4) has no bounds test; rows u outside the input are skipped for the whole output row.
// Every output element sums its taps in (u, v) order, one mul and one add each, in both builds: the
// SIMD and scalar builds give identical forward and input gradients (the relaxed-SIMD build fuses
// the f32x4 ones: last-bit differences).
import { scratch_alloc, scratch_mark, scratch_release } from '../scratch';
import { muladd, validHi, validLo, zeroF32 } from '../simd';

export function depthwise(
  kind: i32, a: usize, b: usize, out: usize,
  n: i32, c: i32, m: i32, h: i32, w: i32, ho: i32, wo: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32,
  c0: i32, c1: i32,
): void {
  assert(n >= 0 && c >= 0 && m >= 1 && h >= 0 && w >= 0 && ho >= 0 && wo >= 0 && kh >= 1 && kw >= 1, 'depthwise: bad size');
  assert(sh >= 1 && sw >= 1 && dh >= 1 && dw >= 1, 'depthwise: stride and dilation must be ≥ 1');
  assert(c0 >= 0 && c0 <= c1 && c1 <= c, 'depthwise: channel range outside [0, c)');
  if (kind == 0) forward(a, b, out, n, c, m, h, w, ho, wo, kh, kw, sh, sw, ph, pw, dh, dw, c0, c1);
  else if (kind == 1) input(a, b, out, n, c, m, h, w, ho, wo, kh, kw, sh, sw, ph, pw, dh, dw, c0, c1);
  else weight(a, b, out, n, c, m, h, w, ho, wo, kh, kw, sh, sw, ph, pw, dh, dw, c0, c1);
}

function forward(
  x: usize, wt: usize, y: usize,
  n: i32, c: i32, m: i32, h: i32, w: i32, ho: i32, wo: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32,
  c0: i32, c1: i32,
): void {
  const kk = kh * kw;
  for (let b = 0; b < n; b++) {
    for (let ci = c0; ci < c1; ci++) {
      const xp = x + (<usize>((b * c + ci) * h * w) << 2);
      for (let j = 0; j < m; j++) {
        const o = ci * m + j;
        const yp = y + (<usize>((b * c * m + o) * ho * wo) << 2);
        plane(xp, h, w, wt + (<usize>(o * kk) << 2), false, yp, ho, wo, kh, kw, sh, sw, ph, pw, dh, dw, false);
      }
    }
  }
}

function input(
  dy: usize, wt: usize, dx: usize,
  n: i32, c: i32, m: i32, h: i32, w: i32, ho: i32, wo: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32,
  c0: i32, c1: i32,
): void {
  const kk = kh * kw;
  for (let b = 0; b < n; b++) {
    for (let ci = c0; ci < c1; ci++) {
      const xp = dx + (<usize>((b * c + ci) * h * w) << 2);
      if (sh != 1 || sw != 1) zeroF32(xp, h * w);
      for (let j = 0; j < m; j++) {
        const o = ci * m + j;
        const yp = dy + (<usize>((b * c * m + o) * ho * wo) << 2), wp = wt + (<usize>(o * kk) << 2);
        // Stride 1: the adjoint is a gather too — a correlation of dy with the flipped kernel and
        // padding d·(k − 1) − p (negative when p is larger: then it crops instead of padding).
        if (sh == 1 && sw == 1) plane(yp, ho, wo, wp, true, xp, h, w, kh, kw, 1, 1, dh * (kh - 1) - ph, dw * (kw - 1) - pw, dh, dw, j > 0);
        else scatter(yp, wp, xp, h, w, ho, wo, kh, kw, sh, sw, ph, pw, dh, dw);
      }
    }
  }
}

function weight(
  x: usize, dy: usize, dwt: usize,
  n: i32, c: i32, m: i32, h: i32, w: i32, ho: i32, wo: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32,
  c0: i32, c1: i32,
): void {
  const kk = kh * kw;
  // Per tap: an f32x4 accumulator (each row's vector partial sum is added to it: the row's even and
  // odd vectors in two chains, then chain 0 + chain 1) and a scalar one for the row ends;
  // dw = (lane0 + lane1) + (lane2 + lane3) + scalar. The scalar build has only
  // the scalar sum, so its weight gradients round differently (both within the reference's bound).
  const mark = scratch_mark();
  const vacc = scratch_alloc(<usize>kk << 4), sacc = scratch_alloc(<usize>kk << 2);
  for (let ci = c0; ci < c1; ci++) {
    for (let j = 0; j < m; j++) {
      const o = ci * m + j;
      zeroF32(vacc, kk * 4);
      zeroF32(sacc, kk);
      for (let b = 0; b < n; b++) {
        const xp = x + (<usize>((b * c + ci) * h * w) << 2);
        const yp = dy + (<usize>((b * c * m + o) * ho * wo) << 2);
        for (let oy = 0; oy < ho; oy++) {
          const yr = yp + (<usize>(oy * wo) << 2);
          const base = oy * sh - ph;
          const u1 = validHi(base, dh, h, kh), u0 = min(validLo(base, dh, kh), u1);
          for (let u = u0; u < u1; u++) {
            const xr = xp + (<usize>((base + u * dh) * w) << 2);
            for (let v = 0; v < kw; v++) {
              const off = v * dw - pw;
              const hi = validHi(off, sw, w, wo), lo = min(validLo(off, sw, wo), hi);
              const t = u * kw + v;
              let ox = lo;
              if (ASC_FEATURE_SIMD) {
                if (sw == 1 && ox + 4 <= hi) {
                  // two chains, so the adds' latency overlaps (raw export, ∂w: 64 × 128² 1.57 → 1.49–1.50 ms,
                  // 32 × 256² 2.66–2.69 → 2.27–2.33, 128 × 64² 1.14 → 1.04; four chains: mixed)
                  let r0 = f32x4.splat(0), r1 = r0;
                  for (; ox + 8 <= hi; ox += 8) {
                    const yo = yr + (<usize>ox << 2), xo = xr + (<usize>(ox + off) << 2);
                    r0 = muladd(r0, v128.load(yo), v128.load(xo));
                    r1 = muladd(r1, v128.load(yo, 16), v128.load(xo, 16));
                  }
                  if (ox + 4 <= hi) {
                    r0 = muladd(r0, v128.load(yr + (<usize>ox << 2)), v128.load(xr + (<usize>(ox + off) << 2)));
                    ox += 4;
                  }
                  const va = vacc + (<usize>t << 4);
                  v128.store(va, f32x4.add(v128.load(va), f32x4.add(r0, r1)));
                }
              }
              let s: f32 = 0;
              for (; ox < hi; ox++) s += load<f32>(yr + (<usize>ox << 2)) * load<f32>(xr + (<usize>(ox * sw + off) << 2));
              const sa = sacc + (<usize>t << 2);
              store<f32>(sa, load<f32>(sa) + s);
            }
          }
        }
      }
      const dp = dwt + (<usize>(o * kk) << 2);
      for (let t = 0; t < kk; t++) {
        const va = vacc + (<usize>t << 4);
        const lanes = (load<f32>(va) + load<f32>(va, 4)) + (load<f32>(va, 8) + load<f32>(va, 12));
        store<f32>(dp + (<usize>t << 2), lanes + load<f32>(sacc + (<usize>t << 2)));
      }
    }
  }
  scratch_release(mark);
}

/**
 * One output plane yp [ho, wo] (+)= the correlation of one input plane xp [h, w] with one kernel wp
 * [kh, kw] (read flipped when `flip`): out[i, j] (+)= Σ_{u,v} k[u, v] · in[i·sh − ph + u·dh, j·sw − pw + v·dw].
 * Padding may be negative (a crop).
 */
function plane(xp: usize, h: i32, w: i32, wp: usize, flip: bool, yp: usize, ho: i32, wo: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, add: bool): void {
  // interior columns [lo, hi): every tap in the row
  let lo = 0, hi = wo;
  for (let v = 0; v < kw; v++) {
    const off = v * dw - pw;
    lo = max(lo, validLo(off, sw, wo));
    hi = min(hi, validHi(off, sw, w, wo));
  }
  if (hi < lo) hi = lo;
  // weight (u, v) sits at wp + wu·u + wv·v (bytes)
  const wu: isize = flip ? -(<isize>kw << 2) : <isize>kw << 2, wv: isize = flip ? -4 : 4;
  const w0 = flip ? wp + (<usize>(kh * kw - 1) << 2) : wp;
  const rowBytes = <usize>w << 2;
  // 3×3 with unit column stride and dilation: the nine taps splatted once per plane, in (u, v)
  // order, into a scratch block that rows3x3 keeps in registers
  const k33 = ASC_FEATURE_SIMD && kh == 3 && kw == 3 && sw == 1 && dw == 1;
  const mark = scratch_mark();
  let taps: usize = 0;
  if (ASC_FEATURE_SIMD) {
    if (k33) {
      taps = scratch_alloc(9 << 4);
      for (let t = 0; t < 9; t++) {
        v128.store(taps + (<usize>t << 4), f32x4.splat(load<f32>(w0 + <usize>(<isize>(t / 3) * wu + <isize>(t % 3) * wv))));
      }
    }
  }
  for (let oy = 0; oy < ho; oy++) {
    const yr = yp + (<usize>(oy * wo) << 2);
    const base = oy * sh - ph;
    const u1 = validHi(base, dh, h, kh), u0 = min(validLo(base, dh, kh), u1);
    const xr0 = xp + <usize>(<isize>base * <isize>rowBytes); // row of u = 0 (may lie outside the plane: only rows u0…u1 are read)
    const xu = <usize>dh * rowBytes;
    checked(xr0, w, w0, wu, wv, yr, 0, lo, u0, u1, kw, sw, pw, dw, xu, add);
    let ox = lo;
    if (ASC_FEATURE_SIMD) {
      if (k33 && u0 == 0 && u1 == 3) ox += rows3x3(xr0 + (<usize>(ox - pw) << 2), xu, yr + (<usize>ox << 2), hi - ox, add, taps);
      if (sw == 1) {
        for (; ox + 8 <= hi; ox += 8) {
          const yo = yr + (<usize>ox << 2);
          let a0 = add ? v128.load(yo) : f32x4.splat(0), a1 = add ? v128.load(yo, 16) : f32x4.splat(0);
          for (let u = u0; u < u1; u++) {
            const xr = xr0 + <usize>u * xu + (<usize>(ox - pw) << 2), wr = w0 + <usize>(<isize>u * wu);
            for (let v = 0; v < kw; v++) {
              const k = f32x4.splat(load<f32>(wr + <usize>(<isize>v * wv)));
              const p = xr + (<usize>(v * dw) << 2);
              a0 = muladd(a0, k, v128.load(p));
              a1 = muladd(a1, k, v128.load(p, 16));
            }
          }
          v128.store(yo, a0);
          v128.store(yo, a1, 16);
        }
        for (; ox + 4 <= hi; ox += 4) {
          const yo = yr + (<usize>ox << 2);
          let a0 = add ? v128.load(yo) : f32x4.splat(0);
          for (let u = u0; u < u1; u++) {
            const xr = xr0 + <usize>u * xu + (<usize>(ox - pw) << 2), wr = w0 + <usize>(<isize>u * wu);
            for (let v = 0; v < kw; v++) {
              a0 = muladd(a0, f32x4.splat(load<f32>(wr + <usize>(<isize>v * wv))), v128.load(xr + (<usize>(v * dw) << 2)));
            }
          }
          v128.store(yo, a0);
        }
      } else if (sw == 2) {
        // inputs 2·ox + off … 2·ox + off + 6 of 4 outputs: two loads, keep the even lanes (reads one
        // float past the last tap: still inside the row or the next bytes of memory, never used)
        for (; ox + 4 <= hi; ox += 4) {
          const yo = yr + (<usize>ox << 2);
          let a0 = add ? v128.load(yo) : f32x4.splat(0);
          for (let u = u0; u < u1; u++) {
            const xr = xr0 + <usize>u * xu + (<usize>(2 * ox - pw) << 2), wr = w0 + <usize>(<isize>u * wu);
            for (let v = 0; v < kw; v++) {
              const p = xr + (<usize>(v * dw) << 2);
              const even = v128.shuffle<f32>(v128.load(p), v128.load(p, 16), 0, 2, 4, 6);
              a0 = muladd(a0, f32x4.splat(load<f32>(wr + <usize>(<isize>v * wv))), even);
            }
          }
          v128.store(yo, a0);
        }
      }
    }
    checked(xr0, w, w0, wu, wv, yr, ox, hi, u0, u1, kw, sw, pw, dw, xu, add); // interior remainder (all taps pass the test)
    checked(xr0, w, w0, wu, wv, yr, hi, wo, u0, u1, kw, sw, pw, dw, xu, add);
  }
  scratch_release(mark);
}

/** Output columns [ox0, ox1) of one row, one element at a time, skipping taps outside the input row. */
// @ts-ignore: decorator
@inline function checked(xr0: usize, w: i32, w0: usize, wu: isize, wv: isize, yr: usize, ox0: i32, ox1: i32,
  u0: i32, u1: i32, kw: i32, sw: i32, pw: i32, dw: i32, xu: usize, add: bool): void {
  for (let ox = ox0; ox < ox1; ox++) {
    const yo = yr + (<usize>ox << 2);
    let a: f32 = add ? load<f32>(yo) : 0;
    for (let u = u0; u < u1; u++) {
      const xr = xr0 + <usize>u * xu, wr = w0 + <usize>(<isize>u * wu);
      for (let v = 0; v < kw; v++) {
        const ix = ox * sw - pw + v * dw;
        if (ix >= 0 && ix < w) a += load<f32>(wr + <usize>(<isize>v * wv)) * load<f32>(xr + (<usize>ix << 2));
      }
    }
    store<f32>(yo, a);
  }
}

/** Stride > 1 adjoint: dx row iy += k[u, v] · dy row oy at columns ox·sw + v·dw − pw (the col2im order). */
function scatter(yp: usize, wp: usize, xp: usize, h: i32, w: i32, ho: i32, wo: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32): void {
  for (let oy = 0; oy < ho; oy++) {
    const yr = yp + (<usize>(oy * wo) << 2);
    for (let u = 0; u < kh; u++) {
      const iy = oy * sh - ph + u * dh;
      if (iy < 0 || iy >= h) continue;
      const xr = xp + (<usize>(iy * w) << 2);
      for (let v = 0; v < kw; v++) {
        const k = load<f32>(wp + (<usize>(u * kw + v) << 2));
        const off = v * dw - pw;
        const hi = validHi(off, sw, w, wo), lo = min(validLo(off, sw, wo), hi);
        let ox = lo;
        if (ASC_FEATURE_SIMD) {
          if (sw == 1) {
            const vk = f32x4.splat(k);
            for (; ox + 4 <= hi; ox += 4) {
              const d = xr + (<usize>(ox + off) << 2);
              v128.store(d, muladd(v128.load(d), vk, v128.load(yr + (<usize>ox << 2))));
            }
          }
        }
        for (; ox < hi; ox++) {
          const d = xr + (<usize>(ox * sw + off) << 2);
          store<f32>(d, load<f32>(d) + k * load<f32>(yr + (<usize>ox << 2)));
        }
      }
    }
  }
}

/**
 * One output row of a 3×3 kernel whose three input rows are all inside the plane: out[0 … n) (+)=
 * Σ_{u,v} t_uv · in_u[j + v], input row u at x + u·xu (bytes), in (u, v) order like every other
 * path; 8 outputs a step, then 4. `taps`: the nine splatted taps. Returns how many outputs it wrote
 * (a multiple of 4). Inlined into plane()'s row loop (raw export, 3×3 stride 1, alternating builds:
 * forward 1.19 → 1.12–1.15 ms at 64 × 128², 1.95–1.99 → 1.82–1.86 at 32 × 256²; ∂x −3 to −5 %).
 */
// @ts-ignore: decorator
@inline function rows3x3(x: usize, xu: usize, y: usize, n: i32, add: bool, taps: usize): i32 {
  const t00 = v128.load(taps), t01 = v128.load(taps, 16), t02 = v128.load(taps, 32);
  const t10 = v128.load(taps, 48), t11 = v128.load(taps, 64), t12 = v128.load(taps, 80);
  const t20 = v128.load(taps, 96), t21 = v128.load(taps, 112), t22 = v128.load(taps, 128);
  let j = 0;
  for (; j + 8 <= n; j += 8) {
    const p0 = x + (<usize>j << 2), p1 = p0 + xu, p2 = p1 + xu, yo = y + (<usize>j << 2);
    let a = add ? v128.load(yo) : f32x4.splat(0), b = add ? v128.load(yo, 16) : f32x4.splat(0);
    a = muladd(a, t00, v128.load(p0)); b = muladd(b, t00, v128.load(p0, 16));
    a = muladd(a, t01, v128.load(p0, 4)); b = muladd(b, t01, v128.load(p0, 20));
    a = muladd(a, t02, v128.load(p0, 8)); b = muladd(b, t02, v128.load(p0, 24));
    a = muladd(a, t10, v128.load(p1)); b = muladd(b, t10, v128.load(p1, 16));
    a = muladd(a, t11, v128.load(p1, 4)); b = muladd(b, t11, v128.load(p1, 20));
    a = muladd(a, t12, v128.load(p1, 8)); b = muladd(b, t12, v128.load(p1, 24));
    a = muladd(a, t20, v128.load(p2)); b = muladd(b, t20, v128.load(p2, 16));
    a = muladd(a, t21, v128.load(p2, 4)); b = muladd(b, t21, v128.load(p2, 20));
    a = muladd(a, t22, v128.load(p2, 8)); b = muladd(b, t22, v128.load(p2, 24));
    v128.store(yo, a);
    v128.store(yo, b, 16);
  }
  for (; j + 4 <= n; j += 4) {
    const p0 = x + (<usize>j << 2), p1 = p0 + xu, p2 = p1 + xu, yo = y + (<usize>j << 2);
    let a = add ? v128.load(yo) : f32x4.splat(0);
    a = muladd(a, t00, v128.load(p0)); a = muladd(a, t01, v128.load(p0, 4)); a = muladd(a, t02, v128.load(p0, 8));
    a = muladd(a, t10, v128.load(p1)); a = muladd(a, t11, v128.load(p1, 4)); a = muladd(a, t12, v128.load(p1, 8));
    a = muladd(a, t20, v128.load(p2)); a = muladd(a, t21, v128.load(p2, 4)); a = muladd(a, t22, v128.load(p2, 8));
    v128.store(yo, a);
  }
  return j;
}
