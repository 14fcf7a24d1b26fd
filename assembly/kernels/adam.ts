// adam   (twin: src/kernels/adam.ts; test: test/kernels/adam.prop.test.ts)
// One torch.optim.Adam update of n elements in torch's float32 op sequence (see the twin):
//   g' = wd ≠ 0 ? g + wd·p : g;  m = m·β1 + c1·g';  v = v·β2 + (c2·g')·g';  v̂ = amsgrad ? max(vmax, v) : v
//   p = p + (−stepSize·m) / (sqrt(v̂) / bc2Sqrt + eps)
// Every operation rounds to f32 and f32x4 lanes are IEEE, so the SIMD body, the scalar tail and the
// TS twin agree bit for bit. p, g, m, v, vmax are byte offsets; vmax = 0 without amsgrad.
// (max: the TS twin keeps vmax when vmax > v, so NaN in v propagates the same way in both.)

// @ts-ignore: decorator
@inline function adamScalar(
  p: usize, g: usize, m: usize, v: usize, vmax: usize,
  beta1: f32, c1: f32, beta2: f32, c2: f32, negStepSize: f32, bc2Sqrt: f32, eps: f32, wd: f32,
): void {
  let gi = load<f32>(g);
  if (wd != 0) gi = gi + wd * load<f32>(p);
  const mi = load<f32>(m) * beta1 + c1 * gi;
  let vi = load<f32>(v) * beta2 + (c2 * gi) * gi;
  store<f32>(m, mi);
  store<f32>(v, vi);
  if (vmax != 0) {
    const vh = load<f32>(vmax);
    if (vh > vi) vi = vh;
    store<f32>(vmax, vi);
  }
  const denom = sqrt<f32>(vi) / bc2Sqrt + eps;
  store<f32>(p, load<f32>(p) + (negStepSize * mi) / denom);
}

export function adam(
  p: usize, g: usize, m: usize, v: usize, vmax: usize, n: i32,
  beta1: f32, c1: f32, beta2: f32, c2: f32, negStepSize: f32, bc2Sqrt: f32, eps: f32, wd: f32,
): void {
  assert(n >= 0, 'adam: negative size');
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vbeta1 = f32x4.splat(beta1), vc1 = f32x4.splat(c1), vbeta2 = f32x4.splat(beta2), vc2 = f32x4.splat(c2);
    const vstep = f32x4.splat(negStepSize), vbc2 = f32x4.splat(bc2Sqrt), veps = f32x4.splat(eps), vwd = f32x4.splat(wd);
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      const vp = v128.load(p + off);
      let vg = v128.load(g + off);
      if (wd != 0) vg = f32x4.add(vg, f32x4.mul(vwd, vp));
      const vm = f32x4.add(f32x4.mul(v128.load(m + off), vbeta1), f32x4.mul(vc1, vg));
      let vv = f32x4.add(f32x4.mul(v128.load(v + off), vbeta2), f32x4.mul(f32x4.mul(vc2, vg), vg));
      v128.store(m + off, vm);
      v128.store(v + off, vv);
      if (vmax != 0) {
        const vh = v128.load(vmax + off);
        vv = v128.bitselect(vh, vv, f32x4.gt(vh, vv)); // vh where vh > v, else v (NaN in v kept)
        v128.store(vmax + off, vv);
      }
      const vdenom = f32x4.add(f32x4.div(f32x4.sqrt(vv), vbc2), veps);
      v128.store(p + off, f32x4.add(vp, f32x4.div(f32x4.mul(vstep, vm), vdenom)));
    }
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    adamScalar(p + off, g + off, m + off, v + off, vmax == 0 ? 0 : vmax + off, beta1, c1, beta2, c2, negStepSize, bc2Sqrt, eps, wd);
  }
}
