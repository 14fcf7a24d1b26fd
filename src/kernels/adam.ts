// adam   (twin: assembly/kernels/adam.ts; test: test/kernels/adam.prop.test.ts)
// One torch.optim.Adam update (PyTorch 1.13, single-tensor path) of n elements, in torch's float32
// op sequence with every operation rounded to float32 (Math.fround), so the WASM twin (scalar and
// f32x4 lanes alike, no FMA) is bit-identical:
//   g' = wd ≠ 0 ? g + wd·p : g                  grad.add(param, alpha=wd)
//   m  = m·β1 + c1·g'                           exp_avg.mul_(β1).add_(g', alpha=c1),  c1 = 1 − β1
//   v  = v·β2 + (c2·g')·g'                      exp_avg_sq.mul_(β2).addcmul_(g', g', value=c2)
//   v̂  = amsgrad ? (vmax = max(vmax, v)) : v
//   p  = p + (−stepSize·m) / (sqrt(v̂) / bc2Sqrt + eps)      param.addcdiv_(m, denom, value=−stepSize)
// The scalars (β1, c1, β2, c2, −stepSize, bc2Sqrt, eps, wd) are float32 values computed by the caller
// in float64 (torch's Python floats) and rounded once. vmax is null without amsgrad.
const f = Math.fround;

export function adam(
  p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, vmax: Float32Array | null, n: number,
  beta1: number, c1: number, beta2: number, c2: number, negStepSize: number, bc2Sqrt: number, eps: number, wd: number,
): void {
  for (let i = 0; i < n; i++) {
    const gi = wd === 0 ? g[i] : f(g[i] + f(wd * p[i]));
    const mi = f(f(m[i] * beta1) + f(c1 * gi));
    let vi = f(f(v[i] * beta2) + f(f(c2 * gi) * gi));
    m[i] = mi;
    v[i] = vi;
    if (vmax !== null) {
      if (vmax[i] > vi) vi = vmax[i];
      vmax[i] = vi;
    }
    const denom = f(f(f(Math.sqrt(vi)) / bc2Sqrt) + eps);
    p[i] = f(p[i] + f(f(negStepSize * mi) / denom));
  }
}
