// layer_grad   (twin: src/kernels/layer_grad.ts; test: test/kernels/layer_grad.prop.test.ts)
// v = f32(kc·(f − p)) (0 without p), v = f32(v + ks·sf) (with sf), out = accumulate ? out + v : v, in
// float64 rounded where the twin rounds: f − p of two floats is exact in f64, the product rounds in
// f64 then to f32, as the twin's Math.fround(kc * (f − p)); out + v of two floats rounded to f32 is
// f32.add. f, p, sf, out are byte offsets (p, sf: 0 = absent); out may be f.

export function layer_grad(n: i32, f: usize, p: usize, kc: f64, sf: usize, ks: f64, out: usize, accumulate: bool): void {
  assert(n >= 0, 'layer_grad: negative size');
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    const vkc = f64x2.splat(kc), vks = f64x2.splat(ks);
    for (; j + 4 <= n; j += 4) {
      const off = <usize>j << 2;
      // lanes 0, 1 in vlo and 2, 3 in vhi as f64x2; vx23 moves a vector's lanes 2, 3 down
      let vlo = f64x2.splat(0), vhi = vlo;
      if (p != 0) {
        const vf = v128.load(f + off), vp = v128.load(p + off);
        const vf23 = v128.shuffle<f32>(vf, vf, 2, 3, 0, 1), vp23 = v128.shuffle<f32>(vp, vp, 2, 3, 0, 1);
        vlo = roundF32(f64x2.mul(vkc, f64x2.sub(f64x2.promote_low_f32x4(vf), f64x2.promote_low_f32x4(vp))));
        vhi = roundF32(f64x2.mul(vkc, f64x2.sub(f64x2.promote_low_f32x4(vf23), f64x2.promote_low_f32x4(vp23))));
      }
      if (sf != 0) {
        const vs = v128.load(sf + off), vs23 = v128.shuffle<f32>(vs, vs, 2, 3, 0, 1);
        vlo = f64x2.add(vlo, f64x2.mul(vks, f64x2.promote_low_f32x4(vs)));
        vhi = f64x2.add(vhi, f64x2.mul(vks, f64x2.promote_low_f32x4(vs23)));
      }
      let v = v128.shuffle<f32>(f32x4.demote_f64x2_zero(vlo), f32x4.demote_f64x2_zero(vhi), 0, 1, 4, 5);
      if (accumulate) v = f32x4.add(v128.load(out + off), v);
      v128.store(out + off, v);
    }
  }
  for (; j < n; j++) {
    const off = <usize>j << 2;
    let v: f64 = 0;
    if (p != 0) v = <f64><f32>(kc * (<f64>load<f32>(f + off) - <f64>load<f32>(p + off)));
    if (sf != 0) v = <f64><f32>(v + ks * <f64>load<f32>(sf + off));
    const r = <f32>v;
    store<f32>(out + off, accumulate ? load<f32>(out + off) + r : r);
  }
}

/** Each f64 lane rounded to the nearest f32 (ties to even) and back: Math.fround per lane. */
// @ts-ignore: decorator
@inline function roundF32(v: v128): v128 {
  return f64x2.promote_low_f32x4(f32x4.demote_f64x2_zero(v));
}
