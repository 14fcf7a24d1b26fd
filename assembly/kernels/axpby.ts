// axpby   (twin: src/kernels/axpby.ts; test: test/kernels/axpby.prop.test.ts)
// out[i] = a·x[i] + b·y[i] (i < n; y = 0: out[i] = a·x[i]) in f64, rounded to f32 once: bit-identical
// to the twin. x, y, out are byte offsets; out may equal x or y.

export function axpby(x: usize, a: f64, y: usize, b: f64, n: i32, out: usize): void {
  assert(n >= 0, 'axpby: negative size');
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const va = f64x2.splat(a), vb = f64x2.splat(b);
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      const vx = v128.load(x + off);
      let vlo = f64x2.mul(va, f64x2.promote_low_f32x4(vx));
      let vhi = f64x2.mul(va, f64x2.promote_low_f32x4(v128.shuffle<f32>(vx, vx, 2, 3, 0, 1)));
      if (y != 0) {
        const vy = v128.load(y + off);
        vlo = f64x2.add(vlo, f64x2.mul(vb, f64x2.promote_low_f32x4(vy)));
        vhi = f64x2.add(vhi, f64x2.mul(vb, f64x2.promote_low_f32x4(v128.shuffle<f32>(vy, vy, 2, 3, 0, 1))));
      }
      v128.store(out + off, v128.shuffle<f32>(f32x4.demote_f64x2_zero(vlo), f32x4.demote_f64x2_zero(vhi), 0, 1, 4, 5));
    }
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    let r = a * <f64>load<f32>(x + off);
    if (y != 0) r += b * <f64>load<f32>(y + off);
    store<f32>(out + off, <f32>r);
  }
}
