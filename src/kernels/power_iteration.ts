// power_iteration   (twin: assembly/kernels/power_iteration.ts; test: test/kernels/power_iteration.prop.test.ts)
// `iters` steps of the power iteration for the largest singular value σ of a weight's [h, w] matrix
// view (spectral normalisation, torch.nn.utils.spectral_norm): the weight is laid out [before, h,
// after], w = before·after, and element (q, r, k) at (q·h + r)·after + k is row r, column q·after + k
// (dim 0 of a Linear/Conv2d weight: before = 1; dim 1 of a ConvTranspose2d one: before = Cin).
//   v ← normalize(Wᵀu),  u ← normalize(W v),   normalize(x) = x / max(‖x‖, eps)
// u [h] and v [w] are updated in place. Returns ‖W v‖ of the last step — σ = uᵀ W v for the new u
// and v — or NaN when iters is 0. The reference accumulates in float64; the WASM twin in float32
// lanes (the norms in float64), so the paths agree to rounding, not bit for bit.

/** x ← x / max(‖x‖, eps); returns ‖x‖ before. */
export function normalize(x: Float64Array, eps: number): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  const norm = Math.sqrt(s), d = Math.max(norm, eps);
  for (let i = 0; i < x.length; i++) x[i] /= d;
  return norm;
}

export function power_iteration(
  weight: Float32Array, before: number, h: number, after: number, u: Float32Array, v: Float32Array, iters: number, eps: number,
): number {
  const u64 = Float64Array.from(u.subarray(0, h)), v64 = Float64Array.from(v.subarray(0, before * after));
  let sigma = NaN;
  for (let it = 0; it < iters; it++) {
    // v ← Wᵀu: each matrix row r adds W[row r]·u[r] to its columns
    v64.fill(0);
    for (let q = 0, f = 0; q < before; q++) {
      const c0 = q * after;
      for (let r = 0; r < h; r++) {
        const ur = u64[r];
        for (let k = 0; k < after; k++, f++) v64[c0 + k] += weight[f] * ur;
      }
    }
    normalize(v64, eps);
    // u ← W v
    u64.fill(0);
    for (let q = 0, f = 0; q < before; q++) {
      const c0 = q * after;
      for (let r = 0; r < h; r++) {
        let t = 0;
        for (let k = 0; k < after; k++, f++) t += weight[f] * v64[c0 + k];
        u64[r] += t;
      }
    }
    sigma = normalize(u64, eps);
  }
  u.set(u64);
  v.set(v64);
  return sigma;
}
