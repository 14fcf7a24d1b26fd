// spectral_norm_grad   (twin: src/kernels/spectral_norm_grad.ts; test: test/kernels/spectral_norm_grad.prop.test.ts)
// g = (dy − c·u vᵀ)·inv over the [before, h, after] layout, c = ⟨dy, out⟩ (see the twin): f64
// arithmetic, g rounded to f32 once; c in the twin's four-lane order (two f64x2 accumulators hold
// lanes 0 1 and 2 3), so the result is bit-identical. dy, out, u, v, g are byte offsets.

/** ⟨a, b⟩ over n f32 elements in f64: lane j sums i ≡ j (mod 4), then (s0 + s1) + (s2 + s3). */
function dotLanes4(a: usize, b: usize, n: i32): f64 {
  let s0: f64 = 0, s1: f64 = 0, s2: f64 = 0, s3: f64 = 0;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    let vacc01 = f64x2.splat(0), vacc23 = vacc01;
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      const va = v128.load(a + off), vb = v128.load(b + off);
      vacc01 = f64x2.add(vacc01, f64x2.mul(f64x2.promote_low_f32x4(va), f64x2.promote_low_f32x4(vb)));
      vacc23 = f64x2.add(vacc23, f64x2.mul(
        f64x2.promote_low_f32x4(v128.shuffle<f32>(va, va, 2, 3, 0, 1)), f64x2.promote_low_f32x4(v128.shuffle<f32>(vb, vb, 2, 3, 0, 1))));
    }
    s0 = f64x2.extract_lane(vacc01, 0); s1 = f64x2.extract_lane(vacc01, 1);
    s2 = f64x2.extract_lane(vacc23, 0); s3 = f64x2.extract_lane(vacc23, 1);
  }
  for (; i < n; i++) {
    const off = <usize>i << 2, t = <f64>load<f32>(a + off) * <f64>load<f32>(b + off);
    const lane = i & 3;
    if (lane == 0) s0 += t;
    else if (lane == 1) s1 += t;
    else if (lane == 2) s2 += t;
    else s3 += t;
  }
  return (s0 + s1) + (s2 + s3);
}

export function spectral_norm_grad(dy: usize, out: usize, u: usize, v: usize, before: i32, h: i32, after: i32, inv: f64, g: usize): void {
  assert(before >= 0 && h >= 0 && after >= 0, 'spectral_norm_grad: negative size');
  const c = dotLanes4(dy, out, before * h * after);
  let f: usize = 0; // byte offset of element (q, r, 0)
  for (let q = 0; q < before; q++) {
    const vrow = v + (<usize>(q * after) << 2);
    for (let r = 0; r < h; r++) {
      const cu = c * <f64>load<f32>(u + (<usize>r << 2));
      let k = 0;
      if (ASC_FEATURE_SIMD) {
        const vcu = f64x2.splat(cu), vinv = f64x2.splat(inv);
        for (; k + 4 <= after; k += 4) {
          const off = <usize>k << 2;
          const vd = v128.load(dy + f + off), vv = v128.load(vrow + off);
          const vlo = f64x2.mul(f64x2.sub(f64x2.promote_low_f32x4(vd), f64x2.mul(vcu, f64x2.promote_low_f32x4(vv))), vinv);
          const vhi = f64x2.mul(f64x2.sub(
            f64x2.promote_low_f32x4(v128.shuffle<f32>(vd, vd, 2, 3, 0, 1)),
            f64x2.mul(vcu, f64x2.promote_low_f32x4(v128.shuffle<f32>(vv, vv, 2, 3, 0, 1)))), vinv);
          v128.store(g + f + off, v128.shuffle<f32>(f32x4.demote_f64x2_zero(vlo), f32x4.demote_f64x2_zero(vhi), 0, 1, 4, 5));
        }
      }
      for (; k < after; k++) {
        const off = <usize>k << 2;
        store<f32>(g + f + off, <f32>((<f64>load<f32>(dy + f + off) - cu * <f64>load<f32>(vrow + off)) * inv));
      }
      f += <usize>after << 2;
    }
  }
}
