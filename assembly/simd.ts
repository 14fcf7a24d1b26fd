// Small @inline helpers shared by the kernels (SIMD builds only call them under ASC_FEATURE_SIMD).

/**
 * acc + a·b: one f32x4.mul and one f32x4.add (two roundings, like the scalar build), or in the
 * relaxed-SIMD build f32x4.relaxed_madd, which x86 engines with FMA run as one fused instruction
 * (one rounding: results differ from the other builds in the last bits; see the README).
 */
// @ts-ignore: decorator
@inline export function muladd(acc: v128, a: v128, b: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}

/**
 * Reads a 4×4 f32 block whose rows start at r0..r3 (4 contiguous floats each) and stores its
 * transpose as 4 vectors at dst, dst + stride, dst + 2·stride, dst + 3·stride (bytes):
 *   rows  r0 = [a0 a1 a2 a3]        stores  dst + 0·stride = [a0 b0 c0 d0]
 *         r1 = [b0 b1 b2 b3]   →            dst + 1·stride = [a1 b1 c1 d1]
 *         r2 = [c0 …], r3 = [d0 …]          …
 * V8 lowers these shuffles to unpcklps / unpckhps / movlhps / movhlps.
 */
// @ts-ignore: decorator
@inline export function transpose4x4(r0: usize, r1: usize, r2: usize, r3: usize, dst: usize, stride: usize): void {
  const va = v128.load(r0), vb = v128.load(r1), vc = v128.load(r2), vd = v128.load(r3);
  const vab01 = v128.shuffle<f32>(va, vb, 0, 4, 1, 5); // a0 b0 a1 b1
  const vab23 = v128.shuffle<f32>(va, vb, 2, 6, 3, 7); // a2 b2 a3 b3
  const vcd01 = v128.shuffle<f32>(vc, vd, 0, 4, 1, 5);
  const vcd23 = v128.shuffle<f32>(vc, vd, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<f32>(vab01, vcd01, 0, 1, 4, 5));
  v128.store(dst + stride, v128.shuffle<f32>(vab01, vcd01, 2, 3, 6, 7));
  v128.store(dst + 2 * stride, v128.shuffle<f32>(vab23, vcd23, 0, 1, 4, 5));
  v128.store(dst + 3 * stride, v128.shuffle<f32>(vab23, vcd23, 2, 3, 6, 7));
}

/** dst[0..n) = src[0..n) (f32, non-overlapping); f32x4 body, scalar tail. */
// @ts-ignore: decorator
@inline export function copyF32(dst: usize, src: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
  }
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
}

/** dst[0..n) = 0. */
// @ts-ignore: decorator
@inline export function zeroF32(dst: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vzero = f32x4.splat(0);
    for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), vzero);
  }
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), 0);
}

/** dst[0..n) += src[0..n). */
// @ts-ignore: decorator
@inline export function addF32(dst: usize, src: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= n; i += 4) {
      const d = dst + (<usize>i << 2);
      v128.store(d, f32x4.add(v128.load(d), v128.load(src + (<usize>i << 2))));
    }
  }
  for (; i < n; i++) {
    const d = dst + (<usize>i << 2);
    store<f32>(d, load<f32>(d) + load<f32>(src + (<usize>i << 2)));
  }
}

// A conv row reads input column ix = ox·s + off (s ≥ 1, off = v·dw − pw may be negative).
// The outputs with ix ∈ [0, w) are ox ∈ [validLo, validHi), both clamped to [0, ow]; when no ox
// is valid, validLo ≥ validHi (callers clamp lo to hi).
// @ts-ignore: decorator
@inline export function validLo(off: i32, s: i32, ow: i32): i32 {
  return min(off >= 0 ? 0 : (s - 1 - off) / s, ow);
}

// @ts-ignore: decorator
@inline export function validHi(off: i32, s: i32, w: i32, ow: i32): i32 {
  return w - 1 - off < 0 ? 0 : min((w - 1 - off) / s + 1, ow);
}
